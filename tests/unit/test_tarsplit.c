/* lib/util/crc64 and lib/layer/tarsplit: Go's CRC-64/ISO, tar-split's lines
 * parsed and refused, and a layer's tar rebuilt from lines and files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layer/tarsplit.h"
#include "layer/tarsplit_entry.h"
#include "test_docker_fixture.h"
#include "util/crc64.h"
#include "util/nofollow.h"

/* ---- CRC-64/ISO ------------------------------------------------------- */

static uint64_t crc_of(const void *buf, size_t len)
{
	struct lb_crc64_table table;
	lb_crc64_table_init(&table);
	return lb_crc64_update(&table, 0, buf, len);
}

static void crc64_matches_published_and_go_values(void **state)
{
	(void)state;
	/* CRC-64/GO-ISO's catalogued check value. */
	assert_true(crc_of("123456789", 9) == 0xb90956c775a41001ULL);
	/* What the tar-split binary stored for a file holding "hello". */
	assert_true(crc_of("hello", 5) == 0x3c3eeee2d8100000ULL);
	/* crc-any's (Rust) crc64iso test vector. */
	assert_true(crc_of("https://magiclen.org", 20) == 0x649db068eca5b9dbULL);
	assert_true(crc_of("a", 1) == 0x3420000000000000ULL);
	assert_true(crc_of("", 0) == 0);
}

