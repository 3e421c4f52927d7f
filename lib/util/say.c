/* lifeboat: operator lines (see say.h). */
#include "util/say.h"

#include <limits.h>
#include <stdarg.h>

/* A line names a path or two and says what happened to them. */
#define LINE_MAX_BYTES (PATH_MAX + 1200)

bool lb_say_shown(const struct lb_say *s, enum lb_say_level level)
{
	if (!s || !s->out)
		return false;
	switch (level) {
	case LB_SAY_WARN: return true;
	case LB_SAY_NOTE: return s->verbosity >= 0;
	case LB_SAY_INFO: return s->verbosity > 0;
	}
	return false;
}

/* Formats one line and hands it to fn. */
__attribute__((format(printf, 3, 0))) static void vsay(lb_say_fn fn, void *ctx, const char *fmt,
							va_list ap)
{
	char line[LINE_MAX_BYTES];
	vsnprintf(line, sizeof(line), fmt, ap);
	fn(ctx, line);
}

static void to_stream(void *stream, const char *line)
{
	/* One call per line: stdio locks the stream for it, so the lines of
	 * threads that share it do not interleave. */
	fprintf(stream, "lifeboat: %s\n", line);
}

void lb_say(const struct lb_say *s, enum lb_say_level level, const char *fmt, ...)
{
	if (!lb_say_shown(s, level))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsay(to_stream, s->out, fmt, ap);
	va_end(ap);
}

void lb_sayf(lb_say_fn fn, void *ctx, const char *fmt, ...)
{
	if (!fn)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsay(fn, ctx, fmt, ap);
	va_end(ap);
}
