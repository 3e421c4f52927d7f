/* lifeboat recover image: a container's thin device as a file, read from the
 * pool's loop files alone: no device-mapper, no loop devices, no mounts.
 * Parses options, finds the device through lib/docker and lib/thinmeta, and
 * lets lib/image copy it into a file that appears only when complete. */
#include "docker/dataroot.h"
#include "dm/dm.h"
#include "fslog/fslog.h"
#include "image/device_size.h"
#include "image/thin_image.h"
#include "image/thin_read.h"
#include "inventory/inventory.h"
#include "recover/verbs.h"
#include "snapshot/lookup.h"
#include "thinmeta/thinmeta.h"
#include "util/atomic_file.h"
#include "util/fs.h"
#include "util/size.h"
#include "docker/devmeta.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

static const char help_head[] =
	"Usage: lifeboat recover image [options] <container> -o FILE\n"
	"       lifeboat recover image [options] --device-id N -o FILE\n"
	"       lifeboat recover image [options] --snapshot NAME -o FILE\n"
	"\n"
	"Copy a container's thin device out of Docker's devicemapper pool into an\n"
	"image file, reading only the pool's files (devicemapper/devicemapper/data and\n"
	"metadata): no device-mapper, loop devices or mounts, so it works on any\n"
	"Linux host, as any user who can read those files. The pool's files are only\n"
	"ever opened read-only.\n"
	"\n"
	"The image is a sparse file of the device's full size: blocks the pool maps\n"
	"are copied, the rest stay holes (zeros, as the device reads there). With\n"
	"--zstd it is one zstd stream of the whole device instead; `zstd -d` gives\n"
	"the raw image back. Either way it is written to a temporary file next to\n"
	"FILE, synced, then renamed: FILE never holds half an image. The image has\n"
	"mode 0600, as it holds all the container's files.\n"
	"\n"
	"Mount the raw image read-only without replaying its journal; the\n"
	"container's files are under rootfs/:\n"
	"  xfs:  mount -o loop,ro,norecovery,nouuid FILE DIR\n"
	"  ext4: mount -o loop,ro,noload FILE DIR   (or: debugfs -R 'ls /rootfs' FILE)\n"
	"If the filesystem's journal is dirty (a container killed while writing),\n"
	"lifeboat says so (\"log\" in --json): without replay the image shows an\n"
	"older state. The kernel replays it into the image (a copy) when the image\n"
	"is on a writable loop device: mount -o ro[,nouuid] \"$(losetup -f --show FILE)\" DIR\n"
	"\n"
	"The last line of output is the image's path.\n"
	"\n"
	"Arguments:\n"
	"  <container>          name, full id, or unique id prefix\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Progress goes to stderr when it is a terminal.\n"
	"\n"
	"Exit codes: 0 written; 1 failed; 2 usage or ambiguous container; 3 container,\n"
	"device, data or metadata file not found; 4 refused (FILE exists, device marked\n"
	"deleted); 5 corrupt metadata (the message names the metadata block) or a\n"
	"mapping beyond the end of the data file.\n"
	"\n"
	"Example:\n"
	"  lifeboat recover image web -o /srv/rescue/web.img &&\n"
	"  mount -o loop,ro,noload /srv/rescue/web.img /mnt && ls /mnt/rootfs\n";

/* Set by SIGINT/SIGTERM/SIGHUP; the copy stops at its next piece and the
 * temporary file is removed. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

struct progress {
	const char *label;
	bool show; /* stderr is a terminal and not -q */
	bool shown;
	double last;
};

static int on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	if (interrupted)
		return 1;
	if (!p->show)
		return 0;
	double t = lb_now_seconds();
	if (done < total && t - p->last < 0.1)
		return 0;
	p->last = t;
	char a[16], b[16];
	fprintf(stderr, "\r%s: %s of %s mapped copied (%llu%%) ", p->label,
		lb_size_human(a, sizeof(a), done), lb_size_human(b, sizeof(b), total),
		total ? (unsigned long long)(done * 100 / total) : 100ull);
	p->shown = true;
	return 0;
}

struct image_args {
	const char *query, *output, *metadata, *data, *daemon_json;
	const char *snapshot; /* --snapshot: by_id, the id from lifeboat's catalog */
	bool by_id; /* --device-id: no container, the pool's device device_id */
	uint64_t device_id;
	enum lb_image_format format;
	enum lb_image_method method;
	int zstd_level;
	bool force;
};

