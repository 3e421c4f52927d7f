/* Pure: the daemon.json edit that stops Docker issuing discards. Keys and
 * values are read as Docker reads them, by lib/docker
 * (lb_docker_storage_opt_split, lb_docker_parse_bool); dm.mountopt values
 * are joined with "," as Docker joins them. */
#include "discard/discard.h"
#include "docker/daemon_json.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The storage option key of `entry` ("dm.mountopt"), as Docker reads it. */
static void opt_key(const char *entry, char *key, size_t cap)
{
	const char *value;
	size_t value_len;
	lb_docker_storage_opt_split(entry, key, cap, &value, &value_len);
}

/* Appends the pieces of a dm.mountopt value to `merged`, without "discard",
 * "nodiscard" and empty pieces, and notes which of those two it had. */
static int merge_mountopts(const char *value, char *merged, size_t cap, bool *had_discard,
			   bool *had_nodiscard, const char *origin, struct lb_err *err)
{
	const char *p = value;
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *piece = p;
		size_t len = n;
		while (len && isspace((unsigned char)*piece)) {
			piece++;
			len--;
		}
		while (len && isspace((unsigned char)piece[len - 1]))
			len--;
		bool is_discard = len == 7 && !strncmp(piece, "discard", 7);
		bool is_nodiscard = len == 9 && !strncmp(piece, "nodiscard", 9);
		*had_discard |= is_discard;
		*had_nodiscard |= is_nodiscard;
		if (len && !is_discard && !is_nodiscard) {
			size_t used = strlen(merged);
			if (used + len + 2 >= cap)
				return lb_fail(err, LB_EINTEGRITY, "%s: dm.mountopt: options too long",
					       origin);
			if (used)
				merged[used++] = ',';
			memcpy(merged + used, piece, len);
			merged[used + len] = '\0';
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return LB_OK;
}

static bool blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			return false;
	return true;
}

/* The indentation of the first indented line, so the file keeps its look. */
static int indent_of(const char *text, size_t len)
{
	const char *nl = memchr(text, '\n', len);
	if (!nl)
		return 2;
	int n = 0;
	for (const char *p = nl + 1; p < text + len && *p == ' '; p++)
		n++;
	return n >= 1 && n <= 8 ? n : 2;
}

static int load_object(const char *text, size_t len, const char *origin, json_t **out,
		       struct lb_err *err)
{
	if (blank(text, len)) {
		*out = json_object();
		return *out ? LB_OK : lb_fail(err, LB_EFAIL, "%s: out of memory", origin);
	}
	json_error_t je;
	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!*out)
		return lb_fail(err, LB_EINTEGRITY, "%s: line %d column %d: %s", origin, je.line,
			       je.column, je.text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		return lb_fail(err, LB_EINTEGRITY, "%s: the top level is not a JSON object", origin);
	}
	return LB_OK;
}

