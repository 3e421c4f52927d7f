/* lifeboat migrate commit: a container's changes, with its image's layers, as
 * an image in an OCI layout or a docker-archive tar, with dockerd dead.
 * Parses options and calls lb_migrate_commit (lib/migrate/commit.h). */
#include "docker/dataroot.h"
#include "migrate/archive.h"
#include "migrate/carry.h"
#include "migrate/commit.h"
#include "migrate/staging.h"
#include "migrate/verbs.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help_head[] =
	"Usage: lifeboat migrate commit [options] <container> -o PATH\n"
	"\n"
	"Commit a container's changes into an image, from Docker's files and the thin\n"
	"pool alone (dockerd may be dead), the way 'docker commit' would: the image's\n"
	"own layers unchanged, plus one layer holding the container's changes against\n"
	"its init layer (so /etc/hosts, /etc/hostname, /etc/resolv.conf and /.dockerenv\n"
	"stay out unless the container changed them), and the image config with the\n"
	"container's Config and one more history entry. Each base layer's exact tar is\n"
	"rebuilt from Docker's tar-split and the layer's own thin device, every file's\n"
	"CRC-64 checked, and its sha256 must equal the layer's diff id.\n"
	"\n"
	"Every device is mounted read-only; a container whose journal is dirty (killed\n"
	"while writing) is read through a copy-on-write replay, so the image holds its\n"
	"last committed state and the pool is not written. Refused (exit 4) while the\n"
	"container runs under a live dockerd, unless --live.\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 committed; 1 failed; 2 usage; 3 container, layer or file not\n"
	"found; 4 refused (running under a live dockerd without --live, a device Docker\n"
	"deleted); 5 a\n"
	"layer that does not rebuild to its diff id (tar-split or CRC-64 mismatch),\n"
	"corrupt metadata.\n"
	"\n"
	"Example:\n"
	"  lifeboat migrate commit web -o /srv/web.oci --tag web:moved\n"
	"  lifeboat migrate commit web --format docker-archive -o web.tar && docker load -i web.tar\n";

static json_t *summary_json(const struct lb_commit_result *r, const char *output,
			    const char *format)
{
	json_t *layers = json_array();
	for (size_t i = 0; i < r->n_layers; i++)
		json_array_append_new(
			layers, json_pack("{s:s, s:s, s:I, s:I, s:s}", "digest", r->layers[i].digest,
					  "diff_id", r->layers[i].diff_id, "size",
					  (json_int_t)r->layers[i].size, "tar_bytes",
					  (json_int_t)r->layers[i].tar_bytes, "from",
					  r->layers[i].origin == LB_LAYER_FROM_CONTAINER ? "container"
											  : "tar-split"));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:I, s:s, s:b, s:I, s:f}",
			 "container",
			 r->container_name, "id", r->container_id, "output", output, "format",
			 format, "manifest", r->manifest_digest, "config", r->config_digest,
			 "layers", layers, "empty_layer", r->empty_layer, "changes",
			 (json_int_t)r->n_changes, "journal",
			 r->replayed ? "replayed-into-cow"
			 : r->log_state == LB_FSLOG_DIRTY ? "dirty-not-replayed"
			 : r->log_state == LB_FSLOG_CLEAN ? "clean"
							  : "unknown",
			 "live", r->live, "freeze_us", (json_int_t)r->freeze_us, "seconds", r->seconds);
}

