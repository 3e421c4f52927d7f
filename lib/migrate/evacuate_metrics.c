/* lifeboat: migrate evacuate's metrics (see evacuate_metrics.h). */
#include "migrate/evacuate_metrics.h"

void lb_evacuate_metrics(const struct lb_plan *plan, const struct lb_evacuate_summary *sum, int rc,
			 double now, double seconds, double prev_success, struct lb_metrics *m)
{
	lb_metrics_add(m, "lifeboat_evacuate_last_run_timestamp_seconds", "gauge",
		       "When the last evacuation run ended (Unix time).", NULL, NULL, now);
	lb_metrics_add(m, LB_EVAC_METRIC_LAST_SUCCESS, "gauge",
		       "When the last evacuation run that pushed every container ended (0: never).",
		       NULL, NULL, rc == 0 ? now : prev_success);
	lb_metrics_add(m, "lifeboat_evacuate_last_run_exit_code", "gauge",
		       "The last evacuation run's exit code.", NULL, NULL, rc);
	lb_metrics_add(m, "lifeboat_evacuate_last_run_duration_seconds", "gauge",
		       "How long the last evacuation run took.", NULL, NULL, seconds);
	lb_metrics_add(m, "lifeboat_evacuate_containers", "gauge",
		       "Containers of the last run by what happened to them.", "result", "pushed",
		       sum->pushed);
	lb_metrics_add(m, "lifeboat_evacuate_containers", "gauge",
		       "Containers of the last run by what happened to them.", "result", "skipped",
		       sum->skipped);
	lb_metrics_add(m, "lifeboat_evacuate_containers", "gauge",
		       "Containers of the last run by what happened to them.", "result", "failed",
		       sum->failed);
	for (size_t i = 0; plan && i < plan->n_entries; i++)
		lb_metrics_add(m, "lifeboat_evacuate_container_failed", "gauge",
			       "1 if the plan says this container's evacuation failed.", "container",
			       plan->entries[i].name,
			       plan->entries[i].status == LB_PLAN_FAILED ? 1 : 0);
}
