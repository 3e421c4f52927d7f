/* The verbs of `lifeboat snapshot`, one file each. */
#ifndef LIFEBOAT_SNAPSHOT_VERBS_H
#define LIFEBOAT_SNAPSHOT_VERBS_H

#include "cli/cli.h"

int cmd_snapshot_create(int argc, char **argv, struct lb_globals *g);
int cmd_snapshot_ls(int argc, char **argv, struct lb_globals *g);
int cmd_snapshot_rm(int argc, char **argv, struct lb_globals *g);
int cmd_snapshot_prune(int argc, char **argv, struct lb_globals *g);
int cmd_snapshot_run(int argc, char **argv, struct lb_globals *g);
int cmd_snapshot_rollback(int argc, char **argv, struct lb_globals *g);
int cmd_snapshot_export(int argc, char **argv, struct lb_globals *g);
int cmd_snapshot_import(int argc, char **argv, struct lb_globals *g);
int cmd_snapshot_verify(int argc, char **argv, struct lb_globals *g);

/* A line for the operator on stderr (nothing with -q); ctx is the verb's
 * struct lb_globals. */
void lb_snapshot_say(void *ctx, const char *line);

#endif
