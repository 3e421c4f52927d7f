/* The daemon.json edit of `recover discard off --persist`: other keys, their
 * values and order kept; dm.blkdiscard replaced; dm.mountopt merged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discard/discard.h"

static char *edit(const char *text, bool *changed, int want_rc)
{
	char *out = NULL;
	struct lb_err err = {0};
	assert_int_equal(lb_daemon_json_discard_off(text, strlen(text), "daemon.json", &out, changed,
						    &err), want_rc);
	if (want_rc)
		assert_non_null(strstr(err.msg, "daemon.json"));
	return out;
}

static void other_settings_and_their_order_are_kept(void **state)
{
	(void)state;
	bool changed;
	char *out = edit("{\n    \"log-level\": \"warn\",\n    \"storage-driver\": \"devicemapper\",\n"
			 "    \"storage-opts\": [\"dm.basesize=20G\", \"dm.blkdiscard=true\"],\n"
			 "    \"registry-mirrors\": [\"https://m.example\"],\n"
			 "    \"default-ulimits\": {\"nofile\": {\"Name\": \"nofile\", \"Hard\": 64000, \"Soft\": 64000}}\n}\n",
			 &changed, 0);
	assert_true(changed);
	assert_string_equal(out,
			    "{\n"
			    "    \"log-level\": \"warn\",\n"
			    "    \"storage-driver\": \"devicemapper\",\n"
			    "    \"storage-opts\": [\n"
			    "        \"dm.basesize=20G\",\n"
			    "        \"dm.blkdiscard=false\",\n"
			    "        \"dm.mountopt=nodiscard\"\n"
			    "    ],\n"
			    "    \"registry-mirrors\": [\n"
			    "        \"https://m.example\"\n"
			    "    ],\n"
			    "    \"default-ulimits\": {\n"
			    "        \"nofile\": {\n"
			    "            \"Name\": \"nofile\",\n"
			    "            \"Hard\": 64000,\n"
			    "            \"Soft\": 64000\n"
			    "        }\n"
			    "    }\n"
			    "}\n");
	/* Applying it again changes nothing. */
	bool again;
	char *out2 = edit(out, &again, 0);
	assert_false(again);
	assert_string_equal(out2, out);
	free(out);
	free(out2);
}

static void mountopts_are_merged_into_one_entry(void **state)
{
	(void)state;
	bool changed;
	char *out = edit("{\"storage-opts\": [\"dm.mountopt=noatime, discard\", \"dm.fs=xfs\", "
			 "\" DM.MountOpt = nouuid\", \"dm.blkdiscard=false\", \"dm.blkdiscard=1\"]}",
			 &changed, 0);
	assert_true(changed);
	assert_non_null(strstr(out, "\"dm.mountopt=noatime,nouuid,nodiscard\""));
	assert_non_null(strstr(out, "\"dm.fs=xfs\""));
	assert_null(strstr(out, "MountOpt"));
	assert_null(strstr(out, "dm.blkdiscard=1"));
	/* dm.mountopt first (where it was), then dm.fs, then dm.blkdiscard. */
	assert_true(strstr(out, "dm.mountopt") < strstr(out, "dm.fs"));
	assert_true(strstr(out, "dm.fs") < strstr(out, "dm.blkdiscard=false"));
	free(out);
}

static void empty_or_missing_storage_opts_get_both(void **state)
{
	(void)state;
	bool changed;
	char *out = edit("", &changed, 0);
	assert_true(changed);
	assert_string_equal(out, "{\n  \"storage-opts\": [\n    \"dm.blkdiscard=false\",\n"
				 "    \"dm.mountopt=nodiscard\"\n  ]\n}\n");
	free(out);
	out = edit("{\"debug\": true, \"storage-opts\": null}", &changed, 0);
	assert_true(changed);
	assert_non_null(strstr(out, "\"debug\": true"));
	assert_non_null(strstr(out, "dm.blkdiscard=false"));
	free(out);
}

static void what_docker_would_not_read_is_refused(void **state)
{
	(void)state;
	bool changed;
	static const char *const bad[] = {
		"{\"storage-opts\": [}",
		"[1, 2]",
		"{\"a\": 1, \"a\": 2}",
		"{\"storage-opts\": \"dm.blkdiscard=false\"}",
		"{\"storage-opts\": [42]}",
		"{} trailing",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(edit(bad[i], &changed, LB_EINTEGRITY));
}

/* Found by fuzz_daemon_json_edit: mount options that lib/docker reads one
 * way (joined, 511 bytes at most) but not once nodiscard is added. The edit
 * refuses rather than write a file lifeboat itself cannot read back. */
static void options_that_would_not_read_back_are_refused(void **state)
{
	(void)state;
	bool changed;
	char text[1200], opts[600];
	for (size_t fill = 500; fill <= 502; fill++) {
		memset(opts, 'o', fill);
		opts[fill] = '\0';
		snprintf(text, sizeof(text),
			 "{\"storage-driver\":\"devicemapper\",\"storage-opts\":[\"dm.mountopt=%s\"]}",
			 opts);
		/* fill + ",nodiscard" is 510, 511, 512 bytes: only the last is too long */
		char *out = edit(text, &changed, fill <= 501 ? 0 : LB_EINTEGRITY);
		if (fill <= 501)
			assert_non_null(strstr(out, ",nodiscard\""));
		free(out);
	}
}

/* dm.blkdiscard counts as off only as dockerd reads it (Go's ParseBool on
 * the trimmed value). The edit's own copy of the rule lower-cased the value
 * first, so "FaLsE", which dockerd refuses to start with, passed as already
 * off and was left in the file. */
static void blkdiscard_is_off_only_as_dockerd_reads_it(void **state)
{
	(void)state;
	/* " false\\t": JSON's escape for a tab, which Go's TrimSpace takes off */
	const char *off[] = {"false", "FALSE", "False", "f", "F", "0", " false\\t"};
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		char text[160];
		snprintf(text, sizeof(text),
			 "{\"storage-opts\": [\"dm.blkdiscard=%s\", \"dm.mountopt=nodiscard\"]}", off[i]);
		bool changed = true;
		char *out = edit(text, &changed, 0);
		if (changed)
			fail_msg("dm.blkdiscard=%s is off for dockerd, yet rewritten", off[i]);
		free(out);
	}
	const char *not_off[] = {"FaLsE", "fALSE", "no", "true", ""};
	for (size_t i = 0; i < sizeof(not_off) / sizeof(not_off[0]); i++) {
		char text[160];
		snprintf(text, sizeof(text),
			 "{\"storage-opts\": [\"dm.blkdiscard=%s\", \"dm.mountopt=nodiscard\"]}",
			 not_off[i]);
		bool changed = false;
		char *out = edit(text, &changed, 0);
		if (!changed || !strstr(out, "\"dm.blkdiscard=false\""))
			fail_msg("dm.blkdiscard=%s is not off for dockerd, yet kept", not_off[i]);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(other_settings_and_their_order_are_kept),
		cmocka_unit_test(mountopts_are_merged_into_one_entry),
		cmocka_unit_test(empty_or_missing_storage_opts_get_both),
		cmocka_unit_test(what_docker_would_not_read_is_refused),
		cmocka_unit_test(options_that_would_not_read_back_are_refused),
		cmocka_unit_test(blkdiscard_is_off_only_as_dockerd_reads_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