static void crc64_in_pieces_equals_crc64_at_once(void **state)
{
	(void)state;
	unsigned char buf[1000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	/* Computed bit by bit in Python, independently of the tables. */
	assert_true(crc_of(buf, sizeof(buf)) == 0xf61401ae4fe22fd3ULL);
	struct lb_crc64_table table;
	lb_crc64_table_init(&table);
	for (size_t cut = 0; cut <= sizeof(buf); cut += 37) {
		uint64_t crc = lb_crc64_update(&table, 0, buf, cut);
		crc = lb_crc64_update(&table, crc, buf + cut, sizeof(buf) - cut);
		assert_true(crc == 0xf61401ae4fe22fd3ULL);
	}
}

/* ---- base64 ----------------------------------------------------------- */

static void base64_decodes_exactly_and_refuses_the_rest(void **state)
{
	(void)state;
	unsigned char out[64];
	size_t n;
	assert_true(lb_tarsplit_base64_decode("SERSMQ==", 8, out, &n));
	assert_int_equal(n, 4);
	assert_memory_equal(out, "HDR1", 4);
	assert_true(lb_tarsplit_base64_decode("AAAARU5E", 8, out, &n));
	assert_int_equal(n, 6);
	assert_memory_equal(out, "\0\0\0END", 6);
	assert_true(lb_tarsplit_base64_decode("", 0, out, &n));
	assert_int_equal(n, 0);
	assert_false(lb_tarsplit_base64_decode("SERSMQ=", 7, out, &n));   /* length */
	assert_false(lb_tarsplit_base64_decode("SE=SMQ==", 8, out, &n));  /* = inside */
	assert_false(lb_tarsplit_base64_decode("SERS MQ=", 8, out, &n));  /* space */
	assert_false(lb_tarsplit_base64_decode("SERS-Q==", 8, out, &n));  /* URL alphabet */
	assert_false(lb_tarsplit_base64_decode("S===", 4, out, &n));      /* 3 pads */
	assert_false(lb_tarsplit_base64_decode("====", 4, out, &n));
}

/* ---- one line --------------------------------------------------------- */

static int parse(const char *line, uint64_t position, struct lb_tarsplit_entry *e,
		 struct lb_err *err)
{
	return lb_tarsplit_entry_parse(line, strlen(line), 7, position, e, err);
}

static void a_segment_line_gives_its_raw_bytes(void **state)
{
	(void)state;
	struct lb_tarsplit_entry e;
	struct lb_err err = { 0 };
	assert_int_equal(parse("{\"type\":2,\"payload\":\"AAAARU5E\",\"position\":3}", 3, &e, &err),
			 0);
	assert_int_equal(e.type, LB_TARSPLIT_SEGMENT);
	assert_int_equal(e.payload_len, 6);
	assert_memory_equal(e.payload, "\0\0\0END", 6);
	lb_tarsplit_entry_clear(&e);
	/* The last segment tar-split writes is often empty. */
	assert_int_equal(parse("{\"type\":2,\"payload\":\"\",\"position\":0}", 0, &e, &err), 0);
	assert_int_equal(e.payload_len, 0);
	lb_tarsplit_entry_clear(&e);
	assert_int_equal(parse("{\"type\":2,\"payload\":null,\"position\":0}", 0, &e, &err), 0);
	assert_int_equal(e.payload_len, 0);
	lb_tarsplit_entry_clear(&e);
}

static void a_file_line_gives_name_size_and_crc(void **state)
{
	(void)state;
	struct lb_tarsplit_entry e;
	struct lb_err err = { 0 };
	assert_int_equal(parse("{\"type\":1,\"name\":\"./etc/motd\",\"size\":5,"
			       "\"payload\":\"PD7u4tgQAAA=\",\"position\":1}",
			       1, &e, &err),
			 0);
	assert_int_equal(e.type, LB_TARSPLIT_FILE);
	assert_string_equal(e.name, "./etc/motd");
	assert_int_equal(e.size_bytes, 5);
	assert_true(e.crc64 == 0x3c3eeee2d8100000ULL);
	lb_tarsplit_entry_clear(&e);
	/* A directory: no size, null payload, as tar-split writes it. */
	assert_int_equal(parse("{\"type\":1,\"name\":\"./\",\"payload\":null,\"position\":1}", 1, &e,
			       &err),
			 0);
	assert_int_equal(e.size_bytes, 0);
	lb_tarsplit_entry_clear(&e);
	/* A name that is not UTF-8 comes as name_raw, and wins over name. */
	assert_int_equal(parse("{\"type\":1,\"name\":\"x\",\"name_raw\":\"ZGlyL2NhZuk=\",\"size\":5,"
			       "\"payload\":\"PD7u4tgQAAA=\",\"position\":2}",
			       2, &e, &err),
			 0);
	assert_int_equal(e.name_len, 8);
	assert_string_equal(e.name, "dir/caf\xe9");
	lb_tarsplit_entry_clear(&e);
	/* UTF-8 escaped in JSON; "..." and "a..b" are plain names. */
	assert_int_equal(parse("{\"type\":1,\"name\":\"caf\\u00e9/.../a..b\",\"position\":0}", 0, &e,
			       &err),
			 0);
	assert_string_equal(e.name, "caf\xc3\xa9/.../a..b");
	lb_tarsplit_entry_clear(&e);
}

/* Each bad line fails with LB_EINTEGRITY and a message naming line 7 and
 * the reason. */
static void bad_line(const char *line, uint64_t position, const char *reason)
{
	struct lb_tarsplit_entry e;
	struct lb_err err = { 0 };
	int rc = parse(line, position, &e, &err);
	if (rc != LB_EINTEGRITY || !strstr(err.msg, "tar-split line 7: ") ||
	    !strstr(err.msg, reason))
		fail_msg("line %s: rc %d, message \"%s\", wanted \"%s\"", line, rc, err.msg, reason);
	assert_null(e.name);
	assert_null(e.payload);
}

static void malformed_lines_are_refused_by_number(void **state)
{
	(void)state;
	bad_line("", 0, "not JSON");
	bad_line("{\"type\":2,\"payload\":\"\",\"position\":0", 0, "not JSON");
	bad_line("[2]", 0, "not a JSON object");
	bad_line("{\"type\":2,\"payload\":\"\",\"position\":0,\"position\":0}", 0, "not JSON");
	bad_line("{\"type\":2,\"payload\":\"\"}", 0, "\"position\" is missing");
	bad_line("{\"type\":2,\"payload\":\"\",\"position\":\"0\"}", 0, "\"position\" is something");
	bad_line("{\"type\":2,\"payload\":\"\",\"position\":4}", 3, "position 4, expected 3");
	bad_line("{\"type\":2,\"payload\":\"\",\"position\":-1}", 0, "position -1");
	bad_line("{\"type\":3,\"payload\":\"\",\"position\":0}", 0, "unknown entry type 3");
	bad_line("{\"payload\":\"\",\"position\":0}", 0, "\"type\" is missing");
	bad_line("{\"type\":2,\"payload\":\"SERSMQ=\",\"position\":0}", 0, "\"payload\" is not base64");
	bad_line("{\"type\":2,\"payload\":7,\"position\":0}", 0, "\"payload\" is not a string");
	bad_line("{\"type\":1,\"name\":\"a\",\"size\":5,\"payload\":\"PD7u4tgQAA==\",\"position\":0}", 0,
		 "payload is 7 bytes, not 8");
	bad_line("{\"type\":1,\"name\":\"a\",\"size\":5,\"payload\":null,\"position\":0}", 0,
		 "payload is 0 bytes, not 8");
	bad_line("{\"type\":1,\"name\":\"a\",\"size\":-1,\"position\":0}", 0, "size -1 is absurd");
	bad_line("{\"type\":1,\"name\":\"a\",\"size\":17592186044417,\"position\":0}", 0,
		 "size 17592186044417 is absurd");
	bad_line("{\"type\":1,\"name\":\"a\",\"size\":99999999999999999999,\"position\":0}", 0,
		 "not JSON");
	bad_line("{\"type\":1,\"name\":\"a\",\"size\":1.5,\"position\":0}", 0, "\"size\" is something");
	bad_line("{\"type\":1,\"size\":5,\"payload\":\"PD7u4tgQAAA=\",\"position\":0}", 0,
		 "without a name");
	bad_line("{\"type\":1,\"name\":5,\"position\":0}", 0, "\"name\" is not a string");
	bad_line("{\"type\":1,\"name\":\"/etc/motd\",\"position\":0}", 0, "absolute file name");
	bad_line("{\"type\":1,\"name\":\"..\",\"position\":0}", 0, "'..' component");
	bad_line("{\"type\":1,\"name\":\"../etc/motd\",\"position\":0}", 0, "'..' component");
	bad_line("{\"type\":1,\"name\":\"a/b/../../..\",\"position\":0}", 0, "'..' component");
	bad_line("{\"type\":1,\"name\":\"a//../b\",\"position\":0}", 0, "'..' component");
	/* name_raw can carry a NUL that a JSON string cannot ("a\0b"). */
	bad_line("{\"type\":1,\"name_raw\":\"YQBi\",\"position\":0}", 0, "NUL byte");
	bad_line("{\"type\":1,\"name\":\"a\\u0000b\",\"position\":0}", 0, "not JSON");
	/* Control bytes in the input never reach the message raw. */
	struct lb_tarsplit_entry e;
	struct lb_err err = { 0 };
	assert_int_equal(parse("\x1b[2J{", 0, &e, &err), LB_EINTEGRITY);
	assert_null(strchr(err.msg, '\x1b'));
}

static void a_line_over_the_cap_is_refused(void **state)
{
	(void)state;
	size_t len = LB_TARSPLIT_LINE_CAP + 1;
	char *line = malloc(len);
	assert_non_null(line);
	memset(line, ' ', len);
	struct lb_tarsplit_entry e;
	struct lb_err err = { 0 };
	assert_int_equal(lb_tarsplit_entry_parse(line, len, 9, 0, &e, &err), LB_EINTEGRITY);
	assert_non_null(strstr(err.msg, "tar-split line 9: longer than 4194304 bytes"));
	free(line);
}

/* ---- rebuilding from lines and files ----------------------------------- */

struct mem_source {
	const char *text;
	size_t len, at, piece; /* piece: at most this many bytes a read */
};

static int mem_read(void *ctx, void *buf, size_t cap, size_t *got, struct lb_err *err)
{
	(void)err;
	struct mem_source *m = ctx;
	size_t n = m->len - m->at;
	if (n > cap)
		n = cap;
	if (m->piece && n > m->piece)
		n = m->piece;
	memcpy(buf, m->text + m->at, n);
	m->at += n;
	*got = n;
	return LB_OK;
}

struct mem_sink {
	char buf[4096];
	size_t len;
};

static int mem_write(void *ctx, const void *buf, size_t len, struct lb_err *err)
{
	struct mem_sink *s = ctx;
	if (s->len + len > sizeof(s->buf))
		return lb_fail(err, LB_EFAIL, "test sink: full");
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	return LB_OK;
}

struct rfx {
	char root[PATH_MAX];
	int root_fd;
	struct mem_sink out;
	struct lb_tarsplit_stats stats;
	struct lb_err err;
};

static int rsetup(void **state)
{
	struct rfx *f = calloc(1, sizeof(*f));
	fx_tmpdir(f->root);
	fx_write(f->root, "etc/motd", "hello");
	f->root_fd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->root_fd >= 0);
	*state = f;
	return 0;
}

