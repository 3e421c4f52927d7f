/* Reading the small files of a Docker data root: whole-file reads with a size
 * cap, JSON parsing that names the file, line and column on damage, and typed
 * key getters that name the key on a wrong type. Shared by every parser in
 * lib/docker/; nothing here knows what the files mean. */
#ifndef LIFEBOAT_DOCKER_JSONFILE_H
#define LIFEBOAT_DOCKER_JSONFILE_H

#include "util/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest file we read whole; Docker's files are far smaller (config.v2.json
 * is a few KiB), so anything bigger is damage, not data. */
#define LB_DJ_MAX_FILE_BYTES (16u * 1024 * 1024)

/* Reads all of `path`, a file inside a data root, into a NUL-terminated heap
 * buffer (*out, free()): no symbolic link is followed anywhere in the path,
 * and only a regular file is read (lib/util/nofollow.h), so a link planted
 * in the tree or a FIFO in a file's place is LB_EINTEGRITY, not a read
 * elsewhere or a hang. Missing file: LB_ENOTFOUND; too large: LB_EINTEGRITY. */
int lb_dj_read_tree_file(const char *path, char **out, size_t *len_out, struct lb_err *err);

/* The same for a file the operator named, outside the data root
 * (daemon.json): links are followed, as every tool does. */
int lb_dj_read_file(const char *path, char **out, size_t *len_out, struct lb_err *err);

/* Reads `path` (a data root's file, as lb_dj_read_tree_file) and strips leading/trailing ASCII whitespace, as Go's
 * strings.TrimSpace does for the layer store's one-line files. */
int lb_dj_read_line_file(const char *path, char *buf, size_t cap, struct lb_err *err);

/* How strict the end of a document is: Go's json.Unmarshal rejects trailing
 * data, json.Decoder.Decode (used for config.v2.json) ignores it. */
enum lb_dj_trailing { LB_DJ_STRICT, LB_DJ_FIRST_VALUE };

/* Parses `text` (len bytes) into an object; `origin` names the file in
 * messages. Bad JSON or a non-object top level: LB_EINTEGRITY with jansson's
 * line, column and text. *out is released with json_decref(). */
int lb_dj_parse(const char *text, size_t len, const char *origin, enum lb_dj_trailing trailing,
		json_t **out, struct lb_err *err);

/* Where a getter reports from: the file, and the enclosing object's key
 * ("State") or NULL at the top level, so messages read "State.Running". */
struct lb_dj_ctx {
	const char *origin;
	const char *parent;
	struct lb_err *err;
};

enum lb_dj_need { LB_DJ_OPTIONAL, LB_DJ_REQUIRED };

/* Typed getters. A missing key or JSON null leaves *out untouched and returns
 * 0 when optional (Go's decoder does the same), LB_EINTEGRITY naming the key
 * when required. A wrong type or an out-of-range number is LB_EINTEGRITY
 * naming the key. *found (may be NULL) says whether a value was stored. */
int lb_dj_get_u64(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		  enum lb_dj_need need, uint64_t *out, bool *found);
int lb_dj_get_i64(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		  enum lb_dj_need need, int64_t *out, bool *found);
int lb_dj_get_bool(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		   enum lb_dj_need need, bool *out, bool *found);
/* Copies a string value into buf; a value that does not fit is LB_EINTEGRITY. */
int lb_dj_get_str(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		  enum lb_dj_need need, char *buf, size_t cap, bool *found);
/* lb_dj_get_str for free text that is only shown (an image reference, a
 * date): stored in printable form (lib/util/printable.h), so a control
 * character in the file never reaches a terminal; what does not fit after
 * escaping is cut. Values that are checked against a rule (names, ids) are
 * read with lb_dj_get_str and checked instead. */
int lb_dj_get_text(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		   enum lb_dj_need need, char *buf, size_t cap, bool *found);
/* Stores a borrowed reference to an object value (NULL if absent or null). */
int lb_dj_get_obj(const struct lb_dj_ctx *c, const json_t *obj, const char *key,
		  enum lb_dj_need need, const json_t **out);

/* Fills `out` from a parsed top-level object: the one step that differs
 * between the parsers of lib/docker/. */
typedef int (*lb_dj_fields_fn)(const struct lb_dj_ctx *c, const json_t *root, void *out);

/* lb_dj_parse, then `fields` with a top-level context, then release. */
int lb_dj_parse_doc(const char *text, size_t len, const char *origin,
		    enum lb_dj_trailing trailing, lb_dj_fields_fn fields, void *out,
		    struct lb_err *err);

/* lb_dj_read_tree_file of `path`, then lb_dj_parse_doc with `path` as origin. */
int lb_dj_load_doc(const char *path, enum lb_dj_trailing trailing, lb_dj_fields_fn fields,
		   void *out, struct lb_err *err);

/* A JSON string for output of text that came from a file: as it is when it
 * is valid UTF-8, else in printable form, so the output never fails or drops
 * the value over a byte JSON cannot carry. NULL only when out of memory. */
json_t *lb_dj_string(const char *text);

/* True if s is exactly n lowercase hex digits. */
bool lb_dj_is_hex(const char *s, size_t n);

#endif
