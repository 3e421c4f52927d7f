#include "rescue/session.h"
#include "dm/dm.h"
#include "loop/loop.h"
#include "mount/mount.h"
#include "rescue/tables.h"
#include "rescue/undo.h"
#include "session/journal.h"
#include "util/devnode.h"
#include "util/fs.h"
#include "util/rundir.h"
#include "util/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The session's journal, LB_SESSIONS_DIR/<container id>. */
static int session_path(const char *id, char *out, size_t len, struct lb_err *err)
{
	if (!lb_path_is_component(id))
		return lb_fail(err, LB_EINTEGRITY, "container id '%s': not a plain name", id);
	snprintf(out, len, LB_SESSIONS_DIR "/%s", id);
	return LB_OK;
}

static void step(lb_rescue_step_fn fn, const char *name)
{
	if (fn)
		fn(name);
}

/* Finds the loop device over `path`, or attaches one (journalled in the
 * pool's journal for the record; autoclear detaches it with the pool). */
static int loop_for(const char *path, bool read_only, const char *pool_journal,
		    struct lb_loop *out, struct lb_err *err)
{
	bool found = false;
	int rc = lb_loop_find(path, out, &found, err);
	if (rc || found)
		return rc;
	rc = lb_loop_attach(path, read_only, out, err);
	if (rc)
		return rc;
	/* As sysfs names the backing file, so teardown can wait for it. */
	char real[PATH_MAX];
	return lb_journal_append(pool_journal, "loop", out->dev_path,
				 realpath(path, real) ? real : path, err);
}

int lb_rescue_pool_activate(const struct lb_rescue_pool_spec *spec, lb_rescue_step_fn on_step,
			    struct lb_rescue_pool *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	char pj[PATH_MAX];
	int rc = lb_rescue_pool_journal_path(spec->name, pj, sizeof(pj), err);
	if (rc || (rc = lb_dm_info(spec->name, &out->info, err)))
		return rc;
	if (out->info.exists) {
		/* Docker's own pool, or one left from an earlier session: reuse,
		 * never a second pool over the same metadata. */
		if (out->info.suspended)
			return lb_fail(err, LB_EUNSAFE, "%s: the pool is suspended; resume it first",
				       spec->name);
		return LB_OK;
	}
	if (!spec->data_path || !spec->metadata_path)
		return lb_fail(err, LB_ENOTFOUND,
			       "%s: the pool device is not active and its data and metadata "
			       "devices are not known; activate it (lvchange -ay) or pass --pool-dev",
			       spec->name);
	if ((rc = lb_run_dir_ensure(LB_POOLS_DIR, true, err)))
		return rc;
	bool ro = spec->read_only;
	struct lb_loop meta, data;
	if ((rc = loop_for(spec->metadata_path, ro, pj, &meta, err)))
		return rc;
	if ((rc = loop_for(spec->data_path, ro, pj, &data, err))) {
		lb_loop_release(&meta);
		return rc;
	}
	snprintf(out->metadata_loop, sizeof(out->metadata_loop), "%s", meta.dev_path);
	snprintf(out->data_loop, sizeof(out->data_loop), "%s", data.dev_path);
	step(on_step, "loop");
	if (!ro && (meta.read_only || data.read_only)) {
		rc = lb_fail(err, LB_EUNSAFE,
			     "%s: a writable activation needs writable loop devices, but %s or %s is "
			     "attached read-only",
			     spec->name, meta.dev_path, data.dev_path);
		goto out;
	}
	struct lb_dm_target table;
	if ((rc = lb_pool_table(meta.major, meta.minor, data.major, data.minor, data.size_bytes,
				spec->block_size_sectors, ro, &table, err)))
		goto out;
	char uuid[160];
	snprintf(uuid, sizeof(uuid), LB_DM_UUID_PREFIX "POOL-%s", spec->name);
	if ((rc = lb_journal_append(pj, "dm", spec->name, uuid, err)))
		goto out;
	/* The kernel refuses thin-pool in a read-only dm table (the target is
	 * "always writeable"); the read_only feature in the table is what keeps
	 * the metadata untouched, and the loop devices under it are read-only. */
	if ((rc = lb_dm_create(spec->name, uuid, false, &table, 1, &out->info, err)))
		goto out;
	out->created = true;
	step(on_step, "pool");
out:
	/* From here the pool holds the loop devices; autoclear does the rest. */
	lb_loop_release(&meta);
	lb_loop_release(&data);
	return rc;
}

