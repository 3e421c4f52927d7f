/* lib/engine/jsonlines and the progress-line verdict: the pull/load stream
 * split at every byte gives the same lines, an overlong line is an error
 * (not growth), bad JSON is an error, and an error line after progress
 * lines fails with the code its message means. The lines are in the shape
 * Docker 20.10 and podman 4.3 write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "engine/jsonlines.h"
#include "engine/negotiate.h"

#define PULL_OK                                                                                   \
	"{\"status\":\"Pulling from lifeboat/base\",\"id\":\"2\"}\r\n"                                \
	"{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"8a49fdb3b6a5\"}\r\n"         \
	"{\"status\":\"Downloading\",\"progressDetail\":{\"current\":32768,\"total\":2814559},"       \
	"\"progress\":\"[>    ]  32.77kB/2.815MB\",\"id\":\"8a49fdb3b6a5\"}\r\n"                     \
	"\n"                                                                                          \
	"{\"status\":\"Digest: sha256:6e5edc322bcb07cce3812466ccbe08e9272dd7c818a727c9c7de824e6f2adfe2\"}\r\n" \
	"{\"status\":\"Status: Downloaded newer image for 127.0.0.1:5000/lifeboat/base:2\"}\r\n"
#define ERROR_LINE(msg) "{\"errorDetail\":{\"message\":\"" msg "\"},\"error\":\"" msg "\"}\n"

struct seen {
	int lines;
	char last_status[200];
};

static int collect(void *ctx, json_t *line, struct lb_err *err)
{
	struct seen *s = ctx;
	int rc = lb_engine_progress_error(line, "127.0.0.1:5000/lifeboat/base:2", err);
	if (rc)
		return rc;
	s->lines++;
	const char *status = json_string_value(json_object_get(line, "status"));
	snprintf(s->last_status, sizeof(s->last_status), "%s", status ? status : "");
	return 0;
}

/* Feeds text in pieces of `step` bytes (0: split at byte `cut` only). */
static int feed_split(const char *text, size_t step, size_t cut, size_t cap, struct seen *s,
		      struct lb_err *err)
{
	struct lb_jsonlines jl;
	memset(s, 0, sizeof(*s));
	assert_int_equal(lb_jsonlines_init(&jl, cap, collect, s, err), 0);
	size_t n = strlen(text), off = 0;
	int rc = 0;
	if (step == 0) {
		rc = lb_jsonlines_feed(&jl, text, cut, err);
		if (!rc)
			rc = lb_jsonlines_feed(&jl, text + cut, n - cut, err);
	} else {
		for (; off < n && !rc; off += step)
			rc = lb_jsonlines_feed(&jl, text + off, n - off < step ? n - off : step, err);
	}
	if (!rc)
		rc = lb_jsonlines_finish(&jl, err);
	lb_jsonlines_free(&jl);
	return rc;
}

static void lines_split_anywhere_give_the_same_lines(void **state)
{
	(void)state;
	struct seen s;
	struct lb_err err;
	size_t n = strlen(PULL_OK);
	for (size_t cut = 0; cut <= n; cut++) {
		assert_int_equal(feed_split(PULL_OK, 0, cut, 4096, &s, &err), 0);
		assert_int_equal(s.lines, 5);
		assert_string_equal(s.last_status,
				    "Status: Downloaded newer image for 127.0.0.1:5000/lifeboat/base:2");
	}
	for (size_t step = 1; step < 9; step++) {
		assert_int_equal(feed_split(PULL_OK, step, 0, 4096, &s, &err), 0);
		assert_int_equal(s.lines, 5);
	}
}

static void a_last_line_without_newline_counts(void **state)
{
	(void)state;
	struct seen s;
	struct lb_err err;
	/* podman's /images/load answers one object with no newline. */
	assert_int_equal(feed_split("{\"stream\":\"Loaded image: x:1\\n\"}", 3, 0, 100, &s, &err), 0);
	assert_int_equal(s.lines, 1);
}

