/* Docker's naive change walker (moby pkg/archive/changes.go:
 * collectFileInfoForChanges, addChanges, statDifferent), as a merge walk of
 * the two trees one directory pair at a time instead of two whole in-memory
 * trees, so only the changes and the directories on the current path are
 * held. The emitted set is Docker's; the order is its export's (sorted). */
#include "layer/changes.h"
#include "layer/capability.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct entry {
	char *name;
	struct stat st;
};

struct listing {
	struct entry *v;
	size_t n, cap;
};

struct walk {
	struct lb_changes *out;
	size_t out_cap;
	dev_t upper_dev, lower_dev;
	char *path; /* "" for the root, "/etc", "/etc/motd" */
	size_t path_len, path_cap;
	struct lb_err *err;
};

static const char *tree_name(bool upper)
{
	return upper ? "container rootfs" : "init layer rootfs";
}

static const char *shown_path(const struct walk *w)
{
	return w->path_len ? w->path : "/";
}

static int path_push(struct walk *w, const char *name)
{
	size_t name_len = strlen(name);
	size_t need = w->path_len + 1 + name_len + 1;
	if (need > w->path_cap) {
		size_t cap = w->path_cap ? w->path_cap : 256;
		while (cap < need)
			cap *= 2;
		char *grown = realloc(w->path, cap);
		if (!grown)
			return lb_fail(w->err, LB_EFAIL, "%s/%s: out of memory", shown_path(w), name);
		w->path = grown;
		w->path_cap = cap;
	}
	w->path[w->path_len] = '/';
	memcpy(w->path + w->path_len + 1, name, name_len + 1);
	w->path_len += 1 + name_len;
	return LB_OK;
}

static void path_pop(struct walk *w, size_t len)
{
	w->path_len = len;
	if (w->path)
		w->path[len] = '\0';
}

static int emit(struct walk *w, enum lb_change_kind kind)
{
	struct lb_changes *out = w->out;
	if (out->n == w->out_cap) {
		size_t cap = w->out_cap ? w->out_cap * 2 : 64;
		struct lb_change *grown = realloc(out->v, cap * sizeof(*grown));
		if (!grown)
			return lb_fail(w->err, LB_EFAIL, "%s: out of memory", shown_path(w));
		out->v = grown;
		w->out_cap = cap;
	}
	char *copy = strdup(w->path);
	if (!copy)
		return lb_fail(w->err, LB_EFAIL, "%s: out of memory", shown_path(w));
	out->v[out->n++] = (struct lb_change){.path = copy, .kind = kind};
	return LB_OK;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	*l = (struct listing){0};
}

/* Names and lstat()s of one directory, sorted by name. An entry on another
 * device is a mount inside the tree: refused, since reading it would leave
 * the two trees this diff is about. */
static int read_listing(struct walk *w, int dir_fd, bool upper, struct listing *out)
{
	const char *tree = tree_name(upper);
	int fd = dup(dir_fd);
	if (fd < 0)
		return lb_fail_errno(w->err, LB_EFAIL, errno, "%s %s: dup", tree, shown_path(w));
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return lb_fail_errno(w->err, LB_EFAIL, errno, "%s %s: opendir", tree, shown_path(w));
	}
	int rc = LB_OK;
	for (;;) {
		errno = 0;
		struct dirent *d = readdir(dir);
		if (!d) {
			if (errno)
				rc = lb_fail_errno(w->err, LB_EFAIL, errno, "%s %s: readdir", tree,
						   shown_path(w));
			break;
		}
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 32;
			struct entry *grown = realloc(out->v, cap * sizeof(*grown));
			if (!grown) {
				rc = lb_fail(w->err, LB_EFAIL, "%s %s: out of memory", tree,
					     shown_path(w));
				break;
			}
			out->v = grown;
			out->cap = cap;
		}
		struct entry *e = &out->v[out->n];
		if (fstatat(dir_fd, d->d_name, &e->st, AT_SYMLINK_NOFOLLOW)) {
			rc = lb_fail_errno(w->err, lb_exit_for_errno(errno), errno, "%s %s/%s: lstat",
					   tree, w->path, d->d_name);
			break;
		}
		if (e->st.st_dev != (upper ? w->upper_dev : w->lower_dev)) {
			rc = lb_fail(w->err, LB_EUNSAFE,
				     "%s %s/%s: is a mount point; refusing to walk out of the tree",
				     tree, w->path, d->d_name);
			break;
		}
		if (!(e->name = strdup(d->d_name))) {
			rc = lb_fail(w->err, LB_EFAIL, "%s %s: out of memory", tree, shown_path(w));
			break;
		}
		out->n++;
	}
	closedir(dir);
	if (rc == LB_OK && out->n)
		qsort(out->v, out->n, sizeof(*out->v), entry_cmp);
	return rc;
}

