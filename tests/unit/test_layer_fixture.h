/* A container's two trees for the lib/layer/ unit tests, built with real
 * tools (cp -a, mknod, chown, truncate): <root>/lower is the init layer,
 * <root>/upper a copy of it with every kind of change Docker's diff knows,
 * and the changes they must give, written out by hand from Docker's rules.
 * Runs as root (devices, owners, security.capability). */
#ifndef LIFEBOAT_TEST_LAYER_FIXTURE_H
#define LIFEBOAT_TEST_LAYER_FIXTURE_H

#include "test_docker_fixture.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#define LX_LONG_DIR "long-dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
/* 120 bytes: more than USTAR's 100-byte name field, so PAX must carry it. */
#define LX_LONG_NAME                                                                               \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" \
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
/* "ünïcödé-名前.txt" */
#define LX_UTF8_NAME "\xc3\xbc" "n" "\xc3\xaf" "c" "\xc3\xb6" "d" "\xc3\xa9" "-\xe5\x90\x8d\xe5\x89\x8d.txt"
#define LX_SPARSE_BYTES (8u << 20)
#define LX_SPARSE_DATA_AT 3000000u

/* A version 2 file capability: cap_net_bind_service, permitted+effective. */
static const unsigned char lx_capability[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x04};

struct lx_change {
	const char *path;
	char kind; /* 'A', 'C', 'D' as docker diff prints them */
};

/* Sorted by bytes, as Docker's export sorts. */
static const struct lx_change lx_expected[] = {
	{"/data", 'C'},
	{"/data/capped.txt", 'C'}, /* only its security.capability changed */
	{"/data/deleted.txt", 'D'},
	{"/data/mode.txt", 'C'},
	{"/data/owner.txt", 'C'},
	{"/data/same.txt", 'C'}, /* same size, new content */
	{"/etc", 'C'},
	{"/etc/motd", 'C'},
	{"/gone", 'D'}, /* a deleted subtree is one deletion */
	{"/new", 'A'},
	{"/new/cap-file", 'A'},
	{"/new/chardev", 'A'},
	{"/new/fifo", 'A'},
	{"/new/hl1", 'A'},
	{"/new/hl2", 'A'},
	{"/new/link", 'A'},
	{"/new/" LX_LONG_DIR, 'A'},
	{"/new/" LX_LONG_DIR "/" LX_LONG_NAME, 'A'},
	{"/new/sock", 'A'},
	{"/new/sparse", 'A'},
	{"/new/" LX_UTF8_NAME, 'A'},
	{"/replaced", 'C'}, /* a directory replaced by a file; its old children go unnamed */
};
#define LX_N_EXPECTED (sizeof(lx_expected) / sizeof(lx_expected[0]))

static inline int lx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs a shell command line; its exit status (-1 if it did not exit). */
static inline int lx_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		abort();
	int status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The first line the command prints, without its newline. */
static inline void lx_first_line(char *out, size_t cap, const char *cmd)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		abort();
	out[0] = '\0';
	if (fgets(out, (int)cap, p))
		out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static inline int lx_open_dir(const char *root, const char *rel)
{
	char path[PATH_MAX];
	fx_fmt(path, "%s/%s", root, rel);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	return fd;
}

static inline void lx_set_capability(const char *root, const char *rel)
{
	char path[PATH_MAX];
	fx_fmt(path, "%s/%s", root, rel);
	if (lsetxattr(path, "security.capability", lx_capability, sizeof(lx_capability), 0))
		abort();
}

static inline void lx_make_socket(const char *root, const char *rel)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s", root, rel);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path) || fd < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
		abort();
	close(fd);
}

/* <root>/lower, and <root>/upper as `cp -a` of it with the changes above. */
static inline void lx_build(char root[PATH_MAX])
{
	fx_tmpdir(root);
	int rc = lx_sh(
		"set -e; cd '%s'; mkdir lower; cd lower;"
		"mkdir -p etc data gone/a/b replaced/sub unchanged;"
		"echo hello > etc/motd; echo AAAA > data/same.txt; echo m > data/mode.txt;"
		"echo o > data/owner.txt; echo d > data/deleted.txt; echo c > data/capped.txt;"
		"echo x > gone/a/b/c; echo y > gone/top; echo z > replaced/sub/f; echo u > unchanged/u;"
		"cd ..; cp -a lower upper; cd upper;"
		"sleep 0.01; echo BBBB > data/same.txt; chmod 600 data/mode.txt;"
		"chown 1234:5678 data/owner.txt; rm data/deleted.txt; echo changed > etc/motd;"
		"rm -rf gone replaced; echo now-a-file > replaced;"
		"mkdir new; echo hl > new/hl1; ln new/hl1 new/hl2; ln -s ../etc/motd new/link;"
		"mkfifo new/fifo; mknod new/chardev c 1 3;"
		"truncate -s %u new/sparse; printf data | dd of=new/sparse bs=1 seek=%u conv=notrunc 2>/dev/null;"
		"echo utf8 > '%s'; mkdir 'new/%s'; echo long > 'new/%s/%s';"
		"echo cap > new/cap-file",
		root, LX_SPARSE_BYTES, LX_SPARSE_DATA_AT, "new/" LX_UTF8_NAME, LX_LONG_DIR, LX_LONG_DIR,
		LX_LONG_NAME);
	if (rc != 0)
		abort();
	char upper[PATH_MAX];
	fx_fmt(upper, "%s/upper", root);
	lx_set_capability(upper, "data/capped.txt");
	lx_set_capability(upper, "new/cap-file");
	lx_make_socket(upper, "new/sock");
}

#endif
