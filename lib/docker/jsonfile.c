#include "docker/jsonfile.h"

#include "util/nofollow.h"
#include "util/printable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads all of the open file `fd` (closed here) into *out. */
static int read_fd(int fd, const char *path, char **out, size_t *len_out, struct lb_err *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int saved = errno;
		close(fd);
		return lb_fail_errno(err, LB_EFAIL, saved, "%s: cannot stat", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return lb_fail(err, LB_EINTEGRITY, "%s: cannot read: is a directory", path);
	}
	if ((uint64_t)st.st_size > LB_DJ_MAX_FILE_BYTES) {
		close(fd);
		return lb_fail(err, LB_EINTEGRITY, "%s: cannot read: %llu bytes is over the %u-byte limit",
			       path, (unsigned long long)st.st_size, LB_DJ_MAX_FILE_BYTES);
	}

	/* Read to EOF rather than trusting st_size: the file may change under us. */
	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return lb_fail(err, LB_EFAIL, "%s: cannot read: out of memory", path);
	}
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > LB_DJ_MAX_FILE_BYTES) {
				free(buf);
				close(fd);
				return lb_fail(err, LB_EINTEGRITY, "%s: cannot read: over the %u-byte limit",
					       path, LB_DJ_MAX_FILE_BYTES);
			}
			char *bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				close(fd);
				return lb_fail(err, LB_EFAIL, "%s: cannot read: out of memory", path);
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			free(buf);
			close(fd);
			return lb_fail_errno(err, LB_EFAIL, saved, "%s: cannot read", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*len_out = len;
	return 0;
}

int lb_dj_read_file(const char *path, char **out, size_t *len_out, struct lb_err *err)
{
	*out = NULL;
	*len_out = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot open", path);
	return read_fd(fd, path, out, len_out, err);
}

