#include "layer/tarsplit_entry.h"

#include "util/printable.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static bool base64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

bool lb_tarsplit_base64_decode(const char *in, size_t len, unsigned char *out, size_t *out_len)
{
	*out_len = 0;
	if (len % 4 != 0 || len > INT32_MAX)
		return false;
	if (len == 0)
		return true;
	size_t pad = in[len - 1] == '=' ? (in[len - 2] == '=' ? 2 : 1) : 0;
	/* EVP_DecodeBlock skips surrounding white space and knows nothing of
	 * padding; checked here first, so only exact base64 gets through. */
	for (size_t i = 0; i < len - pad; i++)
		if (!base64_char(in[i]))
			return false;
	int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0 || (size_t)n != len / 4 * 3)
		return false;
	*out_len = (size_t)n - pad;
	return true;
}

/* A string member decoded from base64 into a fresh buffer (NUL-terminated,
 * for names); null or absent is empty. */
static int decode_member(json_t *obj, const char *key, uint64_t line_nr, unsigned char **out,
			 size_t *out_len, struct lb_err *err)
{
	*out = NULL;
	*out_len = 0;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return LB_OK;
	if (!json_is_string(v))
		return lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: \"%s\" is not a string",
			       (unsigned long long)line_nr, key);
	size_t len = json_string_length(v);
	unsigned char *buf = malloc(len / 4 * 3 + 1);
	if (!buf)
		return lb_fail(err, LB_EFAIL, "tar-split line %llu: out of memory",
			       (unsigned long long)line_nr);
	if (!lb_tarsplit_base64_decode(json_string_value(v), len, buf, out_len)) {
		free(buf);
		return lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: \"%s\" is not base64",
			       (unsigned long long)line_nr, key);
	}
	buf[*out_len] = '\0';
	*out = buf;
	return LB_OK;
}

/* An integer member; absent is 0, as Go's omitempty leaves it out. */
static int int_member(json_t *obj, const char *key, bool required, uint64_t line_nr,
		      long long *out, struct lb_err *err)
{
	json_t *v = json_object_get(obj, key);
	*out = 0;
	if (!v && !required)
		return LB_OK;
	if (!json_is_integer(v))
		return lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: \"%s\" is %s, not an integer",
			       (unsigned long long)line_nr, key, v ? "something else" : "missing");
	*out = json_integer_value(v);
	return LB_OK;
}

/* A name the layer's files are looked up by: relative, and no component
 * climbs out of the layer root. Empty, "." and "./" components are harmless
 * (tar-split keeps "./etc/motd" as GNU tar wrote it). */
static int check_name(const char *name, size_t len, uint64_t line_nr, struct lb_err *err)
{
	if (len == 0)
		return lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: file entry without a name",
			       (unsigned long long)line_nr);
	if (memchr(name, '\0', len))
		return lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: file name holds a NUL byte",
			       (unsigned long long)line_nr);
	if (name[0] == '/')
		return lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: absolute file name",
			       (unsigned long long)line_nr);
	for (const char *p = name; p < name + len;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return lb_fail(err, LB_EINTEGRITY,
				       "tar-split line %llu: file name with a '..' component",
				       (unsigned long long)line_nr);
		p += n + 1;
	}
	return LB_OK;
}

/* The name: "name_raw" when it is there and not empty, else "name" (Go's
 * Entry.GetName). */
static int take_name(json_t *obj, uint64_t line_nr, struct lb_tarsplit_entry *entry,
		     struct lb_err *err)
{
	unsigned char *raw;
	size_t raw_len;
	int rc = decode_member(obj, "name_raw", line_nr, &raw, &raw_len, err);
	if (rc)
		return rc;
	if (raw_len > 0) {
		entry->name = (char *)raw;
		entry->name_len = raw_len;
	} else {
		free(raw);
		json_t *v = json_object_get(obj, "name");
		if (v && !json_is_string(v))
			return lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: \"name\" is not a string",
				       (unsigned long long)line_nr);
		/* jansson refuses "\u0000" in strings, so strdup keeps it all. */
		entry->name = strdup(v ? json_string_value(v) : "");
		if (!entry->name)
			return lb_fail(err, LB_EFAIL, "tar-split line %llu: out of memory",
				       (unsigned long long)line_nr);
		entry->name_len = strlen(entry->name);
	}
	return check_name(entry->name, entry->name_len, line_nr, err);
}

