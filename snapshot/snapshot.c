/* lifeboat snapshot: thin snapshots of containers, retention, zstd exports. */
#include "cli/groups.h"
#include "snapshot/verbs.h"

static const struct lb_cmd snapshot_verbs[] = {
	{"create", cmd_snapshot_create, "take a thin snapshot of a container, dockerd running or not"},
	{"ls", cmd_snapshot_ls, "list the snapshots of the pool"},
	{"rm", cmd_snapshot_rm, "delete snapshots from the pool"},
	{"prune", cmd_snapshot_prune, "delete the snapshots retention rules do not keep (restic's)"},
	{"run", cmd_snapshot_run, "one scheduled job: snapshot, export and prune by a policy file"},
	{"rollback", cmd_snapshot_rollback, "make a container's device hold a snapshot's content"},
	{"export", cmd_snapshot_export, "write a thin device as a checksummed, zstd-compressed export stream"},
	{"import", cmd_snapshot_import, "rebuild a sparse raw image from a full export and its incrementals"},
	{"verify", cmd_snapshot_verify, "check every checksum of export streams, writing nothing"},
	{0},
};

int cmd_snapshot(int argc, char **argv, struct lb_globals *g)
{
	return lb_dispatch("snapshot", snapshot_verbs,
			   "Thin snapshots of containers beside a live dockerd, retention, and\n"
			   "compressed full and incremental exports that restore without device-mapper.",
			   argc, argv, g);
}
