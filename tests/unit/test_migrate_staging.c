/* lib/migrate/staging: a staged layout goes with exactly the files a layout
 * and lifeboat's bookkeeping hold; anything else keeps it in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/staging.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void touch(const char *dir, const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("x", f);
	fclose(f);
}

static char *stage(void)
{
	char *dir = strdup("/tmp/lb-stage-XXXXXX");
	assert_non_null(mkdtemp(dir));
	char p[512];
	mkdir(strcat(strcpy(p, dir), "/blobs"), 0700);
	mkdir(strcat(p, "/sha256"), 0700);
	touch(p, HEX);
	touch(dir, "oci-layout");
	touch(dir, "index.json");
	touch(dir, "lifeboat-hints.json");
	snprintf(p, sizeof(p), "%s/.lifeboat-push", dir);
	mkdir(p, 0700);
	strcat(p, "/127.0.0.1:5000");
	mkdir(p, 0700);
	strcat(p, "/team");
	mkdir(p, 0700);
	return dir;
}

static void a_finished_stage_is_removed_whole(void **state)
{
	(void)state;
	char *dir = stage();
	struct lb_err err = {0};
	assert_int_equal(lb_staged_layout_remove(dir, &err), 0);
	assert_int_not_equal(access(dir, F_OK), 0);
	free(dir);
}

static void a_file_lifeboat_did_not_write_keeps_the_stage(void **state)
{
	(void)state;
	char *dir = stage();
	touch(dir, "notes.txt");
	char p[512];
	snprintf(p, sizeof(p), "%s/.lifeboat-push/127.0.0.1:5000/team", dir);
	touch(p, HEX ".json"); /* an unfinished upload's journal */
	struct lb_err err = {0};
	assert_int_equal(lb_staged_layout_remove(dir, &err), LB_EUNSAFE);
	assert_non_null(strstr(err.msg, dir));
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/.lifeboat-push/127.0.0.1:5000/team/" HEX ".json", dir);
	assert_int_equal(access(p, F_OK), 0);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

/* kill -9 mid-commit or mid-store leaves lifeboat's own temporary files:
 * the rerun that pushes the stage must still remove it whole. */
static void a_killed_writer_s_temporary_files_go_with_it(void **state)
{
	(void)state;
	char *dir = stage();
	char p[512];
	snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
	touch(p, ".tmp-0123456789abcdef");
	touch(dir, ".index.json.tmp-0badf00d");
	touch(dir, ".lifeboat-hints.json.tmp-12345678");
	struct lb_err err = {0};
	assert_int_equal(lb_staged_layout_remove(dir, &err), 0);
	assert_int_not_equal(access(dir, F_OK), 0);
	free(dir);
}

static void look_alikes_are_not_ours(void **state)
{
	(void)state;
	char *dir = stage();
	char p[512];
	snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
	touch(p, ".tmp-notes");
	struct lb_err err = {0};
	assert_int_equal(lb_staged_layout_remove(dir, &err), LB_EUNSAFE);
	snprintf(p, sizeof(p), "%s/blobs/sha256/.tmp-notes", dir);
	assert_int_equal(access(p, F_OK), 0);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static void a_missing_stage_is_nothing_to_do(void **state)
{
	(void)state;
	struct lb_err err = {0};
	assert_int_equal(lb_staged_layout_remove("/tmp/lb-stage-does-not-exist", &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_finished_stage_is_removed_whole),
		cmocka_unit_test(a_file_lifeboat_did_not_write_keeps_the_stage),
		cmocka_unit_test(a_killed_writer_s_temporary_files_go_with_it),
		cmocka_unit_test(look_alikes_are_not_ours),
		cmocka_unit_test(a_missing_stage_is_nothing_to_do),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