/* Opens the directory `name` of dir_fd, checking it is the one listed. */
static int open_child_dir(struct walk *w, int dir_fd, const struct entry *e, bool upper, int *fd_out)
{
	int fd = openat(dir_fd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		return lb_fail_errno(w->err, lb_exit_for_errno(saved), saved, "%s %s: open directory",
				     tree_name(upper), w->path);
	}
	if (st.st_ino != e->st.st_ino || st.st_dev != e->st.st_dev) {
		close(fd);
		return lb_fail(w->err, LB_EINTEGRITY, "%s %s: changed while it was read",
			       tree_name(upper), w->path);
	}
	*fd_out = fd;
	return LB_OK;
}

/* Docker's statDifferent. Its test for "not a directory" is
 * mode&S_IFDIR != S_IFDIR, which block devices and sockets fail too: their
 * mtime and size are not compared either, kept so the diff stays Docker's. */
static bool stat_different(const struct stat *old_st, const struct stat *new_st)
{
	if (old_st->st_mode != new_st->st_mode || old_st->st_uid != new_st->st_uid ||
	    old_st->st_gid != new_st->st_gid || old_st->st_rdev != new_st->st_rdev)
		return true;
	if ((old_st->st_mode & S_IFDIR) == S_IFDIR)
		return false;
	/* sameFsTimeSpec: a zero nanosecond part on either side (a file system or
	 * a copy that kept only seconds) matches any. */
	bool same_mtime = old_st->st_mtim.tv_sec == new_st->st_mtim.tv_sec &&
			  (old_st->st_mtim.tv_nsec == new_st->st_mtim.tv_nsec ||
			   old_st->st_mtim.tv_nsec == 0 || new_st->st_mtim.tv_nsec == 0);
	return !same_mtime || old_st->st_size != new_st->st_size;
}

/* The upper is a thin snapshot of the lower, so an inode that is the same
 * inode number with the same ctime to the nanosecond has not been touched
 * since the snapshot: every change to it (data, mode, owner, xattrs) would
 * have moved its ctime, which user space cannot set. A zero nanosecond part
 * proves nothing (a file system keeping seconds only could see a change in
 * the snapshot's second), so then the full comparison runs. */
static bool proven_untouched(const struct stat *old_st, const struct stat *new_st)
{
	return old_st->st_ino == new_st->st_ino && old_st->st_ctim.tv_sec == new_st->st_ctim.tv_sec &&
	       old_st->st_ctim.tv_nsec == new_st->st_ctim.tv_nsec && new_st->st_ctim.tv_nsec != 0;
}

static int child_different(struct walk *w, int new_dir, const struct entry *new_e, int old_dir,
			   const struct entry *old_e, bool *different)
{
	*different = stat_different(&old_e->st, &new_e->st);
	if (*different || proven_untouched(&old_e->st, &new_e->st))
		return LB_OK;
	struct lb_capability old_cap = {0}, new_cap = {0};
	int rc = LB_OK, errnum = lb_capability_read(old_dir, old_e->name, &old_cap);
	if (errnum)
		rc = lb_fail_errno(w->err, LB_EFAIL, errnum, "%s %s: read %s", tree_name(false),
				   w->path, LB_CAPABILITY_XATTR);
	else if ((errnum = lb_capability_read(new_dir, new_e->name, &new_cap)))
		rc = lb_fail_errno(w->err, LB_EFAIL, errnum, "%s %s: read %s", tree_name(true),
				   w->path, LB_CAPABILITY_XATTR);
	else
		*different = old_cap.len != new_cap.len ||
			     (old_cap.len && memcmp(old_cap.data, new_cap.data, old_cap.len));
	lb_capability_free(&old_cap);
	lb_capability_free(&new_cap);
	return rc;
}

static int node_changes(struct walk *w, int new_dir, int old_dir, bool dirlike, bool added,
			bool is_root);

/* Docker's isDir() is mode&S_IFDIR != 0: true for block devices and sockets
 * too, so one that replaced a directory gets that directory's children
 * deleted, as in Docker. Only real directories have children to read. */
static bool docker_is_dir(const struct stat *st)
{
	return (st->st_mode & S_IFDIR) != 0;
}

/* Recurses into the child `new_e` of new_dir, whose old self is old_e in
 * old_dir (or none), the path already ending in its name. */
