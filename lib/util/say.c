/* lifeboat: formatted operator lines through a callback (see say.h). */
#include "util/say.h"

#include <stdarg.h>
#include <stdio.h>

void lb_sayf(lb_say_fn fn, void *ctx, const char *fmt, ...)
{
	if (!fn)
		return;
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fn(ctx, line);
}
