/* lib/snapshot/catalog and catalog_store: the catalog's strict parser, its
 * canonical text, edits, default names, and the file beside the pool (atomic
 * store with a .bak, the lock). Expected texts are written out by hand here
 * from the format in catalog.h, never taken from our own output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot/catalog.h"
#include "snapshot/catalog_store.h"

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HASH "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UUID1 "00112233445566778899aabbccddeeff"
#define UUID2 "ffeeddccbbaa99887766554433221100"

/* 1796018604 is 2026-11-30T06:03:24Z; 1796022204 an hour later (GNU date). */
#define REC1                                                                                       \
	"{\"name\":\"web-20261130T060324Z\",\"uuid\":\"" UUID1 "\",\"container\":\"web\","         \
	"\"container_id\":\"" CID "\",\"device_id\":16777215,\"origin_device_id\":7,"              \
	"\"origin_hash\":\"" HASH "\",\"created\":\"2026-11-30T06:03:24Z\","                       \
	"\"created_unix\":1796018604,\"size_bytes\":10737418240,\"state\":\"ready\","              \
	"\"freeze_us\":1840}"
#define REC2                                                                                       \
	"{\"name\":\"web-20261130T070324Z\",\"uuid\":\"" UUID2 "\",\"container\":\"web\","         \
	"\"container_id\":\"" CID "\",\"device_id\":16777214,\"origin_device_id\":7,"              \
	"\"origin_hash\":\"" HASH "\",\"created\":\"2026-11-30T07:03:24Z\","                       \
	"\"created_unix\":1796022204,\"size_bytes\":10737418240,\"state\":\"pending\","            \
	"\"freeze_us\":0}"
#define HEAD "{\"version\":1,\"pool\":\"docker-8:1-1234-pool\",\"snapshots\":["
/* The canonical text: records oldest first, one a line. */
#define CANON HEAD "\n" REC1 ",\n" REC2 "\n]}\n"

static int parse(const char *text, struct lb_snap_catalog *cat, struct lb_err *err)
{
	return lb_snap_catalog_parse(text, strlen(text), "snapshots.json", cat, err);
}

static void parses_and_formats_canonically(void **state)
{
	(void)state;
	struct lb_snap_catalog cat;
	struct lb_err err = {0};
	/* Newest first in the file, with spaces: still read, and written back
	 * oldest first in the canonical layout. */
	assert_int_equal(parse(HEAD " " REC2 " , " REC1 "]}", &cat, &err), 0);
	assert_string_equal(cat.pool, "docker-8:1-1234-pool");
	assert_int_equal(cat.n_records, 2);
	const struct lb_snap_record *r = &cat.records[0];
	assert_string_equal(r->name, "web-20261130T060324Z");
	assert_string_equal(r->container, "web");
	assert_int_equal(r->device_id, 16777215);
	assert_int_equal(r->origin_device_id, 7);
	assert_true(r->size_bytes == 10737418240ull);
	assert_int_equal(r->created_unix, 1796018604);
	assert_int_equal(r->state, LB_SNAP_READY);
	assert_int_equal(r->freeze_us, 1840);
	assert_int_equal(cat.records[1].state, LB_SNAP_PENDING);
	char *text;
	size_t len;
	assert_int_equal(lb_snap_catalog_format(&cat, &text, &len, &err), 0);
	assert_string_equal(text, CANON);
	assert_int_equal(len, strlen(CANON));
	free(text);
	lb_snap_catalog_free(&cat);

	struct lb_snap_catalog empty;
	assert_int_equal(lb_snap_catalog_init(&empty, "docker-thinpool", &err), 0);
	assert_int_equal(lb_snap_catalog_format(&empty, &text, &len, &err), 0);
	assert_string_equal(text, "{\"version\":1,\"pool\":\"docker-thinpool\",\"snapshots\":[]}\n");
	free(text);
	lb_snap_catalog_free(&empty);
}

static void expect_bad(const char *text, int code, const char *needle)
{
	struct lb_snap_catalog cat;
	struct lb_err err = {0};
	int rc = parse(text, &cat, &err);
	if (rc != code || !strstr(err.msg, needle))
		fail_msg("want %d with \"%s\", got %d: %s\n  for %s", code, needle, rc, err.msg, text);
	assert_null(cat.records);
}

