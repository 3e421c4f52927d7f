#include "registry/authfile.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AUTHFILE_MAX (1u << 20)

int lb_creds_parse(const char *userpass, struct lb_creds *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	const char *colon = strchr(userpass, ':');
	if (!colon || colon == userpass)
		return lb_fail(err, LB_EUSAGE, "--creds: want USER:PASS");
	size_t ulen = (size_t)(colon - userpass), plen = strlen(colon + 1);
	if (ulen >= sizeof(out->user) || plen >= sizeof(out->pass))
		return lb_fail(err, LB_EUSAGE, "--creds: user or password too long");
	memcpy(out->user, userpass, ulen);
	memcpy(out->pass, colon + 1, plen + 1);
	out->have = true;
	return LB_OK;
}

/* "https://host:port/v1/" -> "host:port" */
static void key_host(const char *key, char *out, size_t cap)
{
	const char *p = strstr(key, "://");
	p = p ? p + 3 : key;
	size_t n = strcspn(p, "/");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static bool host_matches(const char *key, const char *domain)
{
	char host[256];
	key_host(key, host, sizeof(host));
	if (!strcmp(host, domain))
		return true;
	bool hub_key = !strcmp(host, "docker.io") || !strcmp(host, "index.docker.io") ||
		       !strcmp(host, "registry-1.docker.io");
	return hub_key && !strcmp(domain, "docker.io");
}

static int decode_auth(const char *b64, const char *what, const char *key, struct lb_creds *out,
		       struct lb_err *err)
{
	size_t len = strlen(b64);
	if (len == 0 || len % 4 || len > 4 * 400)
		return lb_fail(err, LB_EINTEGRITY, "%s: auths.%s.auth: not base64", what, key);
	unsigned char buf[1300];
	int n = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)len);
	if (n < 0)
		return lb_fail(err, LB_EINTEGRITY, "%s: auths.%s.auth: not base64", what, key);
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (b64[len - 1] == '=')
		n--;
	if (b64[len - 2] == '=')
		n--;
	if (n < 0)
		return lb_fail(err, LB_EINTEGRITY, "%s: auths.%s.auth: not base64", what, key);
	buf[n] = '\0';
	if (memchr(buf, '\0', (size_t)n))
		return lb_fail(err, LB_EINTEGRITY, "%s: auths.%s.auth: holds a NUL byte", what, key);
	struct lb_err sub;
	char helper[sizeof(out->helper)];
	memcpy(helper, out->helper, sizeof(helper));
	int bad = lb_creds_parse((const char *)buf, out, &sub);
	memcpy(out->helper, helper, sizeof(helper));
	if (bad)
		return lb_fail(err, LB_EINTEGRITY, "%s: auths.%s.auth: not user:password", what, key);
	OPENSSL_cleanse(buf, sizeof(buf));
	return LB_OK;
}

int lb_authfile_lookup_text(const char *text, size_t len, const char *what, const char *domain,
			    struct lb_creds *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	char *helper = out->helper;
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return lb_fail(err, LB_EINTEGRITY, "%s: not a JSON object (line %d: %s)", what, jerr.line,
			       jerr.text);
	}
	int rc = LB_OK;
	const char *key;
	json_t *entry;
	/* Docker's order: a helper for this registry, else the store for all,
	 * else the plain "auths" (a credsStore leaves only empty entries there). */
	json_t *helpers = json_object_get(root, "credHelpers");
	if (json_is_object(helpers)) {
		json_object_foreach(helpers, key, entry) {
			if (host_matches(key, domain) && json_is_string(entry)) {
				snprintf(helper, 64, "%s", json_string_value(entry));
				goto done;
			}
		}
	}
	const char *store = json_string_value(json_object_get(root, "credsStore"));
	if (store && *store) {
		snprintf(helper, 64, "%s", store);
		goto done;
	}
	json_t *auths = json_object_get(root, "auths");
	if (json_is_object(auths)) {
		json_object_foreach(auths, key, entry) {
			if (!host_matches(key, domain))
				continue;
			const char *b64 = json_string_value(json_object_get(entry, "auth"));
			if (b64 && *b64) {
				rc = decode_auth(b64, what, key, out, err);
				goto done;
			}
		}
	}
done:
	json_decref(root);
	return rc;
}

static int read_small_file(const char *path, char **buf_out, size_t *len_out, struct lb_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: open", path);
	char *buf = malloc(AUTHFILE_MAX + 1);
	size_t len = 0;
	ssize_t n = 1;
	while (buf && len <= AUTHFILE_MAX && (n = read(fd, buf + len, AUTHFILE_MAX + 1 - len)) > 0)
		len += (size_t)n;
	int saved = errno;
	close(fd);
	if (!buf || n < 0) {
		free(buf);
		return lb_fail_errno(err, LB_EFAIL, buf ? saved : ENOMEM, "%s: read", path);
	}
	if (len > AUTHFILE_MAX) {
		free(buf);
		return lb_fail(err, LB_EINTEGRITY, "%s: larger than %u bytes", path, AUTHFILE_MAX);
	}
	*buf_out = buf;
	*len_out = len;
	return LB_OK;
}

int lb_authfile_lookup(const char *path, const char *domain, struct lb_creds *out,
		       struct lb_err *err)
{
	char def[PATH_MAX];
	bool optional = false;
	memset(out, 0, sizeof(*out));
	if (!path) {
		const char *dir = getenv("DOCKER_CONFIG");
		const char *home = getenv("HOME");
		if (dir && *dir)
			snprintf(def, sizeof(def), "%s/config.json", dir);
		else if (home && *home)
			snprintf(def, sizeof(def), "%s/.docker/config.json", home);
		else
			return LB_OK;
		path = def;
		optional = true;
		if (access(path, F_OK) && errno == ENOENT)
			return LB_OK;
	}
	char *text = NULL;
	size_t len = 0;
	int rc = read_small_file(path, &text, &len, err);
	if (rc)
		return optional && rc == LB_ENOTFOUND ? LB_OK : rc;
	rc = lb_authfile_lookup_text(text, len, path, domain, out, err);
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}
