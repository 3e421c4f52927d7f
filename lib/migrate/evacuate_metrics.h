/* migrate evacuate's run as Prometheus metrics (metrics/textfile.h): an
 * evacuation run from a timer or a CI job is watched like snapshot run. */
#ifndef LIFEBOAT_MIGRATE_EVACUATE_METRICS_H
#define LIFEBOAT_MIGRATE_EVACUATE_METRICS_H

#include "metrics/textfile.h"
#include "migrate/evacuate.h"

#define LB_EVAC_METRIC_LAST_SUCCESS "lifeboat_evacuate_last_success_timestamp_seconds"

/* plan: the plan as it stands after the run (NULL if it could not be read);
 * rc the run's result; seconds its duration. */
void lb_evacuate_metrics(const struct lb_plan *plan, const struct lb_evacuate_summary *sum, int rc,
			 double now, double seconds, double prev_success, struct lb_metrics *m);

#endif