/* REC1's text with one field's value replaced. */
static const char *rec1_sub(const char *key_and_old, const char *key_and_new)
{
	static char buf[2048];
	const char *rec = REC1;
	const char *at = strstr(rec, key_and_old);
	assert_non_null(at);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - rec), rec, key_and_new,
		 at + strlen(key_and_old));
	return buf;
}

/* A catalog of REC1 with one field replaced. */
static char *rec1_with(const char *key_and_old, const char *key_and_new)
{
	static char doc[4096];
	snprintf(doc, sizeof(doc), HEAD "%s]}", rec1_sub(key_and_old, key_and_new));
	return doc;
}

static void strict_parse_refuses_damage(void **state)
{
	(void)state;
	expect_bad("{\"version\":2,\"pool\":\"p\",\"snapshots\":[],\"new\":1}", LB_EINTEGRITY,
		   "newer than this lifeboat");
	expect_bad("{\"version\":0,\"pool\":\"p\",\"snapshots\":[]}", LB_EINTEGRITY, "version 0");
	expect_bad("{\"pool\":\"p\",\"snapshots\":[]}", LB_EINTEGRITY, "\"version\": missing");
	expect_bad("{\"version\":1,\"pool\":\"p\",\"snapshots\":[],\"x\":1}", LB_EINTEGRITY,
		   "x: unknown field");
	expect_bad("{\"version\":1,\"pool\":\"p\",\"pool\":\"q\",\"snapshots\":[]}", LB_EINTEGRITY,
		   "duplicate");
	expect_bad("{\"version\":1,\"pool\":\"a/b\",\"snapshots\":[]}", LB_EINTEGRITY, "pool");
	expect_bad("{\"version\":1,\"pool\":\"p\",\"snapshots\":{}}", LB_EINTEGRITY,
		   "expected an array");
	expect_bad("{\"version\":1,\"pool\":\"p\",\"snapshots\":[]} x", LB_EINTEGRITY, "bad JSON");
	expect_bad("[1]", LB_EINTEGRITY, "expected a JSON object");
	/* Duplicates across records. */
	expect_bad(HEAD REC1 "," REC1 "]}", LB_EINTEGRITY, "snapshots[1]: a snapshot named");
	char two[4096];
	snprintf(two, sizeof(two), HEAD "%s,%s]}",
		 rec1_sub("\"name\":\"web-", "\"name\":\"other-"), REC1);
	expect_bad(two, LB_EINTEGRITY, "has the uuid " UUID1);
	/* Another name and uuid, REC1's device id. */
	snprintf(two, sizeof(two), HEAD "%s,%s]}", REC1,
		 "{\"name\":\"bob\",\"uuid\":\"" UUID2 "\",\"container\":\"web\","
		 "\"container_id\":\"" CID "\",\"device_id\":16777215,\"origin_device_id\":7,"
		 "\"origin_hash\":\"" HASH "\",\"created\":\"1970-01-01T00:00:00Z\","
		 "\"created_unix\":0,\"size_bytes\":1,\"state\":\"ready\",\"freeze_us\":0}");
	expect_bad(two, LB_EINTEGRITY, "has device id 16777215");
	/* Field rules. */
	expect_bad(rec1_with("\"name\":\"web-", "\"name\":\".web-"), LB_EINTEGRITY, "name");
	expect_bad(rec1_with("\"name\":\"web-", "\"name\":\"-web-"), LB_EINTEGRITY, "name");
	expect_bad(rec1_with("\"name\":\"web-", "\"name\":\"w/b-"), LB_EINTEGRITY, "name");
	expect_bad(rec1_with("\"name\":\"web-20261130T060324Z\"",
			     "\"name\":\"a1234567890123456789012345678901234567890123456789012345678901234\""),
		   LB_EINTEGRITY, "too long");
	expect_bad(rec1_with("\"uuid\":\"0011", "\"uuid\":\"00AA"), LB_EINTEGRITY, "uuid");
	expect_bad(rec1_with("\"container\":\"web\"", "\"container\":\"/web\""), LB_EINTEGRITY,
		   "container");
	expect_bad(rec1_with("\"container_id\":\"0123", "\"container_id\":\"x123"), LB_EINTEGRITY,
		   "container_id");
	expect_bad(rec1_with("\"origin_hash\":\"fedc", "\"origin_hash\":\"../x"), LB_EINTEGRITY,
		   "origin_hash");
	expect_bad(rec1_with("\"device_id\":16777215", "\"device_id\":16777216"), LB_EINTEGRITY,
		   "device_id\": 16777216 is not a thin device id");
	expect_bad(rec1_with("\"device_id\":16777215", "\"device_id\":0"), LB_EINTEGRITY,
		   "device_id");
	expect_bad(rec1_with("\"device_id\":16777215", "\"device_id\":7"), LB_EINTEGRITY,
		   "a device of its own");
	expect_bad(rec1_with("\"device_id\":16777215", "\"device_id\":\"5\""), LB_EINTEGRITY,
		   "expected integer");
	expect_bad(rec1_with("\"created\":\"2026-11-30T06:03:24Z\"",
			     "\"created\":\"2026-11-30T06:03:25Z\""),
		   LB_EINTEGRITY, "is not created_unix 1796018604 (2026-11-30T06:03:24Z)");
	expect_bad(rec1_with("\"created_unix\":1796018604", "\"created_unix\":-5"), LB_EINTEGRITY,
		   "created_unix");
	expect_bad(rec1_with("\"state\":\"ready\"", "\"state\":\"done\""), LB_EINTEGRITY,
		   "pending, ready or importing");
	expect_bad(rec1_with("\"freeze_us\":1840", "\"freeze_us\":1840,\"extra\":true"),
		   LB_EINTEGRITY, "snapshots[0].extra: unknown field");
	expect_bad(rec1_with("\"freeze_us\":1840", "\"freeze_us\":null"), LB_EINTEGRITY,
		   "freeze_us\": missing");
}