static void an_overlong_line_is_an_error_not_growth(void **state)
{
	(void)state;
	struct seen s;
	struct lb_err err;
	/* 48 bytes and a newline: a cap of 48 takes it, 47 does not. */
	const char *line = "{\"status\":\"Pulling from lifeboat/base\",\"id\":\"2\"}\n";
	assert_int_equal(strlen(line), 49);
	assert_int_equal(feed_split(line, 7, 0, 48, &s, &err), 0);
	assert_int_equal(feed_split(line, 7, 0, 47, &s, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "longer than 47 bytes"));
	assert_int_equal(s.lines, 0);
	/* Without a newline at all, too. */
	assert_int_equal(feed_split("{\"status\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", 1, 0, 50, &s, &err),
			 LB_EINTEGRITY);
}

static void bad_json_is_an_integrity_error_naming_the_line(void **state)
{
	(void)state;
	struct seen s;
	struct lb_err err;
	assert_int_equal(feed_split("{\"status\":\"a\"}\n{\"status\":\n", 1, 0, 100, &s, &err),
			 LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_int_equal(s.lines, 1);
	assert_int_equal(feed_split("[1,2]\n", 1, 0, 100, &s, &err), LB_EINTEGRITY);
	assert_int_equal(feed_split("{\"a\":1,\"a\":2}\n", 1, 0, 100, &s, &err), LB_EINTEGRITY);
}

static void an_error_line_after_progress_fails_with_its_meaning(void **state)
{
	(void)state;
	struct seen s;
	struct lb_err err;
	/* Docker 20.10, a missing tag. */
	assert_int_equal(feed_split(PULL_OK ERROR_LINE("manifest for 127.0.0.1:5000/lifeboat/base:9 not found: manifest unknown: manifest unknown"),
				    5, 0, 4096, &s, &err),
			 LB_ENOTFOUND);
	assert_int_equal(s.lines, 5);
	assert_non_null(strstr(err.msg, "127.0.0.1:5000/lifeboat/base:2: manifest for"));
	/* podman 4.3, credentials refused. */
	assert_int_equal(feed_split(ERROR_LINE("initializing source docker://r/x:1: reading manifest 1 in r/x: unauthorized: authentication required"),
				    1, 0, 4096, &s, &err),
			 LB_EUNSAFE);
	assert_int_equal(feed_split(ERROR_LINE("pull access denied for x, repository does not exist"), 1, 0, 4096, &s, &err),
			 LB_EUNSAFE);
	assert_int_equal(feed_split(ERROR_LINE("connection refused"), 1, 0, 4096, &s, &err), LB_EFAIL);
	/* Only "error", no detail. */
	assert_int_equal(feed_split("{\"error\":\"no space left on device\"}\n", 1, 0, 4096, &s, &err), LB_EFAIL);
	assert_non_null(strstr(err.msg, "no space left on device"));
}

static void after_an_error_the_stream_stays_failed(void **state)
{
	(void)state;
	struct seen s = {0};
	struct lb_err err;
	struct lb_jsonlines jl;
	assert_int_equal(lb_jsonlines_init(&jl, 100, collect, &s, &err), 0);
	assert_int_equal(lb_jsonlines_feed(&jl, "nope\n", 5, &err), LB_EINTEGRITY);
	assert_int_equal(lb_jsonlines_feed(&jl, "{}\n", 3, &err), LB_EINTEGRITY);
	assert_int_equal(lb_jsonlines_finish(&jl, &err), LB_EINTEGRITY);
	assert_int_equal(s.lines, 0);
	lb_jsonlines_free(&jl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_split_anywhere_give_the_same_lines),
		cmocka_unit_test(a_last_line_without_newline_counts),
		cmocka_unit_test(an_overlong_line_is_an_error_not_growth),
		cmocka_unit_test(bad_json_is_an_integrity_error_naming_the_line),
		cmocka_unit_test(an_error_line_after_progress_fails_with_its_meaning),
		cmocka_unit_test(after_an_error_the_stream_stays_failed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
