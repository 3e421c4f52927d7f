#include "engine/jsonlines.h"

#include <stdlib.h>
#include <string.h>

int lb_jsonlines_init(struct lb_jsonlines *jl, size_t max_line_bytes, lb_jsonlines_fn on_line,
		      void *ctx, struct lb_err *err)
{
	memset(jl, 0, sizeof(*jl));
	if (max_line_bytes == 0)
		return lb_fail(err, LB_EUSAGE, "json lines: a line cap of 0 bytes");
	jl->buf = malloc(max_line_bytes);
	if (!jl->buf)
		return lb_fail(err, LB_EFAIL, "json lines: out of memory for a %zu-byte line buffer",
			       max_line_bytes);
	jl->max_line_bytes = max_line_bytes;
	jl->on_line = on_line;
	jl->ctx = ctx;
	return LB_OK;
}

static int stop(struct lb_jsonlines *jl, int code)
{
	jl->failed = code;
	return code;
}

/* One complete line in buf[0..len), without its newline. */
static int take_line(struct lb_jsonlines *jl, struct lb_err *err)
{
	size_t n = jl->len;
	jl->len = 0;
	jl->line_nr++;
	if (n && jl->buf[n - 1] == '\r')
		n--;
	size_t start = 0;
	while (start < n && (jl->buf[start] == ' ' || jl->buf[start] == '\t' || jl->buf[start] == '\r'))
		start++;
	if (start == n)
		return LB_OK; /* blank lines are keep-alives, not data */
	json_error_t jerr;
	json_t *line = json_loadb(jl->buf + start, n - start, JSON_REJECT_DUPLICATES, &jerr);
	if (!line)
		return stop(jl, lb_fail(err, LB_EINTEGRITY,
					"engine stream: line %llu: not JSON: %.200s",
					(unsigned long long)jl->line_nr, jerr.text));
	if (!json_is_object(line)) {
		json_decref(line);
		return stop(jl, lb_fail(err, LB_EINTEGRITY,
					"engine stream: line %llu: not a JSON object",
					(unsigned long long)jl->line_nr));
	}
	int rc = jl->on_line ? jl->on_line(jl->ctx, line, err) : LB_OK;
	json_decref(line);
	return rc ? stop(jl, rc) : LB_OK;
}

int lb_jsonlines_feed(struct lb_jsonlines *jl, const char *data, size_t n, struct lb_err *err)
{
	if (jl->failed)
		return jl->failed;
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t chunk = nl ? (size_t)(nl - data) : n;
		if (chunk > jl->max_line_bytes - jl->len)
			return stop(jl, lb_fail(err, LB_EINTEGRITY,
						"engine stream: line %llu is longer than %zu bytes",
						(unsigned long long)jl->line_nr + 1,
						jl->max_line_bytes));
		memcpy(jl->buf + jl->len, data, chunk);
		jl->len += chunk;
		if (!nl)
			break;
		int rc = take_line(jl, err);
		if (rc)
			return rc;
		data += chunk + 1;
		n -= chunk + 1;
	}
	return LB_OK;
}

int lb_jsonlines_finish(struct lb_jsonlines *jl, struct lb_err *err)
{
	if (jl->failed)
		return jl->failed;
	return jl->len ? take_line(jl, err) : LB_OK;
}

void lb_jsonlines_free(struct lb_jsonlines *jl)
{
	free(jl->buf);
	jl->buf = NULL;
	jl->len = 0;
}