int cmd_migrate_commit(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_FORMAT = LB_OPT_LONG_ONLY, OPT_TAG, OPT_COMPRESS, OPT_MANIFEST, OPT_MESSAGE,
	       OPT_AUTHOR, OPT_CHANGE, OPT_NO_REPLAY, OPT_DAEMON_JSON, OPT_LIVE, OPT_WITH_SPEC,
	       OPT_WITH_VOLUMES };
	static const struct lb_opt opts[] = {
		{'o', "output", LB_ARG_REQUIRED, "PATH", "where to write the image (required)"},
		{OPT_FORMAT, "format", LB_ARG_REQUIRED, "oci|docker-archive",
		 "an OCI image layout directory (default), or a tar that\n"
		 "'docker load' reads"},
		{OPT_TAG, "tag", LB_ARG_REQUIRED, "REF",
		 "the image's name: the layout's ref name, the archive's\n"
		 "RepoTags (default: <container>:lifeboat for archives,\n"
		 "'latest' in a layout)"},
		{OPT_COMPRESS, "compress", LB_ARG_REQUIRED, "gzip|zstd",
		 "layer compression (default gzip, on every core); zstd\n"
		 "needs --manifest oci"},
		{OPT_MANIFEST, "manifest", LB_ARG_REQUIRED, "docker|oci",
		 "the manifest's kind (default oci, what OCI tools read\n"
		 "in a layout; 'migrate push' sends Docker schema 2)"},
		{OPT_MESSAGE, "message", LB_ARG_REQUIRED, "TEXT",
		 "the history entry's comment (docker commit -m)"},
		{OPT_AUTHOR, "author", LB_ARG_REQUIRED, "TEXT", "the author (docker commit -a)"},
		{OPT_CHANGE, "change", LB_ARG_REQUIRED, "INSTR",
		 "a Dockerfile instruction applied to the config, as\n"
		 "docker commit -c: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL,\n"
		 "USER, VOLUME, WORKDIR, HEALTHCHECK, ONBUILD, STOPSIGNAL\n"
		 "(repeatable)"},
		{OPT_NO_REPLAY, "no-replay", LB_ARG_NONE, NULL,
		 "read the on-disk state of a dirty journal, without what\n"
		 "was committed only to the journal"},
		{OPT_WITH_SPEC, "with-spec", LB_ARG_NONE, NULL,
		 "also put the container's spec beside the image (in a\n"
		 "layout as ref lifeboat-spec, in a docker-archive under\n"
		 "lifeboat/), so 'migrate restore PATH' rebuilds the\n"
		 "container on any host"},
		{OPT_WITH_VOLUMES, "with-volumes", LB_ARG_NONE, NULL,
		 "--with-spec and the named volumes' data too"},
		{OPT_LIVE, "live", LB_ARG_NONE, NULL,
		 "a container running under a live dockerd: read it from\n"
		 "a thin snapshot taken for the commit (its filesystem\n"
		 "frozen for milliseconds, not paused for the commit)\n"
		 "and removed after"},
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION(LB_OPT_JSON, "print a summary as JSON: digests, layers, seconds"),
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "migrate commit", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail,
						 .desc_col = 24};
	/* A layout is read by OCI tools, which take only OCI manifests there
	 * (skopeo's oci: transport skips Docker's media types). */
	struct lb_commit_opts o = {.compress = LB_COMPRESS_GZIP, .manifest = LB_MANIFEST_OCI};
	const char *output = NULL, *format = "oci", *tag = NULL;
	bool with_spec = false, with_volumes = false;
	const char **changes = calloc((size_t)argc + 1, sizeof(*changes));
	if (!changes)
		return LB_EFAIL;
	struct lb_opts_parser parser = {.spec = &spec};
	int c, rc;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case 'o': output = optarg; break;
		case OPT_FORMAT: format = optarg; break;
		case OPT_TAG: tag = optarg; break;
		case OPT_COMPRESS:
			if (!strcmp(optarg, "gzip"))
				o.compress = LB_COMPRESS_GZIP;
			else if (!strcmp(optarg, "zstd"))
				o.compress = LB_COMPRESS_ZSTD;
			else
				goto usage_compress;
			break;
		case OPT_MANIFEST:
			if (!strcmp(optarg, "docker"))
				o.manifest = LB_MANIFEST_DOCKER;
			else if (!strcmp(optarg, "oci"))
				o.manifest = LB_MANIFEST_OCI;
			else {
				free(changes);
				return lb_usage_error("migrate commit", "--manifest %s: docker or oci",
						      optarg);
			}
			break;
		case OPT_MESSAGE: o.message = optarg; break;
		case OPT_AUTHOR: o.author = optarg; break;
		case OPT_CHANGE: changes[o.n_changes++] = optarg; break;
		case OPT_NO_REPLAY: o.no_replay = true; break;
		case OPT_LIVE: o.live = true; break;
		case OPT_WITH_SPEC: with_spec = true; break;
		case OPT_WITH_VOLUMES: with_spec = with_volumes = true; break;
		case OPT_DAEMON_JSON: o.daemon_json = optarg; break;
		}
	}
	if (c < 0) {
		free(changes);
		return parser.rc;
	}
	if (argc - optind != 1 || !output) {
		free(changes);
		return lb_usage_error("migrate commit", "expected <container> -o PATH");
	}
	bool archive = !strcmp(format, "docker-archive");
	if (!archive && strcmp(format, "oci")) {
		free(changes);
		return lb_usage_error("migrate commit", "--format %s: oci or docker-archive", format);
	}
	if (o.compress == LB_COMPRESS_ZSTD && (o.manifest != LB_MANIFEST_OCI || archive)) {
		/* --manifest docker with zstd, or an archive for docker load */
		free(changes);
		return lb_usage_error("migrate commit",
				      "--compress zstd needs --manifest oci and --format oci: Docker's "
				      "schema 2 and 'docker load' of the devicemapper era take gzip");
	}
	o.data_root = g->docker_root;
	o.container = argv[optind];
	o.changes = changes;
	o.say = lb_migrate_say;
	o.say_ctx = g;
	struct lb_err err = {0};
	/* An archive is built from a layout staged beside it, then removed. */
	char staged[PATH_MAX];
	if (archive) {
		int n = snprintf(staged, sizeof(staged), "%s.lifeboat-layout", output);
		if (n < 0 || (size_t)n >= sizeof(staged)) {
			free(changes);
			return lb_usage_error("migrate commit", "-o %s: path too long", output);
		}
		o.layout_dir = staged;
	} else {
		o.layout_dir = output;
		o.ref_name = tag;
	}
	struct lb_commit_result *res = calloc(1, sizeof(*res));
	if (!res) {
		free(changes);
		return LB_EFAIL;
	}
	rc = lb_migrate_commit(&o, res, &err);
	struct lb_carry_stats carried = {0};
	if (!rc && with_spec)
		rc = lb_carry_stage_container(o.layout_dir, g->docker_root ? g->docker_root
								    : LB_DOCKER_DEFAULT_ROOT,
					      res->container_id, res->manifest_digest, with_volumes,
					      0, NULL, &carried, &err);
	if (!rc && with_spec && g->verbosity >= 0)
		fprintf(stderr, "lifeboat: %s: its spec%s beside the image in %s (%s), for "
				"'migrate restore %s'\n",
			res->container_name, carried.volumes_carried ? " and named volumes" : "",
			output, archive ? LB_CARRY_ARCHIVE_DIR : "ref " LB_CARRY_LAYOUT_REF, output);
	if (!rc && archive) {
		char deftag[300];
		snprintf(deftag, sizeof(deftag), "%s:lifeboat", res->container_name);
		/* with the spec, the stage holds two refs: the image is "latest" */
		rc = lb_docker_archive_from_layout(staged, with_spec ? "latest" : NULL, output,
						   tag ? tag : deftag, with_spec, &err);
		if (!rc)
			rc = lb_staged_layout_remove(staged, &err);
	}
	if (rc) {
		lb_print_error("%s", err.msg);
	} else if (g->json) {
		json_t *j = summary_json(res, output, format);
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
	} else {
		if (g->verbosity > 0)
			for (size_t i = 0; i < res->n_layers; i++)
				fprintf(stderr, "lifeboat: layer %zu: %s (%llu bytes, %s)\n", i + 1,
					res->layers[i].digest, (unsigned long long)res->layers[i].size,
					res->layers[i].origin == LB_LAYER_FROM_CONTAINER
						? "the container's changes"
						: "rebuilt from tar-split");
		if (g->verbosity >= 0 && res->empty_layer)
			fprintf(stderr, "lifeboat: %s changed nothing: no new layer\n",
				res->container_name);
		printf("%s\n", res->manifest_digest);
	}
	free(res);
	free(changes);
	return rc;
usage_compress:
	free(changes);
	return lb_usage_error("migrate commit", "--compress %s: gzip or zstd", optarg);
}