static int rteardown(void **state)
{
	struct rfx *f = *state;
	close(f->root_fd);
	fx_rm_rf(f->root);
	free(f);
	return 0;
}

/* A tar of one member: header "HDR1", content "hello" (etc/motd), then
 * padding and end "\0\0\0END"; its sha256 computed by Python's hashlib. */
#define HDR_LINE "{\"type\":2,\"payload\":\"SERSMQ==\",\"position\":0}\n"
#define MOTD_LINE(name, crc)                                                                  \
	"{\"type\":1,\"name\":\"" name "\",\"size\":5,\"payload\":\"" crc "\",\"position\":1}\n"
#define END_LINE "{\"type\":2,\"payload\":\"AAAARU5E\",\"position\":2}\n"
#define GOOD_CRC "PD7u4tgQAAA="
#define TAR_SHA256 "sha256:acc6947df9cab9d3255dea379f43b4cf19a57c5cd058730022cb2cd17c199a6d"

static int rebuild(struct rfx *f, const char *text, size_t piece, const char *expected)
{
	struct mem_source src = { .text = text, .len = strlen(text), .piece = piece };
	struct lb_tarsplit_source source = { .read = mem_read, .ctx = &src };
	struct lb_layer_sink sink = { .write = mem_write, .ctx = &f->out };
	f->out.len = 0;
	memset(&f->err, 0, sizeof(f->err));
	return lb_tarsplit_rebuild_from(&source, f->root_fd, expected, &sink, &f->stats, &f->err);
}

