/* lifeboat migrate: cold migration through an OCI registry. */
#include "cli/groups.h"
#include "migrate/verbs.h"

static const struct lb_cmd migrate_verbs[] = {
	{"commit", cmd_migrate_commit, "commit a container's changes into an image, dockerd dead or alive"},
	{"push", cmd_migrate_push, "upload an OCI image layout to a registry, resumable after a crash"},
	{"pull", cmd_migrate_pull, "download an image from a registry into an OCI image layout"},
	{0},
};

int cmd_migrate(int argc, char **argv, struct lb_globals *g)
{
	return lb_dispatch("migrate", migrate_verbs,
			   "Commit a container's changes into an image from Docker's files and the thin\n"
			   "pool (dockerd may be dead), push it to a registry resumably, and pull it\n"
			   "back as an OCI layout or a docker-archive. Runbook:\n"
			   "runbooks/migrate-dead-host.md.",
			   argc, argv, g);
}