/* Rewrites `opts` (a list of strings) in place; *changed if the meaning changes. */
static int edit_opts(json_t *opts, const char *origin, bool *changed, struct lb_err *err)
{
	char merged[2048] = "";
	bool had_nodiscard = false, had_discard = false, blk_ok = false;
	size_t n_blk = 0, n_mount = 0, first_mount = (size_t)-1, first_blk = (size_t)-1;
	for (size_t i = 0; i < json_array_size(opts); i++) {
		const json_t *v = json_array_get(opts, i);
		if (!json_is_string(v))
			return lb_fail(err, LB_EINTEGRITY,
				       "%s: key \"storage-opts\": element %zu is not a string", origin, i);
		char key[64];
		const char *value;
		size_t value_len;
		bool has_value = lb_docker_storage_opt_split(json_string_value(v), key, sizeof(key),
							     &value, &value_len);
		if (!strcmp(key, "dm.blkdiscard")) {
			if (n_blk++ == 0)
				first_blk = i;
			/* Already off only if dockerd reads it as false (its ParseBool). */
			char text[16];
			bool on = true;
			snprintf(text, sizeof(text), "%.*s", (int)value_len, value);
			blk_ok = n_blk == 1 && value_len < sizeof(text) &&
				 lb_docker_parse_bool(text, &on) && !on;
		} else if (!strcmp(key, "dm.mountopt") && has_value) {
			if (n_mount++ == 0)
				first_mount = i;
			/* to the end of the entry: merge_mountopts trims every piece */
			int rc = merge_mountopts(value, merged, sizeof(merged) - 16, &had_discard,
						 &had_nodiscard, origin, err);
			if (rc)
				return rc;
		}
	}
	/* The result must read back (lib/docker keeps the joined options in a
	 * fixed buffer), so --persist never writes what it cannot read again. */
	const size_t readable = sizeof(((struct lb_docker_storage_opts *)NULL)->mountopt) - 1;
	const size_t joined = strlen(merged) + (merged[0] ? 1 : 0) + strlen("nodiscard");
	if (joined > readable)
		return lb_fail(err, LB_EINTEGRITY,
			       "%s: dm.mountopt: %zu bytes of options with nodiscard, more than %zu",
			       origin, joined, readable);
	char mount_entry[2100];
	snprintf(mount_entry, sizeof(mount_entry), "dm.mountopt=%s%snodiscard", merged,
		 merged[0] ? "," : "");
	*changed = !(blk_ok && n_mount == 1 && had_nodiscard && !had_discard);
	if (!*changed)
		return LB_OK;
	/* Remove the later duplicates from the end, so indexes stay valid. */
	for (size_t i = json_array_size(opts); i-- > 0;) {
		char key[64];
		opt_key(json_string_value(json_array_get(opts, i)), key, sizeof(key));
		bool later_blk = !strcmp(key, "dm.blkdiscard") && i != first_blk;
		bool later_mount = !strcmp(key, "dm.mountopt") && i != first_mount &&
				   strchr(json_string_value(json_array_get(opts, i)), '=');
		if (later_blk || later_mount) {
			json_array_remove(opts, i);
			if (first_mount != (size_t)-1 && i < first_mount)
				first_mount--;
			if (first_blk != (size_t)-1 && i < first_blk)
				first_blk--;
		}
	}
	int bad = 0;
	if (first_blk != (size_t)-1)
		bad |= json_array_set_new(opts, first_blk, json_string("dm.blkdiscard=false"));
	else
		bad |= json_array_append_new(opts, json_string("dm.blkdiscard=false"));
	if (first_mount != (size_t)-1)
		bad |= json_array_set_new(opts, first_mount, json_string(mount_entry));
	else
		bad |= json_array_append_new(opts, json_string(mount_entry));
	return bad ? lb_fail(err, LB_EFAIL, "%s: out of memory", origin) : LB_OK;
}

int lb_daemon_json_discard_off(const char *text, size_t len, const char *origin, char **out,
			       bool *changed, struct lb_err *err)
{
	*out = NULL;
	*changed = false;
	json_t *root;
	int rc = load_object(text, len, origin, &root, err);
	if (rc)
		return rc;
	json_t *opts = json_object_get(root, "storage-opts");
	if (!opts || json_is_null(opts)) {
		opts = json_array();
		if (!opts || json_object_set_new(root, "storage-opts", opts)) {
			json_decref(root);
			return lb_fail(err, LB_EFAIL, "%s: out of memory", origin);
		}
	} else if (!json_is_array(opts)) {
		json_decref(root);
		return lb_fail(err, LB_EINTEGRITY, "%s: key \"storage-opts\": expected a list", origin);
	}
	if ((rc = edit_opts(opts, origin, changed, err))) {
		json_decref(root);
		return rc;
	}
	char *dumped = json_dumps(root, JSON_INDENT(indent_of(text, len)) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!dumped)
		return lb_fail(err, LB_EFAIL, "%s: cannot format the edited JSON", origin);
	size_t n = strlen(dumped);
	*out = malloc(n + 2);
	if (!*out) {
		free(dumped);
		return lb_fail(err, LB_EFAIL, "%s: out of memory", origin);
	}
	memcpy(*out, dumped, n);
	(*out)[n] = '\n';
	(*out)[n + 1] = '\0';
	free(dumped);
	return LB_OK;
}