static int parse_args(int argc, char **argv, struct lb_globals *g, struct image_args *a,
		      bool *help)
{
	enum { OPT_ZSTD = LB_OPT_LONG_ONLY, OPT_FORCE, OPT_COPY, OPT_METADATA, OPT_DATA,
	       OPT_DAEMON_JSON, OPT_DEVICE_ID, OPT_SNAPSHOT };
	static const struct lb_opt opts[] = {
		{'o', "output", LB_ARG_REQUIRED, "FILE", "the image to write (required)"},
		{OPT_SNAPSHOT, "snapshot", LB_ARG_REQUIRED, "NAME",
		 "a lifeboat snapshot (lifeboat snapshot ls), by name"},
		{OPT_DEVICE_ID, "device-id", LB_ARG_REQUIRED, "N",
		 "a thin device by its id in the pool, with no Docker\n"
		 "record needed (an orphan doctor names): its size is\n"
		 "its filesystem's, else up to its last mapped block"},
		{OPT_ZSTD, "zstd", LB_ARG_OPTIONAL, "[=LEVEL]",
		 "write a zstd stream, level 1-19 (default 3)"},
		{OPT_FORCE, "force", LB_ARG_NONE, NULL,
		 "replace an existing FILE; image a device Docker\n"
		 "marked deleted"},
		{OPT_COPY, "copy", LB_ARG_REQUIRED, "MODE",
		 "how raw images are copied: 'read' (pread/pwrite,\n"
		 "skipping zeros; the default) or 'range'\n"
		 "(copy_file_range: on the pool's own xfs/btrfs a\n"
		 "reflink, which shares the data file's blocks)"},
		{OPT_METADATA, "metadata", LB_ARG_REQUIRED, "FILE",
		 "the pool's metadata (default <root>/devicemapper/\n"
		 "devicemapper/metadata), e.g. a copy, or a dm.thinpooldev\n"
		 "pool's metadata device while the pool is not active"},
		{OPT_DATA, "data", LB_ARG_REQUIRED, "FILE",
		 "the pool's data (default .../devicemapper/data)"},
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION(LB_OPT_JSON, "print the result as JSON"),
		LB_OPT_MENTION_QV("quieter (no progress), more verbose (copy statistics)"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "recover image", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail,
						 .name_col = 6, .desc_col = 23};
	const char *cmd = "recover image";
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	*help = false;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case 'o': a->output = optarg; break;
		case OPT_FORCE: a->force = true; break;
		case OPT_METADATA: a->metadata = optarg; break;
		case OPT_DATA: a->data = optarg; break;
		case OPT_DAEMON_JSON: a->daemon_json = optarg; break;
		case OPT_DEVICE_ID:
			if (lb_parse_u64(optarg, LB_DM_MAX_DEVICE_ID, &a->device_id))
				return lb_usage_error(cmd, "--device-id %s: a thin device id (0 to %u)",
						      optarg, LB_DM_MAX_DEVICE_ID);
			a->by_id = true;
			break;
		case OPT_SNAPSHOT:
			a->snapshot = optarg;
			a->by_id = true;
			break;
		case OPT_ZSTD: {
			a->format = LB_IMAGE_ZSTD;
			if (!optarg)
				break;
			char *end;
			long level = strtol(optarg, &end, 10);
			if (*end || end == optarg || level < 1 || level > ZSTD_maxCLevel())
				return lb_usage_error(cmd, "--zstd=%s: a level from 1 to %d", optarg,
						      ZSTD_maxCLevel());
			a->zstd_level = (int)level;
			break;
		}
		case OPT_COPY:
			if (!strcmp(optarg, "read"))
				a->method = LB_IMAGE_READ_WRITE;
			else if (!strcmp(optarg, "range"))
				a->method = LB_IMAGE_COPY_RANGE;
			else
				return lb_usage_error(cmd, "--copy %s: 'read' or 'range'", optarg);
			break;
		}
	}
	if (c < 0) {
		*help = parser.rc == LB_OK;
		return parser.rc;
	}
	if (a->by_id && optind < argc)
		return lb_usage_error(cmd, "--device-id takes no container ('%s')", argv[optind]);
	if (!a->by_id && optind >= argc)
		return lb_usage_error(cmd, "expected a container (or --device-id N)");
	if (argc - optind > 1)
		return lb_usage_error(cmd, "expected one container, got '%s' too", argv[optind + 1]);
	if (!a->output)
		return lb_usage_error(cmd, "-o FILE is required");
	a->query = a->by_id ? "device" : argv[optind];
	return LB_OK;
}

/* The container's device, or why there is none to copy. */
static int find_device(const struct lb_docker_root *root, const struct image_args *a,
		       struct lb_docker_view *v, struct lb_err *err)
{
	const struct lb_docker_container *ct;
	int rc = lb_docker_resolve(root, a->query, &ct, err);
	if (rc)
		return rc;
	lb_docker_view_of(root, ct, v);
	if (v->error && (!v->device_hash[0] || !v->device_ok))
		return lb_fail(err, v->code, "%s: no device to copy: %s", a->query, v->error->msg);
	if (!v->has_device_json)
		return lb_fail(err, LB_ENOTFOUND, "%s/%s: missing: container %s has no device record",
			       root->metadata_dir, v->device_hash, a->query);
	if (v->deleted && !a->force)
		return lb_fail(err, LB_EUNSAFE,
			       "%s: device %u (%s): Docker marked it deleted; --force copies it anyway",
			       a->query, v->device_id, v->device_hash);
	return 0;
}

