/* daemon.json for `recover discard off --persist`: checked and edited first,
 * then, under an flock and only if nobody changed it meanwhile, backed up
 * and replaced atomically (util/atomic_file). */
#include "discard/apply.h"

#include "docker/daemon_json.h"
#include "docker/jsonfile.h"
#include "util/atomic_file.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int lb_persist_plan(const char *path, const char *data_root, struct lb_persist_plan *out,
		    struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	out->mode = 0644;
	if (strlen(path) >= sizeof(out->path))
		return lb_fail(err, LB_EUSAGE, "%.64s...: path too long", path);
	strcpy(out->path, path);
	struct stat st;
	int rc = lb_dj_read_file(path, &out->old_text, &out->old_len, err);
	if (rc == LB_ENOTFOUND) {
		out->old_text = strdup("");
		if (!out->old_text)
			return lb_fail(err, LB_EFAIL, "%s: out of memory", path);
	} else if (rc) {
		return rc;
	} else {
		out->present = true;
		if (stat(path, &st) == 0)
			out->mode = st.st_mode & 07777;
	}
	/* Refuse what dockerd itself would refuse: never make a broken file "ours". */
	struct lb_docker_daemon_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	if ((rc = lb_docker_daemon_config_parse(out->old_text, out->old_len, path, &cfg, err)))
		return lb_err_wrap(err, "refusing to edit it");
	if (strcmp(cfg.storage_driver, "devicemapper")) {
		char dm_dir[4200];
		snprintf(dm_dir, sizeof(dm_dir), "%s/devicemapper",
			 cfg.data_root[0] ? cfg.data_root : data_root);
		bool prior_dm = stat(dm_dir, &st) == 0 && S_ISDIR(st.st_mode);
		if (cfg.storage_driver[0] || !prior_dm)
			return lb_fail(err, LB_EUNSAFE,
				       "%s: storage-driver is %s%s%s; dm.* storage options would stop "
				       "dockerd from starting with another driver (set \"storage-driver\": "
				       "\"devicemapper\" first)",
				       path, cfg.storage_driver[0] ? "\"" : "unset and there is no ",
				       cfg.storage_driver[0] ? cfg.storage_driver : dm_dir,
				       cfg.storage_driver[0] ? "\"" : "");
	}
	if ((rc = lb_daemon_json_discard_off(out->old_text, out->old_len, path, &out->new_text,
					     &out->changed, err)))
		return rc;
	/* The result must read back as intended, by the same parser. */
	if ((rc = lb_docker_daemon_config_parse(out->new_text, strlen(out->new_text), path, &cfg,
						err)))
		return lb_err_wrap(err, "the edited text does not parse (a lifeboat bug); not written");
	if (cfg.storage.blkdiscard || !strstr(cfg.storage.mountopt, "nodiscard"))
		return lb_fail(err, LB_EFAIL, "%s: the edit did not take (a lifeboat bug); not written",
			       path);
	return LB_OK;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The file as it was when its content was found unchanged under the lock. */
struct held {
	int fd; /* the lock's; -1 when there was no file */
	struct stat st;
};

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int changed_under_us(const char *path, struct lb_err *err)
{
	return lb_fail(err, LB_EUNSAFE,
		       "%s: changed since lifeboat read it (another edit at the same time?); not "
		       "written, nothing lost: run the command again",
		       path);
}

/* Takes an exclusive flock on daemon.json (another lifeboat, or any tool
 * that locks, waits for us; we wait a few seconds for them), then reads it
 * again through the locked descriptor: what the plan edited must still be
 * what is there, or the edit would silently undo someone else's. */
static int lock_unchanged(const struct lb_persist_plan *plan, struct held *h, struct lb_err *err)
{
	h->fd = open(plan->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (h->fd < 0) {
		if (errno == ENOENT && !plan->present)
			return LB_OK; /* still absent: the rename will not replace one that appears */
		if (errno == ENOENT)
			return changed_under_us(plan->path, err);
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: cannot open", plan->path);
	}
	if (!plan->present)
		return changed_under_us(plan->path, err);
	int tries = 0;
	while (flock(h->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot lock", plan->path);
		if (++tries > LB_PERSIST_LOCK_TRIES)
			return lb_fail(err, LB_EUNSAFE, "%s: another process holds a lock on it; not "
				       "written", plan->path);
		nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
	if (fstat(h->fd, &h->st) != 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot stat", plan->path);
	if (!S_ISREG(h->st.st_mode) || (size_t)h->st.st_size != plan->old_len)
		return changed_under_us(plan->path, err);
	char *now = malloc(plan->old_len + 1);
	size_t done = 0;
	int e = now ? lb_pread_full(h->fd, now, plan->old_len + 1, 0, &done) : ENOMEM;
	bool same = e <= 0 && done == plan->old_len && !memcmp(now, plan->old_text, done);
	free(now);
	if (e > 0)
		return lb_fail_errno(err, LB_EFAIL, e, "%s: cannot read", plan->path);
	return same ? LB_OK : changed_under_us(plan->path, err);
}

/* Right before the rename: still the same file, not edited or replaced
 * (an editor that saves by renaming takes no lock) since it was compared. */
static int still_unchanged(const struct lb_persist_plan *plan, const struct held *h,
			   struct lb_err *err)
{
	struct stat now;
	if (stat(plan->path, &now) != 0)
		return errno == ENOENT && !plan->present ? LB_OK : changed_under_us(plan->path, err);
	if (!plan->present || !same_file(&now, &h->st))
		return changed_under_us(plan->path, err);
	return LB_OK;
}

static int write_file(const char *path, bool replace, mode_t mode, const char *text, size_t len,
		      const struct lb_persist_plan *plan, const struct held *h, struct lb_err *err)
{
	struct lb_atomic_file f;
	int rc = lb_atomic_file_open(&f, path, replace, mode, err);
	if (rc)
		return rc;
	if (fchmod(f.fd, mode) || write_all(f.fd, text, len))
		rc = lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot write", f.tmp_path);
	if (!rc && h)
		rc = still_unchanged(plan, h, err);
	if (!rc)
		rc = lb_atomic_file_commit(&f, err);
	lb_atomic_file_abort(&f);
	return rc;
}

int lb_persist_write(const struct lb_persist_plan *plan, char *backup, size_t cap,
		     struct lb_err *err)
{
	backup[0] = '\0';
	if (!plan->changed)
		return LB_OK;
	struct held h = {.fd = -1};
	int rc = lock_unchanged(plan, &h, err);
	if (!rc && plan->present) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
		int n = snprintf(backup, cap, "%s.lifeboat-%s.bak", plan->path, stamp);
		if (n < 0 || (size_t)n >= cap)
			rc = lb_fail(err, LB_EUSAGE, "%s: path too long for a backup", plan->path);
		else if ((rc = write_file(backup, false, plan->mode, plan->old_text, plan->old_len,
					  NULL, NULL, err)))
			lb_err_wrap(err, "backup of %s", plan->path);
		if (rc)
			backup[0] = '\0';
	}
	/* A file that did not exist is created only if it still does not. */
	if (!rc)
		rc = write_file(plan->path, plan->present, plan->mode, plan->new_text,
				strlen(plan->new_text), plan, &h, err);
	if (h.fd >= 0)
		close(h.fd); /* the lock goes with it, after the rename */
	return rc;
}

void lb_persist_free(struct lb_persist_plan *plan)
{
	free(plan->old_text);
	free(plan->new_text);
	plan->old_text = plan->new_text = NULL;
}
