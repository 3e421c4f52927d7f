/* Teardown from the step journals: what a session or a pool journal says
 * lifeboat created is removed in reverse order, but only what still carries
 * lifeboat's mark (see session.h and trust.h); anything else is reported and
 * left alone. */
#include "dm/dm.h"
#include "loop/loop.h"
#include "mount/mount.h"
#include "rescue/undo.h"
#include "util/rundir.h"
#include "util/safepath.h"
#include "util/say.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lb_rescue_pool_journal_path(const char *pool, char *out, size_t len, struct lb_err *err)
{
	if (!lb_rescue_dm_name_ok(pool))
		return lb_fail(err, LB_EINTEGRITY,
			       "pool '%s': not a device-mapper name lifeboat can use (one plain "
			       "name: no '/', not '.' or '..')",
			       pool);
	snprintf(out, len, LB_POOLS_DIR "/%s", pool);
	return LB_OK;
}

/* What one entry's check found, for the report. */
struct undo {
	const char *journal;
	const struct lb_journal_entry *e;
	const struct lb_say *say;
	unsigned *skipped;
};

__attribute__((format(printf, 2, 3))) static int skip(const struct undo *u, const char *fmt, ...)
{
	char why[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	lb_say(u->say, LB_SAY_WARN, "%s:%u: %s; skipped", u->journal, u->e->line_nr, why);
	(*u->skipped)++;
	return LB_OK;
}

/* Removes a dm device only if it is still the one lifeboat created. */
static int undo_dm(const struct undo *u, struct lb_err *err)
{
	const char *name = u->e->arg1, *uuid = u->e->arg2;
	struct lb_dm_info info;
	int rc = lb_dm_info(name, &info, err);
	if (rc || !info.exists)
		return rc;
	if (strcmp(info.uuid, uuid))
		return skip(u, "device-mapper device %s has uuid '%s', not '%s': not lifeboat's", name,
			    info.uuid, uuid);
	if ((rc = lb_dm_remove(name, err)))
		return rc;
	lb_say(u->say, LB_SAY_INFO, "removed device-mapper device %s", name);
	return LB_OK;
}

struct find_dm {
	uint32_t major, minor;
	char name[128];
};

static int match_dm(void *ctx, const char *name, uint32_t major, uint32_t minor)
{
	struct find_dm *f = ctx;
	if (major != f->major || minor != f->minor)
		return 0;
	snprintf(f->name, sizeof(f->name), "%s", name);
	return 1;
}

/* Whether device major:minor is a dm device lifeboat created. */
static bool lifeboat_device(unsigned major, unsigned minor)
{
	struct find_dm f = {.major = major, .minor = minor};
	struct lb_dm_info info;
	if (lb_dm_list(match_dm, &f, NULL) != 1 || lb_dm_info(f.name, &info, NULL) || !info.exists)
		return false;
	return !strncmp(info.uuid, LB_DM_UUID_PREFIX, strlen(LB_DM_UUID_PREFIX));
}

/* Unmounts the mount lifeboat recorded: the one on top at the canonical
 * path, of the device recorded; outside /run/lifeboat the device must also
 * be one lifeboat created (a journal line alone cannot name someone else's
 * mount there). */
static int undo_mount(const struct undo *u, struct lb_err *err)
{
	const char *dir = u->e->arg1, *recorded = u->e->arg2;
	char mounted[32];
	if (!lb_is_mounted(dir, mounted, sizeof(mounted)))
		return LB_OK; /* unmounted already */
	if (!lb_path_resolves_to_itself(dir))
		return skip(u, "%s is mounted but no longer resolves to itself (a symlink in it?)",
			    dir);
	if (strcmp(mounted, recorded))
		return skip(u, "%s holds device %s, not %s that lifeboat mounted there", dir, mounted,
			    recorded);
	unsigned major, minor;
	if (sscanf(mounted, "%u:%u", &major, &minor) != 2)
		return skip(u, "%s: unreadable device number %s", dir, mounted);
	if (!lb_path_is_under(dir, LB_RUN_DIR) && !lifeboat_device(major, minor))
		return skip(u, "%s is outside %s and device %s is not one lifeboat created", dir,
			    LB_RUN_DIR, mounted);
	int rc = lb_umount(dir, err);
	if (!rc)
		lb_say(u->say, LB_SAY_INFO, "unmounted %s", dir);
	return rc;
}

static int undo_mkdir(const struct undo *u)
{
	const char *dir = u->e->arg1;
	struct stat st;
	if (lstat(dir, &st) != 0)
		return LB_OK; /* gone already */
	if (!S_ISDIR(st.st_mode) || !lb_path_resolves_to_itself(dir))
		return skip(u, "%s is no longer the directory lifeboat made", dir);
	/* rmdir removes only an empty directory and follows no last symlink;
	 * one still in use or filled by someone stays. */
	if (rmdir(dir) == 0)
		lb_say(u->say, LB_SAY_INFO, "removed directory %s", dir);
	return LB_OK;
}

/* The session's copy-on-write file, as lifeboat created it: a regular file
 * of this user with one link and no access for others, unlinked through a
 * directory opened without following symlinks. */
static int undo_file(const struct undo *u, struct lb_err *err)
{
	const char *path = u->e->arg1, *base = strrchr(path, '/') + 1;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - 1 - path), path);
	if (!dir[0])
		snprintf(dir, sizeof(dir), "/");
	struct lb_err open_err = {0};
	int dfd = lb_open_own_dir_nofollow(dir, &open_err);
	if (dfd < 0) {
		if (open_err.code == LB_ENOTFOUND)
			return LB_OK; /* its directory is gone, so is the file */
		return skip(u, "%s", open_err.msg);
	}
	struct stat st;
	int rc = LB_OK;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno != ENOENT)
			rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot stat", path);
	} else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1 ||
		   (st.st_mode & 077)) {
		rc = skip(u, "%s is not the file lifeboat created (type, owner, links or mode differ)",
			  path);
	} else if (unlinkat(dfd, base, 0) == 0) {
		lb_say(u->say, LB_SAY_INFO, "removed copy-on-write file %s", path);
	} else if (errno != ENOENT) {
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot remove", path);
	}
	close(dfd);
	return rc;
}