/* An import killed midway leaves "importing": read and written back as it
 * is, and never made ready by resolving pending records. */
static void importing_state_round_trips(void **state)
{
	(void)state;
	struct lb_snap_catalog cat;
	struct lb_err err = {0};
	const char *text_in = HEAD "\n" REC1 ",\n" REC2 "\n]}\n";
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", text_in);
	char *at = strstr(buf, "\"state\":\"pending\"");
	assert_non_null(at);
	memmove(at + strlen("\"state\":\"importing\""), at + strlen("\"state\":\"pending\""),
		strlen(at + strlen("\"state\":\"pending\"")) + 1);
	memcpy(at, "\"state\":\"importing\"", strlen("\"state\":\"importing\""));
	assert_int_equal(parse(buf, &cat, &err), 0);
	assert_int_equal(cat.records[1].state, LB_SNAP_IMPORTING);
	char *text;
	size_t len;
	assert_int_equal(lb_snap_catalog_format(&cat, &text, &len, &err), 0);
	assert_string_equal(text, buf);
	free(text);
	lb_snap_catalog_free(&cat);
}

static void oversized_file_is_refused(void **state)
{
	(void)state;
	size_t len = LB_SNAP_CATALOG_MAX_BYTES + 1;
	char *big = malloc(len + 1);
	assert_non_null(big);
	memset(big, ' ', len);
	big[len] = '\0';
	struct lb_snap_catalog cat;
	struct lb_err err = {0};
	assert_int_equal(lb_snap_catalog_parse(big, len, "big.json", &cat, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "over the catalog's limit of"));
	free(big);
}

static struct lb_snap_record record(const char *name, const char *uuid, uint32_t id, int64_t t)
{
	struct lb_snap_record r = {.device_id = id, .origin_device_id = 7, .created_unix = t,
				   .size_bytes = 1 << 20, .state = LB_SNAP_PENDING};
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.uuid, sizeof(r.uuid), "%s", uuid);
	strcpy(r.container, "web");
	strcpy(r.container_id, CID);
	strcpy(r.origin_hash, HASH);
	return r;
}

