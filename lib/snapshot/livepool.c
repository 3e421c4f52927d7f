/* The pool beside dockerd: see livepool.h. */
#include "snapshot/livepool.h"
#include "rescue/session.h"
#include "util/devnode.h"
#include "util/rundir.h"
#include "util/say.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int lb_livepool_status_parse(const char *params, struct lb_livepool_status *out,
			     struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!strncmp(params, "Fail", 4))
		return lb_fail(err, LB_EUNSAFE, "the pool has failed (status \"Fail\"): thin_check it");
	char held[32], mode[32];
	uint64_t um, tm, ud, td;
	int n = sscanf(params, "%" SCNu64 " %" SCNu64 "/%" SCNu64 " %" SCNu64 "/%" SCNu64 " %31s %31s",
		       &out->transaction_id, &um, &tm, &ud, &td, held, mode);
	if (n != 7)
		return lb_fail(err, LB_EINTEGRITY, "thin-pool status not understood: '%.200s'",
			       params);
	if (strcmp(held, "-")) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(held, &end, 10);
		if (errno || *end || v == 0)
			return lb_fail(err, LB_EINTEGRITY, "thin-pool status: held root '%s'", held);
		out->held_root = v;
	}
	out->read_only = strcmp(mode, "rw") != 0;
	out->needs_check = strstr(params, " needs_check") != NULL;
	return LB_OK;
}

#define say(p, ...) lb_sayf((p)->say, (p)->say_ctx, __VA_ARGS__)

/* "thin-pool <meta maj:min> <data maj:min> <block size> ...": the devices
 * and the block size, from the live table. */
static int read_table(struct lb_livepool *p, uint32_t *mmaj, uint32_t *mmin, uint32_t *dmaj,
		      uint32_t *dmin, struct lb_err *err)
{
	struct lb_dm_target *t = NULL;
	size_t n = 0;
	int rc = lb_dm_get_table(p->name, false, &t, &n, err);
	if (rc)
		return rc;
	if (n != 1 || strcmp(t[0].type, "thin-pool") ||
	    sscanf(t[0].params, "%u:%u %u:%u %u", mmaj, mmin, dmaj, dmin, &p->block_size_sectors) !=
		    5)
		rc = lb_fail(err, LB_EINTEGRITY, "%s: not a thin-pool table", p->name);
	free(t);
	return rc;
}

int lb_livepool_open(const struct lb_docker_root *root, bool may_activate, lb_livepool_say_fn sayf,
		     void *say_ctx, struct lb_livepool *p, struct lb_err *err)
{
	memset(p, 0, sizeof(*p));
	p->say = sayf;
	p->say_ctx = say_ctx;
	if (snprintf(p->name, sizeof(p->name), "%s", root->pool_name) >= (int)sizeof(p->name))
		return lb_fail(err, LB_EINTEGRITY, "pool name too long");
	if (!lb_dm_available(err))
		return err->code ? err->code : LB_EFAIL;
	int rc = lb_dm_info(p->name, &p->info, err);
	if (rc)
		return rc;
	bool loop = root->pool_kind == LB_DM_POOL_LOOPBACK;
	if (!p->info.exists) {
		if (!may_activate)
			return lb_fail(err, LB_ENOTFOUND, "%s: the pool is not active", p->name);
		if (!loop)
			return lb_fail(err, LB_ENOTFOUND,
				       "%s: the pool is not active; activate it (lvchange -ay) first",
				       p->name);
		struct lb_thinmeta *m;
		if ((rc = lb_thinmeta_open(root->metadata_file.path, &m, err)))
			return rc;
		uint32_t bs = lb_thinmeta_superblock(m)->data_block_size_sectors;
		lb_thinmeta_close(m);
		struct lb_rescue_pool_spec spec = {
			.name = p->name,
			.metadata_path = root->metadata_file.path,
			.data_path = root->data_file.path,
			.block_size_sectors = bs,
			.read_only = false,
		};
		struct lb_rescue_pool rp;
		if ((rc = lb_rescue_pool_activate(&spec, NULL, &rp, err)))
			return rc;
		p->activated = rp.created;
		p->info = rp.info;
		say(p, "%s: activated read-write for this command (dockerd is stopped)", p->name);
	}
	if (p->info.suspended) {
		struct lb_err e2 = {0};
		lb_livepool_close(p, &e2);
		return lb_fail(err, LB_EUNSAFE, "%s: the pool is suspended", p->name);
	}
	uint32_t mmaj, mmin, dmaj, dmin;
	if ((rc = read_table(p, &mmaj, &mmin, &dmaj, &dmin, err)))
		goto fail;
	if (loop) {
		snprintf(p->metadata_path, sizeof(p->metadata_path), "%s", root->metadata_file.path);
		snprintf(p->data_path, sizeof(p->data_path), "%s", root->data_file.path);
	} else {
		p->metadata_is_device = true;
		if ((rc = lb_devnode_path(mmaj, mmin, NULL, p->metadata_path, sizeof(p->metadata_path),
					  err)) ||
		    (rc = lb_devnode_path(dmaj, dmin, NULL, p->data_path, sizeof(p->data_path), err)))
			goto fail;
	}
	struct lb_livepool_status st;
	if ((rc = lb_livepool_status(p, &st, err)))
		goto fail;
	if (st.read_only || st.needs_check) {
		rc = lb_fail(err, LB_EUNSAFE, "%s: the pool is %s; no snapshot is taken", p->name,
			     st.needs_check ? "flagged needs_check" : "read-only (out of space?)");
		goto fail;
	}
	return LB_OK;
fail:;
	struct lb_err e3 = {0};
	lb_livepool_close(p, &e3);
	return rc;
}

