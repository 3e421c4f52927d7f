#include "registry/www_authenticate.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* RFC 7230 tchar */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

struct cursor {
	const char *p, *end;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static size_t token(struct cursor *c, const char **start)
{
	*start = c->p;
	while (c->p < c->end && is_tchar(*c->p))
		c->p++;
	return (size_t)(c->p - *start);
}

/* A quoted string, or an unquoted value, into out (NUL-terminated); -1 if
 * malformed or longer than cap - 1. Unquoted values run to a comma or
 * blank: stricter than RFC 7235's token would refuse unquoted URLs that
 * registries in the wild send. */
static int value(struct cursor *c, char *out, size_t cap)
{
	size_t n = 0;
	if (c->p < c->end && *c->p == '"') {
		c->p++;
		while (c->p < c->end && *c->p != '"') {
			char ch = *c->p++;
			if (ch == '\\') {
				if (c->p >= c->end)
					return -1;
				ch = *c->p++;
			}
			if ((unsigned char)ch < 0x20 && ch != '\t')
				return -1;
			if (n + 1 >= cap)
				return -1;
			out[n++] = ch;
		}
		if (c->p >= c->end)
			return -1;
		c->p++;
	} else {
		while (c->p < c->end && (unsigned char)*c->p > 0x20 && *c->p != ',' && *c->p != '"' &&
		       *c->p != 0x7f) {
			if (n + 1 >= cap)
				return -1;
			out[n++] = *c->p++;
		}
		if (n == 0)
			return -1;
	}
	out[n] = '\0';
	return 0;
}

int lb_www_auth_parse(const char *v, size_t len, struct lb_www_auth *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	struct cursor c = {v, v + len};
	const char *s;
	skip_ws(&c);
	size_t n = token(&c, &s);
	if (n == 0)
		return lb_fail(err, LB_EINTEGRITY, "WWW-Authenticate: no auth scheme");
	if (n == 5 && !strncasecmp(s, "basic", 5))
		out->scheme = LB_AUTH_BASIC;
	else if (n == 6 && !strncasecmp(s, "bearer", 6))
		out->scheme = LB_AUTH_BEARER;
	else
		out->scheme = LB_AUTH_OTHER;
	for (;;) {
		skip_ws(&c);
		while (c.p < c.end && *c.p == ',') {
			c.p++;
			skip_ws(&c);
		}
		if (c.p >= c.end)
			break;
		const char *name;
		size_t name_len = token(&c, &name);
		if (name_len == 0)
			return lb_fail(err, LB_EINTEGRITY, "WWW-Authenticate: malformed parameter");
		skip_ws(&c);
		if (c.p >= c.end || *c.p != '=')
			break; /* the next challenge begins: only the first is read */
		c.p++;
		skip_ws(&c);
		char scratch[1024];
		char *dst = scratch;
		size_t cap = sizeof(scratch);
		if (name_len == 5 && !strncasecmp(name, "realm", 5))
			dst = out->realm, cap = sizeof(out->realm);
		else if (name_len == 7 && !strncasecmp(name, "service", 7))
			dst = out->service, cap = sizeof(out->service);
		else if (name_len == 5 && !strncasecmp(name, "scope", 5))
			dst = out->scope, cap = sizeof(out->scope);
		else if (name_len == 5 && !strncasecmp(name, "error", 5))
			dst = out->error, cap = sizeof(out->error);
		if (value(&c, dst, cap))
			return lb_fail(err, LB_EINTEGRITY,
				       "WWW-Authenticate: parameter %.*s: malformed or too long",
				       (int)(name_len > 32 ? 32 : name_len), name);
	}
	if (out->scheme == LB_AUTH_BEARER && !out->realm[0])
		return lb_fail(err, LB_EINTEGRITY, "WWW-Authenticate: Bearer challenge without realm");
	return LB_OK;
}