static void edits_keep_order_and_uniqueness(void **state)
{
	(void)state;
	struct lb_snap_catalog cat;
	struct lb_err err = {0};
	assert_int_equal(lb_snap_catalog_init(&cat, "pool", &err), 0);
	struct lb_snap_record a = record("b-late", UUID1, 100, 2000);
	struct lb_snap_record b = record("a-early", UUID2, 101, 1000);
	assert_int_equal(lb_snap_catalog_add(&cat, &a, &err), 0);
	assert_int_equal(lb_snap_catalog_add(&cat, &b, &err), 0);
	assert_string_equal(cat.records[0].name, "a-early");
	assert_string_equal(cat.records[1].name, "b-late");
	/* Equal times: by name. */
	struct lb_snap_record c = record("a-same", "0000000000000000000000000000000c", 102, 2000);
	assert_int_equal(lb_snap_catalog_add(&cat, &c, &err), 0);
	assert_string_equal(cat.records[1].name, "a-same");

	struct lb_snap_record dup = record("b-late", "0000000000000000000000000000000d", 103, 5);
	assert_int_equal(lb_snap_catalog_add(&cat, &dup, &err), LB_EUSAGE);
	dup = record("new", UUID1, 103, 5);
	assert_int_equal(lb_snap_catalog_add(&cat, &dup, &err), LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "uuid"));
	dup = record("new", "0000000000000000000000000000000d", 100, 5);
	assert_int_equal(lb_snap_catalog_add(&cat, &dup, &err), LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "device id 100"));
	dup = record("bad name", "0000000000000000000000000000000e", 104, 5);
	assert_int_equal(lb_snap_catalog_add(&cat, &dup, &err), LB_EUSAGE);
	assert_int_equal(cat.n_records, 3);

	assert_ptr_equal(lb_snap_catalog_find_uuid(&cat, UUID2), &cat.records[0]);
	assert_ptr_equal(lb_snap_catalog_find_device(&cat, 100), lb_snap_catalog_find_name(&cat, "b-late"));
	assert_null(lb_snap_catalog_find_device(&cat, 99));
	assert_int_equal(lb_snap_catalog_count_container(&cat, CID), 3);

	assert_int_equal(lb_snap_catalog_mark_ready(&cat, "a-same", 1234, &err), 0);
	assert_int_equal(lb_snap_catalog_find_name(&cat, "a-same")->state, LB_SNAP_READY);
	assert_int_equal(lb_snap_catalog_find_name(&cat, "a-same")->freeze_us, 1234);
	assert_int_equal(lb_snap_catalog_mark_ready(&cat, "a-same", 1, &err), LB_EUSAGE);
	assert_int_equal(lb_snap_catalog_mark_ready(&cat, "nope", 1, &err), LB_ENOTFOUND);

	assert_int_equal(lb_snap_catalog_remove(&cat, "a-same", &err), 0);
	assert_int_equal(lb_snap_catalog_remove(&cat, "a-same", &err), LB_ENOTFOUND);
	assert_int_equal(cat.n_records, 2);
	assert_string_equal(cat.records[1].name, "b-late");
	lb_snap_catalog_free(&cat);
}

static void names_follow_the_rules(void **state)
{
	(void)state;
	assert_true(lb_snap_name_valid("a"));
	assert_true(lb_snap_name_valid("web_1.before-upgrade"));
	assert_true(lb_snap_name_valid("0123456789012345678901234567890123456789012345678901234567890123"));
	assert_false(lb_snap_name_valid("01234567890123456789012345678901234567890123456789012345678901234"));
	assert_false(lb_snap_name_valid(""));
	assert_false(lb_snap_name_valid(".hidden"));
	assert_false(lb_snap_name_valid("-flag"));
	assert_false(lb_snap_name_valid("a b"));
	assert_false(lb_snap_name_valid("a/b"));
	assert_false(lb_snap_name_valid("caf\xc3\xa9"));
}

static void default_names_are_stamped_and_unique(void **state)
{
	(void)state;
	struct lb_snap_catalog cat;
	struct lb_err err = {0};
	char name[LB_SNAP_NAME_MAX + 1];
	assert_int_equal(lb_snap_catalog_init(&cat, "pool", &err), 0);
	assert_int_equal(lb_snap_default_name(&cat, "/web", 1796018604, name, &err), 0);
	assert_string_equal(name, "web-20261130T060324Z");
	struct lb_snap_record r = record(name, UUID1, 100, 1796018604);
	assert_int_equal(lb_snap_catalog_add(&cat, &r, &err), 0);
	assert_int_equal(lb_snap_default_name(&cat, "web", 1796018604, name, &err), 0);
	assert_string_equal(name, "web-20261130T060324Z-2");
	r = record(name, UUID2, 101, 1796018604);
	assert_int_equal(lb_snap_catalog_add(&cat, &r, &err), 0);
	assert_int_equal(lb_snap_default_name(&cat, "web", 1796018604, name, &err), 0);
	assert_string_equal(name, "web-20261130T060324Z-3");
	/* A long container name is cut so the whole name fits 64. */
	char longname[201];
	memset(longname, 'c', 200);
	longname[200] = '\0';
	assert_int_equal(lb_snap_default_name(&cat, longname, 0, name, &err), 0);
	assert_int_equal(strlen(name), 64 - 7);
	assert_string_equal(name + strlen(name) - 17, "-19700101T000000Z");
	assert_true(lb_snap_name_valid(name));
	assert_int_equal(lb_snap_default_name(&cat, "-bad", 0, name, &err), LB_EUSAGE);
	lb_snap_catalog_free(&cat);
}

