/* The verbs of `lifeboat snapshot`, one file each. */
#ifndef LIFEBOAT_SNAPSHOT_VERBS_H
#define LIFEBOAT_SNAPSHOT_VERBS_H

#include "cli/cli.h"

int cmd_snapshot_export(int argc, char **argv, struct lb_globals *g);
int cmd_snapshot_import(int argc, char **argv, struct lb_globals *g);
int cmd_snapshot_verify(int argc, char **argv, struct lb_globals *g);

#endif
