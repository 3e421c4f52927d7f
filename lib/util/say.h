/* Lines for the operator, one path for all of them (curl's Curl_infof: a
 * context that knows the verbosity decides whether a line is shown).
 *
 * The CLI makes one struct lb_say per command from its -q/-v and hands it
 * down; lib/ never picks a stream or a verbosity itself, it only says how
 * important a line is. Like curl's CURLOPT_STDERR, the stream is the
 * caller's: a test gives an open_memstream one, a NULL context or stream
 * says nothing. */
#ifndef LIFEBOAT_UTIL_SAY_H
#define LIFEBOAT_UTIL_SAY_H

#include <stdbool.h>
#include <stdio.h>

enum lb_say_level {
	LB_SAY_WARN, /* always shown, -q too: something refused, skipped or left behind */
	LB_SAY_NOTE, /* shown unless -q: what was done that the operator must know */
	LB_SAY_INFO, /* shown with -v: each step */
};

struct lb_say {
	int verbosity; /* the CLI's: 0 normal, each -q one less, each -v one more */
	FILE *out;     /* where shown lines go, as "lifeboat: <line>\n"; NULL: nowhere */
};

/* Whether a line of `level` would be shown (to skip building a costly one). */
bool lb_say_shown(const struct lb_say *s, enum lb_say_level level);

/* One line (without its newline); one longer than PATH_MAX + 1 KiB is cut. */
void lb_say(const struct lb_say *s, enum lb_say_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Older lib/ APIs (lib/migrate, lib/snapshot) hand their lines to a caller's
 * callback instead (the verbs' callbacks show them through lb_say);
 * lb_sayf formats one for such a callback. Nothing when fn is NULL; cut
 * like lb_say's. */
typedef void (*lb_say_fn)(void *ctx, const char *line);
void lb_sayf(lb_say_fn fn, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
