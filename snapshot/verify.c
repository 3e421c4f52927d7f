/* lifeboat snapshot verify: reads export streams to their end, checking
 * every checksum and bound, writing nothing. */
#include "snapshot/stream_print.h"
#include "snapshot/verbs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static const char help_head[] =
	"Usage: lifeboat snapshot verify FILE... [--json]\n"
	"\n"
	"Check export streams without writing anything: the header, every record's\n"
	"checksum, order and bounds, every zstd frame, and the trailer's counts and\n"
	"sha256 over the stream. Prints one line per file: full or incremental, the\n"
	"snapshot's uuid and name, its blocks, OK. A stream that stops before its\n"
	"trailer is reported as incomplete. Each file is checked alone; `snapshot\n"
	"import` checks that incrementals chain.\n"
	"\n"
	"Exit codes: 0 all OK; 2 usage; 3 a file not found; 5 a file corrupt or\n"
	"incomplete (the message names the file, byte offset and record).\n";

int cmd_snapshot_verify(int argc, char **argv, struct lb_globals *g)
{
	/* Only the global options; --json is told of in the usage line. */
	static const struct lb_opt opts[] = {{0}};
	static const struct lb_opts_spec spec = {.cmd = "snapshot verify", .opts = opts,
						 .help_head = help_head};
	struct lb_opts_parser parser = {.spec = &spec};
	int c = lb_opts_next(&parser, argc, argv, g);
	if (c < 0)
		return parser.rc;
	if (optind >= argc)
		return lb_usage_error("snapshot verify", "expected FILE...");
	int worst = LB_OK;
	json_t *all = json_array();
	for (int i = optind; i < argc; i++) {
		struct lb_err err = {0};
		struct lb_stream_result res = {0};
		int rc, fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = lb_fail_errno(&err, lb_exit_for_errno(errno), errno, "%s: cannot open",
					   argv[i]);
		} else {
			rc = lb_stream_read(fd, argv[i], NULL, &res, &err);
			close(fd);
		}
		if (rc)
			lb_print_error("%s", err.msg);
		else if (!g->json && g->verbosity >= 0)
			lb_stream_result_print(stdout, argv[i], &res);
		if (g->json)
			json_array_append_new(all, lb_stream_result_json(argv[i], &res, rc));
		/* The gravest wins: damage over a missing file over the rest. */
		if (rc == LB_EINTEGRITY || (rc && worst != LB_EINTEGRITY))
			worst = rc;
	}
	if (g->json) {
		json_t *o = json_pack("{s:o}", "streams", all);
		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		json_decref(all);
	}
	return worst;
}
