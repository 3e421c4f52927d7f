/* snapshot run's last run as Prometheus metrics (metrics/textfile.h), for
 * node_exporter's textfile collector; the alert for a schedule that stopped
 * is on lifeboat_snapshot_last_success_timestamp_seconds
 * (runbooks/scheduled-snapshots.md). */
#ifndef LIFEBOAT_SNAPSHOT_RUN_METRICS_H
#define LIFEBOAT_SNAPSHOT_RUN_METRICS_H

#include "metrics/textfile.h"

#include <jansson.h>

#define LB_SNAP_METRIC_LAST_SUCCESS "lifeboat_snapshot_last_success_timestamp_seconds"

/* summary: lb_snapshot_run's (NULL when the run stopped before any
 * container); rc its result; now the run's end; prev_success the last
 * success a previous file recorded (0: never). */
void lb_snapshot_run_metrics(const json_t *summary, int rc, double now, double prev_success,
			     struct lb_metrics *m);

#endif
