#include "engine/negotiate.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lb_engine_parse_host(const char *host, struct lb_engine_host *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!strncmp(host, "unix://", 7)) {
		const char *path = host + 7;
		if (path[0] != '/')
			return lb_fail(err, LB_EUSAGE, "engine host %.300s: a unix socket needs an absolute path (unix:///path)", host);
		if (strlen(path) >= sizeof(out->socket_path))
			return lb_fail(err, LB_EUSAGE, "engine host %.300s: socket path too long", host);
		out->is_unix = true;
		strcpy(out->socket_path, path);
		/* The host part of the URL is only the Host: header here. */
		strcpy(out->base_url, "http://localhost");
		return LB_OK;
	}
	if (!strncmp(host, "tcp://", 6)) {
		const char *hp = host + 6;
		size_t n = strcspn(hp, "/");
		const char *colon = memrchr(hp, ':', n);
		if (n == 0 || !colon || colon == hp || colon + 1 == hp + n)
			return lb_fail(err, LB_EUSAGE, "engine host %.300s: expected tcp://HOST:PORT", host);
		if (hp[n] && strcmp(hp + n, "/"))
			return lb_fail(err, LB_EUSAGE, "engine host %.300s: no path after HOST:PORT", host);
		for (const char *p = colon + 1; p < hp + n; p++)
			if (*p < '0' || *p > '9')
				return lb_fail(err, LB_EUSAGE, "engine host %.300s: the port is not a number", host);
		for (const char *p = hp; p < hp + n; p++)
			if (*p <= ' ' || *p == '@' || *p == '?' || *p == '#')
				return lb_fail(err, LB_EUSAGE, "engine host %.300s: bad character in the host", host);
		if (n + 8 > sizeof(out->base_url))
			return lb_fail(err, LB_EUSAGE, "engine host %.300s: too long", host);
		snprintf(out->base_url, sizeof(out->base_url), "http://%.*s", (int)n, hp);
		return LB_OK;
	}
	return lb_fail(err, LB_EUSAGE, "engine host %.300s: expected unix:///PATH or tcp://HOST:PORT", host);
}

/* "1.41" -> 1 and 41; anything else is refused. */
static int parse_api(const char *s, unsigned *major, unsigned *minor)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	unsigned long ma = strtoul(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -1;
	unsigned long mi = strtoul(end + 1, &end, 10);
	if (*end || ma > 99 || mi > 999)
		return -1;
	*major = (unsigned)ma;
	*minor = (unsigned)mi;
	return 0;
}

int lb_engine_api_choose(const char *server_api, char out[16], struct lb_err *err)
{
	unsigned sma, smi, xma, xmi, nma, nmi;
	if (parse_api(server_api, &sma, &smi))
		return lb_fail(err, LB_EINTEGRITY, "engine: ApiVersion %.40s is not MAJOR.MINOR", server_api);
	parse_api(LB_ENGINE_API_MAX, &xma, &xmi);
	parse_api(LB_ENGINE_API_MIN, &nma, &nmi);
	if (sma < nma || (sma == nma && smi < nmi))
		return lb_fail(err, LB_EUNSAFE,
			       "engine: API version %s is too old: lifeboat needs API %s or newer (Docker Engine 19.03+, 20.10 recommended, or podman's service)",
			       server_api, LB_ENGINE_API_MIN);
	if (sma > xma || (sma == xma && smi > xmi))
		snprintf(out, 16, "%s", LB_ENGINE_API_MAX);
	else
		snprintf(out, 16, "%u.%u", sma, smi);
	return LB_OK;
}