/* The layer's sparse file, <dir>/<container id>.cow: in lifeboat's own
 * directory or a --cow-dir only this user can write, created new (never a
 * file or link that was there: a predictable name must not be opened
 * without O_EXCL), journalled first. */
static int cow_create(const struct lb_rescue_plan *plan, const char *sj, const char *dir,
		      const char *path, struct lb_err *err)
{
	int rc = plan->cow_dir ? lb_path_check_private_dir(dir, "--cow-dir", err)
			       : lb_run_dir_ensure(LB_COW_DIR, true, err);
	if (rc)
		return rc;
	int dfd = lb_open_own_dir_nofollow(dir, err);
	if (dfd < 0)
		return err ? err->code : LB_EFAIL;
	const char *base = strrchr(path, '/') + 1;
	struct stat st;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		close(dfd);
		/* Left by a lifeboat killed before its layer existed: its journal
		 * has it, and umount removes it. */
		return lb_fail(err, LB_EUNSAFE,
			       "%s: exists; not reusing it (left by an interrupted mount? run "
			       "'lifeboat recover umount %s' first)",
			       path, plan->container_name);
	}
	if ((rc = lb_journal_append(sj, "file", path, "", err))) {
		close(dfd);
		return rc;
	}
	int fd = openat(dfd, base, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int e = errno;
	close(dfd);
	if (fd < 0)
		return lb_fail_errno(err, e == EEXIST ? LB_EUNSAFE : lb_exit_for_errno(e), e,
				     "%s: cannot create the copy-on-write file", path);
	if (ftruncate(fd, (off_t)plan->size_bytes) != 0) {
		e = errno;
		close(fd);
		return lb_fail_errno(err, LB_EFAIL, e, "%s: cannot size the copy-on-write file", path);
	}
	close(fd);
	return LB_OK;
}

/* The copy-on-write layer over the thin device: a sparse file as large as the
 * device (so the snapshot can never overflow), attached writable and
 * auto-clearing, and a transient dm-snapshot over both. Every piece is
 * journalled before it exists; teardown removes the snapshot, waits for the
 * loop device to go with it and deletes the file. */
static int cow_activate(const struct lb_rescue_plan *plan, const char *sj,
			const struct lb_dm_info *thin, lb_rescue_step_fn on_step,
			struct lb_rescue_result *res, struct lb_dm_info *cow, struct lb_err *err)
{
	char name[128], uuid[160];
	snprintf(name, sizeof(name), "lifeboat-cow-%s", plan->container_id);
	snprintf(uuid, sizeof(uuid), LB_DM_UUID_PREFIX "COW-%s", plan->container_id);
	const char *dir = plan->cow_dir ? plan->cow_dir : LB_COW_DIR;
	snprintf(res->cow_file, sizeof(res->cow_file), "%s/%s.cow", dir, plan->container_id);
	int rc = lb_dm_info(name, cow, err);
	if (rc)
		return rc;
	if (cow->exists) {
		if (strcmp(cow->uuid, uuid))
			return lb_fail(err, LB_EUNSAFE, "%s: a device-mapper device of that name exists "
				       "and is not lifeboat's (uuid '%s')", name, cow->uuid);
		return LB_OK; /* mounted before with --replay-cow: reuse */
	}
	/* The snapshot claims the thin device for itself; a filesystem mounted
	 * from it (a mount without replay) holds that claim already. */
	if (thin->open_count > 0)
		return lb_fail(err, LB_EUNSAFE,
			       "%s: its thin device %s is in use (mounted without replay?); "
			       "unmount it first: lifeboat recover umount %s",
			       plan->container_name, plan->thin_name, plan->container_name);
	if ((rc = cow_create(plan, sj, dir, res->cow_file, err)))
		return rc;
	struct lb_loop loop;
	if ((rc = lb_loop_attach(res->cow_file, false, &loop, err)))
		return rc;
	struct lb_dm_target table;
	if ((rc = lb_journal_append(sj, "loop", loop.dev_path, res->cow_file, err)) ||
	    (rc = lb_cow_table(thin->major, thin->minor, loop.major, loop.minor, plan->size_bytes,
			       &table, err)) ||
	    (rc = lb_journal_append(sj, "dm", name, uuid, err)))
		goto out;
	if ((rc = lb_dm_create(name, uuid, false, &table, 1, cow, err)))
		goto out;
	res->cow_created = true;
	step(on_step, "cow");
out:
	lb_loop_release(&loop); /* the snapshot holds it now; autoclear does the rest */
	return rc;
}