int lb_dj_read_tree_file(const char *path, char **out, size_t *len_out, struct lb_err *err)
{
	*out = NULL;
	*len_out = 0;
	int fd;
	int rc = lb_open_file_nofollow(path, &fd, err);
	if (rc)
		return rc;
	return read_fd(fd, path, out, len_out, err);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int lb_dj_read_line_file(const char *path, char *buf, size_t cap, struct lb_err *err)
{
	char *text;
	size_t len;
	int rc = lb_dj_read_tree_file(path, &text, &len, err);
	if (rc)
		return rc;
	size_t start = 0;
	while (start < len && is_space(text[start]))
		start++;
	while (len > start && is_space(text[len - 1]))
		len--;
	if (memchr(text + start, '\0', len - start)) {
		free(text);
		return lb_fail(err, LB_EINTEGRITY, "%s: contains a NUL byte", path);
	}
	if (len - start >= cap) {
		free(text);
		return lb_fail(err, LB_EINTEGRITY, "%s: value of %zu bytes is too long (limit %zu)", path,
			       len - start, cap - 1);
	}
	memcpy(buf, text + start, len - start);
	buf[len - start] = '\0';
	free(text);
	return 0;
}

int lb_dj_parse(const char *text, size_t len, const char *origin, enum lb_dj_trailing trailing,
		json_t **out, struct lb_err *err)
{
	json_error_t jerr;
	size_t flags = trailing == LB_DJ_FIRST_VALUE ? JSON_DISABLE_EOF_CHECK : 0;
	*out = NULL;
	json_t *root = json_loadb(text, len, flags, &jerr);
	if (!root) {
		/* jansson quotes the offending bytes of the file in its text. */
		char shown[LB_PRINTABLE_CAP(sizeof(jerr.text))];
		return lb_fail(err, LB_EINTEGRITY, "%s: invalid JSON at line %d column %d: %s", origin,
			       jerr.line, jerr.column, lb_printable(shown, sizeof(shown), jerr.text));
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return lb_fail(err, LB_EINTEGRITY, "%s: invalid JSON: top level is not an object", origin);
	}
	*out = root;
	return 0;
}

int lb_dj_parse_doc(const char *text, size_t len, const char *origin,
		    enum lb_dj_trailing trailing, lb_dj_fields_fn fields, void *out,
		    struct lb_err *err)
{
	json_t *root;
	int rc = lb_dj_parse(text, len, origin, trailing, &root, err);
	if (rc)
		return rc;
	const struct lb_dj_ctx c = {.origin = origin, .err = err};
	rc = fields(&c, root, out);
	json_decref(root);
	return rc;
}

int lb_dj_load_doc(const char *path, enum lb_dj_trailing trailing, lb_dj_fields_fn fields,
		   void *out, struct lb_err *err)
{
	char *text;
	size_t len;
	int rc = lb_dj_read_tree_file(path, &text, &len, err);
	if (rc)
		return rc;
	rc = lb_dj_parse_doc(text, len, path, trailing, fields, out, err);
	free(text);
	return rc;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number with a fraction or exponent";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

/* Looks a key up; returns 1 if a non-null value is there, 0 if absent (after
 * failing when required), or an error code. */
static int lookup(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		  enum lb_dj_need need, json_t **v)
{
	*v = json_object_get(obj, key);
	if (*v && !json_is_null(*v))
		return 1;
	if (need == LB_DJ_OPTIONAL)
		return 0;
	return -lb_fail(c->err, LB_EINTEGRITY, "%s: key \"%s%s%s\": missing", c->origin,
			c->parent ? c->parent : "", c->parent ? "." : "", key);
}

static int wrong_type(const struct lb_dj_ctx *c, const char *key, const char *want, const json_t *v)
{
	return lb_fail(c->err, LB_EINTEGRITY, "%s: key \"%s%s%s\": expected %s, got %s", c->origin,
		       c->parent ? c->parent : "", c->parent ? "." : "", key, want, type_name(v));
}

static void set_found(bool *found, bool value)
{
	if (found)
		*found = value;
}

int lb_dj_get_i64(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		  enum lb_dj_need need, int64_t *out, bool *found)
{
	json_t *v;
	int rc = lookup(c, obj, key, need, &v);
	set_found(found, false);
	if (rc <= 0)
		return -rc;
	if (!json_is_integer(v))
		return wrong_type(c, key, "integer", v);
	*out = (int64_t)json_integer_value(v);
	set_found(found, true);
	return 0;
}

int lb_dj_get_u64(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		  enum lb_dj_need need, uint64_t *out, bool *found)
{
	int64_t value = 0;
	bool have = false;
	set_found(found, false);
	int rc = lb_dj_get_i64(c, obj, key, need, &value, &have);
	if (rc || !have)
		return rc;
	if (value < 0)
		return lb_fail(c->err, LB_EINTEGRITY, "%s: key \"%s%s%s\": expected a non-negative integer, got %lld",
			       c->origin, c->parent ? c->parent : "", c->parent ? "." : "", key,
			       (long long)value);
	*out = (uint64_t)value;
	set_found(found, true);
	return 0;
}

int lb_dj_get_bool(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		   enum lb_dj_need need, bool *out, bool *found)
{
	json_t *v;
	int rc = lookup(c, obj, key, need, &v);
	set_found(found, false);
	if (rc <= 0)
		return -rc;
	if (!json_is_boolean(v))
		return wrong_type(c, key, "boolean", v);
	*out = json_is_true(v);
	set_found(found, true);
	return 0;
}

int lb_dj_get_str(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		  enum lb_dj_need need, char *buf, size_t cap, bool *found)
{
	json_t *v;
	int rc = lookup(c, obj, key, need, &v);
	set_found(found, false);
	if (rc <= 0)
		return -rc;
	if (!json_is_string(v))
		return wrong_type(c, key, "string", v);
	size_t len = json_string_length(v);
	if (len >= cap)
		return lb_fail(c->err, LB_EINTEGRITY, "%s: key \"%s%s%s\": value of %zu bytes is too long (limit %zu)",
			       c->origin, c->parent ? c->parent : "", c->parent ? "." : "", key, len, cap - 1);
	memcpy(buf, json_string_value(v), len);
	buf[len] = '\0';
	set_found(found, true);
	return 0;
}

int lb_dj_get_text(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		   enum lb_dj_need need, char *buf, size_t cap, bool *found)
{
	char *raw = malloc(cap);
	if (!raw)
		return lb_fail(c->err, LB_EFAIL, "%s: out of memory", c->origin);
	bool have = false;
	int rc = lb_dj_get_str(c, obj, key, need, raw, cap, &have);
	if (!rc && have)
		lb_printable(buf, cap, raw);
	set_found(found, have);
	free(raw);
	return rc;
}

json_t *lb_dj_string(const char *text)
{
	json_t *s = json_string(text);
	if (s)
		return s;
	char shown[4096];
	return json_string(lb_printable(shown, sizeof(shown), text));
}

int lb_dj_get_obj(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		  enum lb_dj_need need, const json_t **out)
{
	json_t *v;
	*out = NULL;
	int rc = lookup(c, obj, key, need, &v);
	if (rc <= 0)
		return -rc;
	if (!json_is_object(v))
		return wrong_type(c, key, "object", v);
	*out = v;
	return 0;
}

bool lb_dj_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return false;
	}
	return s[n] == '\0';
}
