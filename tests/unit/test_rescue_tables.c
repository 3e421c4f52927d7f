/* The dm tables a rescue activates (pure): read-only pool, no discard
 * passdown, major:minor device references, sizes in sectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "rescue/tables.h"

static void pool_table_is_read_only_without_discard_passdown(void **state)
{
	(void)state;
	struct lb_dm_target t;
	struct lb_err err = {0};
	assert_int_equal(lb_pool_table(7, 1, 7, 0, 2ull << 30, 128, true, &t, &err), 0);
	assert_string_equal(t.type, "thin-pool");
	assert_int_equal(t.start_sector, 0);
	assert_int_equal(t.len_sectors, (2ull << 30) / 512);
	assert_string_equal(t.params, "7:1 7:0 128 32768 2 read_only no_discard_passdown");
	assert_int_equal(lb_pool_table(7, 1, 7, 0, 2ull << 30, 128, false, &t, &err), 0);
	assert_string_equal(t.params, "7:1 7:0 128 32768 1 no_discard_passdown");
}

static void pool_length_is_whole_data_blocks(void **state)
{
	(void)state;
	struct lb_dm_target t;
	struct lb_err err = {0};
	/* 1 GiB + 100 KiB with 64 KiB blocks: the partial block is not offered. */
	assert_int_equal(lb_pool_table(1, 2, 3, 4, (1ull << 30) + 100 * 1024, 128, true, &t, &err), 0);
	assert_int_equal(t.len_sectors % 128, 0);
	assert_int_equal(t.len_sectors, (1ull << 30) / 512 + 128);
}

static void bad_pool_geometry_is_an_integrity_error(void **state)
{
	(void)state;
	struct lb_dm_target t;
	struct lb_err err = {0};
	assert_int_equal(lb_pool_table(1, 2, 3, 4, 1 << 30, 100, true, &t, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "100 sectors"));
	assert_int_equal(lb_pool_table(1, 2, 3, 4, 4096, 128, true, &t, &err), LB_EINTEGRITY);
}

static void thin_table_names_the_pool_by_number(void **state)
{
	(void)state;
	struct lb_dm_target t;
	struct lb_err err = {0};
	assert_int_equal(lb_thin_table(253, 0, 10, 536870912, &t, &err), 0);
	assert_string_equal(t.type, "thin");
	assert_int_equal(t.len_sectors, 1048576);
	assert_string_equal(t.params, "253:0 10");
	assert_int_equal(lb_thin_table(253, 0, 1u << 24, 536870912, &t, &err), LB_EINTEGRITY);
	assert_int_equal(lb_thin_table(253, 0, 1, 1000, &t, &err), LB_EINTEGRITY);
}

static void cow_table_is_a_transient_snapshot_of_the_thin_device(void **state)
{
	(void)state;
	struct lb_dm_target t;
	struct lb_err err = {0};
	assert_int_equal(lb_cow_table(253, 1, 7, 3, 536870912, &t, &err), 0);
	assert_string_equal(t.type, "snapshot");
	assert_int_equal(t.start_sector, 0);
	assert_int_equal(t.len_sectors, 1048576);
	assert_string_equal(t.params, "253:1 7:3 N 8");
	assert_int_equal(lb_cow_table(253, 1, 7, 3, 1000, &t, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "1000 bytes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pool_table_is_read_only_without_discard_passdown),
		cmocka_unit_test(pool_length_is_whole_data_blocks),
		cmocka_unit_test(bad_pool_geometry_is_an_integrity_error),
		cmocka_unit_test(thin_table_names_the_pool_by_number),
		cmocka_unit_test(cow_table_is_a_transient_snapshot_of_the_thin_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