static int mount_steps(const struct lb_rescue_plan *plan, const char *sj,
		       lb_rescue_step_fn on_step, struct lb_rescue_result *res,
		       struct lb_err *err);

/* A mount that fails takes back what it created itself (the entries it
 * added to the session journal, and the pool if nothing else uses it), so
 * a failure leaves the host as it found it; what earlier mounts of the same
 * container created stays. */
static void rollback(const struct lb_rescue_plan *plan, const char *sj, off_t journal_size,
		     size_t journal_entries)
{
	struct lb_err ignored = {0};
	struct lb_journal_entry *e;
	size_t n;
	if (lb_journal_load(sj, &e, &n, &ignored) == 0) {
		const struct lb_journal_scope scope = {LB_JOURNAL_SESSION, plan->container_id};
		unsigned skipped = 0;
		int rc = lb_rescue_undo(e, journal_entries, n, &scope, sj, NULL, &skipped, &ignored);
		free(e);
		if (rc || skipped)
			return; /* keep the journal: umount can finish the job, or say why not */
	}
	if (journal_size == 0)
		unlink(sj);
	else if (truncate(sj, journal_size) != 0)
		return;
	lb_rescue_pool_release(plan->pool_name, NULL, &ignored);
}

int lb_rescue_mount(const struct lb_rescue_plan *plan, lb_rescue_step_fn on_step,
		    struct lb_rescue_result *res, struct lb_err *err)
{
	memset(res, 0, sizeof(*res));
	int rc;
	char sj[PATH_MAX];
	if ((rc = session_path(plan->container_id, sj, sizeof(sj), err)) ||
	    (rc = lb_run_dir_ensure(LB_SESSIONS_DIR, true, err)))
		return rc;
	/* What the journal holds before this mount: earlier mounts' steps. */
	struct stat st;
	off_t journal_size = lstat(sj, &st) == 0 ? st.st_size : 0;
	size_t journal_entries = 0;
	if (journal_size > 0) {
		struct lb_journal_entry *e;
		if ((rc = lb_journal_load(sj, &e, &journal_entries, err)))
			return rc;
		free(e);
	}
	rc = mount_steps(plan, sj, on_step, res, err);
	if (rc)
		rollback(plan, sj, journal_size, journal_entries);
	return rc;
}

/* Where to mount: the operator's DIR (canonical already, so it matches
 * mountinfo and the umount by DIR), or LB_MNT_DIR/<name> when the name is
 * one plain component. */
static int choose_mount_dir(const struct lb_rescue_plan *plan, char *out, size_t cap,
			    struct lb_err *err)
{
	if (plan->mount_dir) {
		if (!lb_path_is_canonical(plan->mount_dir))
			return lb_fail(err, LB_EUSAGE, "%s: not a canonical path", plan->mount_dir);
		snprintf(out, cap, "%s", plan->mount_dir);
		return LB_OK;
	}
	const char *name = plan->container_name[0] ? plan->container_name : plan->container_id;
	if (!lb_path_is_component(name))
		return lb_fail(err, LB_EUNSAFE,
			       "container %s: its name '%s' is not a plain name, so it cannot name a "
			       "directory in %s; give DIR",
			       plan->container_id, name, LB_MNT_DIR);
	int rc = lb_run_dir_ensure(LB_MNT_DIR, true, err);
	if (rc)
		return rc;
	snprintf(out, cap, LB_MNT_DIR "/%s", name);
	return LB_OK;
}

/* Just before the mount: the directory is what was chosen, with no symlink
 * in it now, and a default one is inside LB_MNT_DIR (whatever the name). */
static int check_mount_dir(const struct lb_rescue_plan *plan, const char *dir,
			   struct lb_err *err)
{
	if (!lb_path_resolves_to_itself(dir))
		return lb_fail(err, LB_EUNSAFE, "%s: does not resolve to itself (a symlink in it?); "
			       "not mounting there", dir);
	if (!plan->mount_dir && !lb_path_is_under(dir, LB_MNT_DIR))
		return lb_fail(err, LB_EUNSAFE, "%s: not inside %s; not mounting there", dir,
			       LB_MNT_DIR);
	return LB_OK;
}

static int mount_steps(const struct lb_rescue_plan *plan, const char *sj,
		       lb_rescue_step_fn on_step, struct lb_rescue_result *res,
		       struct lb_err *err)
{
	int rc;
	char pool_ref[PATH_MAX];
	/* Names that become paths and dm names are checked before anything is
	 * journalled or created. */
	if ((rc = choose_mount_dir(plan, res->mount_dir, sizeof(res->mount_dir), err)) ||
	    (rc = lb_rescue_pool_journal_path(plan->pool_name, pool_ref, sizeof(pool_ref), err)))
		return rc;
	if (!lb_rescue_dm_name_ok(plan->thin_name))
		return lb_fail(err, LB_EINTEGRITY, "%s: thin device name '%s' is not a device-mapper "
			       "name", plan->container_name, plan->thin_name);

