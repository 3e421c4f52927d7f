/* libFuzzer target: lib/engine/jsonlines with the progress-line verdict, as
 * a pull or load stream from the engine arrives. The first byte picks the
 * line cap (small, so overlong lines happen) and the read sizes; the rest
 * is the stream. The same bytes fed whole and fed in pieces must give the
 * same lines (count and content), the same verdict and the same message;
 * codes are only those the contract names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jsonlines.h"
#include "engine/negotiate.h"

struct run {
	unsigned lines;
	uint64_t hash; /* FNV-1a over every line's canonical dump */
};

static int on_line(void *ctx, json_t *line, struct lb_err *err)
{
	struct run *r = ctx;
	int rc = lb_engine_progress_error(line, "fuzz/image:1", err);
	if (rc && rc != LB_EFAIL && rc != LB_ENOTFOUND && rc != LB_EUNSAFE)
		abort();
	if (rc)
		return rc;
	char *dump = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!dump)
		abort();
	for (const char *p = dump; *p; p++)
		r->hash = (r->hash ^ (unsigned char)*p) * 1099511628211ull;
	r->hash = (r->hash ^ '\n') * 1099511628211ull;
	free(dump);
	r->lines++;
	return 0;
}

static int run(const uint8_t *data, size_t size, size_t cap, const uint8_t *steps, size_t nsteps,
	       struct run *r, struct lb_err *err)
{
	struct lb_jsonlines jl;
	memset(r, 0, sizeof(*r));
	r->hash = 1469598103934665603ull;
	memset(err, 0, sizeof(*err));
	if (lb_jsonlines_init(&jl, cap, on_line, r, err))
		abort();
	int rc = 0;
	size_t off = 0, i = 0;
	while (off < size && !rc) {
		size_t step = nsteps ? (size_t)steps[i++ % nsteps] + 1 : size;
		if (step > size - off)
			step = size - off;
		rc = lb_jsonlines_feed(&jl, (const char *)data + off, step, err);
		off += step;
	}
	if (!rc)
		rc = lb_jsonlines_finish(&jl, err);
	if (jl.len > cap)
		abort();
	lb_jsonlines_free(&jl);
	if (!memchr(err->msg, '\0', sizeof(err->msg)))
		abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cap = 16 + (size_t)data[0] * 4; /* 16 .. 1036 bytes */
	data++;
	size--;
	struct run whole, pieces;
	struct lb_err err_whole, err_pieces;
	int rc_whole = run(data, size, cap, NULL, 0, &whole, &err_whole);
	/* The stream's own bytes as read sizes: every split shape, reproducibly. */
	int rc_pieces = run(data, size, cap, data, size < 64 ? size : 64, &pieces, &err_pieces);
	if (rc_whole != rc_pieces || whole.lines != pieces.lines || whole.hash != pieces.hash)
		abort();
	if (rc_whole && strcmp(err_whole.msg, err_pieces.msg))
		abort();
	if (rc_whole && rc_whole != LB_EINTEGRITY && rc_whole != LB_EFAIL &&
	    rc_whole != LB_ENOTFOUND && rc_whole != LB_EUNSAFE)
		abort();
	return 0;
}