/* A pool the kernel runs may hold newer metadata than its file says. */
static void warn_if_active(const struct lb_docker_root *root, const struct lb_globals *g)
{
	struct lb_dm_info info;
	if (g->verbosity < 0 || !lb_dm_available(NULL) || lb_dm_info(root->pool_name, &info, NULL) ||
	    !info.exists)
		return;
	lb_print_error("%s: warning: the pool is active; what the kernel has not committed to "
		       "its metadata yet is not in the image (stop the containers first)",
		       root->pool_name);
}

/* The journal state of the device's filesystem, read from the source
 * through the pool (the same bytes the image holds, raw or zstd). A dirty
 * one is replayed by the kernel only from a writable loop device over the
 * image, which writes to the image (a copy), never to the pool. */
static enum lb_fslog_state source_log_state(const struct lb_image_source *src, const char **fstype)
{
	struct lb_thin_reader r = {.meta = src->meta,
				   .dev_id = src->dev_id,
				   .size_bytes = src->size_bytes,
				   .data_fd = src->data_fd,
				   .data_name = src->data_name};
	return lb_thin_log_state(&r, fstype);
}

static int print_result(const struct image_args *a, const struct lb_docker_view *v,
			const struct lb_image_stats *st, double seconds, enum lb_fslog_state log,
			const char *fstype, const struct lb_globals *g)
{
	if (log == LB_FSLOG_DIRTY && g->verbosity >= 0) {
		/* The raw image to mount: the output, or what zstd -d makes of it. */
		char unpack[PATH_MAX + 32] = "";
		const char *raw = a->output;
		if (a->format == LB_IMAGE_ZSTD) {
			snprintf(unpack, sizeof(unpack), "zstd -d %s -o IMG && ", a->output);
			raw = "IMG";
		}
		fprintf(stderr,
			"lifeboat: %s: the %s journal in the image was not closed cleanly and may hold "
			"changes not yet written in place; norecovery/noload leave them out. To replay "
			"them into the image (a copy): %smount -o ro%s \"$(losetup -f --show %s)\" DIR\n",
			a->query, fstype, unpack, strcmp(fstype, "xfs") ? "" : ",nouuid", raw);
	}
	if (g->json) {
		json_t *o = json_pack(
			"{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:f}", "image",
			a->output, "container", v->name[0] == '/' ? v->name + 1 : v->name, "id", v->id,
			"device_hash", v->device_hash, "device_id", (json_int_t)v->device_id,
			"size_bytes", (json_int_t)st->size_bytes, "mapped_bytes",
			(json_int_t)st->mapped_bytes, "data_bytes", (json_int_t)st->data_bytes,
			"written_bytes", (json_int_t)st->written_bytes, "block_size_bytes",
			(json_int_t)st->block_bytes, "format",
			a->format == LB_IMAGE_ZSTD ? "zstd" : "raw", "method", st->method, "seconds",
			seconds);
		if (!o)
			return LB_EFAIL;
		json_object_set_new(o, "log",
				    log == LB_FSLOG_UNKNOWN ? json_null()
							    : json_string(lb_fslog_state_name(log)));
		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
		return LB_OK;
	}
	if (g->verbosity > 0) {
		char s[16], m[16], w[16];
		fprintf(stderr,
			"lifeboat: %s: device %u: %s, %s mapped in %llu ranges, %s written by %s in "
			"%.2f s (%.0f MiB/s)\n",
			a->query, v->device_id, lb_size_human(s, sizeof(s), st->size_bytes),
			lb_size_human(m, sizeof(m), st->mapped_bytes), (unsigned long long)st->ranges,
			lb_size_human(w, sizeof(w), st->written_bytes), st->method, seconds,
			seconds > 0 ? (double)st->mapped_bytes / (1 << 20) / seconds : 0.0);
		if (st->beyond_size_bytes)
			fprintf(stderr, "lifeboat: %s: %llu bytes mapped past the device's size "
					"were left out, as the device cannot read them\n",
				a->query, (unsigned long long)st->beyond_size_bytes);
	}
	printf("%s\n", a->output);
	return LB_OK;
}

