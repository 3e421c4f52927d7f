/* lifeboat snapshot export: a thin device as an export stream
 * (docs/export-format.md), read from the pool's files. Parses options, finds
 * the source, and lets lib/snapshot/export.c write the stream to a file that
 * appears only when complete, or to stdout. */
#include "docker/dataroot.h"
#include "dm/dm.h"
#include "image/device_size.h"
#include "inventory/inventory.h"
#include "snapshot/export.h"
#include "snapshot/verbs.h"
#include "util/atomic_file.h"
#include "util/fs.h"
#include "util/size.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "snapshot/live_export.h"
#include "snapshot/verbs.h"

static const char help_head[] =
	"Usage: lifeboat snapshot export <snapshot> [--base OLDER] -o FILE|- [options]\n"
	"       lifeboat snapshot export --device-id N -o FILE|- [options]\n"
	"\n"
	"A snapshot (lifeboat snapshot ls) by name: read through the pool's metadata\n"
	"snapshot, so a pool dockerd is using reads consistently (dockerd stopped: the\n"
	"pool is activated for the command). With --base, an incremental: only the\n"
	"blocks that differ from the older snapshot of the same container, found by\n"
	"walking both mapping trees together and skipping every subtree they share;\n"
	"'snapshot import' applies it after the full export of the base. SIGINT or\n"
	"SIGTERM stops it cleanly: the held metadata snapshot is released and no\n"
	"file is left.\n"
	"\n"
	"--device-id N: any thin device of a pool that is not active (a dead host),\n"
	"read from the pool's files, opened read-only; always a full export.\n"
	"\n"
	"The stream: a header naming the snapshot, its mapped blocks zstd-compressed\n"
	"on every core, and a trailer with counts and a sha256 over the stream\n"
	"(docs/export-format.md); a full export has no record for unmapped blocks,\n"
	"an incremental marks the blocks the snapshot no longer maps. FILE is\n"
	"written under a temporary name and renamed when complete; with '-' the\n"
	"stream goes to stdout, and a cut one is reported as incomplete by\n"
	"`snapshot import` and `snapshot verify`.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 written; 1 failed; 2 usage; 3 device, data or metadata file not\n"
	"found; 4 FILE exists; 5 corrupt metadata or a mapping past the data's end.\n";

struct export_args {
	const char *output, *metadata, *data, *name;
	const char *snapshot, *base; /* by name, through the live pool */
	const char *base_stream;     /* --device-id: the base's own export, for its identity */
	bool by_base_id;
	uint64_t base_id;
	bool by_id;
	uint64_t device_id;
	int level;
	long threads; /* -1: one per core */
	bool force;
};