/* Auto-clearing loop devices go with their last user, a moment after it. */
static void wait_detached(const struct lb_journal_entry *loop, const struct lb_say *say, bool tell)
{
	if (!lb_loop_wait_detached(loop->arg1, loop->arg2, 3000))
		lb_say(say, LB_SAY_WARN, "warning: %s (over %s) is still attached; something else "
			"holds it", loop->arg1, loop->arg2);
	else if (tell)
		lb_say(say, LB_SAY_INFO, "detached %s (%s)", loop->arg1, loop->arg2);
}

int lb_rescue_undo(const struct lb_journal_entry *e, size_t from, size_t n,
		   const struct lb_journal_scope *scope, const char *path, const struct lb_say *say,
		   unsigned *skipped, struct lb_err *err)
{
	int rc = LB_OK;
	for (size_t i = n; i-- > from && !rc;) {
		struct undo u = {path, &e[i], say, skipped};
		char why[1024];
		if (lb_journal_vet(e, n, i, scope, why, sizeof(why))) {
			skip(&u, "%s", why);
			continue;
		}
		const char *kind = e[i].kind;
		if (!strcmp(kind, "mount"))
			rc = undo_mount(&u, err);
		else if (!strcmp(kind, "mkdir"))
			rc = undo_mkdir(&u);
		else if (!strcmp(kind, "dm"))
			rc = undo_dm(&u, err);
		else if (!strcmp(kind, "file"))
			rc = undo_file(&u, err);
		else if (!strcmp(kind, "loop") && scope->kind == LB_JOURNAL_SESSION)
			/* The copy-on-write layer's: it goes with the snapshot above it;
			 * wait, so its file below can go too. */
			wait_detached(&e[i], say, false);
	}
	return rc;
}

/* The journal's name in its directory: what its lines must agree with. */
static const char *journal_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* After a teardown: the journal goes when everything in it was undone; a
 * journal with skipped lines stays, as the record of what was refused. */
