/* lifeboat migrate push: an OCI image layout to a registry, resumable. */
#include "migrate/push.h"
#include "migrate/spec_warn.h"
#include "migrate/verbs.h"
#include "util/size.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char help_head[] =
	"Usage: lifeboat migrate push [options] <container> <REF>\n"
	"       lifeboat migrate push [options] <LAYOUT-DIR>[:NAME] <REF>\n"
	"\n"
	"A container (by name or id; dockerd may be dead) is first committed as\n"
	"'migrate commit' does, into a staged layout under\n"
	"/var/lib/lifeboat/staging/<container id>/, removed after a complete push.\n"
	"Its image's own layers go cheapest first: a blob Docker's distribution\n"
	"metadata names that the repository has is skipped, one in another\n"
	"repository of the same registry is mounted from there, and only otherwise\n"
	"is the layer rebuilt from Docker's tar-split and uploaded. A rerun after a\n"
	"failure pushes the staged image again without committing it again.\n"
	"\n"
	"A layout 'migrate commit <container> -o DIR --with-spec' wrote carries the\n"
	"container's spec too: pushed as after a push of the container.\n"
	"\n"
	"Upload the image in an OCI image layout directory to a registry (OCI\n"
	"distribution API): blobs the repository has are skipped (HEAD), blobs of\n"
	"another repository on the same registry can be mounted (--mount-from),\n"
	"small blobs go in one PUT, large ones in chunks; the manifest goes last.\n"
	"\n"
	"Resumable: after every chunk the registry acknowledges, the upload's\n"
	"location and offset are journalled (fsync'd) under\n"
	"<LAYOUT-DIR>/.lifeboat-push/<registry>/<repository>/ (or --state-dir). Run\n"
	"the same push again after a crash or kill and each unfinished blob goes on\n"
	"from its last acknowledged chunk; a blob whose upload session the registry\n"
	"lost starts again (\"restarted\" in --json, with the bytes sent again).\n"
	"\n"
	"Arguments:\n"
	"  LAYOUT-DIR[:NAME]  the layout; NAME picks an image by its ref name when\n"
	"                     index.json holds several\n"
	"  REF                [host[:port]/]repository[:tag][@digest]\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"A container's spec (its command, environment, ports, limits, volumes...:\n"
	"docs/container-spec.md) goes beside the image, as an OCI manifest of its own\n"
	"in the same repository tagged sha256-<image digest hex>.lifeboat (see it with\n"
	"skopeo inspect --raw), so 'lifeboat migrate restore REF' alone rebuilds the\n"
	"container on another host.\n"
	"\n"
	"On a terminal, stderr shows each blob's progress; nothing when it is a pipe.\n"
	"\n"
	"Exit codes: 0 pushed; 1 failed (registry unreachable after retries, HTTP\n"
	"errors); 2 usage or a bad REF; 3 layout or image not found; 4 refused by\n"
	"the registry (401/403: credentials or scope, named in the message);\n"
	"5 integrity (a blob whose digest or size is not the manifest's).\n";

