/* lifeboat snapshot: thin snapshots of containers, retention, zstd exports.
 * No verb exists yet; the table says so honestly. */
#include "cli/groups.h"

static const struct lb_cmd snapshot_verbs[] = {
	{0},
};

int cmd_snapshot(int argc, char **argv, struct lb_globals *g)
{
	return lb_dispatch("snapshot", snapshot_verbs,
			   "Thin snapshots of containers on a timer, retention, and compressed exports\n"
			   "(no verbs yet).",
			   argc, argv, g);
}