int lb_engine_identify(const json_t *version, struct lb_engine_identity *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	const char *api = json_string_value(json_object_get(version, "ApiVersion"));
	const char *ver = json_string_value(json_object_get(version, "Version"));
	if (!json_is_object(version) || !api)
		return lb_fail(err, LB_EINTEGRITY, "engine: /version has no ApiVersion");
	snprintf(out->server_api, sizeof(out->server_api), "%s", api);
	/* Podman names its component "Podman Engine"; Docker's is "Engine",
	 * and Platform.Name is a distribution's string ("Docker Engine -
	 * Community", or empty for Debian's docker.io). */
	const json_t *comps = json_object_get(version, "Components");
	size_t i;
	const json_t *c;
	json_array_foreach(comps, i, c) {
		const char *name = json_string_value(json_object_get(c, "Name"));
		const char *cver = json_string_value(json_object_get(c, "Version"));
		if (!name || !cver)
			continue;
		if (!strcmp(name, "Podman Engine")) {
			out->is_podman = true;
			snprintf(out->product, sizeof(out->product), "Podman Engine %.100s", cver);
			return LB_OK;
		}
		if (!strcmp(name, "Engine")) {
			snprintf(out->product, sizeof(out->product), "Docker Engine %.100s", cver);
			return LB_OK;
		}
	}
	snprintf(out->product, sizeof(out->product), "Docker Engine %.100s", ver ? ver : "(unknown version)");
	return LB_OK;
}

int lb_engine_status_code(long s)
{
	if (s >= 200 && s < 400)
		return LB_OK;
	switch (s) {
	case 404:
		return LB_ENOTFOUND;
	case 409:
	case 401:
	case 403:
		return LB_EUNSAFE;
	case 400:
		return LB_EUSAGE;
	default:
		return LB_EFAIL;
	}
}

static int contains(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

int lb_engine_progress_error(const json_t *line, const char *what, struct lb_err *err)
{
	const json_t *detail = json_object_get(line, "errorDetail");
	const json_t *error = json_object_get(line, "error");
	if (!detail && !error)
		return LB_OK;
	const char *msg = json_string_value(json_object_get(detail, "message"));
	if (!msg)
		msg = json_string_value(error);
	if (!msg)
		msg = "(no message)";
	int code = LB_EFAIL;
	if (contains(msg, "manifest unknown") || contains(msg, "not found") ||
	    contains(msg, "name unknown"))
		code = LB_ENOTFOUND;
	else if (contains(msg, "unauthorized") || contains(msg, "denied") ||
		 contains(msg, "authentication required"))
		code = LB_EUNSAFE;
	return lb_fail(err, code, "%.200s: %.700s", what, msg);
}

int lb_engine_base64url(const unsigned char *in, size_t n, char *out, size_t cap, struct lb_err *err)
{
	size_t need = (n + 2) / 3 * 4 + 1;
	if (n > INT_MAX / 2 || need > cap)
		return lb_fail(err, LB_EUSAGE, "registry auth: %zu bytes do not fit the header", n);
	/* libcrypto's standard alphabet, then the two URL-safe substitutions
	 * Docker's client makes (base64.URLEncoding). */
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	for (int i = 0; i < len; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	out[len] = '\0';
	return LB_OK;
}

int lb_engine_escape(const char *s, bool in_path, char *out, size_t cap, struct lb_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			     (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
			     *p == '~' ||
			     (in_path && (*p == '/' || *p == ':' || *p == '@'));
		if (o + (plain ? 1 : 3) >= cap)
			return lb_fail(err, LB_EUSAGE, "%.200s: too long for a request path", s);
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (cap == 0)
		return lb_fail(err, LB_EUSAGE, "escape: no room");
	out[o] = '\0';
	return LB_OK;
}

int lb_engine_split_ref(const char *ref, char *name, size_t name_cap, char *tag, size_t tag_cap,
			struct lb_err *err)
{
	const char *at = strchr(ref, '@');
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(ref, ':');
	size_t name_len;
	const char *t;
	if (at) {
		name_len = (size_t)(at - ref);
		t = at + 1;
	} else if (colon && (!slash || colon > slash)) {
		name_len = (size_t)(colon - ref);
		t = colon + 1;
	} else {
		name_len = strlen(ref);
		t = "latest";
	}
	if (name_len == 0 || !*t)
		return lb_fail(err, LB_EUSAGE, "image %.300s: not NAME[:TAG|@DIGEST]", ref);
	if (name_len >= name_cap || strlen(t) >= tag_cap)
		return lb_fail(err, LB_EUSAGE, "image %.300s: reference too long", ref);
	memcpy(name, ref, name_len);
	name[name_len] = '\0';
	strcpy(tag, t);
	return LB_OK;
}