static int parse_args(int argc, char **argv, struct lb_globals *g, struct export_args *a,
		      bool *help)
{
	enum { OPT_DEVICE_ID = LB_OPT_LONG_ONLY, OPT_METADATA, OPT_DATA, OPT_NAME, OPT_LEVEL,
	       OPT_THREADS, OPT_FORCE, OPT_BASE, OPT_BASE_ID, OPT_BASE_STREAM };
	static const struct lb_opt opts[] = {
		{OPT_BASE, "base", LB_ARG_REQUIRED, "OLDER", "an incremental against this older snapshot"},
		{OPT_BASE_ID, "base-id", LB_ARG_REQUIRED, "M", NULL, LB_OPT_JOIN},
		{OPT_BASE_STREAM, "base-stream", LB_ARG_REQUIRED, "FILE",
		 "with --device-id: an incremental against device M,\n"
		 "whose export FILE gives the base's identity"},
		{OPT_DEVICE_ID, "device-id", LB_ARG_REQUIRED, "N", "the thin device, by its id in the pool"},
		{'o', "output", LB_ARG_REQUIRED, "FILE",
		 "the stream to write, or '-' for stdout (required)"},
		{OPT_NAME, "name", LB_ARG_REQUIRED, "NAME",
		 "the snapshot's name in the header (default device-N)"},
		{OPT_METADATA, "metadata", LB_ARG_REQUIRED, "FILE",
		 "the pool's metadata (default <root>/devicemapper/\n"
		 "devicemapper/metadata)"},
		{OPT_DATA, "data", LB_ARG_REQUIRED, "FILE",
		 "the pool's data (default .../devicemapper/data)"},
		{OPT_LEVEL, "level", LB_ARG_REQUIRED, "N", "zstd level, 1-19 (default 3)"},
		{OPT_THREADS, "threads", LB_ARG_REQUIRED, "N",
		 "compressing threads (default: one per core; 0: none)"},
		{OPT_FORCE, "force", LB_ARG_NONE, NULL, "replace an existing FILE"},
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION(LB_OPT_JSON, "print the result as JSON (to stderr with -o -)"),
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "snapshot export", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail,
						 .name_col = 6, .desc_col = 23};
	const char *cmd = "snapshot export";
	uint64_t v;
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	*help = false;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case 'o': a->output = optarg; break;
		case OPT_METADATA: a->metadata = optarg; break;
		case OPT_DATA: a->data = optarg; break;
		case OPT_FORCE: a->force = true; break;
		case OPT_BASE: a->base = optarg; break;
		case OPT_BASE_STREAM: a->base_stream = optarg; break;
		case OPT_BASE_ID:
			if (lb_parse_u64(optarg, LB_DM_MAX_DEVICE_ID, &a->base_id))
				return lb_usage_error(cmd, "--base-id %s: a thin device id (0 to %u)",
						      optarg, LB_DM_MAX_DEVICE_ID);
			a->by_base_id = true;
			break;
		case OPT_NAME:
			if (!optarg[0] || strlen(optarg) > LB_STREAM_NAME_BYTES)
				return lb_usage_error(cmd, "--name: 1 to %u bytes", LB_STREAM_NAME_BYTES);
			a->name = optarg;
			break;
		case OPT_DEVICE_ID:
			if (lb_parse_u64(optarg, LB_DM_MAX_DEVICE_ID, &a->device_id))
				return lb_usage_error(cmd, "--device-id %s: a thin device id (0 to %u)",
						      optarg, LB_DM_MAX_DEVICE_ID);
			a->by_id = true;
			break;
		case OPT_LEVEL:
			if (lb_parse_u64(optarg, (uint64_t)ZSTD_maxCLevel(), &v) || v < 1)
				return lb_usage_error(cmd, "--level %s: 1 to %d", optarg, ZSTD_maxCLevel());
			a->level = (int)v;
			break;
		case OPT_THREADS:
			if (lb_parse_u64(optarg, 64, &v))
				return lb_usage_error(cmd, "--threads %s: 0 to 64", optarg);
			a->threads = (long)v;
			break;
		}
	}
	if (c < 0) {
		*help = parser.rc == LB_OK;
		return parser.rc;
	}
	if (optind < argc)
		a->snapshot = argv[optind++];
	if (optind < argc)
		return lb_usage_error(cmd, "unexpected '%s'", argv[optind]);
	if (a->by_id == !!a->snapshot)
		return lb_usage_error(cmd, "expected a snapshot's name or --device-id N");
	if (a->base && !a->snapshot)
		return lb_usage_error(cmd, "--base goes with a snapshot's name");
	if ((a->by_base_id || a->base_stream) && !(a->by_id && a->by_base_id && a->base_stream))
		return lb_usage_error(cmd, "--base-id M and --base-stream FILE go together, "
					   "with --device-id N");
	if (a->snapshot && (a->metadata || a->data || a->name || a->force))
		return lb_usage_error(cmd, "--metadata, --data, --name and --force go with --device-id");
	if (!a->output)
		return lb_usage_error(cmd, "-o FILE (or -o - for stdout) is required");
	if (!strcmp(a->output, "-") && isatty(STDOUT_FILENO))
		return lb_usage_error(cmd, "-o -: stdout is a terminal; redirect it");
	return LB_OK;
}

/* The pool's files: given, or the Docker root's. */
static int pool_files(const struct export_args *a, const struct lb_globals *g,
		      struct lb_docker_root **root, const char **meta, const char **data,
		      struct lb_err *err)
{
	*meta = a->metadata;
	*data = a->data;
	if (*meta && *data)
		return 0;
	struct lb_docker_root_opts ropts = {.data_root = g->docker_root};
	int rc = lb_docker_root_load(&ropts, root, err);
	if (rc)
		return rc;
	const char *d, *m;
	lb_inventory_pool_files(*root, &d, &m);
	*meta = *meta ? *meta : m;
	*data = *data ? *data : d;
	if (!*meta || !*data)
		return lb_fail(err, LB_ENOTFOUND,
			       "%s: a dm.thinpooldev pool: give its files with --data and --metadata",
			       (*root)->pool_name);
	return 0;
}