int cmd_migrate_push(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_CHUNK = LB_OPT_LONG_ONLY, OPT_MOUNT_FROM, OPT_STATE_DIR, OPT_COMPRESS, OPT_MANIFEST,
	       OPT_NO_REPLAY, OPT_LIVE, OPT_WITH_VOLUMES, OPT_NO_SPEC };
	static const struct lb_opt opts[] = {
		LB_XFER_OPTS,
		{OPT_CHUNK, "chunk-size", LB_ARG_REQUIRED, "SIZE",
		 "upload blobs larger than this in chunks of SIZE\n"
		 "(default 16M; at least the registry's\n"
		 "OCI-Chunk-Min-Length), e.g. 512K, 8M"},
		{OPT_MOUNT_FROM, "mount-from", LB_ARG_REQUIRED, "REPO",
		 "try a cross-repository mount from REPO (same\n"
		 "registry) before uploading a blob"},
		{OPT_STATE_DIR, "state-dir", LB_ARG_REQUIRED, "DIR",
		 "keep the upload journal here instead of in the layout"},
		{OPT_WITH_VOLUMES, "with-volumes", LB_ARG_NONE, NULL,
		 "for a container: carry its named volumes' data too\n"
		 "(Docker's volumes/<name>/_data); bind mounts and\n"
		 "devices are listed in the spec, never copied"},
		{OPT_NO_SPEC, "no-spec", LB_ARG_NONE, NULL,
		 "for a container: push the image alone, without the\n"
		 "container spec 'migrate restore' needs"},
		{OPT_COMPRESS, "compress", LB_ARG_REQUIRED, "gzip|zstd", NULL, LB_OPT_JOIN},
		{OPT_MANIFEST, "manifest", LB_ARG_REQUIRED, "docker|oci", NULL, LB_OPT_JOIN},
		{OPT_NO_REPLAY, "no-replay", LB_ARG_NONE, NULL, NULL, LB_OPT_JOIN},
		{OPT_LIVE, "live", LB_ARG_NONE, NULL,
		 "for a container: as in 'migrate commit' (defaults gzip,\n"
		 "docker: Docker schema 2, which every engine reads)"},
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "migrate push", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail};
	struct lb_xfer_cli x;
	lb_xfer_cli_init(&x);
	uint64_t chunk = 16u << 20;
	const char *state_dir = NULL;
	struct lb_commit_opts copts = {.compress = LB_COMPRESS_GZIP, .manifest = LB_MANIFEST_DOCKER};
	bool with_volumes = false, with_spec = true;
	struct lb_opts_parser parser = {.spec = &spec};
	int c, r;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		if ((r = lb_xfer_cli_opt(&x, "migrate push", c, optarg)))
			if (r != 1)
				return r;
		if (r == 1)
			continue;
		switch (c) {
		case OPT_CHUNK:
			if (lb_parse_size(optarg, &chunk) || chunk < 1024 || chunk > (1ull << 32))
				return lb_usage_error("migrate push",
						      "--chunk-size: a size from 1K to 4G, like 8M");
			break;
		case OPT_MOUNT_FROM: x.conn.mount_from = optarg; break;
		case OPT_STATE_DIR: state_dir = optarg; break;
		case OPT_COMPRESS:
			if (strcmp(optarg, "gzip") && strcmp(optarg, "zstd"))
				return lb_usage_error("migrate push", "--compress %s: gzip or zstd",
						      optarg);
			copts.compress = optarg[0] == 'z' ? LB_COMPRESS_ZSTD : LB_COMPRESS_GZIP;
			break;
		case OPT_MANIFEST:
			if (strcmp(optarg, "docker") && strcmp(optarg, "oci"))
				return lb_usage_error("migrate push", "--manifest %s: docker or oci",
						      optarg);
			copts.manifest = optarg[0] == 'o' ? LB_MANIFEST_OCI : LB_MANIFEST_DOCKER;
			break;
		case OPT_NO_REPLAY: copts.no_replay = true; break;
		case OPT_LIVE: copts.live = true; break;
		case OPT_WITH_VOLUMES: with_volumes = true; break;
		case OPT_NO_SPEC: with_spec = false; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (argc - optind != 2)
		return lb_usage_error("migrate push", "want <LAYOUT-DIR> and <REF>");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", argv[optind]);
	char *name = strrchr(dir, ':');
	if (name)
		*name++ = '\0';
	struct lb_err err = {0};
	struct lb_image_ref ref;
	int rc = lb_image_ref_parse(argv[optind + 1], &ref, &err);
	if (rc) {
		lb_print_error("%s: %s", argv[optind + 1], err.msg);
		return rc;
	}
	x.conn.push = true;
	struct lb_oci_layout *l = NULL;
	struct lb_registry *reg = NULL;
	struct lb_image_xfer res = {0};
	int state_fd = -1;
	if (state_dir) {
		state_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (state_fd < 0) {
			lb_print_error("%s: %s (--state-dir)", state_dir, strerror(errno));
			return lb_exit_for_errno(errno);
		}
	}
	/* A directory holding an OCI layout is pushed as it is; anything else
	 * names a container. */
	char marker[4200];
	snprintf(marker, sizeof(marker), "%s/oci-layout", dir);
	bool is_layout = !name ? access(marker, F_OK) == 0 : true;
	if (!is_layout && copts.compress == LB_COMPRESS_ZSTD && copts.manifest != LB_MANIFEST_OCI) {
		rc = lb_fail(&err, LB_EUSAGE, "--compress zstd needs --manifest oci");
		goto out;
	}
	if (is_layout && (rc = lb_oci_layout_open(dir, &l, &err)))
		goto out;
	if ((rc = lb_registry_connect(&ref, &x.conn, &reg, &err)))
		goto out;
	struct lb_image_xfer_opts o = {.jobs = x.jobs, .chunk_size = chunk,
				       .mount_from = x.conn.mount_from, .state_fd = state_fd,
				       .layout_ref = name};
	if (isatty(STDERR_FILENO) && g->verbosity >= 0)
		o.progress = lb_xfer_progress;
	if (is_layout) {
		char carry_tag[LB_CARRY_TAG_CAP];
		rc = lb_migrate_push_layout(reg, &ref, l, name, &o, &res, carry_tag, &err);
		if (!rc && carry_tag[0] && g->verbosity >= 0)
			fprintf(stderr, "lifeboat: %s: the container's spec went beside the image as "
					"%s/%s:%s\n",
				dir, ref.domain, ref.path, carry_tag);
	} else {
		copts.data_root = g->docker_root;
		copts.container = argv[optind];
		copts.say = lb_migrate_say;
		copts.say_ctx = g;
		if (with_volumes && !with_spec) {
			rc = lb_fail(&err, LB_EUSAGE, "--with-volumes needs the spec: drop --no-spec");
			goto out;
		}
		struct lb_push_container_opts po = {.commit = copts, .reg = reg, .ref = &ref,
						    .xfer = o, .with_spec = with_spec,
						    .with_volumes = with_volumes};
		struct lb_push_container_result *pr = calloc(1, sizeof(*pr));
		if (!pr) {
			rc = lb_fail(&err, LB_EFAIL, "out of memory");
			goto out;
		}
		rc = lb_migrate_push_container(&po, &res, pr, &err);
		if (!rc && pr->stage_left[0])
			fprintf(stderr, "lifeboat: warning: %s\n", pr->stage_left);
		if (!rc && with_spec && g->verbosity >= 0)
			fprintf(stderr,
				"lifeboat: %s: its spec%s went beside the image as %s/%s:%s\n",
				argv[optind],
				pr->carry.volumes_carried ? " and named volumes" : "", ref.domain,
				ref.path, pr->carry_tag);
		if (!rc && pr->carry.volumes_listed && g->verbosity >= 0)
			fprintf(stderr,
				"lifeboat: %s: %u named volume(s) not carried: push with "
				"--with-volumes to take their data\n",
				argv[optind], pr->carry.volumes_listed);
		if (!rc && pr->spec && g->verbosity >= 0) {
			json_t *w = json_array();
			size_t wi;
			json_t *wl;
			lb_spec_host_warnings(pr->spec, w);
			json_array_foreach(w, wi, wl)
				fprintf(stderr, "lifeboat: %s: warning: %s\n", argv[optind],
					json_string_value(wl));
			json_decref(w);
		}
		json_decref(pr->spec);
		if (pr->reused_stage && g->verbosity >= 0)
			fprintf(stderr, "lifeboat: %s: pushing the image a previous run staged in %s\n",
				argv[optind], pr->stage_dir);
		if (rc && pr->stage_dir[0] && g->verbosity >= 0)
			fprintf(stderr, "lifeboat: the staged image stays in %s: run the same push "
					"again to continue\n",
				pr->stage_dir);
		free(pr);
	}
	for (size_t i = 0; i < res.n_blobs && g->verbosity >= 0; i++)
		if (res.blobs[i].action == LB_BLOB_RESTARTED)
			fprintf(stderr,
				"lifeboat: %s: blob %s: the registry lost its upload session %u time(s); "
				"restarted, %llu bytes sent again\n",
				ref.domain, res.blobs[i].digest, res.blobs[i].restarts,
				(unsigned long long)res.blobs[i].bytes_resent);
	if (!rc)
		lb_xfer_print_result(&res, &ref, true, g);
out:
	if (rc)
		lb_print_error("%s", err.msg);
	lb_image_xfer_free(&res);
	lb_registry_close(reg);
	lb_oci_layout_close(l);
	if (state_fd >= 0)
		close(state_fd);
	return rc;
}
