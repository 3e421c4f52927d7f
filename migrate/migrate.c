/* lifeboat migrate: cold migration through an OCI registry. */
#include "cli/groups.h"
#include "migrate/verbs.h"

static const struct lb_cmd migrate_verbs[] = {
	{"commit", cmd_migrate_commit, "commit a container's changes into an image, dockerd dead or alive"},
	{"push", cmd_migrate_push, "upload an OCI image layout to a registry, resumable after a crash"},
	{"pull", cmd_migrate_pull, "download an image from a registry into an OCI image layout"},
	{"restore", cmd_migrate_restore, "rebuild a pushed container on a host through its Engine API"},
	{"evacuate", cmd_migrate_evacuate, "commit and push every container of a host, by a plan that survives a kill"},
	{"land", cmd_migrate_land, "restore every container of an evacuation plan on a target host"},
	{0},
};

int cmd_migrate(int argc, char **argv, struct lb_globals *g)
{
	return lb_dispatch("migrate", migrate_verbs,
			   "Commit a container's changes into an image from Docker's files and the thin\n"
			   "pool (dockerd may be dead), push it to a registry resumably with its\n"
			   "settings and named volumes, and pull it back as an OCI layout or a\n"
			   "docker-archive. On the new host, 'restore' rebuilds the container through\n"
			   "the Docker Engine API (Docker or podman); 'evacuate' and 'land' do it for a\n"
			   "whole host by one plan. Runbooks: runbooks/migrate-dead-host.md,\n"
			   "runbooks/evacuate-host.md.",
			   argc, argv, g);
}
