/* lifeboat migrate restore: a pushed container, rebuilt on a host through
 * its Docker Engine API. */
#include "migrate/restore.h"
#include "migrate/verbs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help_head[] =
	"Usage: lifeboat migrate restore [options] <REF|LAYOUT-DIR|ARCHIVE>\n"
	"\n"
	"Rebuild on a host the container that 'lifeboat migrate push <container> REF'\n"
	"pushed: its image, its settings and its named volumes' data (pushed with\n"
	"--with-volumes), through the host's Docker Engine API (Docker Engine 20.10\n"
	"or later, or podman's Docker-compatible service, 'podman system service').\n"
	"\n"
	"The engine pulls REF (lifeboat's credentials handed on in X-Registry-Auth)\n"
	"and its digest must be the one the registry serves; the named volumes are\n"
	"created; the container is created with the source's command, entrypoint,\n"
	"environment, working directory, user, labels, exposed ports, stop signal\n"
	"and timeout, healthcheck, restart policy, port bindings, limits,\n"
	"capabilities, privileged, init, tmpfs, read-only root, sysctls, ulimits,\n"
	"log driver (if the engine has it), extra hosts and networks by name; each\n"
	"volume's data is put in place before the container ever starts. What\n"
	"belongs to the old host is dropped, and reported with why: a generated\n"
	"hostname, network and endpoint ids, IP and MAC addresses, container:<id>\n"
	"modes. Bind mounts and devices are kept in the spec but their host paths\n"
	"are not copied: each is a warning. If a step fails, what this run created\n"
	"(volumes, the container) is removed again.\n"
	"\n"
	"A LAYOUT-DIR or ARCHIVE that 'migrate commit <container> -o PATH\n"
	"--with-spec' (or --with-volumes; --format docker-archive for an ARCHIVE)\n"
	"wrote is restored with no registry at all: the image goes to the engine by\n"
	"POST /images/load, named by the layout's name for it (\"latest\" becomes\n"
	"<container>:latest) or the archive's tag; the volumes' blobs are checked\n"
	"against their digests before use.\n"
	"\n"
	"Arguments:\n"
	"  REF                [host[:port]/]repository[:tag][@digest], as pushed\n"
	"  LAYOUT-DIR         an OCI layout holding the image and its spec\n"
	"  ARCHIVE            a docker-archive holding them (spec under lifeboat/)\n"
	"\n"
	"Options:\n";
static const char help_tail[] =
	"\n"
	"Files: /var/lib/lifeboat/restore/<digest>/, the spec and volumes pulled\n"
	"from the registry, removed after a restore.\n"
	"\n"
	"Exit codes: 0 restored; 1 failed (engine or registry unreachable, the engine\n"
	"refused a setting); 2 usage; 3 REF, or the spec beside it, not found;\n"
	"4 refused (a container or volume of that name exists, credentials, or an\n"
	"engine older than API 1.40); 5 integrity (a digest that does not match, a\n"
	"spec that is corrupt or written by a newer lifeboat).\n";

static void print_text(const struct lb_restore_result *r, const struct lb_globals *g)
{
	size_t i;
	json_t *c;
	if (g->verbosity >= 0) {
		json_array_foreach(r->changes, i, c)
			fprintf(stderr, "lifeboat: %s: %s %s: %s\n", r->name,
				json_string_value(json_object_get(c, "field")),
				json_string_value(json_object_get(c, "action")),
				json_string_value(json_object_get(c, "why")));
		json_array_foreach(r->warnings, i, c)
			fprintf(stderr, "lifeboat: %s: warning: %s\n", r->name, json_string_value(c));
	}
	printf("%s %.12s %s%s%s\n", r->name, r->container_id, r->image_digest,
	       r->skipped ? " skipped" : r->replaced ? " replaced" : " created",
	       r->started ? " started" : "");
}

int cmd_migrate_restore(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_HOST = LB_OPT_LONG_ONLY, OPT_NAME, OPT_START, OPT_REPLACE };
	static const struct lb_opt opts[] = {
		LB_ENGINE_HOST_ROW(OPT_HOST),
		{OPT_NAME, "name", LB_ARG_REQUIRED, "NAME", "the container's name (default: the source's)"},
		{OPT_START, "start", LB_ARG_NONE, NULL, "start it once it is created"},
		{OPT_REPLACE, "replace", LB_ARG_NONE, NULL,
		 "a container of that name is replaced (the new one is\n"
		 "made first under NAME.lifeboat-new, then the old one is\n"
		 "removed: its writable layer is lost); volumes that\n"
		 "exist are kept as they are, not filled"},
		LB_XFER_OPTS,
		LB_OPT_MENTION_QV("quieter, more verbose"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "migrate restore", .opts = opts,
						 .help_head = help_head, .help_tail = help_tail};
	struct lb_xfer_cli x;
	lb_xfer_cli_init(&x);
	struct lb_restore_opts o = {0};
	struct lb_opts_parser parser = {.spec = &spec};
	int c, r;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		if ((r = lb_xfer_cli_opt(&x, "migrate restore", c, optarg)))
			if (r != 1)
				return r;
		if (r == 1)
			continue;
		switch (c) {
		case OPT_HOST: o.host = optarg; break;
		case OPT_NAME: o.name = optarg; break;
		case OPT_START: o.start = true; break;
		case OPT_REPLACE: o.replace = true; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (argc - optind != 1)
		return lb_usage_error("migrate restore", "want one <REF>");
	o.source = argv[optind];
	o.conn = x.conn;
	if (g->verbosity > 0) {
		o.say = lb_migrate_say;
		o.say_ctx = g;
	}
	struct lb_err err = {0};
	struct lb_restore_result res;
	int rc = lb_migrate_restore(&o, &res, &err);
	if (rc)
		lb_print_error("%s", err.msg);
	else if (g->json) {
		json_t *j = lb_restore_result_json(&res);
		char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
		if (text)
			puts(text);
		free(text);
		json_decref(j);
	} else
		print_text(&res, g);
	lb_restore_result_free(&res);
	return rc;
}
