#include "discard/apply.h"
#include "docker/dockerd.h"

#include "util/devnode.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- scan ---- */

struct dm_dev {
	char name[128];
	uint32_t major, minor;
};

struct dev_list {
	struct dm_dev *devs;
	size_t n, cap;
};

static int collect_dev(void *ctx, const char *name, uint32_t major, uint32_t minor)
{
	struct dev_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct dm_dev *grown = realloc(l->devs, cap * sizeof(*grown));
		if (!grown)
			return LB_EFAIL;
		l->devs = grown;
		l->cap = cap;
	}
	struct dm_dev *d = &l->devs[l->n++];
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->major = major;
	d->minor = minor;
	return 0;
}

/* The single target of `name` (table or status); false if it is gone, has
 * another number of targets, or cannot be read. */
static bool one_target(const char *name, bool status, struct lb_dm_target *out, struct lb_err *err)
{
	struct lb_dm_target *t = NULL;
	size_t n = 0;
	if (lb_dm_get_table(name, status, &t, &n, err))
		return false;
	bool ok = n == 1;
	if (ok)
		*out = t[0];
	else
		lb_fail(err, LB_EINTEGRITY, "%s: %zu targets, a thin pool or device has one", name, n);
	free(t);
	return ok;
}

static int grow(void **array, size_t n, size_t size)
{
	void *grown = realloc(*array, (n + 1) * size);
	if (!grown)
		return LB_EFAIL;
	*array = grown;
	memset((char *)grown + n * size, 0, size);
	return LB_OK;
}

static void scan_pool(struct lb_discard_pool *p)
{
	struct lb_err err = {0};
	if (lb_pool_params_parse(p->table.params, &p->params, &err)) {
		snprintf(p->error, sizeof(p->error), "%s: %s", p->name, err.msg);
		return;
	}
	p->table_mode = lb_pool_params_discard(&p->params);
	struct lb_dm_target st;
	if (!one_target(p->name, true, &st, &err) ||
	    lb_pool_status_discard(st.params, &p->status_mode, p->pool_mode, &err))
		snprintf(p->error, sizeof(p->error), "%s: %s", p->name, err.msg);
	else
		p->status_ok = true;
	if (!strncmp(p->info.uuid, "LVM-", 4))
		lb_lvm_lv_of_dm_name(p->name, p->lvm_lv, sizeof(p->lvm_lv));
}

struct mount_ctx {
	struct lb_discard_scan *scan;
	int rc;
};

static int collect_mount(void *ctx, const struct lb_mountinfo *m)
{
	struct mount_ctx *c = ctx;
	for (size_t i = 0; i < c->scan->n_pools; i++) {
		struct lb_discard_pool *p = &c->scan->pools[i];
		for (size_t k = 0; k < p->n_thins; k++) {
			if (p->thins[k].info.major != m->major || p->thins[k].info.minor != m->minor)
				continue;
			if (grow((void **)&p->mounts, p->n_mounts, sizeof(*p->mounts)))
				return c->rc = LB_EFAIL;
			struct lb_discard_mount *dm = &p->mounts[p->n_mounts++];
			dm->m = *m;
			dm->discard = lb_mount_opts_have_discard(m->super_opts);
			dm->thin_name = p->thins[k].name;
		}
	}
	return 0;
}

int lb_discard_scan(struct lb_discard_scan *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	struct dev_list l = {0};
	int rc = lb_dm_list(collect_dev, &l, err);
	if (rc) {
		free(l.devs);
		return err && err->code ? rc : lb_fail(err, LB_EFAIL, "device-mapper: list: out of memory");
	}
	/* Pools first, then the thin devices that name them by major:minor. */
	for (int pass = 0; pass < 2 && !rc; pass++) {
		for (size_t i = 0; i < l.n && !rc; i++) {
			struct lb_err skip = {0};
			struct lb_dm_target t;
			if (!one_target(l.devs[i].name, false, &t, &skip))
				continue; /* gone meanwhile, or not a thin device */
			if (pass == 0 && !strcmp(t.type, "thin-pool")) {
				if ((rc = grow((void **)&out->pools, out->n_pools, sizeof(*out->pools))))
					break;
				struct lb_discard_pool *p = &out->pools[out->n_pools++];
				snprintf(p->name, sizeof(p->name), "%s", l.devs[i].name);
				p->table = t;
				if (lb_dm_info(p->name, &p->info, &skip) || !p->info.exists)
					snprintf(p->error, sizeof(p->error), "%s", skip.msg);
				else
					scan_pool(p);
			} else if (pass == 1 && !strcmp(t.type, "thin")) {
				char pool_mm[32];
				size_t n = strcspn(t.params, " ");
				snprintf(pool_mm, sizeof(pool_mm), "%.*s", (int)(n < 31 ? n : 31), t.params);
				for (size_t k = 0; k < out->n_pools && !rc; k++) {
					struct lb_discard_pool *p = &out->pools[k];
					char mm[32];
					snprintf(mm, sizeof(mm), "%u:%u", p->info.major, p->info.minor);
					if (strcmp(mm, pool_mm))
						continue;
					if ((rc = grow((void **)&p->thins, p->n_thins, sizeof(*p->thins))))
						break;
					struct lb_discard_thin *th = &p->thins[p->n_thins];
					snprintf(th->name, sizeof(th->name), "%s", l.devs[i].name);
					th->table = t;
					if (!lb_dm_info(th->name, &th->info, &skip) && th->info.exists)
						p->n_thins++;
				}
			}
		}
	}
	free(l.devs);
	if (rc) {
		lb_discard_scan_free(out);
		return lb_fail(err, LB_EFAIL, "device-mapper: scan: out of memory");
	}
	struct mount_ctx mc = {out, 0};
	if ((rc = lb_mountinfo_each(collect_mount, &mc, err)) || mc.rc) {
		lb_discard_scan_free(out);
		return rc ? rc : lb_fail(err, LB_EFAIL, "mountinfo: out of memory");
	}
	return LB_OK;
}

