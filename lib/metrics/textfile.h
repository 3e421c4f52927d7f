/* Prometheus text exposition (format 0.0.4) for node_exporter's textfile
 * collector: scheduled jobs (snapshot run, migrate evacuate) leave their
 * last run's numbers in a .prom file that is replaced atomically, so the
 * collector never reads half a file, and an alert can fire on a last
 * success that is too old. The builder is pure; lb_metrics_write does the
 * one write. */
#ifndef LIFEBOAT_METRICS_TEXTFILE_H
#define LIFEBOAT_METRICS_TEXTFILE_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

struct lb_metrics {
	char *text;
	size_t len, cap;
	char last_family[128]; /* HELP/TYPE are written once per family, before its samples */
	bool oom;
};

/* One sample. A family's samples must be added together. label_key may be
 * NULL (no label); the label value is escaped as the format says (\\, \",
 * \n). type: "gauge" or "counter". */
void lb_metrics_add(struct lb_metrics *m, const char *family, const char *type, const char *help,
		    const char *label_key, const char *label_value, double value);

/* The text so far (NUL-terminated), or NULL after an allocation failure. */
const char *lb_metrics_text(const struct lb_metrics *m);
void lb_metrics_free(struct lb_metrics *m);

/* The value of the unlabelled sample `family` in exposition text, for a
 * number a job carries over from its last run (a last success time);
 * false when absent or not a number. */
bool lb_metrics_read_value(const char *text, const char *family, double *out);

/* Replaces path atomically (mode 0644: the collector runs as another user). */
int lb_metrics_write(const struct lb_metrics *m, const char *path, struct lb_err *err);

/* The previous file's value of `family`, or `fallback` (no file, no value). */
double lb_metrics_previous(const char *path, const char *family, double fallback);

#endif
