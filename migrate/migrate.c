/* lifeboat migrate: cold migration through an OCI registry. */
#include "cli/groups.h"
#include "migrate/verbs.h"

static const struct lb_cmd migrate_verbs[] = {
	{"push", cmd_migrate_push, "upload an OCI image layout to a registry, resumable after a crash"},
	{"pull", cmd_migrate_pull, "download an image from a registry into an OCI image layout"},
	{0},
};

int cmd_migrate(int argc, char **argv, struct lb_globals *g)
{
	return lb_dispatch("migrate", migrate_verbs,
			   "Move images between OCI image layouts and registries (commit of a\n"
			   "container's changes comes next).",
			   argc, argv, g);
}
