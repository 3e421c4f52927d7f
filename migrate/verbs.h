#ifndef LIFEBOAT_MIGRATE_VERBS_H
#define LIFEBOAT_MIGRATE_VERBS_H

#include "cli/cli.h"
#include "registry/connect.h"
#include "registry/image.h"

int cmd_migrate_commit(int argc, char **argv, struct lb_globals *g);
int cmd_migrate_push(int argc, char **argv, struct lb_globals *g);
int cmd_migrate_pull(int argc, char **argv, struct lb_globals *g);
int cmd_migrate_restore(int argc, char **argv, struct lb_globals *g);
int cmd_migrate_evacuate(int argc, char **argv, struct lb_globals *g);
int cmd_migrate_land(int argc, char **argv, struct lb_globals *g);

/* The registry options push and pull share (migrate/xfer.c). */
enum { LB_XOPT_CREDS = 0x2000, LB_XOPT_AUTHFILE, LB_XOPT_TLS_VERIFY, LB_XOPT_CACERT, LB_XOPT_JOBS,
       LB_XOPT_TIMEOUT };
/* Their rows: the connection's, --jobs (whose meaning is the verb's), then
 * --timeout and --json. */
#define LB_XFER_OPTS_CONN                                                                     \
	{LB_XOPT_CREDS, "creds", LB_ARG_REQUIRED, "USER:PASS", "registry credentials"},        \
	{LB_XOPT_AUTHFILE, "authfile", LB_ARG_REQUIRED, "FILE",                                \
	 "a Docker config.json (default $DOCKER_CONFIG/config.json,\n"                        \
	 "~/.docker/config.json): credHelpers, credsStore (runs\n"                             \
	 "docker-credential-<name> get from PATH) or \"auths\""},                              \
	{LB_XOPT_TLS_VERIFY, "tls-verify", LB_ARG_REQUIRED, "=false",                          \
	 "no certificate check, and plain http allowed (plain\n"                              \
	 "http is also tried for 127.0.0.0/8, as Docker does)"},                              \
	{LB_XOPT_CACERT, "cacert", LB_ARG_REQUIRED, "FILE",                                    \
	 "trust this CA (default: the system's, plus\n"                                       \
	 "/etc/docker/certs.d/<host:port>/ca.crt)"}
#define LB_XFER_OPT_JOBS(help) {LB_XOPT_JOBS, "jobs", LB_ARG_REQUIRED, "N", (help)}
#define LB_XFER_OPTS_TAIL                                                                     \
	{LB_XOPT_TIMEOUT, "timeout", LB_ARG_REQUIRED, "SECONDS",                               \
	 "cut and retry a transfer that moves nothing this long\n"                            \
	 "(default 30); also the longest a credential helper may\n"                           \
	 "take"},                                                                              \
	LB_OPT_MENTION(LB_OPT_JSON, "print a summary as JSON")
#define LB_XFER_OPTS                                                                          \
	LB_XFER_OPTS_CONN, LB_XFER_OPT_JOBS("blobs at once (default 3)"), LB_XFER_OPTS_TAIL

/* --host, which restore and land take alike. */
#define LB_ENGINE_HOST_ROW(id)                                                                \
	{(id), "host", LB_ARG_REQUIRED, "URL",                                                 \
	 "the engine: unix:///path or tcp://host:port (default\n"                              \
	 "$DOCKER_HOST, else unix:///var/run/docker.sock)"}

struct lb_xfer_cli {
	struct lb_connect_opts conn;
	unsigned jobs;
};

void lb_xfer_cli_init(struct lb_xfer_cli *x);

/* Handles a shared option: 1 if it was one, 0 if not, or LB_EUSAGE after
 * printing the usage error for `cmd`. */
int lb_xfer_cli_opt(struct lb_xfer_cli *x, const char *cmd, int c, const char *arg);

/* The per-blob line on a terminal (stderr), for image opts' progress;
 * ctx is LB_XFER_PULLING for a pull (a finished blob is "fetched"), NULL
 * for a push. */
extern const char LB_XFER_PULLING[];
void lb_xfer_progress(void *ctx, const struct lb_push_blob *b, uint64_t done);

/* A line of the commit's for the operator (stderr; nothing with -q);
 * ctx is the verb's struct lb_globals. */
void lb_migrate_say(void *ctx, const char *line);

/* The result on stdout: the --json summary, or "REF DIGEST". */
void lb_xfer_print_result(const struct lb_image_xfer *res, const struct lb_image_ref *ref,
			  bool push, const struct lb_globals *g);

/* The --json summary on stdout. */
void lb_xfer_print_json(const struct lb_image_xfer *res, const char *ref, bool push);

#endif
