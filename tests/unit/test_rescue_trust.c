/* Which journal lines teardown may act on (rescue/trust.h): the lines a
 * mount writes pass; forged or damaged ones naming someone else's device,
 * a path outside lifeboat's reach or another session's file are refused
 * with a reason. Also the journal reader keeps malformed lines, numbered,
 * so teardown can report them, and never follows a symlinked journal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rescue/trust.h"

#define ID "4b5d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d"
#define NR(a) (sizeof(a) / sizeof((a)[0]))

static struct lb_journal_entry entry(const char *kind, const char *arg1, const char *arg2)
{
	struct lb_journal_entry e = {.line_nr = 1};
	snprintf(e.kind, sizeof(e.kind), "%s", kind);
	snprintf(e.arg1, sizeof(e.arg1), "%s", arg1);
	snprintf(e.arg2, sizeof(e.arg2), "%s", arg2);
	return e;
}

static const struct lb_journal_scope session = {LB_JOURNAL_SESSION, ID};
static const struct lb_journal_scope pool = {LB_JOURNAL_POOL, "docker-8:1-42-pool"};

/* What lib/rescue/session.c writes for a mount with --replay-cow into a DIR. */
static void the_lines_a_mount_writes_pass(void **state)
{
	(void)state;
	const struct lb_journal_entry e[] = {
		entry("session", ID, "web"),
		entry("pool", "docker-8:1-42-pool", "/run/lifeboat/pools/docker-8:1-42-pool"),
		entry("dm", "docker-8:1-42-abc", "LIFEBOAT-THIN-docker-8:1-42-abc"),
		entry("file", "/run/lifeboat/cow/" ID ".cow", ""),
		entry("loop", "/dev/loop3", "/run/lifeboat/cow/" ID ".cow"),
		entry("dm", "lifeboat-cow-" ID, "LIFEBOAT-COW-" ID),
		entry("mkdir", "/scratch/x", ""),
		entry("mount", "/scratch/x", "253:4"),
		entry("mkdir", "/run/lifeboat/mnt/web", ""),
		entry("mount", "/run/lifeboat/mnt/web", "253:4"),
		entry("file", "/scratch/cow/" ID ".cow", ""),
	};
	char why[256];
	for (size_t i = 0; i < NR(e); i++)
		if (lb_journal_vet(e, NR(e), i, &session, why, sizeof(why)))
			fail_msg("line %zu (%s) refused: %s", i, e[i].kind, why);
	const struct lb_journal_entry p[] = {
		entry("loop", "/dev/loop0", "/var/lib/docker/devicemapper/devicemapper/metadata"),
		entry("dm", "docker-8:1-42-pool", "LIFEBOAT-POOL-docker-8:1-42-pool"),
	};
	for (size_t i = 0; i < NR(p); i++)
		if (lb_journal_vet(p, NR(p), i, &pool, why, sizeof(why)))
			fail_msg("pool line %zu refused: %s", i, why);
}

static void forged_lines_are_refused_with_a_reason(void **state)
{
	(void)state;
	const struct {
		struct lb_journal_entry e;
		const char *says;
	} cases[] = {
		/* Someone else's device, by name or by a uuid without the mark. */
		{entry("dm", "victim", "VICTIM-UUID"), "uuid 'VICTIM-UUID' is not lifeboat's"},
		{entry("dm", "victim", ""), "is not lifeboat's"},
		{entry("dm", "victim", "LIFEBOAT-THIN-other"), "not the one lifeboat gives it"},
		{entry("dm", "victim", "LIFEBOAT-POOL-victim"), "not the one lifeboat gives it"},
		{entry("dm", "lifeboat-cow-other", "LIFEBOAT-COW-other"), "not the one lifeboat gives it"},
		{entry("dm", "../../x", "LIFEBOAT-THIN-../../x"), "not a device-mapper name"},
		/* Paths that are not canonical, or are not lifeboat's to remove. */
		{entry("mount", "/run/lifeboat/mnt/../../../etc", "253:4"), "not a canonical path"},
		{entry("mount", "relative/dir", "253:4"), "not a canonical path"},
		{entry("mount", "/etc", "sda"), "not a device number"},
		{entry("mkdir", "/etc/ssh", ""), "not one lifeboat makes to mount on"},
		{entry("mkdir", "/run/lifeboat/mnt/a/b", ""), "not one lifeboat makes"},
		{entry("file", "/etc/shadow", ""), "is not " ID ".cow"},
		{entry("file", "/run/lifeboat/cow/other.cow", ""), "is not " ID ".cow"},
		{entry("file", "/run/lifeboat/cow/../../../etc/" ID ".cow", ""), "not a canonical path"},
		{entry("loop", "/dev/sda", "/x"), "not a loop device over a file"},
		{entry("loop", "/dev/loop1", ""), "not a loop device over a file"},
		{entry("loop", "/dev/loop1x", "/x"), "not a loop device over a file"},
		{entry("pool", "../../../../etc/shadow", "/run/lifeboat/pools/../../../../etc/shadow"),
		 "is not one lifeboat names"},
		{entry("session", "other", "web"), "names container other in the journal of"},
		{entry("rm", "-rf", "/"), "unknown kind of step 'rm'"},
		{entry("", "journal line does not have three fields", ""),
		 "not a journal line (journal line does not have three fields)"},
	};
	for (size_t i = 0; i < NR(cases); i++) {
		char why[256] = "";
		if (lb_journal_vet(&cases[i].e, 1, 0, &session, why, sizeof(why)) != LB_EUNSAFE)
			fail_msg("case %zu (%s %s) passed", i, cases[i].e.kind, cases[i].e.arg1);
		if (!strstr(why, cases[i].says))
			fail_msg("case %zu: '%s' lacks '%s'", i, why, cases[i].says);
	}
	/* A pool journal holds its own pool and loop devices, nothing else. */
	const struct lb_journal_entry p[] = {
		entry("dm", "docker-other-pool", "LIFEBOAT-POOL-docker-other-pool"),
		entry("mount", "/run/lifeboat/mnt/web", "253:4"),
		entry("dm", "docker-8:1-42-abc", "LIFEBOAT-THIN-docker-8:1-42-abc"),
	};
	char why[256];
	for (size_t i = 0; i < NR(p); i++)
		assert_int_equal(lb_journal_vet(p, NR(p), i, &pool, why, sizeof(why)), LB_EUNSAFE);
}