static int child_changes(struct walk *w, int new_dir, const struct entry *new_e, int old_dir,
			 const struct entry *old_e, bool added)
{
	bool dirlike = docker_is_dir(&new_e->st);
	int new_child = -1, old_child = -1, rc = LB_OK;
	if (S_ISDIR(new_e->st.st_mode))
		rc = open_child_dir(w, new_dir, new_e, true, &new_child);
	if (rc == LB_OK && old_e && dirlike && S_ISDIR(old_e->st.st_mode))
		rc = open_child_dir(w, old_dir, old_e, false, &old_child);
	if (rc == LB_OK && (new_child >= 0 || old_child >= 0))
		rc = node_changes(w, new_child, old_child, dirlike, added, false);
	if (new_child >= 0)
		close(new_child);
	if (old_child >= 0)
		close(old_child);
	return rc;
}

/* Docker's addChanges for one node whose own ADD or MODIFY its parent
 * decided (`added`): new_dir and old_dir are its directories when they have
 * children to compare, else -1. */
static int node_changes(struct walk *w, int new_dir, int old_dir, bool dirlike, bool added,
			bool is_root)
{
	size_t n_at_entry = w->out->n, path_len = w->path_len;
	struct listing new_l = {0}, old_l = {0};
	int rc = LB_OK;
	if (new_dir >= 0)
		rc = read_listing(w, new_dir, true, &new_l);
	if (rc == LB_OK && old_dir >= 0)
		rc = read_listing(w, old_dir, false, &old_l);
	size_t i = 0, j = 0;
	while (rc == LB_OK && (i < new_l.n || j < old_l.n)) {
		int cmp = i == new_l.n ? 1 : j == old_l.n ? -1 : strcmp(new_l.v[i].name, old_l.v[j].name);
		const struct entry *name_e = cmp <= 0 ? &new_l.v[i] : &old_l.v[j];
		if ((rc = path_push(w, name_e->name)))
			break;
		if (cmp < 0) {
			rc = emit(w, LB_CHANGE_ADD);
			if (rc == LB_OK)
				rc = child_changes(w, new_dir, &new_l.v[i], -1, NULL, true);
			i++;
		} else if (cmp > 0) {
			/* A deleted directory is one deletion: its whiteout hides all of it. */
			rc = emit(w, LB_CHANGE_DELETE);
			j++;
		} else {
			bool different = false;
			rc = child_different(w, new_dir, &new_l.v[i], old_dir, &old_l.v[j], &different);
			if (rc == LB_OK && different)
				rc = emit(w, LB_CHANGE_MODIFY);
			if (rc == LB_OK)
				rc = child_changes(w, new_dir, &new_l.v[i], old_dir, &old_l.v[j],
						   different);
			i++;
			j++;
		}
		path_pop(w, path_len);
	}
	listing_free(&new_l);
	listing_free(&old_l);
	/* A directory with changes inside is written too, so the layer carries
	 * its mode and owner (Docker: "needed to properly save and restore
	 * filesystem permissions"). */
	if (rc == LB_OK && w->out->n > n_at_entry && dirlike && !added && !is_root)
		rc = emit(w, LB_CHANGE_MODIFY);
	return rc;
}

static int change_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lb_change *)a)->path, ((const struct lb_change *)b)->path);
}

int lb_layer_changes(int upper_dirfd, int lower_dirfd, struct lb_changes *out, struct lb_err *err)
{
	*out = (struct lb_changes){0};
	struct walk w = {.out = out, .err = err};
	struct stat upper_st, lower_st;
	if (fstat(upper_dirfd, &upper_st) || !S_ISDIR(upper_st.st_mode))
		return lb_fail(err, LB_EUSAGE, "container rootfs: not an open directory");
	if (fstat(lower_dirfd, &lower_st) || !S_ISDIR(lower_st.st_mode))
		return lb_fail(err, LB_EUSAGE, "init layer rootfs: not an open directory");
	w.upper_dev = upper_st.st_dev;
	w.lower_dev = lower_st.st_dev;
	/* The root's path is "" so its children's are "/name". */
	if (!(w.path = calloc(1, w.path_cap = 256)))
		return lb_fail(err, LB_EFAIL, "container rootfs: out of memory");
	int rc = node_changes(&w, upper_dirfd, lower_dirfd, true, false, true);
	free(w.path);
	if (rc == LB_OK && out->n)
		qsort(out->v, out->n, sizeof(*out->v), change_cmp);
	return rc;
}

void lb_changes_free(struct lb_changes *changes)
{
	for (size_t i = 0; i < changes->n; i++)
		free(changes->v[i].path);
	free(changes->v);
	*changes = (struct lb_changes){0};
}

const char *lb_change_kind_letter(enum lb_change_kind kind)
{
	switch (kind) {
	case LB_CHANGE_ADD:
		return "A";
	case LB_CHANGE_MODIFY:
		return "C";
	case LB_CHANGE_DELETE:
		return "D";
	}
	return "?";
}
