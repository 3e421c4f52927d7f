/* lifeboat snapshot import: a full export stream and its incrementals, in
 * order, applied to a sparse raw image that appears only when every stream
 * checked out. */
#include "snapshot/import.h"
#include "snapshot/stream_print.h"
#include "snapshot/verbs.h"
#include "util/atomic_file.h"

#include <stdlib.h>

static const char help_head[] =
	"Usage: lifeboat snapshot import FILE [FILE...] -o IMAGE [--force] [--json]\n"
	"\n"
	"Rebuild a device from export streams: the first a full export, each further\n"
	"one an incremental on the one before it (checked by uuid, block size and\n"
	"virtual size). IMAGE is a sparse raw image of the device's full size, which\n"
	"`mount -o loop` opens; no device-mapper is needed. It is written under a\n"
	"temporary name and appears only when every stream checked out: a corrupt,\n"
	"incomplete or out-of-chain stream leaves no IMAGE.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 written; 1 failed; 2 usage; 3 a file not found; 4 IMAGE\n"
	"exists; 5 a stream corrupt, incomplete or on the wrong base.\n";

int cmd_snapshot_import(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_FORCE = LB_OPT_LONG_ONLY };
	static const struct lb_opt opts[] = {
		{'o', "output", LB_ARG_REQUIRED, "IMAGE", "the image to write (required)"},
		{OPT_FORCE, "force", LB_ARG_NONE, NULL, "replace an existing IMAGE"},
		LB_OPT_MENTION(LB_OPT_JSON, "print each stream's identity and counts as JSON"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "snapshot import", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail,
						 .name_col = 6, .desc_col = 23};
	const char *output = NULL;
	bool force = false;
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case 'o': output = optarg; break;
		case OPT_FORCE: force = true; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (optind >= argc)
		return lb_usage_error("snapshot import", "expected FILE [FILE...]");
	if (!output)
		return lb_usage_error("snapshot import", "-o IMAGE is required");
	const size_t n = (size_t)(argc - optind);
	const char *const *files = (const char *const *)argv + optind;
	struct lb_stream_result *res = calloc(n, sizeof(*res));
	struct lb_atomic_file out = {.fd = -1};
	struct lb_err err = {0};
	int rc = res ? lb_atomic_file_open(&out, output, force, 0600, &err)
		     : lb_fail(&err, LB_EFAIL, "out of memory");
	if (!rc)
		rc = lb_import_streams(files, n, out.fd, output, res, &err);
	if (!rc)
		rc = lb_atomic_file_commit(&out, &err);
	lb_atomic_file_abort(&out);
	if (rc) {
		lb_print_error("%s", err.msg);
	} else if (g->json) {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, lb_stream_result_json(files[i], &res[i], 0));
		json_t *o = json_pack("{s:s, s:I, s:o}", "image", output, "size_bytes",
				      (json_int_t)res[0].header.size_bytes, "streams", list);
		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		if (g->verbosity > 0)
			for (size_t i = 0; i < n; i++)
				lb_stream_result_print(stderr, files[i], &res[i]);
		printf("%s\n", output);
	}
	free(res);
	return rc;
}
