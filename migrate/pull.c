/* lifeboat migrate pull: an image from a registry into an OCI image layout. */
#include "migrate/archive.h"
#include "migrate/staging.h"
#include "migrate/verbs.h"

#include <stdbool.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char help_head[] =
	"Usage: lifeboat migrate pull [options] <REF> -o PATH\n"
	"\n"
	"Download an image from a registry into an OCI image layout directory\n"
	"(created if missing; an existing layout is added to). A manifest list or\n"
	"OCI index resolves to --platform. Every blob is checked against its\n"
	"sha256 while it streams to a partial file, which a rerun resumes with a\n"
	"Range request; a blob that does not match is removed, never named. The\n"
	"image's ref name in index.json is REF's tag (or digest, or \"latest\").\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Exit codes: 0 pulled; 1 failed (registry unreachable after retries, HTTP\n"
	"errors); 2 usage or a bad REF; 3 image or platform not found; 4 refused\n"
	"(401/403, or DIR is a non-empty directory that is not a layout);\n"
	"5 integrity (a digest mismatch, a manifest or config over 4 MiB, a\n"
	"malformed manifest or one whose digests are not sha256:<64 hex>).\n"
	"A blob cut midway more often than the retries allow is exit 1 and its\n"
	"partial file stays for the next run to resume.\n";

int cmd_migrate_pull(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_PLATFORM = LB_OPT_LONG_ONLY, OPT_FORMAT };
	static const struct lb_opt opts[] = {
		{'o', "output", LB_ARG_REQUIRED, "PATH", "the layout directory, or the archive (required)"},
		{OPT_FORMAT, "format", LB_ARG_REQUIRED, "oci|docker-archive",
		 "an OCI image layout (default), or a tar 'docker load'\n"
		 "reads (staged as PATH.lifeboat-layout, then removed;\n"
		 "its entry names come from checked digests only)"},
		{OPT_PLATFORM, "platform", LB_ARG_REQUIRED, "OS/ARCH[/VARIANT]",
		 "for a multi-platform image (default\n"
		 "linux/amd64)"},
		LB_XFER_OPTS,
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "migrate pull", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail};
	struct lb_xfer_cli x;
	lb_xfer_cli_init(&x);
	const char *out_dir = NULL, *platform = "linux/amd64", *format = "oci";
	struct lb_opts_parser parser = {.spec = &spec};
	int c, r;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		if ((r = lb_xfer_cli_opt(&x, "migrate pull", c, optarg)))
			if (r != 1)
				return r;
		if (r == 1)
			continue;
		switch (c) {
		case 'o': out_dir = optarg; break;
		case OPT_PLATFORM: platform = optarg; break;
		case OPT_FORMAT: format = optarg; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (argc - optind != 1 || !out_dir)
		return lb_usage_error("migrate pull", "want <REF> and -o PATH");
	bool archive = !strcmp(format, "docker-archive");
	if (!archive && strcmp(format, "oci"))
		return lb_usage_error("migrate pull", "--format %s: oci or docker-archive", format);
	char staged[4200];
	const char *archive_path = out_dir;
	if (archive) {
		snprintf(staged, sizeof(staged), "%s.lifeboat-layout", out_dir);
		out_dir = staged;
	}
	struct lb_err err = {0};
	struct lb_image_ref ref;
	struct lb_image_xfer_opts o = {.jobs = x.jobs, .state_fd = -1};
	int rc = lb_image_ref_parse(argv[optind], &ref, &err);
	if (!rc)
		rc = lb_platform_parse(platform, &o.platform, &err);
	if (rc) {
		lb_print_error("%s: %s", argv[optind], err.msg);
		return rc;
	}
	struct lb_oci_layout *l = NULL;
	struct lb_registry *reg = NULL;
	struct lb_image_xfer res = {0};
	if ((rc = lb_registry_connect(&ref, &x.conn, &reg, &err)))
		goto out;
	if ((rc = lb_oci_layout_create(out_dir, &l, &err)))
		goto out;
	if (isatty(STDERR_FILENO) && g->verbosity >= 0) {
		o.progress = lb_xfer_progress;
		o.progress_ctx = (void *)LB_XFER_PULLING;
	}
	rc = lb_image_pull(reg, &ref, l, &o, &res, &err);
	lb_oci_layout_close(l);
	l = NULL;
	if (!rc && archive) {
		char tag[600];
		lb_image_ref_format(&ref, tag, sizeof(tag));
		/* RepoTags wants name:tag; a digest reference gets no tag. */
		bool by_digest = strchr(tag, '@') != NULL;
		rc = lb_docker_archive_from_layout(staged, NULL, archive_path,
						   by_digest ? NULL : tag, false, &err);
	}
	if (!rc && archive)
		rc = lb_staged_layout_remove(staged, &err);
	if (!rc)
		lb_xfer_print_result(&res, &ref, false, g);
out:
	if (rc)
		lb_print_error("%s", err.msg);
	lb_image_xfer_free(&res);
	lb_registry_close(reg);
	lb_oci_layout_close(l);
	return rc;
}
