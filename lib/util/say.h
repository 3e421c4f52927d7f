/* One line for the operator, formatted, through the caller's callback:
 * lib/ never prints itself (the verbs decide where lines go, and -q). */
#ifndef LIFEBOAT_UTIL_SAY_H
#define LIFEBOAT_UTIL_SAY_H

typedef void (*lb_say_fn)(void *ctx, const char *line);

/* Nothing when fn is NULL; a line longer than 1 KiB is cut. */
void lb_sayf(lb_say_fn fn, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
