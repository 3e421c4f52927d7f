#ifndef LIFEBOAT_RECOVER_VERBS_H
#define LIFEBOAT_RECOVER_VERBS_H

#include "cli/cli.h"

int cmd_recover_mount(int argc, char **argv, struct lb_globals *g);
int cmd_recover_umount(int argc, char **argv, struct lb_globals *g);
int cmd_recover_ls(int argc, char **argv, struct lb_globals *g);
int cmd_recover_image(int argc, char **argv, struct lb_globals *g);
int cmd_recover_discard(int argc, char **argv, struct lb_globals *g);
int cmd_recover_doctor(int argc, char **argv, struct lb_globals *g);

#endif
