/* lifeboat: Prometheus textfile output (see textfile.h). */
#include "metrics/textfile.h"
#include "util/atomic_file.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void append(struct lb_metrics *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(struct lb_metrics *m, const char *fmt, ...)
{
	if (m->oom)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (m->len + (size_t)n + 1 > m->cap) {
		size_t cap = (m->cap ? m->cap * 2 : 1024) + (size_t)n;
		char *t = realloc(m->text, cap);
		if (!t) {
			m->oom = true;
			return;
		}
		m->text = t;
		m->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(m->text + m->len, m->cap - m->len, fmt, ap);
	va_end(ap);
	m->len += (size_t)n;
}

static void append_escaped(struct lb_metrics *m, const char *s, bool help)
{
	for (; *s; s++) {
		if (*s == '\\')
			append(m, "\\\\");
		else if (*s == '\n')
			append(m, "\\n");
		else if (*s == '"' && !help)
			append(m, "\\\"");
		else
			append(m, "%c", *s);
	}
}

void lb_metrics_add(struct lb_metrics *m, const char *family, const char *type, const char *help,
		    const char *label_key, const char *label_value, double value)
{
	if (strcmp(m->last_family, family)) {
		append(m, "# HELP %s ", family);
		append_escaped(m, help, true);
		append(m, "\n# TYPE %s %s\n", family, type);
		snprintf(m->last_family, sizeof(m->last_family), "%s", family);
	}
	append(m, "%s", family);
	if (label_key) {
		append(m, "{%s=\"", label_key);
		append_escaped(m, label_value ? label_value : "", false);
		append(m, "\"}");
	}
	/* %.17g keeps a Unix time in seconds with its milliseconds exact. */
	if (isnan(value))
		append(m, " NaN\n");
	else
		append(m, " %.17g\n", value);
}

const char *lb_metrics_text(const struct lb_metrics *m)
{
	return m->oom ? NULL : m->text ? m->text : "";
}

void lb_metrics_free(struct lb_metrics *m)
{
	free(m->text);
	memset(m, 0, sizeof(*m));
}

bool lb_metrics_read_value(const char *text, const char *family, double *out)
{
	size_t fl = strlen(family);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, family, fl) || p[fl] != ' ')
			continue;
		char *end;
		double v = strtod(p + fl + 1, &end);
		if (end == p + fl + 1 || (*end && *end != '\n' && *end != ' ') || !isfinite(v))
			return false;
		*out = v;
		return true;
	}
	return false;
}

int lb_metrics_write(const struct lb_metrics *m, const char *path, struct lb_err *err)
{
	const char *text = lb_metrics_text(m);
	if (!text)
		return lb_fail(err, LB_EFAIL, "%s: out of memory building the metrics", path);
	return lb_atomic_file_write(path, text, strlen(text), true, 0644, err);
}

double lb_metrics_previous(const char *path, const char *family, double fallback)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return fallback;
	char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	double v;
	return lb_metrics_read_value(buf, family, &v) ? v : fallback;
}
