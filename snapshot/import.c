/* lifeboat snapshot import: a full export stream and its incrementals, in
 * order, applied to a sparse raw image that appears only when every stream
 * checked out, or (--into) to a new thin device in this host's Docker pool,
 * recorded as a snapshot of a container there. */
#include "snapshot/import.h"
#include "snapshot/import_pool.h"
#include "snapshot/stream_print.h"
#include "snapshot/verbs.h"
#include "util/atomic_file.h"

#include <inttypes.h>
#include <stdlib.h>

static const char help_head[] =
	"Usage: lifeboat snapshot import FILE [FILE...] -o IMAGE [--force] [--json]\n"
	"       lifeboat snapshot import FILE [FILE...] --into CONTAINER [--name NAME]\n"
	"\n"
	"Rebuild a device from export streams: the first a full export, each further\n"
	"one an incremental on the one before it (checked by uuid, block size and\n"
	"virtual size). IMAGE is a sparse raw image of the device's full size, which\n"
	"`mount -o loop` opens; no device-mapper is needed. It is written under a\n"
	"temporary name and appears only when every stream checked out: a corrupt,\n"
	"incomplete or out-of-chain stream leaves no IMAGE.\n"
	"\n"
	"With --into, the streams become a new thin device in this host's Docker\n"
	"pool, recorded as a snapshot of CONTAINER (whose device must be of the\n"
	"same size): `snapshot rollback CONTAINER NAME` then puts it in the\n"
	"container's place, and `recover mount --snapshot NAME` opens it. Beside a\n"
	"running dockerd as `snapshot create` is (create_thin only, an id from the\n"
	"top of the 24-bit space); with dockerd stopped a loop-lvm pool is activated\n"
	"for the command. Every header is checked before anything is made; a stream\n"
	"that fails midway deletes the device and the record. An import that was\n"
	"killed stays as a snapshot in state \"importing\": `snapshot rm` removes it.\n"
	"The snapshot keeps the export's identity (uuid) and creation time.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 written; 1 failed; 2 usage; 3 a file or CONTAINER not found;\n"
	"4 IMAGE exists, or --into refused (another size or block size, pool\n"
	"read-only, no safe id); 5 a stream corrupt, incomplete or on the wrong base.\n"
	"\n"
	"Example:\n"
	"  lifeboat snapshot import web-full.lbx web-incr1.lbx -o web.img\n"
	"  lifeboat snapshot import web-full.lbx web-incr1.lbx --into web --name web-from-a\n";

/* --json and the operator's lines for the streams, in both modes. */
static json_t *streams_json(const char *const *files, size_t n, const struct lb_stream_result *res)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, lb_stream_result_json(files[i], &res[i], 0));
	return list;
}

static int import_into(const char *const *files, size_t n, const char *container,
		       const char *name, const char *daemon_json, struct lb_stream_result *res,
		       struct lb_globals *g)
{
	struct lb_snapshot_target t = {.data_root = g->docker_root,
				       .daemon_json = daemon_json,
				       .say = lb_snapshot_say,
				       .say_ctx = g};
	struct lb_snapshot_import_result r;
	struct lb_err err = {0};
	int rc = lb_snapshot_import_into(&t, container, name, files, n, res, &r, &err);
	if (rc) {
		lb_print_error("%s", err.msg);
		return rc;
	}
	if (g->json) {
		json_t *o = lb_snap_record_json(&r.rec);
		json_object_set_new(o, "pool", json_string(r.pool));
		json_object_set_new(o, "dockerd_running", json_boolean(r.dockerd_live));
		json_object_set_new(o, "streams", streams_json(files, n, res));
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
		return LB_OK;
	}
	if (g->verbosity > 0)
		for (size_t i = 0; i < n; i++)
			lb_stream_result_print(stderr, files[i], &res[i]);
	printf("%s\n", r.rec.name);
	if (g->verbosity >= 0)
		fprintf(stderr, "lifeboat: %s: device %" PRIu32 " in pool %s, a snapshot of %s\n",
			r.rec.name, r.rec.device_id, r.pool, r.rec.container);
	return LB_OK;
}

int cmd_snapshot_import(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_FORCE = LB_OPT_LONG_ONLY, OPT_INTO, OPT_NAME, OPT_DAEMON_JSON };
	static const struct lb_opt opts[] = {
		{'o', "output", LB_ARG_REQUIRED, "IMAGE", "the image to write"},
		{OPT_FORCE, "force", LB_ARG_NONE, NULL, "replace an existing IMAGE"},
		{OPT_INTO, "into", LB_ARG_REQUIRED, "CONTAINER",
		 "into this host's pool, as a snapshot of CONTAINER"},
		{OPT_NAME, "name", LB_ARG_REQUIRED, "NAME",
		 "with --into: the snapshot's name (default\n<container>-<created, UTC>)"},
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		LB_OPT_MENTION(LB_OPT_JSON, "print each stream's identity and counts as JSON"),
		{0},
	};
	static const lb_opt_excl excl[] = {{'o', OPT_INTO}, {OPT_FORCE, OPT_INTO}, {0}};
	static const struct lb_opts_spec spec = {.cmd = "snapshot import", .opts = opts,
						 .excl = excl, .help_head = help_head,
						 .help_tail = help_tail, .name_col = 6, .desc_col = 23};
	const char *output = NULL, *into = NULL, *name = NULL, *daemon_json = NULL;
	bool force = false;
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case 'o': output = optarg; break;
		case OPT_FORCE: force = true; break;
		case OPT_INTO: into = optarg; break;
		case OPT_NAME: name = optarg; break;
		case OPT_DAEMON_JSON: daemon_json = optarg; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (optind >= argc)
		return lb_usage_error("snapshot import", "expected FILE [FILE...]");
	if (!output && !into)
		return lb_usage_error("snapshot import", "-o IMAGE or --into CONTAINER is required");
	if ((name || daemon_json) && !into)
		return lb_usage_error("snapshot import", "--name and --daemon-json go with --into");
	const size_t n = (size_t)(argc - optind);
	const char *const *files = (const char *const *)argv + optind;
	struct lb_stream_result *res = calloc(n, sizeof(*res));
	if (!res)
		return lb_usage_error("snapshot import", "out of memory");
	if (into) {
		int rc = import_into(files, n, into, name, daemon_json, res, g);
		free(res);
		return rc;
	}
	struct lb_atomic_file out = {.fd = -1};
	struct lb_err err = {0};
	int rc = lb_atomic_file_open(&out, output, force, 0600, &err);
	if (!rc)
		rc = lb_import_streams(files, n, out.fd, output, res, &err);
	if (!rc)
		rc = lb_atomic_file_commit(&out, &err);
	lb_atomic_file_abort(&out);
	if (rc) {
		lb_print_error("%s", err.msg);
	} else if (g->json) {
		json_t *o = json_pack("{s:s, s:I, s:o}", "image", output, "size_bytes",
				      (json_int_t)res[0].header.size_bytes, "streams",
				      streams_json(files, n, res));
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