static char *tmpdir(void)
{
	char *dir = strdup("/tmp/lb-snapcat-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return dir;
}

static char *slurp(const char *dir, const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void store_is_atomic_with_a_backup(void **state)
{
	(void)state;
	char *top = tmpdir(), dir[PATH_MAX];
	struct lb_err err = {0};
	assert_int_equal(lb_snap_catalog_dir(top, dir, &err), 0);
	assert_non_null(strstr(dir, "/lifeboat"));
	/* Nothing yet: an empty catalog, and nothing made on disk by reading. */
	struct lb_snap_catalog cat;
	assert_int_equal(lb_snap_catalog_load(dir, "docker-8:1-1234-pool", &cat, &err), 0);
	assert_int_equal(cat.n_records, 0);
	assert_int_not_equal(access(dir, F_OK), 0);

	struct lb_snap_catalog full;
	assert_int_equal(parse(CANON, &full, &err), 0);
	assert_int_equal(lb_snap_catalog_store(dir, &cat, &err), 0);
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_null(slurp(dir, "snapshots.json.bak"));
	assert_int_equal(lb_snap_catalog_store(dir, &full, &err), 0);
	assert_string_equal(slurp(dir, "snapshots.json"), CANON);
	assert_string_equal(slurp(dir, "snapshots.json.bak"),
			    "{\"version\":1,\"pool\":\"docker-8:1-1234-pool\",\"snapshots\":[]}\n");
	lb_snap_catalog_free(&cat);
	assert_int_equal(lb_snap_catalog_load(dir, "docker-8:1-1234-pool", &cat, &err), 0);
	assert_int_equal(cat.n_records, 2);
	assert_int_equal(cat.records[1].state, LB_SNAP_PENDING);
	lb_snap_catalog_free(&cat);

	/* Another pool's catalog is not this pool's to read or overwrite. */
	assert_int_equal(lb_snap_catalog_load(dir, "other-pool", &cat, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "not of pool other-pool"));
	/* No temporary file is left behind. */
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) = 2", dir);
	assert_int_equal(system(cmd), 0);

	/* A link planted in the catalog's place is damage, not followed. */
	char p[PATH_MAX + 32];
	snprintf(p, sizeof(p), "%s/snapshots.json", dir);
	unlink(p);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	assert_int_equal(lb_snap_catalog_load(dir, "docker-8:1-1234-pool", &cat, &err),
			 LB_EINTEGRITY);
	lb_snap_catalog_free(&full);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	assert_int_equal(system(cmd), 0);
	free(top);
}

static void lock_is_exclusive(void **state)
{
	(void)state;
	char *top = tmpdir(), dir[PATH_MAX];
	struct lb_err err = {0};
	assert_int_equal(lb_snap_catalog_dir(top, dir, &err), 0);
	struct lb_snap_lock a, b;
	assert_int_equal(lb_snap_catalog_lock(dir, &a, &err), 0);
	/* flock locks belong to the open file: a second open conflicts, even
	 * in one process, as a second lifeboat would. */
	assert_int_equal(lb_snap_catalog_trylock(dir, &b, &err), LB_EUNSAFE);
	assert_non_null(strstr(err.msg, "holds the snapshot catalog's lock"));
	assert_int_equal(b.fd, -1);
	lb_snap_catalog_unlock(&a);
	lb_snap_catalog_unlock(&a);
	assert_int_equal(lb_snap_catalog_trylock(dir, &b, &err), 0);
	lb_snap_catalog_unlock(&b);
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	assert_int_equal(system(cmd), 0);
	free(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_and_formats_canonically),
		cmocka_unit_test(importing_state_round_trips),
		cmocka_unit_test(strict_parse_refuses_damage),
		cmocka_unit_test(oversized_file_is_refused),
		cmocka_unit_test(edits_keep_order_and_uniqueness),
		cmocka_unit_test(names_follow_the_rules),
		cmocka_unit_test(default_names_are_stamped_and_unique),
		cmocka_unit_test(store_is_atomic_with_a_backup),
		cmocka_unit_test(lock_is_exclusive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
