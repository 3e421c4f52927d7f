/* lifeboat snapshot: thin snapshots of containers, retention, zstd exports. */
#include "cli/groups.h"
#include "snapshot/verbs.h"

static const struct lb_cmd snapshot_verbs[] = {
	{"create", cmd_snapshot_create, "take a thin snapshot of a container, dockerd running or not"},
	{"ls", cmd_snapshot_ls, "list the snapshots of the pool"},
	{"rm", cmd_snapshot_rm, "delete snapshots from the pool"},
	{"prune", cmd_snapshot_prune, "delete the snapshots retention rules do not keep (restic's)"},
	{"export", cmd_snapshot_export, "a snapshot as a checksummed zstd stream, full or incremental"},
	{"import", cmd_snapshot_import, "rebuild a sparse raw image from a full export and its incrementals"},
	{"verify", cmd_snapshot_verify, "check every checksum of export streams, writing nothing"},
	{"run", cmd_snapshot_run, "one scheduled job: snapshot, export and prune by a policy file"},
	{"rollback", cmd_snapshot_rollback, "make a container's device hold a snapshot's content"},
	{0},
};

int cmd_snapshot(int argc, char **argv, struct lb_globals *g)
{
	return lb_dispatch("snapshot", snapshot_verbs,
			   "Thin snapshots of containers beside a live dockerd, retention, and\n"
			   "compressed full and incremental exports that restore without device-mapper.\n"
			   "Runbook: runbooks/scheduled-snapshots.md.",
			   argc, argv, g);
}
