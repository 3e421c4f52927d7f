/* lib/snapshot/idalloc: thin device ids from 2^24-1 downward, never where
 * dockerd allocates (upward from its next_device_id). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "snapshot/idalloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void an_empty_top_gives_the_top_id(void **state)
{
	(void)state;
	const uint32_t pool[] = {1, 2, 3, 5}, docker[] = {1, 2, 3, 5};
	struct lb_snap_id_inputs in = {.pool_ids = pool, .n_pool_ids = N(pool),
				       .docker_ids = docker, .n_docker_ids = N(docker),
				       .docker_next_id = 6};
	uint32_t id = 0;
	struct lb_err err = {0};
	assert_int_equal(lb_snap_id_pick(&in, &id, &err), 0);
	assert_int_equal(id, 16777215);
}

/* Every set is skipped: the pool's devices (an orphan at the top), and the
 * catalog's ids (a pending one whose device may not exist); Docker's files
 * name ids low down (9 not in the pool yet: a creation in flight). */
static void every_set_is_skipped(void **state)
{
	(void)state;
	const uint32_t pool[] = {1, 16777215, 16777213};
	const uint32_t docker[] = {1, 9};
	const uint32_t catalog[] = {16777214, 16777212, 16777211};
	struct lb_snap_id_inputs in = {.pool_ids = pool, .n_pool_ids = N(pool),
				       .docker_ids = docker, .n_docker_ids = N(docker),
				       .catalog_ids = catalog, .n_catalog_ids = N(catalog),
				       .docker_next_id = 9};
	uint32_t id = 0;
	assert_int_equal(lb_snap_id_pick(&in, &id, NULL), 0);
	assert_int_equal(id, 16777210);
	/* Order and repeats in the inputs do not matter. */
	const uint32_t shuffled[] = {16777211, 16777212, 16777214, 16777211, 16777210};
	in.catalog_ids = shuffled;
	in.n_catalog_ids = N(shuffled);
	assert_int_equal(lb_snap_id_pick(&in, &id, NULL), 0);
	assert_int_equal(id, 16777209);
}

/* A hole below a full run is found; ids above 2^24-1 cannot collide. */
static void a_full_top_range_finds_the_hole_below(void **state)
{
	(void)state;
	size_t n = 100000;
	uint32_t *catalog = malloc((n + 3) * sizeof(*catalog));
	assert_non_null(catalog);
	/* 16777215 down to 16677216 all taken, except 16700000. */
	size_t k = 0;
	for (uint32_t id = 16777215; id > 16777215 - n; id--)
		if (id != 16700000)
			catalog[k++] = id;
	catalog[k++] = 0x1000000;  /* 2^24: out of the space, ignored */
	catalog[k++] = 0xffffffffu;
	struct lb_snap_id_inputs in = {.catalog_ids = catalog, .n_catalog_ids = k,
				       .docker_next_id = 50};
	uint32_t id = 0;
	assert_int_equal(lb_snap_id_pick(&in, &id, NULL), 0);
	assert_int_equal(id, 16700000);
	/* Without the hole, the first id below the run. */
	catalog[k++] = 16700000;
	in.n_catalog_ids = k;
	assert_int_equal(lb_snap_id_pick(&in, &id, NULL), 0);
	assert_int_equal(id, 16777215 - n);
	free(catalog);
}

/* The id chosen must stay above dockerd's floor plus the margin. The floor
 * is next_device_id, or past the highest id in Docker's files if that is
 * higher (deviceset-metadata is saved lazily). */
static void too_close_to_dockerd_is_refused(void **state)
{
	(void)state;
	const uint32_t catalog[] = {16777215, 16777214, 16777213};
	struct lb_snap_id_inputs in = {.catalog_ids = catalog, .n_catalog_ids = N(catalog),
				       .docker_next_id = 16777212 - 1024 - 1};
	uint32_t id = 0;
	struct lb_err err = {0};
	/* 16777212 > floor (16776187) + 1024: allowed, just. */
	assert_int_equal(lb_snap_id_pick(&in, &id, &err), 0);
	assert_int_equal(id, 16777212);
	in.docker_next_id++;
	assert_int_equal(lb_snap_id_pick(&in, &id, &err), LB_EUNSAFE);
	assert_int_equal(id, 0);
	assert_non_null(strstr(err.msg, "highest free id is 16777212"));
	assert_non_null(strstr(err.msg, "allocates upward from 16776188"));
	/* A Docker device file's id raises the floor too. */
	const uint32_t docker[] = {16777212 - 1024};
	in.docker_next_id = 3;
	in.docker_ids = docker;
	in.n_docker_ids = N(docker);
	assert_int_equal(lb_snap_id_pick(&in, &id, &err), LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "allocates upward from 16776189"));
	/* A margin of our own. */
	in.margin = 1;
	assert_int_equal(lb_snap_id_pick(&in, &id, &err), 0);
	assert_int_equal(id, 16777212);
}

/* Every id of the space taken: refused, not wrapped to 0. */
static void a_full_space_is_refused(void **state)
{
	(void)state;
	size_t n = 0x1000000;
	uint32_t *pool = malloc(n * sizeof(*pool));
	assert_non_null(pool);
	for (size_t i = 0; i < n; i++)
		pool[i] = (uint32_t)i;
	struct lb_snap_id_inputs in = {.pool_ids = pool, .n_pool_ids = n};
	uint32_t id = 7;
	struct lb_err err = {0};
	assert_int_equal(lb_snap_id_pick(&in, &id, &err), LB_EUNSAFE);
	assert_int_equal(id, 0);
	free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_empty_top_gives_the_top_id),
		cmocka_unit_test(every_set_is_skipped),
		cmocka_unit_test(a_full_top_range_finds_the_hole_below),
		cmocka_unit_test(too_close_to_dockerd_is_refused),
		cmocka_unit_test(a_full_space_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
