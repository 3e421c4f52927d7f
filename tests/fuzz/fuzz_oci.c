/* libFuzzer target: the pure parsers of a commit, fed hostile text. The
 * first byte picks one: a `--change` instruction applied to a Config (it
 * must stay a JSON object and dump again), an image config committed with a
 * new layer (the result must parse back with exactly one more diff id), or
 * Docker's v2 distribution metadata (every kept entry a sha256 digest and a
 * repository without ".."). Any crash, sanitizer report, leak, hang or
 * broken promise is a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docker/distmeta.h"
#include "oci/change.h"
#include "oci/image_config.h"

#define NEW_DIFF "sha256:abababababababababababababababababababababababababababababababab"

static void change(const char *text)
{
	json_t *cfg = json_pack("{s:[s], s:s, s:{}}", "Env", "A=1", "WorkingDir", "/w", "Labels");
	struct lb_err err = {0};
	lb_oci_apply_changes(cfg, &text, 1, &err);
	char *s = json_dumps(cfg, 0);
	if (!json_is_object(cfg) || !s)
		abort();
	free(s);
	json_decref(cfg);
}

static void commit(const char *text, size_t len)
{
	json_t *doc, *ids;
	struct lb_err err = {0};
	if (lb_image_config_parse(text, len, "fuzz", &doc, &ids, &err))
		return;
	size_t before = json_array_size(ids);
	json_decref(doc);
	json_t *cfg = json_pack("{s:[s]}", "Cmd", "sh");
	struct lb_commit_meta m = {.diff_id = NEW_DIFF, .created = "2026-01-01T00:00:00Z"};
	char *out = NULL;
	size_t out_len = 0;
	if (lb_image_config_commit(text, len, "fuzz", cfg, &m, &out, &out_len, &err))
		abort(); /* it parsed above */
	if (lb_image_config_parse(out, out_len, "out", &doc, &ids, &err) ||
	    json_array_size(ids) != before + 1 ||
	    strcmp(json_string_value(json_array_get(ids, before)), NEW_DIFF))
		abort();
	json_decref(doc);
	free(out);
	json_decref(cfg);
}

static void distmeta(const char *text, size_t len)
{
	struct lb_distmeta d;
	struct lb_err err = {0};
	if (lb_distmeta_parse(text, len, "fuzz", &d, &err))
		return;
	for (size_t i = 0; i < d.n; i++)
		if (strncmp(d.v[i].digest, "sha256:", 7) || strlen(d.v[i].digest) != 71 ||
		    strstr(d.v[i].repository, ".."))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	switch (data[0] % 3) {
	case 0: change(text); break;
	case 1: commit(text, size - 1); break;
	default: distmeta(text, size - 1); break;
	}
	free(text);
	return 0;
}
