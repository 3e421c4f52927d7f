/* Pure parts of the recover session: journal lines and mount options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mount/mount.h"
#include "session/journal.h"

static void journal_line_round_trip(void **state)
{
	(void)state;
	struct lb_journal_entry e;
	struct lb_err err = {0};
	assert_int_equal(lb_journal_parse_line("dm\tdocker-8:1-42-pool\tLIFEBOAT-POOL\n", &e, &err), 0);
	assert_string_equal(e.kind, "dm");
	assert_string_equal(e.arg1, "docker-8:1-42-pool");
	assert_string_equal(e.arg2, "LIFEBOAT-POOL");
	assert_int_equal(lb_journal_parse_line("mount\t/run/lifeboat/mnt/web\t\n", &e, &err), 0);
	assert_string_equal(e.arg2, "");
}

static void journal_rejects_torn_and_malformed_lines(void **state)
{
	(void)state;
	struct lb_journal_entry e;
	struct lb_err err = {0};
	assert_int_equal(lb_journal_parse_line("dm\tdocker-pool\tLIFE", &e, &err), LB_EINTEGRITY);
	assert_int_equal(lb_journal_parse_line("dm\tonly-two\n", &e, &err), LB_EINTEGRITY);
	assert_int_equal(lb_journal_parse_line("a\tb\tc\td\n", &e, &err), LB_EINTEGRITY);
	assert_int_equal(lb_journal_parse_line("\tb\tc\n", &e, &err), LB_EINTEGRITY);
	assert_int_equal(lb_journal_parse_line("", &e, &err), LB_EINTEGRITY);
	char big[2000];
	memset(big, 'x', sizeof(big));
	memcpy(big, "dm\t", 3);
	strcpy(big + sizeof(big) - 4, "\t\n");
	assert_int_equal(lb_journal_parse_line(big, &e, &err), LB_EINTEGRITY);
}

static void mount_options_never_replay_by_default(void **state)
{
	(void)state;
	char o[64];
	struct lb_err err = {0};
	assert_int_equal(lb_mount_options("xfs", false, o, sizeof(o), &err), 0);
	assert_string_equal(o, "norecovery,nouuid");
	assert_int_equal(lb_mount_options("ext4", false, o, sizeof(o), &err), 0);
	assert_string_equal(o, "noload");
	assert_int_equal(lb_mount_options("xfs", true, o, sizeof(o), &err), 0);
	assert_string_equal(o, "nouuid");
	assert_int_equal(lb_mount_options("ext4", true, o, sizeof(o), &err), 0);
	assert_string_equal(o, "");
	assert_int_equal(lb_mount_options("btrfs", false, o, sizeof(o), &err), LB_EUSAGE);
	assert_non_null(strstr(err.msg, "btrfs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(journal_line_round_trip),
		cmocka_unit_test(journal_rejects_torn_and_malformed_lines),
		cmocka_unit_test(mount_options_never_replay_by_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
