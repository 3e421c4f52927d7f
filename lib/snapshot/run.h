/* snapshot run: one scheduled job of a policy file (policy.h): for each
 * container it names, a snapshot, then an export (full every
 * `full_every`th time, else incremental against the last one exported),
 * then retention. A container that fails is reported and the others are
 * still done. Runs are serialized by a lock (<lifeboat dir>/run.lock): a
 * second run while one is going is refused, not queued.
 *
 * Exports go to <export.dir>/<container>/<snapshot>.full.lbx or .incr.lbx,
 * and <export.dir>/<container>/chain.json remembers the last snapshot
 * exported and how many incrementals follow the last full one, so a
 * restore takes the newest full export and the incrementals after it. */
#ifndef LIFEBOAT_SNAPSHOT_RUN_H
#define LIFEBOAT_SNAPSHOT_RUN_H

#include "snapshot/create.h"

#include <jansson.h>

#define LB_SNAP_EXPORT_SUFFIX_FULL ".full.lbx"
#define LB_SNAP_EXPORT_SUFFIX_INCR ".incr.lbx"

/* *summary: {"policy", "started", "seconds", "containers": [{"container",
 * "snapshot", "freeze_us", "export": {"file", "kind", "bytes"} | null,
 * "pruned", "kept", "error"}], "failed"}. Returns LB_OK when every container
 * succeeded, LB_EFAIL when one failed (the summary says which), or the
 * error that stopped the run before any container (bad policy, lock). */
int lb_snapshot_run(const struct lb_snapshot_target *t, const char *policy_path,
		    json_t **summary, struct lb_err *err);

#endif
