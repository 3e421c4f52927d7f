/* The layer tar, entry by entry, through libarchive's pax_restricted writer
 * (USTAR headers, plus a PAX header only for what USTAR cannot say). */
#include "layer/tarwrite.h"
#include "layer/capability.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA_BUF_BYTES (128u * 1024)
#define WHITEOUT_PREFIX ".wh."

/* First path (without the leading '/') of each multiply-linked inode seen,
 * in an open-addressed table: grows with the hard links in the layer only. */
struct link_table {
	struct link_slot {
		ino_t ino;
		const char *name; /* NULL: empty slot */
	} *v;
	size_t cap, n;
};

struct tar_writer {
	int upper_fd;
	struct archive *a;
	struct archive_entry *entry;
	const struct lb_layer_sink *sink;
	int sink_rc;
	bool discard; /* failed: the archive's last bytes must not reach the sink */
	struct lb_err *err;
	struct lb_layer_tar_stats stats;
	struct link_table links;
	unsigned char *data_buf;
	/* The last parent directory opened, for the next entry in it. */
	char *parent_path;
	int parent_fd;
};

/* A sink failure is recorded and the bytes after it swallowed, rather than
 * returned to libarchive: an archive in its fatal state leaks its output
 * buffer when freed (libarchive 3.6), and every call here checks sink_rc
 * anyway. After any failure nothing more reaches the sink. */
static la_ssize_t on_archive_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
	(void)a;
	struct tar_writer *tw = ctx;
	if (tw->sink_rc || tw->discard)
		return (la_ssize_t)len;
	tw->sink_rc = tw->sink->write(tw->sink->ctx, buf, len, tw->err);
	return (la_ssize_t)len;
}

/* The archive's failure, or the sink's own error when that was the cause. */
static int archive_fail(struct tar_writer *tw, const char *path, const char *action)
{
	if (tw->sink_rc)
		return lb_err_wrap(tw->err, "layer tar %s", path), tw->sink_rc;
	return lb_fail(tw->err, LB_EFAIL, "layer tar %s: %s: %s", path, action,
		       archive_error_string(tw->a));
}

static int link_table_find_or_add(struct link_table *t, ino_t ino, const char *name,
				  const char **first)
{
	if (2 * (t->n + 1) > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct link_slot *v = calloc(cap, sizeof(*v));
		if (!v)
			return -1;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->v[i].name)
				continue;
			size_t k = (size_t)t->v[i].ino % cap;
			while (v[k].name)
				k = (k + 1) % cap;
			v[k] = t->v[i];
		}
		free(t->v);
		t->v = v;
		t->cap = cap;
	}
	size_t k = (size_t)ino % t->cap;
	while (t->v[k].name && t->v[k].ino != ino)
		k = (k + 1) % t->cap;
	if (t->v[k].name) {
		*first = t->v[k].name;
		return 0;
	}
	t->v[k] = (struct link_slot){.ino = ino, .name = name};
	t->n++;
	*first = NULL;
	return 0;
}

/* Opens the directory holding `path` ("/a/b/c" -> "/a/b"), one component at
 * a time with O_NOFOLLOW from the upper's root, and points *leaf at "c".
 * Consecutive entries share a parent (the list is sorted), so the last one
 * is kept open. */
static int open_parent(struct tar_writer *tw, const char *path, const char **leaf)
{
	const char *slash = strrchr(path, '/');
	size_t parent_len = (size_t)(slash - path);
	*leaf = slash + 1;
	if (tw->parent_path && strlen(tw->parent_path) == parent_len &&
	    !memcmp(tw->parent_path, path, parent_len))
		return LB_OK;
	if (tw->parent_fd >= 0 && tw->parent_fd != tw->upper_fd)
		close(tw->parent_fd);
	free(tw->parent_path);
	tw->parent_fd = -1;
	if (!(tw->parent_path = strndup(path, parent_len)))
		return lb_fail(tw->err, LB_EFAIL, "layer tar %s: out of memory", path);
	int fd = tw->upper_fd;
	const char *p = path + 1;
	while (p < slash) {
		const char *end = memchr(p, '/', (size_t)(slash - p));
		if (!end)
			end = slash;
		char name[NAME_MAX + 1];
		size_t len = (size_t)(end - p);
		if (len == 0 || len > NAME_MAX) {
			if (fd != tw->upper_fd)
				close(fd);
			return lb_fail(tw->err, LB_EUSAGE, "layer tar %s: not a path in the layer", path);
		}
		memcpy(name, p, len);
		name[len] = '\0';
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int saved = errno;
		if (fd != tw->upper_fd)
			close(fd);
		if (next < 0)
			return lb_fail_errno(tw->err, lb_exit_for_errno(saved), saved,
					     "container rootfs %.*s: open directory", (int)(end - path),
					     path);
		fd = next;
		p = end + 1;
	}
	tw->parent_fd = fd;
	return LB_OK;
}