void lb_discard_scan_free(struct lb_discard_scan *s)
{
	for (size_t i = 0; i < s->n_pools; i++) {
		free(s->pools[i].thins);
		free(s->pools[i].mounts);
	}
	free(s->pools);
	memset(s, 0, sizeof(*s));
}

const struct lb_discard_pool *lb_discard_find(const struct lb_discard_scan *s, const char *name)
{
	for (size_t i = 0; i < s->n_pools; i++)
		if (!strcmp(s->pools[i].name, name))
			return &s->pools[i];
	return NULL;
}

/* ---- acting ---- */

/* Announces a step; non-zero if the caller makes it fail. */
static int step(const struct lb_discard_act *a, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int step(const struct lb_discard_act *a, const char *kind, const char *fmt, ...)
{
	if (!a->step)
		return 0;
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return a->step(a->ctx, kind, what);
}

static int injected(struct lb_err *err, const char *name, const char *kind)
{
	return lb_fail(err, LB_EFAIL, "%s: %s failed (injected by the test hook)", name, kind);
}

static int usable(const struct lb_discard_pool *p, struct lb_err *err)
{
	if (p->error[0])
		return lb_fail(err, LB_EINTEGRITY, "%s", p->error);
	if (p->info.suspended)
		return lb_fail(err, LB_EUNSAFE,
			       "%s: the pool is suspended by someone else; left as it is "
			       "(resume it, or wait for whoever suspended it)",
			       p->name);
	if (!strcmp(p->pool_mode, "out_of_data_space"))
		return lb_fail(err, LB_EUNSAFE,
			       "%s: the pool is out of data space; suspending it could wait forever "
			       "on queued writes (extend the pool first)",
			       p->name);
	return LB_OK;
}

static int with_feature(const struct lb_discard_pool *p, const char *feature,
			struct lb_dm_target *out, struct lb_err *err)
{
	struct lb_pool_params params = p->params;
	*out = p->table;
	int rc = lb_pool_params_add(&params, feature, err);
	if (!rc)
		rc = lb_pool_params_format(&params, out->params, sizeof(out->params), err);
	if (rc)
		lb_err_wrap(err, "%s", p->name);
	return rc;
}

/* Reads the pool's status again and checks the discard field now says `want`. */
static int verify_mode(const char *name, enum lb_discard_mode want, struct lb_err *err)
{
	struct lb_dm_target st;
	enum lb_discard_mode got;
	if (!one_target(name, true, &st, err) || lb_pool_status_discard(st.params, &got, NULL, err))
		return lb_err_wrap(err, "%s: after the change", name);
	if (got != want)
		return lb_fail(err, LB_EFAIL, "%s: after the change the pool reports discard mode %s, "
				"not %s", name, lb_discard_mode_name(got), lb_discard_mode_name(want));
	return LB_OK;
}

int lb_discard_pool_nopassdown(const struct lb_discard_pool *p, const struct lb_discard_act *a,
			       struct lb_err *err)
{
	int rc = usable(p, err);
	if (rc || p->table_mode != LB_DISCARD_PASSDOWN)
		return rc;
	struct lb_dm_target next;
	if ((rc = with_feature(p, "no_discard_passdown", &next, err)))
		return rc;
	if (step(a, "suspend", "suspend %s", p->name))
		rc = injected(err, p->name, "suspend");
	else if (a->dry_run) {
		step(a, "reload", "reload %s: %s", p->name, next.params);
		step(a, "resume", "resume %s", p->name);
		return LB_OK;
	} else
		rc = lb_dm_suspend(p->name, false, err);
	if (rc) {
		/* A suspend that failed half-way must not leave the pool suspended. */
		struct lb_dm_info now;
		struct lb_err ignored = {0};
		if (!lb_dm_info(p->name, &now, &ignored) && now.suspended)
			lb_dm_resume(p->name, &ignored);
		return lb_err_wrap(err, "%s: cannot suspend the pool; left as it was", p->name);
	}
	bool failed_hook = step(a, "reload", "reload %s: %s", p->name, next.params) != 0;
	rc = failed_hook ? injected(err, p->name, "reload")
			 : lb_dm_reload(p->name, p->info.read_only, &next, 1, err);
	struct lb_err resume_err = {0};
	step(a, "resume", "resume %s", p->name);
	int resumed = lb_dm_resume(p->name, &resume_err);
	if (resumed) {
		if (rc)
			lb_err_wrap(err, "%s", resume_err.msg);
		else if (err)
			*err = resume_err;
		return lb_err_wrap(err, "%s: the pool is LEFT SUSPENDED; resume it with "
				   "'dmsetup resume %s'", p->name, p->name);
	}
	if (rc)
		return lb_err_wrap(err, "%s: the new table was not taken; the pool was resumed with "
				   "its table unchanged", p->name);
	return verify_mode(p->name, LB_DISCARD_NOPASSDOWN, err);
}

/* Opens a "maj:min" device read-only, so a loop device set to auto-clear is
 * not released while the pool that held it is gone for a moment. */
static int hold_device(const char *majmin, struct lb_err *err)
{
	unsigned major, minor;
	if (sscanf(majmin, "%u:%u", &major, &minor) != 2) {
		lb_fail(err, LB_EINTEGRITY, "%s: not a major:minor device reference", majmin);
		return -1;
	}
	return lb_devnode_open(major, minor, NULL, O_RDONLY, err);
}

static int create_thin(const struct lb_discard_act *a, const struct lb_discard_thin *t,
		       struct lb_err *err)
{
	if (step(a, "create", "create %s: %s %s", t->name, t->table.type, t->table.params))
		return injected(err, t->name, "create");
	if (a->dry_run)
		return LB_OK;
	return lb_dm_create_at(t->name, t->info.uuid[0] ? t->info.uuid : NULL, t->info.read_only,
			       t->info.major, t->info.minor, &t->table, 1, NULL, err);
}

/* Re-creates thin devices [0, n); keeps the first error in err. */
static int create_thins(const struct lb_discard_act *a, const struct lb_discard_pool *p,
			size_t n, struct lb_err *err)
{
	int first = LB_OK;
	for (size_t i = 0; i < n; i++) {
		struct lb_err e = {0};
		int rc = create_thin(a, &p->thins[i], &e);
		if (rc && !first) {
			first = rc;
			if (err)
				*err = e;
		}
	}
	return first;
}

static int refuse_in_use(const struct lb_discard_pool *p, struct lb_err *err)
{
	char list[768] = "";
	size_t used = 0, busy = 0;
	for (size_t i = 0; i < p->n_thins; i++) {
		const struct lb_discard_thin *t = &p->thins[i];
		if (t->info.open_count == 0 && !t->info.suspended)
			continue;
		busy++;
		const char *dir = "";
		for (size_t k = 0; k < p->n_mounts; k++)
			if (p->mounts[k].thin_name == t->name)
				dir = p->mounts[k].m.dir;
		int n = snprintf(list + used, sizeof(list) - used, "%s%s (%s%s%s)", used ? ", " : "",
				 t->name, t->info.suspended ? "suspended" : "open",
				 dir[0] ? ", mounted at " : "", dir);
		if (n > 0 && used + (size_t)n < sizeof(list))
			used += (size_t)n;
	}
	if (!busy)
		return LB_OK;
	return lb_fail(err, LB_EUNSAFE,
		       "%s: ignore_discard needs the pool re-created, and %zu of its thin devices "
		       "are in use: %s; stop the containers (unmount them) first",
		       p->name, busy, list);
}

int lb_discard_pool_ignore(const struct lb_discard_pool *p, const struct lb_discard_act *a,
			   struct lb_err *err)
{
	int rc = usable(p, err);
	if (rc || p->table_mode == LB_DISCARD_IGNORE)
		return rc;
	if ((rc = refuse_in_use(p, err)))
		return rc;
	pid_t pid = lb_docker_find_any_dockerd();
	if (pid)
		return lb_fail(err, LB_EUNSAFE, "%s: dockerd (pid %d) is running; it may activate "
			       "devices of the pool while lifeboat re-creates it: stop it first",
			       p->name, (int)pid);
	if (p->info.open_count > (int32_t)p->n_thins)
		return lb_fail(err, LB_EUNSAFE, "%s: the pool is held open by something other than "
			       "its %zu active thin devices (open count %d)", p->name, p->n_thins,
			       p->info.open_count);
	struct lb_dm_target next;
	if ((rc = with_feature(p, "ignore_discard", &next, err)))
		return rc;

	int fds[2] = {-1, -1};
	if (!a->dry_run) {
		fds[0] = hold_device(p->params.metadata_dev, err);
		fds[1] = fds[0] < 0 ? -1 : hold_device(p->params.data_dev, err);
		if (fds[1] < 0) {
			if (fds[0] >= 0)
				close(fds[0]);
			return lb_err_wrap(err, "%s: cannot hold the pool's devices open while it is "
					   "re-created; nothing changed", p->name);
		}
	}
	size_t removed = 0;
	for (; removed < p->n_thins; removed++) {
		const struct lb_discard_thin *t = &p->thins[removed];
		if (step(a, "remove", "remove %s (unused thin device)", t->name))
			rc = injected(err, t->name, "remove");
		else if (!a->dry_run)
			rc = lb_dm_remove(t->name, err);
		if (rc)
			break;
	}
	if (!rc) {
		if (step(a, "remove", "remove %s (the pool)", p->name))
			rc = injected(err, p->name, "remove");
		else if (!a->dry_run)
			rc = lb_dm_remove(p->name, err);
		if (!rc) {
			const char *uuid = p->info.uuid[0] ? p->info.uuid : NULL;
			if (step(a, "create", "create %s at %u:%u: %s %s", p->name, p->info.major,
				 p->info.minor, next.type, next.params))
				rc = injected(err, p->name, "create");
			else if (!a->dry_run)
				rc = lb_dm_create_at(p->name, uuid, p->info.read_only, p->info.major,
						     p->info.minor, &next, 1, NULL, err);
			if (rc) {
				/* Put the pool back as it was. */
				struct lb_err back = {0};
				step(a, "create", "create %s as it was: %s %s", p->name, p->table.type,
				     p->table.params);
				if (!a->dry_run &&
				    lb_dm_create_at(p->name, uuid, p->info.read_only, p->info.major,
						    p->info.minor, &p->table, 1, NULL, &back)) {
					lb_err_wrap(err, "%s: and re-creating it as it was failed too (%s); "
						    "by hand: dmsetup create %s --table '%llu %llu %s %s'",
						    p->name, back.msg, p->name,
						    (unsigned long long)p->table.start_sector,
						    (unsigned long long)p->table.len_sectors, p->table.type,
						    p->table.params);
					removed = 0; /* the thin devices cannot come back without it */
				}
			}
		}
	}
	struct lb_err thin_err = {0};
	int thin_rc = create_thins(a, p, removed, &thin_err);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (rc)
		return lb_err_wrap(err, "%s: ignore_discard not set; %s", p->name,
				   thin_rc ? thin_err.msg : "the pool and its devices are back as they were");
	if (thin_rc) {
		if (err)
			*err = thin_err;
		return lb_err_wrap(err, "%s: re-created with ignore_discard, but a thin device did not "
				   "come back", p->name);
	}
	return a->dry_run ? LB_OK : verify_mode(p->name, LB_DISCARD_IGNORE, err);
}

struct find_mount {
	const struct lb_mountinfo *want;
	bool found, discard;
};

static int find_mount(void *ctx, const struct lb_mountinfo *m)
{
	struct find_mount *f = ctx;
	if (m->major == f->want->major && m->minor == f->want->minor && !strcmp(m->dir, f->want->dir)) {
		f->found = true;
		f->discard = lb_mount_opts_have_discard(m->super_opts);
	}
	return 0;
}

int lb_discard_remount(const struct lb_discard_mount *m, const struct lb_discard_act *a,
		       bool *kept, struct lb_err *err)
{
	*kept = false;
	if (!m->discard)
		return LB_OK;
	if (step(a, "remount", "remount %s (%s on %s) without discard", m->m.dir, m->m.fstype,
		 m->thin_name))
		return injected(err, m->m.dir, "remount");
	if (a->dry_run)
		return LB_OK;
	int rc = lb_remount(&m->m, "nodiscard", err);
	if (rc)
		return rc;
	struct find_mount f = {&m->m, false, false};
	if ((rc = lb_mountinfo_each(find_mount, &f, err)))
		return rc;
	*kept = f.found && f.discard;
	return LB_OK;
}