static int parse_file(json_t *obj, uint64_t line_nr, struct lb_tarsplit_entry *entry,
		      struct lb_err *err)
{
	long long size;
	int rc = int_member(obj, "size", false, line_nr, &size, err);
	if (rc)
		return rc;
	if (size < 0 || (uint64_t)size > LB_TARSPLIT_SIZE_MAX)
		return lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: file size %lld is absurd",
			       (unsigned long long)line_nr, size);
	entry->size_bytes = (uint64_t)size;
	if ((rc = take_name(obj, line_nr, entry, err)))
		return rc;
	unsigned char *crc;
	size_t crc_len;
	if ((rc = decode_member(obj, "payload", line_nr, &crc, &crc_len, err)))
		return rc;
	/* An empty file's content is never read, so its payload (null, as
	 * tar-split writes it) does not matter. */
	if (entry->size_bytes > 0 && crc_len != 8) {
		free(crc);
		return lb_fail(err, LB_EINTEGRITY,
			       "tar-split line %llu: file's CRC-64 payload is %zu bytes, not 8",
			       (unsigned long long)line_nr, crc_len);
	}
	for (size_t i = 0; i < crc_len && i < 8; i++)
		entry->crc64 = (entry->crc64 << 8) | crc[i];
	free(crc);
	return LB_OK;
}

int lb_tarsplit_entry_parse(const char *line, size_t len, uint64_t line_nr, uint64_t position,
			    struct lb_tarsplit_entry *entry, struct lb_err *err)
{
	memset(entry, 0, sizeof(*entry));
	if (len > LB_TARSPLIT_LINE_CAP)
		return lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: longer than %zu bytes",
			       (unsigned long long)line_nr, LB_TARSPLIT_LINE_CAP);
	json_error_t jerr;
	json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj) {
		/* jansson quotes the input near the error: shown escaped. */
		char shown[LB_PRINTABLE_CAP(sizeof(jerr.text))];
		return lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: not JSON: %s",
			       (unsigned long long)line_nr,
			       lb_printable(shown, sizeof(shown), jerr.text));
	}
	long long type = 0, pos = 0;
	int rc = LB_OK;
	if (!json_is_object(obj))
		rc = lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: not a JSON object",
			     (unsigned long long)line_nr);
	if (!rc)
		rc = int_member(obj, "position", true, line_nr, &pos, err);
	if (!rc && (pos < 0 || (uint64_t)pos != position))
		rc = lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: position %lld, expected %llu",
			     (unsigned long long)line_nr, pos, (unsigned long long)position);
	if (!rc)
		rc = int_member(obj, "type", true, line_nr, &type, err);
	if (!rc && type == LB_TARSPLIT_SEGMENT) {
		entry->type = LB_TARSPLIT_SEGMENT;
		rc = decode_member(obj, "payload", line_nr, &entry->payload, &entry->payload_len,
				   err);
	} else if (!rc && type == LB_TARSPLIT_FILE) {
		entry->type = LB_TARSPLIT_FILE;
		rc = parse_file(obj, line_nr, entry, err);
	} else if (!rc) {
		rc = lb_fail(err, LB_EINTEGRITY, "tar-split line %llu: unknown entry type %lld",
			     (unsigned long long)line_nr, type);
	}
	json_decref(obj);
	if (rc)
		lb_tarsplit_entry_clear(entry);
	return rc;
}

void lb_tarsplit_entry_clear(struct lb_tarsplit_entry *entry)
{
	free(entry->name);
	free(entry->payload);
	memset(entry, 0, sizeof(*entry));
}