/* The base of a pool-file incremental: its export's header names it. */
static int base_identity(const char *path, struct lb_stream_header *h, struct lb_err *err)
{
	uint8_t buf[LB_STREAM_HEADER_BYTES];
	struct lb_stream_header bh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: open", path);
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != (ssize_t)sizeof(buf))
		return lb_fail(err, LB_EINTEGRITY, "%s: no export stream header", path);
	int rc = lb_stream_header_decode(buf, path, &bh, err);
	if (rc)
		return rc;
	if (bh.size_bytes != h->size_bytes)
		return lb_fail(err, LB_EUSAGE, "--base-stream %s: a device of %llu bytes, not %llu",
			       path, (unsigned long long)bh.size_bytes,
			       (unsigned long long)h->size_bytes);
	memcpy(h->base_uuid, bh.uuid, sizeof(h->base_uuid));
	snprintf(h->base_name, sizeof(h->base_name), "%s", bh.name);
	return 0;
}

/* The snapshot the stream describes: its device, size and identity. A
 * snapshot found by name in the catalog is one more branch here. */
static int describe(const struct export_args *a, struct lb_export_source *src,
		    struct lb_stream_header *h, struct lb_err *err)
{
	struct lb_device_size ds;
	src->dev_id = a->device_id;
	int rc = lb_device_size_guess(src->meta, src->data_fd, src->data_name, a->device_id, &ds, err);
	if (rc) {
		lb_err_wrap(err, "--device-id %llu", (unsigned long long)a->device_id);
		return rc;
	}
	h->size_bytes = ds.size_bytes;
	h->created_unix = (int64_t)time(NULL);
	if (a->name)
		snprintf(h->name, sizeof(h->name), "%s", a->name);
	else
		snprintf(h->name, sizeof(h->name), "device-%llu", (unsigned long long)a->device_id);
	if (getrandom(h->uuid, sizeof(h->uuid), 0) != (ssize_t)sizeof(h->uuid))
		return lb_fail_errno(err, LB_EFAIL, errno, "getrandom");
	return a->base_stream ? base_identity(a->base_stream, h, err) : 0;
}

static void print_result(const struct export_args *a, const struct lb_stream_header *h,
			 const struct lb_export_stats *st, double seconds, const struct lb_globals *g)
{
	char uuid[33], sha[65];
	lb_stream_uuid_format(h->uuid, uuid);
	for (int i = 0; i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", st->totals.sha256[i]);
	FILE *out = strcmp(a->output, "-") ? stdout : stderr;
	if (g->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, "
				      "s:f}",
				      "output", a->output, "name", h->name, "uuid", uuid, "device_id",
				      (json_int_t)a->device_id, "size_bytes", (json_int_t)h->size_bytes,
				      "block_size_bytes", (json_int_t)h->block_bytes, "records",
				      (json_int_t)st->totals.records, "data_blocks",
				      (json_int_t)st->totals.data_blocks, "zero_blocks",
				      (json_int_t)st->totals.zero_blocks, "mapped_bytes",
				      (json_int_t)st->mapped_bytes, "stream_bytes",
				      (json_int_t)st->totals.stream_bytes, "beyond_size_bytes",
				      (json_int_t)st->beyond_size_bytes, "sha256", sha, "seconds", seconds);
		if (o) {
			json_dumpf(o, out, JSON_INDENT(2));
			fputc('\n', out);
			json_decref(o);
		}
		return;
	}
	if (g->verbosity > 0) {
		char m[16], s[16];
		fprintf(stderr,
			"lifeboat: device %llu: %s mapped, %s written in %llu records in %.2f s "
			"(%.0f MiB/s)\n",
			(unsigned long long)a->device_id, lb_size_human(m, sizeof(m), st->mapped_bytes),
			lb_size_human(s, sizeof(s), st->totals.stream_bytes),
			(unsigned long long)st->totals.records, seconds,
			seconds > 0 ? (double)st->mapped_bytes / (1 << 20) / seconds : 0.0);
	}
	if (out == stdout)
		printf("%s\n", a->output);
}

