/* One entry function per command group; each lives in its group's folder. */
#ifndef LIFEBOAT_GROUPS_H
#define LIFEBOAT_GROUPS_H

#include "cli/cli.h"

int cmd_recover(int argc, char **argv, struct lb_globals *g);
int cmd_snapshot(int argc, char **argv, struct lb_globals *g);
int cmd_migrate(int argc, char **argv, struct lb_globals *g);

#endif