int cmd_recover_image(int argc, char **argv, struct lb_globals *g)
{
	struct image_args a = {.format = LB_IMAGE_RAW, .method = LB_IMAGE_READ_WRITE};
	bool help;
	int rc = parse_args(argc, argv, g, &a, &help);
	if (rc || help)
		return rc;

	struct lb_err err = {0};
	struct lb_docker_root *root = NULL;
	struct lb_thinmeta *meta = NULL;
	int data_fd = -1;
	struct lb_atomic_file out = {.fd = -1};
	struct lb_docker_root_opts ropts = {.data_root = g->docker_root,
					    .daemon_json = a.daemon_json};
	struct lb_docker_view v = {.id = "", .name = "", .device_hash = ""};
	char label[96];
	if ((rc = lb_docker_root_load(&ropts, &root, &err)) ||
	    (!a.by_id && (rc = find_device(root, &a, &v, &err))))
		goto done;

	const char *meta_path, *data_path;
	lb_inventory_pool_files(root, &data_path, &meta_path);
	meta_path = a.metadata ? a.metadata : meta_path;
	data_path = a.data ? a.data : data_path;
	if (!meta_path || !data_path) {
		rc = lb_fail(&err, LB_ENOTFOUND,
			     "%s: a dm.thinpooldev pool: its data and metadata are devices lifeboat "
			     "cannot name; give them with --data and --metadata (the pool inactive)",
			     root->pool_name);
		goto done;
	}
	if ((rc = lb_thinmeta_open(meta_path, &meta, &err)))
		goto done;
	data_fd = open(data_path, O_RDONLY | O_CLOEXEC);
	if (data_fd < 0) {
		rc = lb_fail_errno(&err, lb_exit_for_errno(errno), errno, "%s: open pool data",
				   data_path);
		goto done;
	}
	if (a.snapshot) {
		struct lb_snap_record snap;
		if ((rc = lb_snapshot_lookup(root, a.snapshot, &snap, &err)))
			goto done;
		snprintf(label, sizeof(label), "snapshot %.60s", a.snapshot);
		a.query = label;
		v.device_id = snap.device_id;
		v.size_bytes = snap.size_bytes;
	} else if (a.by_id) {
		struct lb_device_size ds;
		if ((rc = lb_device_size_guess(meta, data_fd, data_path, a.device_id, &ds, &err))) {
			lb_err_wrap(&err, "--device-id %llu", (unsigned long long)a.device_id);
			goto done;
		}
		snprintf(label, sizeof(label), "device %llu", (unsigned long long)a.device_id);
		a.query = label;
		v.device_id = (uint32_t)a.device_id;
		v.size_bytes = ds.size_bytes;
		if (g->verbosity >= 0)
			fprintf(stderr, "lifeboat: %s: %llu bytes, from its %s%s%s%s\n", label,
				(unsigned long long)ds.size_bytes, ds.source,
				ds.fs_type[0] ? " (" : "", ds.fs_type, ds.fs_type[0] ? ")" : "");
	}
	if (lb_thinmeta_superblock(meta)->needs_check && g->verbosity >= 0)
		lb_print_error("%s: warning: the pool's metadata is flagged needs_check; copying "
			       "what it maps", meta_path);
	if (!a.metadata)
		warn_if_active(root, g);

	if ((rc = lb_atomic_file_open(&out, a.output, a.force, 0600, &err))) {
		size_t n = strlen(err.msg);
		if (rc == LB_EUNSAFE && !a.force)
			snprintf(err.msg + n, sizeof(err.msg) - n, " (--force replaces it)");
		goto done;
	}
	catch_signals();
	struct progress prog = {.label = a.query, .show = g->verbosity >= 0 && isatty(2)};
	const struct lb_image_source src = {.meta = meta,
					    .dev_id = v.device_id,
					    .size_bytes = v.size_bytes,
					    .data_fd = data_fd,
					    .data_name = data_path};
	const struct lb_image_opts iopts = {.format = a.format,
					    .method = a.method,
					    .zstd_level = a.zstd_level,
					    .progress = on_progress,
					    .progress_ctx = &prog};
	const char *fstype = NULL;
	enum lb_fslog_state log = source_log_state(&src, &fstype);
	struct lb_image_stats st;
	double t0 = lb_now_seconds();
	rc = lb_image_write(&src, out.fd, a.output, &iopts, &st, &err);
	if (prog.shown)
		fputc('\n', stderr);
	if (rc == LB_ENOTFOUND)
		lb_err_wrap(&err, "%s: device %u", a.query, v.device_id);
	if (!rc)
		rc = lb_atomic_file_commit(&out, &err);
	if (!rc)
		rc = print_result(&a, &v, &st, lb_now_seconds() - t0, log, fstype, g);
done:
	if (rc)
		lb_print_error("%s", err.msg);
	lb_atomic_file_abort(&out);
	if (data_fd >= 0)
		close(data_fd);
	lb_thinmeta_close(meta);
	lb_docker_root_free(root);
	return rc;
}