int lb_livepool_status(const struct lb_livepool *p, struct lb_livepool_status *out,
		       struct lb_err *err)
{
	struct lb_dm_target *t = NULL;
	size_t n = 0;
	int rc = lb_dm_get_table(p->name, true, &t, &n, err);
	if (rc)
		return rc;
	if (n != 1 || strcmp(t[0].type, "thin-pool"))
		rc = lb_fail(err, LB_EINTEGRITY, "%s: not a thin-pool", p->name);
	else
		rc = lb_livepool_status_parse(t[0].params, out, err);
	if (rc && strncmp(err->msg, p->name, strlen(p->name)))
		lb_err_wrap(err, "%s", p->name);
	free(t);
	return rc;
}

int lb_livepool_message(const struct lb_livepool *p, const char *msg, struct lb_err *err)
{
	return lb_dm_message(p->name, 0, msg, err);
}

static int mark_path(const struct lb_livepool *p, char out[PATH_MAX], struct lb_err *err)
{
	if (snprintf(out, PATH_MAX, LB_METASNAP_DIR "/%s", p->name) >= PATH_MAX)
		return lb_fail(err, LB_EUSAGE, "%s: name too long", p->name);
	return LB_OK;
}

int lb_livepool_clear_stale_hold(struct lb_livepool *p, struct lb_err *err)
{
	struct lb_livepool_status st;
	char mark[PATH_MAX];
	int rc = lb_livepool_status(p, &st, err);
	if (rc || (rc = mark_path(p, mark, err)))
		return rc;
	bool ours = access(mark, F_OK) == 0;
	if (!st.held_root) {
		if (ours)
			unlink(mark);
		return LB_OK;
	}
	if (!ours)
		return lb_fail(err, LB_EUNSAFE,
			       "%s: holds a metadata snapshot (root %" PRIu64 ") lifeboat did not take; "
			       "if nothing uses it any more: dmsetup message %s 0 release_metadata_snap",
			       p->name, st.held_root, p->name);
	if ((rc = lb_livepool_message(p, "release_metadata_snap", err)))
		return rc;
	unlink(mark);
	say(p, "%s: released the metadata snapshot a killed lifeboat held (root %" PRIu64 ")",
	    p->name, st.held_root);
	return LB_OK;
}

int lb_livepool_hold(struct lb_livepool *p, struct lb_err *err)
{
	char mark[PATH_MAX];
	int rc;
	if (p->held)
		return LB_OK;
	if ((rc = lb_livepool_clear_stale_hold(p, err)) || (rc = mark_path(p, mark, err)) ||
	    (rc = lb_run_dir_ensure(LB_METASNAP_DIR, true, err)))
		return rc;
	/* The mark first: a kill between the message and the mark would leave a
	 * held root nobody could tell from a stranger's. */
	int fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: create", mark);
	dprintf(fd, "%d\n", (int)getpid());
	fsync(fd);
	close(fd);
	if ((rc = lb_livepool_message(p, "reserve_metadata_snap", err))) {
		unlink(mark);
		return rc;
	}
	p->held = true;
	return LB_OK;
}

int lb_livepool_unhold(struct lb_livepool *p, struct lb_err *err)
{
	if (!p->held)
		return LB_OK;
	char mark[PATH_MAX];
	int rc = mark_path(p, mark, err);
	if (!rc)
		rc = lb_livepool_message(p, "release_metadata_snap", err);
	if (!rc) {
		unlink(mark);
		p->held = false;
	}
	return rc;
}

int lb_livepool_open_meta(const struct lb_livepool *p, struct lb_thinmeta **out,
			  struct lb_err *err)
{
	if (!p->held)
		return lb_fail(err, LB_EFAIL, "%s: metadata read without a held root", p->name);
	int fd = open(p->metadata_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: open",
				     p->metadata_path);
	/* A block device's page cache may hold blocks from before the
	 * kernel's commit (dm-thin writes around it): drop the clean ones. */
	if (p->metadata_is_device)
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	int rc = lb_thinmeta_open_fd(fd, p->metadata_path, out, err);
	close(fd);
	if (rc)
		return rc;
	if ((rc = lb_thinmeta_use_metadata_snap(*out, err))) {
		lb_thinmeta_close(*out);
		*out = NULL;
	}
	return rc;
}

int lb_livepool_close(struct lb_livepool *p, struct lb_err *err)
{
	struct lb_err e2 = {0};
	int rc = lb_livepool_unhold(p, err);
	if (p->activated) {
		int rc2 = lb_rescue_pool_release(p->name, NULL, rc ? &e2 : err);
		if (!rc2)
			p->activated = false;
		if (!rc)
			rc = rc2;
	}
	return rc;
}

void lb_livepool_block_signals(sigset_t *old)
{
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, old);
}

void lb_livepool_restore_signals(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}