	struct stat st;
	if (lstat(sj, &st) != 0 &&
	    (rc = lb_journal_append(sj, "session", plan->container_id, plan->container_name, err)))
		return rc;
	if ((rc = lb_journal_append(sj, "pool", plan->pool_name, pool_ref, err)))
		return rc;

	struct lb_rescue_pool_spec spec = {
		.name = plan->pool_name,
		.metadata_path = plan->metadata_path,
		.data_path = plan->data_path,
		.block_size_sectors = plan->data_block_size_sectors,
		.read_only = !plan->replay_log,
	};
	struct lb_rescue_pool p;
	if ((rc = lb_rescue_pool_activate(&spec, on_step, &p, err)))
		return rc;
	const struct lb_dm_info pool = p.info;
	res->pool_created = p.created;
	snprintf(res->data_loop, sizeof(res->data_loop), "%s", p.data_loop);
	snprintf(res->metadata_loop, sizeof(res->metadata_loop), "%s", p.metadata_loop);

	struct lb_dm_info thin;
	if ((rc = lb_dm_info(plan->thin_name, &thin, err)))
		return rc;
	if (!thin.exists) {
		struct lb_dm_target table;
		if ((rc = lb_thin_table(pool.major, pool.minor, plan->device_id, plan->size_bytes,
					&table, err)))
			return rc;
		char uuid[160];
		snprintf(uuid, sizeof(uuid), LB_DM_UUID_PREFIX "THIN-%s", plan->thin_name);
		if ((rc = lb_journal_append(sj, "dm", plan->thin_name, uuid, err)))
			return rc;
		if ((rc = lb_dm_create(plan->thin_name, uuid, !plan->replay_log, &table, 1, &thin,
				       err)))
			return rc;
		res->thin_created = true;
		step(on_step, "thin");
	}
	/* The device the filesystem is mounted from: the thin device, or the
	 * copy-on-write layer over it. */
	struct lb_dm_info top = thin;
	if (plan->replay_cow && (rc = cow_activate(plan, sj, &thin, on_step, res, &top, err)))
		return rc;
	if ((rc = lb_devnode_path(top.major, top.minor, NULL, res->device, sizeof(res->device),
				  err)))
		return rc;

	char mounted_dev[32], want_dev[32];
	snprintf(want_dev, sizeof(want_dev), "%u:%u", top.major, top.minor);
	if (lb_is_mounted(res->mount_dir, mounted_dev, sizeof(mounted_dev))) {
		if (strcmp(mounted_dev, want_dev))
			return lb_fail(err, LB_EUNSAFE, "%s: something else (%s) is mounted there",
				       res->mount_dir, mounted_dev);
		res->already_mounted = true;
	} else {
		struct lb_fs_probe fs;
		if ((rc = lb_fs_probe(res->device, &fs, err)))
			return rc;
		snprintf(res->fstype, sizeof(res->fstype), "%s", fs.type);
		/* Only informs the operator: a journal that cannot be read leaves
		 * the state unknown and the mount goes on. */
		struct lb_err log_err = {0};
		(void)lb_fslog_state_of_path(res->device, fs.type, &res->log_state, &log_err);
		if (lstat(res->mount_dir, &st) != 0) {
			if ((rc = lb_journal_append(sj, "mkdir", res->mount_dir, "", err)) ||
			    (rc = lb_mkdir_p(res->mount_dir, 0700, err)))
				return rc;
		}
		if ((rc = check_mount_dir(plan, res->mount_dir, err)) ||
		    (rc = lb_journal_append(sj, "mount", res->mount_dir, want_dev, err)))
			return rc;
		if ((rc = lb_mount_fs(res->device, res->mount_dir, fs.type,
				      plan->replay_log || plan->replay_cow, plan->replay_log, err)))
			return rc;
		step(on_step, "mount");
	}
	snprintf(res->rootfs, sizeof(res->rootfs), "%s/rootfs", res->mount_dir);
	if (stat(res->rootfs, &st) != 0 || !S_ISDIR(st.st_mode))
		snprintf(res->rootfs, sizeof(res->rootfs), "%s", res->mount_dir);
	return LB_OK;
}
