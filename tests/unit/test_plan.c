/* lib/migrate/plan: the evacuation plan built, journaled, written and read
 * back; the strict parser's refusals (each naming the file and the field);
 * and the decisions of evacuate's rerun and of land. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/plan.h"
#include "migrate/spec.h"

#define ID_A "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define ID_B "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
#define ID_C "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
#define DIG_1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define DIG_2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define DIG_3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static json_t *small_spec(void)
{
	json_t *config = json_pack("{s:s, s:s, s:{s:s, s:[s]}}", "ID", ID_A, "Name", "/web",
				   "Config", "Image", "web:1", "Cmd", "run");
	json_t *host = json_pack("{s:[s], s:s}", "Binds", "webdata:/data", "NetworkMode",
				 "bridge");
	json_t *spec;
	struct lb_err err;
	if (lb_spec_from_docker(config, host, "/var/lib/docker/containers/x", &spec, &err))
		fail_msg("%s", err.msg);
	json_decref(config);
	json_decref(host);
	return spec;
}

/* Three containers at three stages, as evacuate leaves a plan after kill -9. */
static void three_stage_plan(struct lb_plan *plan)
{
	struct lb_err err = {0};
	json_t *spec = small_spec();
	const char *const vols[] = {"webdata"};
	assert_int_equal(lb_plan_init(plan, "2026-11-30T09:00:00Z", "reg.example:5000/evac", &err), 0);
	assert_int_equal(lb_plan_add(plan, "web", ID_A, "reg.example:5000/evac/web:20261130",
				     true, spec, vols, 1, &err),
			 0);
	assert_int_equal(lb_plan_add(plan, "db", ID_B, "reg.example:5000/evac/db:20261130", true,
				     NULL, NULL, 0, &err),
			 0);
	assert_int_equal(lb_plan_add(plan, "batch", ID_C, "reg.example:5000/evac/batch:20261130",
				     false, NULL, NULL, 0, &err),
			 0);
	json_decref(spec); /* the plan holds its own reference */
	assert_int_equal(lb_plan_mark_started(plan, "web", &err), 0);
	assert_int_equal(lb_plan_mark_committed(plan, "web", "/var/lib/lifeboat/stage/web", &err), 0);
	assert_int_equal(lb_plan_set_volume_digest(plan, "web", "webdata", DIG_3, &err), 0);
	assert_int_equal(lb_plan_mark_pushed(plan, "web", DIG_1, DIG_2, &err), 0);
	assert_int_equal(lb_plan_mark_started(plan, "db", &err), 0);
	assert_int_equal(lb_plan_mark_committed(plan, "db", "/var/lib/lifeboat/stage/db", &err), 0);
	assert_int_equal(lb_plan_mark_started(plan, "batch", &err), 0);
	assert_int_equal(lb_plan_mark_failed(plan, "batch", "reg.example: 503 \x01\xff", &err), 0);
}