/* A snapshot of the catalog, through the live pool (lib/snapshot/live_export.h). */
static int export_by_name(const struct export_args *a, struct lb_globals *g)
{
	struct lb_snapshot_target t = {.data_root = g->docker_root, .say = lb_snapshot_say,
				       .say_ctx = g};
	struct lb_snapshot_export_opts o = {.name = a->snapshot, .base = a->base,
					    .output = a->output, .out_fd = STDOUT_FILENO,
					    .threads = a->threads >= 0 ? (unsigned)a->threads : 0,
					    .level = a->level};
	struct lb_snapshot_export_result r;
	struct lb_err err = {0};
	int rc = lb_snapshot_export(&t, &o, &r, &err);
	if (rc) {
		lb_print_error("%s", err.msg);
		return rc;
	}
	FILE *out = strcmp(a->output, "-") ? stdout : stderr;
	if (g->json) {
		json_t *j = json_pack("{s:s, s:s, s:s?, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
				      "output", a->output, "name", a->snapshot, "base", a->base,
				      "kind", r.incremental ? "incremental" : "full", "records",
				      (json_int_t)r.totals.records, "data_blocks",
				      (json_int_t)r.totals.data_blocks, "unmapped_blocks",
				      (json_int_t)r.totals.unmapped_blocks, "stream_bytes",
				      (json_int_t)r.totals.stream_bytes, "nodes_read",
				      (json_int_t)r.nodes_read, "shared_skipped",
				      (json_int_t)r.shared_skipped, "seconds", r.seconds);
		json_dumpf(j, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
		json_decref(j);
	} else if (out == stdout) {
		printf("%s\n", a->output);
	}
	return LB_OK;
}

int cmd_snapshot_export(int argc, char **argv, struct lb_globals *g)
{
	struct export_args a = {.level = 3, .threads = -1};
	bool help;
	int rc = parse_args(argc, argv, g, &a, &help);
	if (rc || help)
		return rc;
	if (a.snapshot)
		return export_by_name(&a, g);
	struct lb_err err = {0};
	struct lb_docker_root *root = NULL;
	struct lb_thinmeta *meta = NULL;
	struct lb_export_source src = {.data_fd = -1};
	struct lb_atomic_file out = {.fd = -1};
	struct lb_stream_header h = {0};
	const char *meta_path, *data_path;
	if ((rc = pool_files(&a, g, &root, &meta_path, &data_path, &err)) ||
	    (rc = lb_thinmeta_open(meta_path, &meta, &err)))
		goto done;
	src.meta = meta;
	src.data_name = data_path;
	if ((src.data_fd = open(data_path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = lb_fail_errno(&err, lb_exit_for_errno(errno), errno, "%s: open pool data",
				   data_path);
		goto done;
	}
	if ((rc = describe(&a, &src, &h, &err)))
		goto done;
	const bool to_stdout = !strcmp(a.output, "-");
	if (!to_stdout && (rc = lb_atomic_file_open(&out, a.output, a.force, 0600, &err)))
		goto done;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = a.threads >= 0 ? (unsigned)a.threads : cpus > 1 ? (unsigned)cpus : 1;
	struct lb_export_stats st;
	double t0 = lb_now_seconds();
	if (a.by_base_id)
		rc = lb_export_incremental(&src, a.base_id, to_stdout ? STDOUT_FILENO : out.fd,
					   to_stdout ? "stdout" : a.output, &h, threads, a.level, &st,
					   NULL, &err);
	else
		rc = lb_export_full(&src, to_stdout ? STDOUT_FILENO : out.fd,
				    to_stdout ? "stdout" : a.output, &h, threads, a.level, &st, &err);
	if (!rc && !to_stdout)
		rc = lb_atomic_file_commit(&out, &err);
	if (!rc) {
		h.block_bytes = lb_export_stream_block_bytes(st.pool_block_bytes);
		print_result(&a, &h, &st, lb_now_seconds() - t0, g);
	}
done:
	if (rc)
		lb_print_error("%s", err.msg);
	lb_atomic_file_abort(&out);
	if (src.data_fd >= 0)
		close(src.data_fd);
	lb_thinmeta_close(meta);
	lb_docker_root_free(root);
	return rc;
}