static void lines_and_files_rebuild_the_tar_and_its_digest(void **state)
{
	struct rfx *f = *state;
	const char *text = HDR_LINE MOTD_LINE("./etc/motd", GOOD_CRC) END_LINE;
	/* Whole, and one byte at a time: lines cut anywhere join up. */
	for (size_t piece = 0; piece <= 1; piece++) {
		assert_int_equal(rebuild(f, text, piece, TAR_SHA256), 0);
		assert_int_equal(f->out.len, 15);
		assert_memory_equal(f->out.buf, "HDR1hello\0\0\0END", 15);
		assert_string_equal(f->stats.diff_id, TAR_SHA256);
		assert_int_equal(f->stats.lines, 3);
		assert_int_equal(f->stats.files, 1);
		assert_int_equal(f->stats.file_bytes, 5);
		assert_int_equal(f->stats.tar_bytes, 15);
	}
	/* No expected digest: the one computed is still reported. */
	assert_int_equal(rebuild(f, text, 0, NULL), 0);
	assert_string_equal(f->stats.diff_id, TAR_SHA256);
	/* A last line without its newline is taken, as tar-split's reader does. */
	char cut[512];
	snprintf(cut, sizeof(cut), "%s", text);
	cut[strlen(cut) - 1] = '\0';
	assert_int_equal(rebuild(f, cut, 0, TAR_SHA256), 0);
	/* An empty member is never looked for in the layer. */
	assert_int_equal(rebuild(f, HDR_LINE "{\"type\":1,\"name\":\"not/there\",\"payload\":null,"
					     "\"position\":1}\n",
				 0, NULL),
			 0);
	assert_int_equal(f->out.len, 4);
}

static void expect_failure(struct rfx *f, int rc, int code, const char *said)
{
	if (rc != code || !strstr(f->err.msg, said))
		fail_msg("rc %d, message \"%s\"; wanted %d and \"%s\"", rc, f->err.msg, code, said);
}

static void a_changed_missing_short_or_long_file_is_named(void **state)
{
	struct rfx *f = *state;
	/* Same size, other content. */
	fx_write(f->root, "etc/motd", "jello");
	expect_failure(f, rebuild(f, HDR_LINE MOTD_LINE("etc/motd", GOOD_CRC) END_LINE, 0, NULL),
		       LB_EINTEGRITY,
		       "tar-split: etc/motd: CRC-64 mismatch (expected 3c3eeee2d8100000, got ");
	fx_write(f->root, "etc/motd", "hell");
	expect_failure(f, rebuild(f, HDR_LINE MOTD_LINE("etc/motd", GOOD_CRC) END_LINE, 0, NULL),
		       LB_EINTEGRITY, "tar-split: etc/motd: shorter than recorded (4 of 5 bytes; line 2)");
	fx_write(f->root, "etc/motd", "hello!");
	expect_failure(f, rebuild(f, HDR_LINE MOTD_LINE("etc/motd", GOOD_CRC) END_LINE, 0, NULL),
		       LB_EINTEGRITY, "tar-split: etc/motd: longer than the 5 bytes recorded (line 2)");
	fx_write(f->root, "etc/motd", "hello");
	expect_failure(f, rebuild(f, HDR_LINE MOTD_LINE("etc/issue", GOOD_CRC) END_LINE, 0, NULL),
		       LB_EINTEGRITY, "tar-split: etc/issue: missing from the layer (line 2)");
	expect_failure(f, rebuild(f, HDR_LINE MOTD_LINE("etc", GOOD_CRC) END_LINE, 0, NULL),
		       LB_EINTEGRITY, "tar-split: etc: cannot be read from the layer (line 2)");
}

