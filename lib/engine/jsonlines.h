/* A JSON-lines splitter for the Engine API's streamed answers (pull, load,
 * build progress): bytes come in reads of any size, each complete line is
 * parsed with jansson and handed to a callback. Memory is one buffer of the
 * line cap, fixed at init: a line longer than the cap is an error, never
 * growth. Pure code: no I/O. */
#ifndef LIFEBOAT_ENGINE_JSONLINES_H
#define LIFEBOAT_ENGINE_JSONLINES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* Called once per non-blank line, with the parsed object (borrowed: the
 * splitter frees it after the call). A non-zero return stops the stream and
 * is returned by feed/finish with err as the callback filled it. */
typedef int (*lb_jsonlines_fn)(void *ctx, json_t *line, struct lb_err *err);

struct lb_jsonlines {
	char *buf;              /* the current partial line */
	size_t len;             /* bytes held in buf */
	size_t max_line_bytes;  /* capacity of buf */
	uint64_t line_nr;       /* lines completed so far, blank ones included */
	lb_jsonlines_fn on_line;
	void *ctx;
	int failed;             /* sticky: the first error's code */
};

/* Docker's progress lines are a few hundred bytes; an error message with a
 * registry's whole answer in it stays well below this. */
#define LB_JSONLINES_DEFAULT_MAX (64u * 1024u)

int lb_jsonlines_init(struct lb_jsonlines *jl, size_t max_line_bytes, lb_jsonlines_fn on_line,
		      void *ctx, struct lb_err *err);
/* Feeds n bytes. Lines end at '\n' ("\r\n" too). After an error every
 * further call returns the same code without looking at the data. */
int lb_jsonlines_feed(struct lb_jsonlines *jl, const char *data, size_t n, struct lb_err *err);
/* The stream ended: a last line without a newline is parsed too. */
int lb_jsonlines_finish(struct lb_jsonlines *jl, struct lb_err *err);
void lb_jsonlines_free(struct lb_jsonlines *jl);

#endif