static int write_all(struct tar_writer *tw, const char *path, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	while (len) {
		la_ssize_t n = archive_write_data(tw->a, p, len);
		if (n <= 0 || tw->sink_rc)
			return archive_fail(tw, path, "write data");
		p += n;
		len -= (size_t)n;
		tw->stats.file_bytes += (uint64_t)n;
	}
	return LB_OK;
}

static int write_zeros(struct tar_writer *tw, const char *path, uint64_t len)
{
	memset(tw->data_buf, 0, DATA_BUF_BYTES);
	while (len) {
		size_t n = len < DATA_BUF_BYTES ? (size_t)len : DATA_BUF_BYTES;
		int rc = write_all(tw, path, tw->data_buf, n);
		if (rc)
			return rc;
		len -= n;
	}
	return LB_OK;
}

static int copy_range(struct tar_writer *tw, const char *path, int fd, uint64_t off, uint64_t end)
{
	while (off < end) {
		size_t want = end - off < DATA_BUF_BYTES ? (size_t)(end - off) : DATA_BUF_BYTES;
		ssize_t n = pread(fd, tw->data_buf, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lb_fail_errno(tw->err, LB_EFAIL, errno, "container rootfs %s: read",
					     path);
		if (n == 0)
			return lb_fail(tw->err, LB_EINTEGRITY,
				       "container rootfs %s: file shrank while it was read", path);
		int rc = write_all(tw, path, tw->data_buf, (size_t)n);
		if (rc)
			return rc;
		off += (uint64_t)n;
	}
	return LB_OK;
}

/* The file's data, `size` bytes: data extents read, holes written as zeros
 * without reading them. Where the file system cannot find holes, all read. */
static int write_file_data(struct tar_writer *tw, const char *path, int fd, uint64_t size)
{
	uint64_t off = 0;
	while (off < size) {
		off_t data = lseek(fd, (off_t)off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			data = (off_t)size; /* only a hole from here to the end */
		else if (data < 0)
			return copy_range(tw, path, fd, off, size);
		uint64_t data_at = (uint64_t)data < size ? (uint64_t)data : size;
		int rc = write_zeros(tw, path, data_at - off);
		if (rc || data_at == size)
			return rc;
		off_t hole = lseek(fd, data, SEEK_HOLE);
		uint64_t hole_at = hole < 0 ? size : (uint64_t)hole < size ? (uint64_t)hole : size;
		if ((rc = copy_range(tw, path, fd, data_at, hole_at)))
			return rc;
		off = hole_at;
	}
	return LB_OK;
}

static int open_regular(struct tar_writer *tw, const char *path, const char *leaf,
			const struct stat *st, int *fd_out)
{
	/* O_NONBLOCK: were a FIFO swapped in, opening it would not hang. */
	int fd = openat(tw->parent_fd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat opened;
	if (fd < 0 || fstat(fd, &opened)) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		return lb_fail_errno(tw->err, lb_exit_for_errno(saved), saved,
				     "container rootfs %s: open", path);
	}
	if (opened.st_ino != st->st_ino || opened.st_dev != st->st_dev ||
	    opened.st_size != st->st_size) {
		close(fd);
		return lb_fail(tw->err, LB_EINTEGRITY, "container rootfs %s: changed while it was read",
			       path);
	}
	*fd_out = fd;
	return LB_OK;
}

static int set_symlink_target(struct tar_writer *tw, const char *path, const char *leaf,
			      const struct stat *st)
{
	size_t cap = st->st_size > 0 ? (size_t)st->st_size + 1 : 256;
	for (;;) {
		char *target = malloc(cap);
		if (!target)
			return lb_fail(tw->err, LB_EFAIL, "container rootfs %s: out of memory", path);
		ssize_t n = readlinkat(tw->parent_fd, leaf, target, cap);
		if (n < 0) {
			int saved = errno;
			free(target);
			return lb_fail_errno(tw->err, LB_EFAIL, saved, "container rootfs %s: readlink",
					     path);
		}
		if ((size_t)n < cap) {
			target[n] = '\0';
			archive_entry_set_symlink(tw->entry, target);
			free(target);
			return LB_OK;
		}
		free(target);
		cap *= 2;
	}
}

static int set_capability(struct tar_writer *tw, const char *path, const char *leaf)
{
	struct lb_capability cap = {0};
	int errnum = lb_capability_read(tw->parent_fd, leaf, &cap);
	if (errnum)
		return lb_fail_errno(tw->err, LB_EFAIL, errnum, "container rootfs %s: read %s", path,
				     LB_CAPABILITY_XATTR);
	if (cap.len)
		archive_entry_xattr_add_entry(tw->entry, LB_CAPABILITY_XATTR, cap.data, cap.len);
	lb_capability_free(&cap);
	return LB_OK;
}

static int write_header(struct tar_writer *tw, const char *path)
{
	int r = archive_write_header(tw->a, tw->entry);
	/* The pax writer warns only when a name is not UTF-8: it then writes its
	 * bytes unchanged, marked hdrcharset=BINARY, which is what Docker's Go
	 * writer stores for such a name too (raw bytes). */
	if ((r != ARCHIVE_OK && r != ARCHIVE_WARN) || tw->sink_rc)
		return archive_fail(tw, path, "write header");
	tw->stats.entries++;
	return LB_OK;
}

static int write_whiteout(struct tar_writer *tw, const char *path)
{
	const char *leaf;
	int rc = open_parent(tw, path, &leaf);
	if (rc)
		return rc;
	struct stat dir_st;
	if (fstat(tw->parent_fd, &dir_st))
		return lb_fail_errno(tw->err, LB_EFAIL, errno, "container rootfs %s: stat its directory",
				     path);
	size_t dir_len = (size_t)(leaf - path);
	size_t name_len = dir_len - 1 + strlen(WHITEOUT_PREFIX) + strlen(leaf);
	char *name = malloc(name_len + 1);
	if (!name)
		return lb_fail(tw->err, LB_EFAIL, "layer tar %s: out of memory", path);
	snprintf(name, name_len + 1, "%.*s%s%s", (int)(dir_len - 1), path + 1, WHITEOUT_PREFIX,
		 leaf);
	archive_entry_clear(tw->entry);
	archive_entry_set_pathname(tw->entry, name);
	archive_entry_set_filetype(tw->entry, AE_IFREG);
	archive_entry_set_perm(tw->entry, 0);
	archive_entry_set_size(tw->entry, 0);
	archive_entry_set_mtime(tw->entry, dir_st.st_mtim.tv_sec, 0);
	rc = write_header(tw, path);
	free(name);
	if (rc == LB_OK)
		tw->stats.whiteouts++;
	return rc;
}

static int write_entry(struct tar_writer *tw, const char *path)
{
	const char *leaf;
	int rc = open_parent(tw, path, &leaf);
	if (rc)
		return rc;
	struct stat st;
	if (fstatat(tw->parent_fd, leaf, &st, AT_SYMLINK_NOFOLLOW))
		return lb_fail_errno(tw->err, lb_exit_for_errno(errno), errno,
				     "container rootfs %s: lstat", path);
	if (S_ISSOCK(st.st_mode)) {
		if (!tw->stats.sockets_skipped++)
			tw->stats.first_skipped_socket = path;
		return LB_OK;
	}
	struct archive_entry *e = tw->entry;
	archive_entry_clear(e);
	archive_entry_set_pathname(e, path + 1);
	archive_entry_set_mode(e, st.st_mode);
	archive_entry_set_uid(e, st.st_uid);
	archive_entry_set_gid(e, st.st_gid);
	archive_entry_set_mtime(e, st.st_mtim.tv_sec, 0);
	const char *first_link = NULL;
	/* Docker links every multiply-linked non-directory to its first name. */
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 &&
	    link_table_find_or_add(&tw->links, st.st_ino, path + 1, &first_link))
		return lb_fail(tw->err, LB_EFAIL, "layer tar %s: out of memory", path);
	if (first_link)
		archive_entry_set_hardlink(e, first_link);
	else if (S_ISREG(st.st_mode))
		archive_entry_set_size(e, st.st_size);
	else if (S_ISLNK(st.st_mode))
		rc = set_symlink_target(tw, path, leaf, &st);
	else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		archive_entry_set_rdev(e, st.st_rdev);
	if (rc == LB_OK)
		rc = set_capability(tw, path, leaf);
	int fd = -1;
	if (rc == LB_OK && !first_link && S_ISREG(st.st_mode))
		rc = open_regular(tw, path, leaf, &st, &fd);
	if (rc == LB_OK)
		rc = write_header(tw, path);
	if (rc == LB_OK && fd >= 0)
		rc = write_file_data(tw, path, fd, (uint64_t)st.st_size);
	if (fd >= 0)
		close(fd);
	if (rc == LB_OK && (archive_write_finish_entry(tw->a) != ARCHIVE_OK || tw->sink_rc))
		rc = archive_fail(tw, path, "finish entry");
	return rc;
}

static int open_archive(struct tar_writer *tw)
{
	if (!(tw->a = archive_write_new()) || !(tw->entry = archive_entry_new()))
		return lb_fail(tw->err, LB_EFAIL, "layer tar: out of memory");
	/* SCHILY.xattr only, as Docker (Go's archive/tar) writes and reads it;
	 * no blocking, so the tar ends after its two zero blocks, as Docker's. */
	if (archive_write_set_format_pax_restricted(tw->a) != ARCHIVE_OK ||
	    archive_write_set_format_option(tw->a, "pax", "xattrheader", "SCHILY") != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(tw->a, 0) != ARCHIVE_OK ||
	    archive_write_open(tw->a, tw, NULL, on_archive_write, NULL) != ARCHIVE_OK)
		return archive_fail(tw, "", "open");
	return LB_OK;
}

static int write_all_entries(struct tar_writer *tw, const struct lb_changes *c)
{
	int rc = open_archive(tw);
	for (size_t i = 0; rc == LB_OK && i < c->n; i++) {
		const char *path = c->v[i].path;
		if (path[0] != '/' || !path[1])
			rc = lb_fail(tw->err, LB_EUSAGE, "layer tar %s: not a path in the layer", path);
		else if (c->v[i].kind == LB_CHANGE_DELETE)
			rc = write_whiteout(tw, path);
		else
			rc = write_entry(tw, path);
	}
	if (rc == LB_OK && (archive_write_close(tw->a) != ARCHIVE_OK || tw->sink_rc))
		rc = archive_fail(tw, "", "close");
	return rc;
}

int lb_layer_write_tar(int upper_dirfd, const struct lb_changes *c, const struct lb_layer_sink *sink,
		       struct lb_layer_tar_stats *stats, struct lb_err *err)
{
	struct tar_writer tw = {
		.upper_fd = upper_dirfd, .sink = sink, .err = err, .parent_fd = -1};
	int rc = LB_OK;
	if (!(tw.data_buf = malloc(DATA_BUF_BYTES)))
		rc = lb_fail(err, LB_EFAIL, "layer tar: out of memory");
	/* libarchive converts names from the locale's character set to the UTF-8
	 * that PAX headers hold; file names are UTF-8 bytes on Linux, so this
	 * thread uses a UTF-8 locale while it writes (never the process's). */
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t saved_locale = utf8 ? uselocale(utf8) : (locale_t)0;
	if (rc == LB_OK)
		rc = write_all_entries(&tw, c);
	if (utf8) {
		uselocale(saved_locale);
		freelocale(utf8);
	}
	tw.discard = rc != LB_OK;
	if (tw.a)
		archive_write_free(tw.a);
	if (tw.entry)
		archive_entry_free(tw.entry);
	if (tw.parent_fd >= 0 && tw.parent_fd != upper_dirfd)
		close(tw.parent_fd);
	free(tw.parent_path);
	free(tw.links.v);
	free(tw.data_buf);
	if (stats)
		*stats = tw.stats;
	return rc;
}