static void a_plan_reads_back_as_written(void **state)
{
	(void)state;
	struct lb_plan plan, again;
	struct lb_err err = {0};
	three_stage_plan(&plan);
	char *text, *text2;
	size_t len, len2;
	assert_int_equal(lb_plan_format(&plan, &text, &len, &err), 0);
	assert_int_equal(lb_plan_parse(text, len, "/root/plan.json", &again, &err), 0);
	assert_int_equal(lb_plan_format(&again, &text2, &len2, &err), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(text, text2, len);
	assert_int_equal(again.n_entries, 3);
	const struct lb_plan_entry *web = lb_plan_find(&again, "web");
	assert_non_null(web);
	assert_string_equal(web->digest, DIG_1);
	assert_string_equal(web->spec_digest, DIG_2);
	assert_int_equal(web->status, LB_PLAN_PUSHED);
	assert_int_equal(web->attempts, 1);
	assert_true(web->running);
	assert_int_equal(web->n_volumes, 1);
	assert_string_equal(web->volumes[0].name, "webdata");
	assert_string_equal(web->volumes[0].digest, DIG_3);
	assert_true(json_equal(web->spec, plan.entries[0].spec));
	const struct lb_plan_entry *batch = lb_plan_find(&again, "batch");
	assert_int_equal(batch->status, LB_PLAN_FAILED);
	/* the message's control byte and non-UTF-8 byte kept printable */
	assert_string_equal(batch->error, "reg.example: 503 \\x01\\xff");
	assert_null(batch->spec);
	assert_string_equal(again.registry_prefix, "reg.example:5000/evac");
	free(text);
	free(text2);
	lb_plan_free(&again);
	lb_plan_free(&plan);
}

static void evacuate_rerun_continues_where_it_stopped(void **state)
{
	(void)state;
	struct lb_plan plan;
	struct lb_err err = {0};
	three_stage_plan(&plan);
	assert_int_equal(lb_plan_evacuate_step(lb_plan_find(&plan, "web")), LB_EVACUATE_SKIP);
	assert_int_equal(lb_plan_evacuate_step(lb_plan_find(&plan, "db")), LB_EVACUATE_PUSH);
	assert_int_equal(lb_plan_evacuate_step(lb_plan_find(&plan, "batch")),
			 LB_EVACUATE_COMMIT_AND_PUSH);
	struct lb_plan_entry pending = {.status = LB_PLAN_PENDING};
	assert_int_equal(lb_plan_evacuate_step(&pending), LB_EVACUATE_COMMIT_AND_PUSH);
	/* a retried failure counts its attempts and clears its error when it moves on */
	assert_int_equal(lb_plan_mark_started(&plan, "batch", &err), 0);
	assert_int_equal(lb_plan_mark_committed(&plan, "batch", "/stage/batch", &err), 0);
	assert_int_equal(lb_plan_find(&plan, "batch")->attempts, 2);
	assert_string_equal(lb_plan_find(&plan, "batch")->error, "");
	lb_plan_free(&plan);
}

static void land_skips_the_same_digest_and_refuses_a_clash(void **state)
{
	(void)state;
	struct lb_plan plan;
	three_stage_plan(&plan);
	const struct lb_plan_entry *web = lb_plan_find(&plan, "web");
	struct lb_land_existing none = {.exists = false};
	struct lb_land_existing same = {.exists = true, .image_digest = DIG_1};
	struct lb_land_existing other = {.exists = true, .image_digest = DIG_2};
	struct lb_land_existing unknown = {.exists = true, .image_digest = NULL};
	assert_int_equal(lb_plan_land_step(web, &none, false), LB_LAND_CREATE);
	assert_int_equal(lb_plan_land_step(web, &same, false), LB_LAND_SKIP_SAME);
	assert_int_equal(lb_plan_land_step(web, &same, true), LB_LAND_SKIP_SAME);
	assert_int_equal(lb_plan_land_step(web, &other, false), LB_LAND_REFUSE_CLASH);
	assert_int_equal(lb_plan_land_step(web, &other, true), LB_LAND_REPLACE);
	assert_int_equal(lb_plan_land_step(web, &unknown, false), LB_LAND_REFUSE_CLASH);
	assert_int_equal(lb_plan_land_step(lb_plan_find(&plan, "db"), &none, false),
			 LB_LAND_NOT_PUSHED);
	lb_plan_free(&plan);
}

static void updates_refuse_what_the_parser_would(void **state)
{
	(void)state;
	struct lb_plan plan;
	struct lb_err err = {0};
	three_stage_plan(&plan);
	assert_int_equal(lb_plan_add(&plan, "web", ID_A, "r", false, NULL, NULL, 0, &err),
			 LB_EUSAGE);
	assert_int_equal(lb_plan_add(&plan, "/x", ID_A, "r", false, NULL, NULL, 0, &err),
			 LB_EUSAGE);
	assert_int_equal(lb_plan_add(&plan, "x", "abc", "r", false, NULL, NULL, 0, &err),
			 LB_EUSAGE);
	assert_int_equal(lb_plan_add(&plan, "x", ID_A, "r\xff", false, NULL, NULL, 0, &err),
			 LB_EUSAGE);
	const char *const twice[] = {"v", "v"};
	assert_int_equal(lb_plan_add(&plan, "x", ID_A, "r", false, NULL, twice, 2, &err),
			 LB_EUSAGE);
	assert_int_equal(lb_plan_mark_pushed(&plan, "nope", DIG_1, "", &err), LB_ENOTFOUND);
	assert_int_equal(lb_plan_mark_pushed(&plan, "db", "sha256:12", "", &err), LB_EUSAGE);
	assert_int_equal(lb_plan_mark_committed(&plan, "db", "", &err), LB_EUSAGE);
	assert_int_equal(lb_plan_set_volume_digest(&plan, "web", "nope", DIG_1, &err),
			 LB_ENOTFOUND);
	assert_int_equal(plan.n_entries, 3);
	lb_plan_free(&plan);
}

/* The three-stage plan's text with the first `from` replaced by `to`. */
static char *edited(const char *from, const char *to)
{
	struct lb_plan plan;
	struct lb_err err;
	three_stage_plan(&plan);
	char *text;
	size_t len;
	assert_int_equal(lb_plan_format(&plan, &text, &len, &err), 0);
	lb_plan_free(&plan);
	char *p = strstr(text, from);
	if (!p)
		fail_msg("no %s in the plan", from);
	char *out = malloc(len + strlen(to) + 1);
	sprintf(out, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	free(text);
	return out;
}

static void corrupt_plans_are_integrity_errors_naming_file_and_field(void **state)
{
	(void)state;
	struct {
		const char *from, *to, *needle;
	} cases[] = {
		{"\"lifeboat_plan\": 1", "\"lifeboat_plan\": 7",
		 "written by a newer lifeboat (plan version 7)"},
		{"\"lifeboat_plan\": 1", "\"lifeboat_plan\": -1", "lifeboat_plan"},
		{"\"created\"", "\"made\"", "made: unknown field"},
		{"\"status\": \"pushed\"", "\"status\": \"done\"", "containers[0].status"},
		{"\"status\": \"pushed\"", "\"status\": \"pushed\", \"x\": 1", "containers[0].x"},
		{"\"digest\": \"" DIG_1 "\"", "\"digest\": \"\"", "containers[0].digest"},
		{"\"digest\": \"" DIG_1 "\"", "\"digest\": \"sha256:abc\"", "containers[0].digest"},
		{"\"layout\": \"/var/lib/lifeboat/stage/db\"", "\"layout\": \"\"",
		 "containers[1].layout"},
		{"\"name\": \"db\"", "\"name\": \"web\"", "in the plan twice"},
		{"\"name\": \"db\"", "\"name\": \"../db\"", "containers[1].name"},
		{"\"attempts\": 1", "\"attempts\": -1", "containers[0].attempts"},
		{"\"running\": true", "\"running\": 1", "containers[0].running"},
		{"\"id\": \"" ID_B "\"", "\"id\": \"B\"", "containers[1].id"},
		{"\"digest\": \"" DIG_3 "\"", "\"digest\": 5", "containers[0].volumes[0].digest"},
		{"\"lifeboat_container_spec\": 1", "\"lifeboat_container_spec\": 9",
		 "containers[0].spec: written by a newer lifeboat (version 9)"},
		{"\"spec\": null", "\"spec\": []", "containers[1].spec"},
		{"\"containers\": [", "\"containers\": {", "bad JSON"},
		{"\"created\": ", "\"created\": 1, \"created\": ", "duplicate"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = edited(cases[i].from, cases[i].to);
		struct lb_plan plan;
		struct lb_err err = {0};
		assert_int_equal(lb_plan_parse(text, strlen(text), "/root/plan.json", &plan, &err),
				 LB_EINTEGRITY);
		assert_int_equal(plan.n_entries, 0);
		if (!strstr(err.msg, cases[i].needle) || !strstr(err.msg, "/root/plan.json"))
			fail_msg("case %zu: %s", i, err.msg);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_plan_reads_back_as_written),
		cmocka_unit_test(evacuate_rerun_continues_where_it_stopped),
		cmocka_unit_test(land_skips_the_same_digest_and_refuses_a_clash),
		cmocka_unit_test(updates_refuse_what_the_parser_would),
		cmocka_unit_test(corrupt_plans_are_integrity_errors_naming_file_and_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
