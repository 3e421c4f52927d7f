#include "registry/ref.h"

#include <stdio.h>
#include <string.h>

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* One path component: alnum runs joined by '.', '_', "__" or dashes. */
static bool component_valid(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		size_t sep = i;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == sep || i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

bool lb_repo_path_valid(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > 255)
		return false;
	while (*s) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		if (!component_valid(s, n))
			return false;
		if (!slash)
			break;
		s = slash + 1;
		if (!*s)
			return false;
	}
	return true;
}

/* host[:port]; host is dot-joined labels of alnum and inner dashes. IPv6
 * literals are not accepted (lifeboat has no use for them yet). */
static bool domain_valid(const char *s, size_t n)
{
	size_t i = 0, label = 0;
	if (n == 0)
		return false;
	while (i < n && s[i] != ':') {
		char c = s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (is_alnum(c) || (c == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
		i++;
	}
	if (label == 0 || s[i - 1] == '-')
		return false;
	if (i == n)
		return true;
	i++; /* ':' */
	size_t digits = 0;
	unsigned port = 0;
	for (; i < n; i++, digits++) {
		if (s[i] < '0' || s[i] > '9' || digits >= 5)
			return false;
		port = port * 10 + (unsigned)(s[i] - '0');
	}
	return digits > 0 && port > 0 && port <= 65535;
}

static bool tag_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool word = is_alnum(c) || c == '_';
		if (!(word || (i > 0 && (c == '.' || c == '-'))))
			return false;
	}
	return true;
}

static bool all_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

int lb_image_ref_parse(const char *s, struct lb_image_ref *ref, struct lb_err *err)
{
	char buf[512];
	memset(ref, 0, sizeof(*ref));
	size_t len = strlen(s);
	if (len == 0 || len >= sizeof(buf))
		return lb_fail(err, LB_EUSAGE, "image reference: empty or longer than %zu bytes",
			       sizeof(buf) - 1);
	memcpy(buf, s, len + 1);

	char *at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		if (!lb_digest_valid(at + 1))
			return lb_fail(err, LB_EUSAGE,
				       "image reference: digest is not sha256:<64 lowercase hex>");
		memcpy(ref->digest, at + 1, LB_DIGEST_LEN + 1);
	}
	char *last_slash = strrchr(buf, '/');
	char *colon = strrchr(last_slash ? last_slash : buf, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_valid(colon + 1))
			return lb_fail(err, LB_EUSAGE, "image reference: invalid tag");
		memcpy(ref->tag, colon + 1, strlen(colon + 1) + 1);
	}

	const char *remote = buf;
	char *first_slash = strchr(buf, '/');
	if (first_slash) {
		size_t dn = (size_t)(first_slash - buf);
		bool is_domain = memchr(buf, '.', dn) || memchr(buf, ':', dn) ||
				 (dn == 9 && !memcmp(buf, "localhost", 9));
		if (is_domain) {
			if (!domain_valid(buf, dn))
				return lb_fail(err, LB_EUSAGE, "image reference: invalid registry host");
			memcpy(ref->domain, buf, dn);
			remote = first_slash + 1;
		}
	}
	if (!ref->domain[0] || !strcmp(ref->domain, "index.docker.io")) {
		memset(ref->domain, 0, sizeof(ref->domain)); /* same bytes as a parse of "docker.io/" */
		strcpy(ref->domain, "docker.io");
	}
	bool hub = !strcmp(ref->domain, "docker.io");
	if (!lb_repo_path_valid(remote))
		return lb_fail(err, LB_EUSAGE,
			       "image reference: invalid repository name (lowercase letters, digits, "
			       "separators . _ __ -, components joined by /)");
	if (all_hex64(remote))
		return lb_fail(err, LB_EUSAGE,
			       "image reference: a 64-digit hex string is an image id, not a name");
	int n = snprintf(ref->path, sizeof(ref->path), "%s%s",
			 hub && !strchr(remote, '/') ? "library/" : "", remote);
	if (n < 0 || (size_t)n >= sizeof(ref->path) ||
	    strlen(ref->domain) + 1 + strlen(ref->path) > 255)
		return lb_fail(err, LB_EUSAGE, "image reference: name longer than 255 bytes");
	return LB_OK;
}

const char *lb_image_ref_api_host(const struct lb_image_ref *ref)
{
	return strcmp(ref->domain, "docker.io") ? ref->domain : "registry-1.docker.io";
}

const char *lb_image_ref_reference(const struct lb_image_ref *ref)
{
	if (ref->digest[0])
		return ref->digest;
	return ref->tag[0] ? ref->tag : "latest";
}

void lb_image_ref_format(const struct lb_image_ref *ref, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s%s%s%s%s", ref->domain, ref->path, ref->tag[0] ? ":" : "", ref->tag,
		 ref->digest[0] ? "@" : "", ref->digest);
}