static void a_directory_outside_needs_the_mount_that_follows_it(void **state)
{
	(void)state;
	char why[256];
	const struct lb_journal_entry before[] = {entry("mount", "/scratch/x", "253:4"),
						  entry("mkdir", "/scratch/x", "")};
	assert_int_equal(lb_journal_vet(before, 2, 1, &session, why, sizeof(why)), LB_EUNSAFE);
	const struct lb_journal_entry other[] = {entry("mkdir", "/scratch/x", ""),
						 entry("mount", "/scratch/y", "253:4")};
	assert_int_equal(lb_journal_vet(other, 2, 0, &session, why, sizeof(why)), LB_EUNSAFE);
}

static void dm_names_are_plain_and_short(void **state)
{
	(void)state;
	assert_true(lb_rescue_dm_name_ok("docker-8:1-42-pool"));
	assert_true(lb_rescue_dm_name_ok("docker-thinpool"));
	assert_false(lb_rescue_dm_name_ok("../../../../etc/shadow"));
	assert_false(lb_rescue_dm_name_ok("a/b"));
	assert_false(lb_rescue_dm_name_ok(".."));
	assert_false(lb_rescue_dm_name_ok(""));
	char long_name[129];
	memset(long_name, 'a', 128);
	long_name[128] = '\0';
	assert_false(lb_rescue_dm_name_ok(long_name));
	long_name[127] = '\0';
	assert_true(lb_rescue_dm_name_ok(long_name));
}

static void the_reader_keeps_bad_lines_numbered_and_drops_a_torn_tail(void **state)
{
	(void)state;
	char dir[] = "/tmp/lb-trust-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64], link_path[64];
	snprintf(path, sizeof(path), "%s/j", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("session\t" ID "\tweb\n"
	      "garbage\n"
	      "dm\ta\tLIFEBOAT-THIN-a\n"
	      "dm\ttorn\tLIFE",
	      f);
	fclose(f);
	struct lb_journal_entry *e;
	size_t n;
	struct lb_err err = {0};
	assert_int_equal(lb_journal_load(path, &e, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(e[1].line_nr, 2);
	assert_string_equal(e[1].kind, "");
	assert_non_null(strstr(e[1].arg1, "three fields"));
	assert_int_equal(e[2].line_nr, 3);
	assert_string_equal(e[2].arg1, "a");
	free(e);

	/* A journal that is a symlink is never followed, nor appended to. */
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	assert_int_equal(symlink(path, link_path), 0);
	assert_int_equal(lb_journal_load(link_path, &e, &n, &err), LB_EUNSAFE);
	assert_int_equal(lb_journal_append(link_path, "dm", "x", "y", &err), LB_EUNSAFE);
	unlink(link_path);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_lines_a_mount_writes_pass),
		cmocka_unit_test(forged_lines_are_refused_with_a_reason),
		cmocka_unit_test(a_directory_outside_needs_the_mount_that_follows_it),
		cmocka_unit_test(dm_names_are_plain_and_short),
		cmocka_unit_test(the_reader_keeps_bad_lines_numbered_and_drops_a_torn_tail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
