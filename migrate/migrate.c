/* lifeboat migrate: cold migration through an OCI registry.
 * No verb exists yet; the table says so honestly. */
#include "cli/groups.h"

static const struct lb_cmd migrate_verbs[] = {
	{0},
};

int cmd_migrate(int argc, char **argv, struct lb_globals *g)
{
	return lb_dispatch("migrate", migrate_verbs,
			   "Commit a container's changes to an image layer, push it to a registry,\n"
			   "pull it on another host and recreate the container there (no verbs yet).",
			   argc, argv, g);
}
