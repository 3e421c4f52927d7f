/* lib/snapshot/prune_plan: which snapshots `snapshot prune` removes, per
 * container, with pending records never touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "snapshot/prune_plan.h"

#define WEB_ID "1111111111111111111111111111111111111111111111111111111111111111"
#define DB_ID "2222222222222222222222222222222222222222222222222222222222222222"
#define HASH "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define HOUR 3600
/* 2024-12-30T00:00:00Z, a Monday (GNU date). */
#define MON 1735516800

static void add(struct lb_snap_catalog *cat, const char *name, const char *container,
		const char *cid, int64_t t, enum lb_snap_state state)
{
	static uint32_t next_id = 16777215;
	struct lb_snap_record r = {.device_id = next_id--, .origin_device_id = 7,
				   .created_unix = t, .size_bytes = 1, .state = state};
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.uuid, sizeof(r.uuid), "%032x", (unsigned)r.device_id);
	snprintf(r.container, sizeof(r.container), "%s", container);
	snprintf(r.container_id, sizeof(r.container_id), "%s", cid);
	snprintf(r.origin_hash, sizeof(r.origin_hash), "%s", HASH);
	struct lb_err err = {0};
	assert_int_equal(lb_snap_catalog_add(cat, &r, &err), 0);
}

/* web: hourly snapshots at 00:00..05:00 (05:00 pending); db: 00:30, 02:30. */
static void setup(struct lb_snap_catalog *cat)
{
	struct lb_err err = {0};
	assert_int_equal(lb_snap_catalog_init(cat, "pool", &err), 0);
	char name[32];
	for (int h = 0; h < 6; h++) {
		snprintf(name, sizeof(name), "web-%02d", h);
		add(cat, name, "web", WEB_ID, MON + h * HOUR, h == 5 ? LB_SNAP_PENDING : LB_SNAP_READY);
	}
	add(cat, "db-00", "db", DB_ID, MON + HOUR / 2, LB_SNAP_READY);
	add(cat, "db-02", "db", DB_ID, MON + 5 * HOUR / 2, LB_SNAP_READY);
}

/* "name=reasons" for keep, "name" for remove, in plan order. */
static void describe(const struct lb_prune_plan *plan, char *keep, char *remove, size_t cap)
{
	keep[0] = remove[0] = '\0';
	for (size_t i = 0; i < plan->n_keep; i++) {
		char why[64];
		lb_retain_reasons_format(plan->keep[i].reasons, why, sizeof(why));
		size_t len = strlen(keep);
		snprintf(keep + len, cap - len, "%s%s=%s", len ? " " : "", plan->keep[i].rec->name,
			 plan->keep[i].pending ? "pending" : why);
	}
	for (size_t i = 0; i < plan->n_remove; i++) {
		size_t len = strlen(remove);
		snprintf(remove + len, cap - len, "%s%s", len ? " " : "", plan->remove[i].rec->name);
		assert_int_equal(plan->remove[i].reasons, 0);
	}
}

/* keep-last 2 per container: web's pending 05:00 is kept and takes no
 * count, so web-04 and web-03 are its two; db keeps both of its own. */
static void per_container_with_pending_untouched(void **state)
{
	(void)state;
	struct lb_snap_catalog cat;
	setup(&cat);
	struct lb_retain_policy p = {.last = 2};
	struct lb_prune_plan plan;
	struct lb_err err = {0};
	assert_int_equal(lb_prune_plan_make(&cat, &p, NULL, &plan, &err), 0);
	char keep[512], remove[512];
	describe(&plan, keep, remove, sizeof(keep));
	assert_string_equal(keep, "db-00=last db-02=last web-03=last web-04=last web-05=pending");
	assert_string_equal(remove, "web-00 web-01 web-02");
	lb_prune_plan_free(&plan);
	lb_snap_catalog_free(&cat);
}

/* A container filter by name or full id leaves the others out of both lists. */
static void a_container_filter_by_name_or_id(void **state)
{
	(void)state;
	struct lb_snap_catalog cat;
	setup(&cat);
	struct lb_retain_policy p = {.last = 1, .daily = 1};
	struct lb_prune_plan plan;
	struct lb_err err = {0};
	char keep[512], remove[512];
	assert_int_equal(lb_prune_plan_make(&cat, &p, "db", &plan, &err), 0);
	describe(&plan, keep, remove, sizeof(keep));
	assert_string_equal(keep, "db-02=last,daily");
	assert_string_equal(remove, "db-00");
	lb_prune_plan_free(&plan);
	assert_int_equal(lb_prune_plan_make(&cat, &p, WEB_ID, &plan, &err), 0);
	describe(&plan, keep, remove, sizeof(keep));
	assert_string_equal(keep, "web-04=last,daily web-05=pending");
	assert_string_equal(remove, "web-00 web-01 web-02 web-03");
	lb_prune_plan_free(&plan);
	assert_int_equal(lb_prune_plan_make(&cat, &p, "nobody", &plan, &err), 0);
	assert_int_equal(plan.n_keep + plan.n_remove, 0);
	lb_prune_plan_free(&plan);
	lb_snap_catalog_free(&cat);
}

/* Two snapshots in one second: the one created later (the "-2" name, after
 * the other in the catalog) is the newer, and --keep-last 1 keeps it. */
static void same_second_the_later_is_newer(void **state)
{
	(void)state;
	struct lb_snap_catalog cat;
	struct lb_err err = {0};
	assert_int_equal(lb_snap_catalog_init(&cat, "pool", &err), 0);
	add(&cat, "web-20241230T000000Z", "web", WEB_ID, MON, LB_SNAP_READY);
	add(&cat, "web-20241230T000000Z-2", "web", WEB_ID, MON, LB_SNAP_READY);
	struct lb_retain_policy p = {.last = 1};
	struct lb_prune_plan plan;
	assert_int_equal(lb_prune_plan_make(&cat, &p, NULL, &plan, &err), 0);
	assert_int_equal(plan.n_keep, 1);
	assert_string_equal(plan.keep[0].rec->name, "web-20241230T000000Z-2");
	assert_int_equal(plan.n_remove, 1);
	assert_string_equal(plan.remove[0].rec->name, "web-20241230T000000Z");
	lb_prune_plan_free(&plan);
	lb_snap_catalog_free(&cat);
}

static void no_rule_is_a_usage_error(void **state)
{
	(void)state;
	struct lb_snap_catalog cat;
	setup(&cat);
	struct lb_retain_policy p = {0};
	struct lb_prune_plan plan;
	struct lb_err err = {0};
	assert_int_equal(lb_prune_plan_make(&cat, &p, NULL, &plan, &err), LB_EUSAGE);
	assert_non_null(strstr(err.msg, "no --keep-* rule"));
	assert_null(plan.keep);
	p.hourly = -3;
	assert_int_equal(lb_prune_plan_make(&cat, &p, NULL, &plan, &err), LB_EUSAGE);
	lb_snap_catalog_free(&cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(per_container_with_pending_untouched),
		cmocka_unit_test(a_container_filter_by_name_or_id),
		cmocka_unit_test(same_second_the_later_is_newer),
		cmocka_unit_test(no_rule_is_a_usage_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
