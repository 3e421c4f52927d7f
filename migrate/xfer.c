/* What lifeboat migrate push and pull share: the registry options, the
 * progress line on a terminal and the --json summary. */
#include "migrate/verbs.h"
#include "util/say.h"
#include "util/size.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void lb_xfer_cli_init(struct lb_xfer_cli *x)
{
	memset(x, 0, sizeof(*x));
	x->conn.tls_verify = true;
	x->jobs = 3;
}

int lb_xfer_cli_opt(struct lb_xfer_cli *x, const char *cmd, int c, const char *arg)
{
	uint64_t v;
	switch (c) {
	case LB_XOPT_CREDS: x->conn.creds = arg; return 1;
	case LB_XOPT_AUTHFILE: x->conn.authfile = arg; return 1;
	case LB_XOPT_CACERT: x->conn.cacert = arg; return 1;
	case LB_XOPT_TLS_VERIFY:
		if (strcmp(arg, "true") && strcmp(arg, "false"))
			return lb_usage_error(cmd, "--tls-verify takes true or false");
		x->conn.tls_verify = !strcmp(arg, "true");
		return 1;
	case LB_XOPT_JOBS:
		if (lb_parse_u64(arg, 64, &v) || v < 1)
			return lb_usage_error(cmd, "--jobs takes a number from 1 to 64");
		x->jobs = (unsigned)v;
		return 1;
	case LB_XOPT_TIMEOUT:
		if (lb_parse_u64(arg, 3600, &v) || v < 1)
			return lb_usage_error(cmd, "--timeout takes seconds from 1 to 3600");
		x->conn.stall_seconds = (unsigned)v;
		return 1;
	default: return 0;
	}
}

const char LB_XFER_PULLING[] = "pulling";

void lb_xfer_progress(void *ctx, const struct lb_push_blob *b, uint64_t done)
{
	char d[16], s[16];
	const char *action = "";
	if (done == b->size)
		action = ctx != LB_XFER_PULLING		 ? lb_blob_action_name(b->action)
			 : b->action == LB_BLOB_EXISTS ? "exists"
						       : "fetched";
	flockfile(stderr);
	fprintf(stderr, "%.19s %s/%s %s\n", b->digest, lb_size_human(d, sizeof(d), done),
		lb_size_human(s, sizeof(s), b->size), action);
	funlockfile(stderr);
}

void lb_xfer_print_json(const struct lb_image_xfer *res, const char *ref, bool push)
{
	json_t *blobs = json_array();
	for (size_t i = 0; i < res->n_blobs; i++) {
		const struct lb_push_blob *b = &res->blobs[i];
		const char *action = lb_blob_action_name(b->action);
		if (!push)
			action = b->action == LB_BLOB_EXISTS ? "exists" : "fetched";
		json_t *o = json_pack("{s:s, s:I, s:s, s:I}", "digest", b->digest, "size",
				      (json_int_t)b->size, "action", action, push ? "bytes_sent" : "bytes_fetched",
				      (json_int_t)b->bytes_sent);
		if (push) {
			json_object_set_new(o, "bytes_resent", json_integer((json_int_t)b->bytes_resent));
			json_object_set_new(o, "restarts", json_integer(b->restarts));
		}
		json_array_append_new(blobs, o);
	}
	json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:I, s:f}", "reference", ref, "manifest_digest",
			      res->manifest_digest, "media_type", res->media_type, "blobs", blobs,
			      "bytes_skipped", (json_int_t)res->bytes_skipped, "seconds", res->seconds);
	if (push) {
		json_object_set_new(o, "bytes_uploaded", json_integer((json_int_t)res->bytes_uploaded));
		json_object_set_new(o, "bytes_mounted", json_integer((json_int_t)res->bytes_mounted));
		json_object_set_new(o, "bytes_resent", json_integer((json_int_t)res->bytes_resent));
	} else {
		json_object_set_new(o, "bytes_fetched", json_integer((json_int_t)res->bytes_fetched));
	}
	json_dumpf(o, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(o);
}

void lb_migrate_say(void *ctx, const char *line)
{
	const struct lb_globals *g = ctx;
	lb_say(&(const struct lb_say){g->verbosity, stderr}, LB_SAY_NOTE, "%s", line);
}

void lb_xfer_print_result(const struct lb_image_xfer *res, const struct lb_image_ref *ref,
			  bool push, const struct lb_globals *g)
{
	char full[600];
	lb_image_ref_format(ref, full, sizeof(full));
	if (g->json)
		lb_xfer_print_json(res, full, push);
	else if (g->verbosity >= 0)
		printf("%s %s\n", full, res->manifest_digest);
}