static int finish(const char *path, unsigned skipped, struct lb_err *err)
{
	if (skipped)
		return lb_fail(err, LB_EUNSAFE,
			       "%s: %u line%s named something that is not lifeboat's and %s skipped "
			       "(above); the journal is kept: check, then remove it",
			       path, skipped, skipped == 1 ? "" : "s", skipped == 1 ? "was" : "were");
	if (unlink(path) != 0 && errno != ENOENT)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot remove the journal", path);
	return LB_OK;
}

int lb_rescue_teardown_session(const char *journal_path, const struct lb_say *say,
			       struct lb_err *err)
{
	struct lb_journal_entry *e;
	size_t n;
	int rc = lb_journal_load(journal_path, &e, &n, err);
	if (rc)
		return rc;
	const struct lb_journal_scope scope = {LB_JOURNAL_SESSION, journal_name(journal_path)};
	unsigned skipped = 0;
	rc = lb_rescue_undo(e, 0, n, &scope, journal_path, say, &skipped, err);
	free(e);
	return rc ? rc : finish(journal_path, skipped, err);
}

static int teardown_pool(const char *journal_path, const struct lb_say *say, struct lb_err *err)
{
	struct lb_journal_entry *e;
	size_t n;
	int rc = lb_journal_load(journal_path, &e, &n, err);
	if (rc)
		return rc;
	const struct lb_journal_scope scope = {LB_JOURNAL_POOL, journal_name(journal_path)};
	/* Still in use by another session: keep it, and its journal. */
	for (size_t i = 0; i < n; i++) {
		struct lb_dm_info info;
		if (strcmp(e[i].kind, "dm") || !lb_rescue_dm_name_ok(e[i].arg1))
			continue;
		if ((rc = lb_dm_info(e[i].arg1, &info, err)) || (info.exists && info.open_count > 0)) {
			free(e);
			return rc;
		}
	}
	unsigned skipped = 0;
	rc = lb_rescue_undo(e, 0, n, &scope, journal_path, say, &skipped, err);
	/* Auto-clearing loop devices go with their last user; wait for it,
	 * so "nothing left" is true when we return. */
	for (size_t i = 0; i < n && !rc; i++) {
		char why[1024];
		if (strcmp(e[i].kind, "loop") || lb_journal_vet(e, n, i, &scope, why, sizeof(why)))
			continue;
		wait_detached(&e[i], say, true);
	}
	free(e);
	return rc ? rc : finish(journal_path, skipped, err);
}

int lb_rescue_pool_release(const char *name, const struct lb_say *say, struct lb_err *err)
{
	char pj[PATH_MAX];
	int rc = lb_rescue_pool_journal_path(name, pj, sizeof(pj), err);
	if (rc)
		return rc;
	struct lb_err ignored = {0};
	if (lb_run_dir_ensure(LB_POOLS_DIR, false, &ignored) || access(pj, F_OK) != 0)
		return LB_OK; /* not lifeboat's: nothing to release */
	return teardown_pool(pj, say, err);
}

int lb_rescue_teardown_idle_pools(const struct lb_say *say, struct lb_err *err)
{
	int rc = lb_run_dir_ensure(LB_POOLS_DIR, false, err);
	if (rc)
		return rc == LB_ENOTFOUND ? LB_OK : rc;
	DIR *d = opendir(LB_POOLS_DIR);
	if (!d)
		return LB_OK;
	struct dirent *de;
	int worst = LB_OK;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char p[PATH_MAX];
		if (!lb_rescue_dm_name_ok(de->d_name)) {
			lb_say(say, LB_SAY_WARN, "%s/%s: not a pool journal name; skipped", LB_POOLS_DIR,
				de->d_name);
			worst = worst ? worst : lb_fail(err, LB_EUNSAFE, "%s: holds files lifeboat did not "
							"write (above)", LB_POOLS_DIR);
			continue;
		}
		snprintf(p, sizeof(p), LB_POOLS_DIR "/%s", de->d_name);
		struct lb_err one = {0};
		rc = teardown_pool(p, say, &one);
		if (rc && !worst) {
			worst = rc;
			if (err)
				*err = one;
		} else if (rc) {
			lb_say(say, LB_SAY_WARN, "%s", one.msg);
		}
	}
	closedir(d);
	return worst;
}