static void a_link_in_the_layer_is_not_followed(void **state)
{
	struct rfx *f = *state;
	/* A symlink to the very file: reading through it could leave the
	 * root, so it is refused even though the content would match. */
	char path[PATH_MAX];
	fx_fmt(path, "%s/link", f->root);
	assert_int_equal(symlink("etc", path), 0);
	expect_failure(f, rebuild(f, HDR_LINE MOTD_LINE("link/motd", GOOD_CRC) END_LINE, 0, NULL),
		       LB_EINTEGRITY, "symbolic link");
	fx_fmt(path, "%s/motd-link", f->root);
	assert_int_equal(symlink("etc/motd", path), 0);
	expect_failure(f, rebuild(f, HDR_LINE MOTD_LINE("motd-link", GOOD_CRC) END_LINE, 0, NULL),
		       LB_EINTEGRITY, "motd-link: cannot be read from the layer");
}

static void the_opener_beneath_the_root_never_leaves_it(void **state)
{
	struct rfx *f = *state;
	struct lb_err err = { 0 };
	int fd;
	/* openat() would take an absolute path from "/" and ".." upwards. */
	assert_int_equal(lb_open_file_nofollow_at(f->root_fd, "/etc/passwd", &fd, &err), LB_EUSAGE);
	assert_int_equal(fd, -1);
	assert_int_equal(lb_open_file_nofollow_at(f->root_fd, "etc/../../x", &fd, &err), LB_EUSAGE);
	assert_int_equal(lb_open_file_nofollow_at(f->root_fd, "./etc//motd", &fd, &err), 0);
	char buf[8] = { 0 };
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 5);
	assert_string_equal(buf, "hello");
	close(fd);
}

static void a_wrong_digest_or_bad_line_fails_the_whole_rebuild(void **state)
{
	struct rfx *f = *state;
	const char *other = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	expect_failure(f, rebuild(f, HDR_LINE MOTD_LINE("etc/motd", GOOD_CRC) END_LINE, 0, other),
		       LB_EINTEGRITY,
		       "the rebuilt tar is " TAR_SHA256 ", not the layer's diff id sha256:0000");
	/* A missing end segment is only caught by the digest. */
	expect_failure(f, rebuild(f, HDR_LINE MOTD_LINE("etc/motd", GOOD_CRC), 0, TAR_SHA256),
		       LB_EINTEGRITY, "not the layer's diff id");
	expect_failure(f, rebuild(f, HDR_LINE MOTD_LINE("etc/motd", GOOD_CRC) END_LINE, 0, "sha256:AB"),
		       LB_EUSAGE, "not sha256:<hex>");
	/* Lines out of order, a blank line, garbage: named by number. */
	expect_failure(f, rebuild(f, HDR_LINE END_LINE, 0, NULL), LB_EINTEGRITY,
		       "tar-split line 2: position 2, expected 1");
	expect_failure(f, rebuild(f, HDR_LINE "\n" END_LINE, 0, NULL), LB_EINTEGRITY,
		       "tar-split line 2: not JSON");
	expect_failure(f, rebuild(f, HDR_LINE MOTD_LINE("etc/motd", GOOD_CRC) "}{\n", 1, NULL),
		       LB_EINTEGRITY, "tar-split line 3: not JSON");
	/* A full sink's own error comes back as it is. */
	char big[8192];
	snprintf(big, sizeof(big), "{\"type\":2,\"payload\":\"%0*d\",\"position\":0}\n", 5800, 0);
	for (char *p = strchr(big, '0'); *p == '0'; p++)
		*p = 'A';
	expect_failure(f, rebuild(f, big, 0, NULL), LB_EFAIL, "test sink: full");
}

int main(void)
{
#define R(fn) cmocka_unit_test_setup_teardown(fn, rsetup, rteardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc64_matches_published_and_go_values),
		cmocka_unit_test(crc64_in_pieces_equals_crc64_at_once),
		cmocka_unit_test(base64_decodes_exactly_and_refuses_the_rest),
		cmocka_unit_test(a_segment_line_gives_its_raw_bytes),
		cmocka_unit_test(a_file_line_gives_name_size_and_crc),
		cmocka_unit_test(malformed_lines_are_refused_by_number),
		cmocka_unit_test(a_line_over_the_cap_is_refused),
		R(lines_and_files_rebuild_the_tar_and_its_digest),
		R(a_changed_missing_short_or_long_file_is_named),
		R(a_link_in_the_layer_is_not_followed),
		R(the_opener_beneath_the_root_never_leaves_it),
		R(a_wrong_digest_or_bad_line_fails_the_whole_rebuild),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
