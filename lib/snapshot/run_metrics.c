/* lifeboat: snapshot run's metrics (see run_metrics.h). */
#include "snapshot/run_metrics.h"

static void per_container(struct lb_metrics *m, const json_t *list, const char *family,
			  const char *type, const char *help, double (*value)(const json_t *e))
{
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
		lb_metrics_add(m, family, type, help, "container",
			       json_string_value(json_object_get(e, "container")), value(e));
}

static double failed(const json_t *e) { return json_object_get(e, "error") ? 1 : 0; }
static double kept(const json_t *e) { return (double)json_integer_value(json_object_get(e, "kept")); }
static double exported(const json_t *e)
{
	return (double)json_integer_value(json_object_get(json_object_get(e, "export"), "bytes"));
}
static double freeze(const json_t *e)
{
	return (double)json_integer_value(json_object_get(e, "freeze_us")) / 1e6;
}

void lb_snapshot_run_metrics(const json_t *summary, int rc, double now, double prev_success,
			     struct lb_metrics *m)
{
	lb_metrics_add(m, "lifeboat_snapshot_last_run_timestamp_seconds", "gauge",
		       "When the last snapshot run ended (Unix time).", NULL, NULL, now);
	lb_metrics_add(m, LB_SNAP_METRIC_LAST_SUCCESS, "gauge",
		       "When the last snapshot run that succeeded for every container ended "
		       "(Unix time; 0: never).",
		       NULL, NULL, rc == 0 ? now : prev_success);
	lb_metrics_add(m, "lifeboat_snapshot_last_run_success", "gauge",
		       "1 if the last snapshot run succeeded for every container, else 0.", NULL,
		       NULL, rc == 0 ? 1 : 0);
	lb_metrics_add(m, "lifeboat_snapshot_last_run_exit_code", "gauge",
		       "The last snapshot run's exit code (lifeboat's documented codes).", NULL, NULL,
		       rc);
	double seconds = json_number_value(json_object_get(summary, "seconds"));
	lb_metrics_add(m, "lifeboat_snapshot_last_run_duration_seconds", "gauge",
		       "How long the last snapshot run took.", NULL, NULL, seconds);
	const json_t *list = json_object_get(summary, "containers");
	per_container(m, list, "lifeboat_snapshot_container_failed", "gauge",
		      "1 if the last run failed for this container.", failed);
	per_container(m, list, "lifeboat_snapshot_kept", "gauge",
		      "Snapshots of this container kept after the last run's retention.", kept);
	per_container(m, list, "lifeboat_snapshot_exported_bytes", "gauge",
		      "Bytes of the export the last run wrote for this container.", exported);
	per_container(m, list, "lifeboat_snapshot_freeze_seconds", "gauge",
		      "How long the container's filesystem was frozen for its last snapshot.",
		      freeze);
}
