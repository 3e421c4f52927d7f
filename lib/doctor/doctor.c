#include "doctor/doctor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const code_names[] = {
	[LB_DOC_ORPHAN_THIN_DEVICE] = "orphan-thin-device",
	[LB_DOC_MISSING_THIN_DEVICE] = "missing-thin-device",
	[LB_DOC_OPEN_TRANSACTION] = "open-transaction",
	[LB_DOC_TRANSACTION_MISMATCH] = "transaction-mismatch",
	[LB_DOC_DEVICE_MARKED_DELETED] = "device-marked-deleted",
	[LB_DOC_DANGLING_MOUNT_ID] = "dangling-mount-id",
	[LB_DOC_DANGLING_CACHE_ID] = "dangling-cache-id",
	[LB_DOC_BASE_DEVICE_MISMATCH] = "base-device-mismatch",
	[LB_DOC_UNREADABLE_DEVICE_FILE] = "unreadable-device-file",
	[LB_DOC_NEXT_DEVICE_ID_TOO_LOW] = "next-device-id-too-low",
	[LB_DOC_LOST_DEVICE_FILE] = "lost-device-file",
	[LB_DOC_AMBIGUOUS_DEVICE_MATCH] = "ambiguous-device-match",
	[LB_DOC_LIFEBOAT_SNAPSHOT] = "lifeboat-snapshot",
	[LB_DOC_SNAPSHOT_CATALOG_DAMAGED] = "snapshot-catalog-damaged",
};

const char *lb_doctor_code_name(enum lb_doctor_code code)
{
	if ((size_t)code < sizeof(code_names) / sizeof(code_names[0]) && code_names[code])
		return code_names[code];
	return "unknown";
}

/* The check's working state: the report being built and what earlier checks
 * already cover, so one cause is reported once. */
struct ctx {
	const struct lb_docker_root *root;
	const struct lb_docker_layer *layers;
	size_t n_layers;
	const struct lb_doctor_pool *pool;
	struct lb_doctor_report *rep;
	size_t cap;
	bool any_unreadable;
	const char *handled_hash; /* the pending transaction's device file, or NULL */
	bool handled_id_set;
	uint64_t handled_id;
	struct lb_lost_match match; /* lost device files and their candidates */
	bool *ref_reported;         /* per match ref: a finding covers its dangling reference */
	bool *orphan_matched;       /* per pool device: a lost-device-file finding owns it */
};

static struct lb_doctor_finding *add_finding(struct ctx *c, enum lb_doctor_code code)
{
	struct lb_doctor_report *r = c->rep;
	if (r->n_findings == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		struct lb_doctor_finding *bigger = realloc(r->findings, cap * sizeof(*bigger));
		if (!bigger)
			return NULL;
		r->findings = bigger;
		c->cap = cap;
	}
	struct lb_doctor_finding *f = &r->findings[r->n_findings++];
	memset(f, 0, sizeof(*f));
	f->code = code;
	if (code != LB_DOC_NEXT_DEVICE_ID_TOO_LOW && code != LB_DOC_LIFEBOAT_SNAPSHOT &&
	    code != LB_DOC_SNAPSHOT_CATALOG_DAMAGED)
		r->n_problems++;
	else
		f->note = true;
	return f;
}

__attribute__((format(printf, 2, 3))) static void add_object(struct lb_doctor_finding *f,
							      const char *fmt, ...)
{
	if (f->n_objects == LB_DOCTOR_MAX_OBJECTS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->objects[f->n_objects++], LB_DOCTOR_OBJECT_MAX, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void set_text(char *buf, size_t cap,
							    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

static struct lb_doctor_action *add_action(struct lb_doctor_finding *f,
					   enum lb_doctor_action_kind kind)
{
	if (f->n_actions == LB_DOCTOR_MAX_ACTIONS)
		return NULL; /* never: no finding needs more */
	struct lb_doctor_action *a = &f->actions[f->n_actions++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	return a;
}

static void act_pool_delete(struct lb_doctor_finding *f, uint64_t dev_id)
{
	struct lb_doctor_action *a = add_action(f, LB_ACT_POOL_DELETE);
	if (a)
		a->dev_id = dev_id;
}

/* Moves the actions added so far into the finding's reclaim set (what only
 * an explicit --reclaim-* carries out) and leaves the default empty. */
static void actions_to_reclaim(struct lb_doctor_finding *f, enum lb_doctor_reclaim_kind kind,
			       uint64_t dev_id)
{
	memcpy(f->reclaim_actions, f->actions, sizeof(f->actions));
	f->n_reclaim_actions = f->n_actions;
	f->n_actions = 0;
	f->reclaim = kind;
	f->reclaim_dev_id = dev_id;
}

static void act_file(struct lb_doctor_finding *f, enum lb_doctor_action_kind kind,
		     const char *file)
{
	struct lb_doctor_action *a = add_action(f, kind);
	if (a)
		snprintf(a->file, sizeof(a->file), "%s", file);
}

static bool pool_has(const struct lb_doctor_pool *p, uint64_t id, const struct lb_thin_device **out)
{
	size_t lo = 0, hi = p->n_devices;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->devices[mid].dev_id == id) {
			if (out)
				*out = &p->devices[mid];
			return true;
		}
		if (p->devices[mid].dev_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* A readable device file that names this thin device id, or NULL. */
static const struct lb_docker_device *file_for_id(const struct lb_docker_root *r, uint64_t id)
{
	for (size_t i = 0; i < r->n_devices; i++)
		if (r->devices[i].err.code == 0 && r->devices[i].dm.device_id == id)
			return &r->devices[i];
	return NULL;
}

static const char *container_name(const struct lb_docker_container *ct)
{
	if (ct->config_err.code == 0 && ct->config.name[0])
		return ct->config.name + (ct->config.name[0] == '/');
	return ct->id;
}

static const char *hash_label(const char *hash)
{
	return hash[0] ? hash : "base";
}

/* Adds every container and layer that uses device `hash` to the finding's
 * objects and returns how many there are. The base device is used by
 * every image: it counts as referenced. */
static size_t add_references(const struct ctx *c, const char *hash, struct lb_doctor_finding *f)
{
	size_t n = 0;
	if (!hash[0])
		return 1;
	for (size_t i = 0; i < c->root->n_containers; i++) {
		const struct lb_docker_container *ct = &c->root->containers[i];
		if (ct->mount_err.code)
			continue;
		bool rw = !strcmp(ct->mount.mount_id, hash);
		if (rw || !strcmp(ct->mount.init_id, hash)) {
			n++;
			if (f)
				add_object(f, "container %s (%.12s) %s", container_name(ct), ct->id,
					   rw ? "rootfs" : "init layer");
		}
	}
	for (size_t i = 0; i < c->n_layers; i++) {
		if (!strcmp(c->layers[i].cache_id, hash)) {
			n++;
			if (f)
				add_object(f, "image layer %s", c->layers[i].chain_id);
		}
	}
	return n;
}

static bool is_handled_hash(const struct ctx *c, const char *hash)
{
	return c->handled_hash && !strcmp(c->handled_hash, hash);
}

static int check_unreadable(struct ctx *c)
{
	for (size_t i = 0; i < c->root->n_devices; i++) {
		const struct lb_docker_device *d = &c->root->devices[i];
		if (d->err.code == 0)
			continue;
		c->any_unreadable = true;
		struct lb_doctor_finding *f = add_finding(c, LB_DOC_UNREADABLE_DEVICE_FILE);
		if (!f)
			return -1;
		add_object(f, "device file %s/%s", c->root->metadata_dir, lb_dm_device_file(d->dm.hash));
		add_object(f, "%.180s", d->err.msg);
		add_references(c, d->dm.hash, f);
		set_text(f->consequence, sizeof(f->consequence),
			 "dockerd refuses to start: \"devmapper: Failed to load device files: "
			 "Unknown device %s\"",
			 d->dm.hash);
		set_text(f->fix, sizeof(f->fix),
			 "move the file into the backup; dockerd then starts, and whatever used "
			 "device %s reports it missing",
			 hash_label(d->dm.hash));
		act_file(f, LB_ACT_REMOVE_FILE, lb_dm_device_file(d->dm.hash));
	}
	return 0;
}

static int check_transaction(struct ctx *c)
{
	const struct lb_docker_root *r = c->root;
	const struct lb_doctor_pool *p = c->pool;
	if (r->transaction_err.code == LB_ENOTFOUND)
		return 0; /* dockerd treats a missing file as "nothing open" */
	if (r->transaction_err.code) {
		struct lb_doctor_finding *f = add_finding(c, LB_DOC_TRANSACTION_MISMATCH);
		if (!f)
			return -1;
		add_object(f, "%s/%s", r->metadata_dir, LB_DM_TRANSACTION_FILE);
		add_object(f, "%.180s", r->transaction_err.msg);
		set_text(f->consequence, sizeof(f->consequence),
			 "dockerd ignores the damage and reads open_transaction_id 0, below the "
			 "pool's %llu; it logs \"Open Transaction id 0 is less than pool "
			 "transaction id\"",
			 (unsigned long long)p->trans_id);
		set_text(f->fix, sizeof(f->fix),
			 "rewrite transaction-metadata with open_transaction_id %llu (the pool's)",
			 (unsigned long long)p->trans_id);
		struct lb_doctor_action *a = add_action(f, LB_ACT_SET_OPEN_TRANSACTION);
		if (a)
			a->new_id = p->trans_id;
		return 0;
	}
	const struct lb_dm_transaction *t = &r->transaction;
	if (t->open_transaction_id < p->trans_id) {
		struct lb_doctor_finding *f = add_finding(c, LB_DOC_TRANSACTION_MISMATCH);
		if (!f)
			return -1;
		add_object(f, "%s/%s: open_transaction_id %llu", r->metadata_dir,
			   LB_DM_TRANSACTION_FILE, (unsigned long long)t->open_transaction_id);
		add_object(f, "pool transaction id %llu", (unsigned long long)p->trans_id);
		set_text(f->consequence, sizeof(f->consequence),
			 "Docker's files are older than the pool (restored from a backup?): "
			 "dockerd logs \"Open Transaction id %llu is less than pool transaction id "
			 "%llu\"; devices created since may be orphans",
			 (unsigned long long)t->open_transaction_id, (unsigned long long)p->trans_id);
		set_text(f->fix, sizeof(f->fix),
			 "rewrite transaction-metadata with open_transaction_id %llu (the pool's)",
			 (unsigned long long)p->trans_id);
		struct lb_doctor_action *a = add_action(f, LB_ACT_SET_OPEN_TRANSACTION);
		if (a)
			a->new_id = p->trans_id;
		return 0;
	}
	if (t->open_transaction_id == p->trans_id)
		return 0;

	/* Pending: dockerd would roll back (delete the device, remove its file). */
	c->handled_hash = t->device_hash;
	c->handled_id_set = true;
	c->handled_id = t->device_id;
	struct lb_doctor_finding *f = add_finding(c, LB_DOC_OPEN_TRANSACTION);
	if (!f)
		return -1;
	const struct lb_docker_device *file = lb_docker_root_device(r, t->device_hash);
	bool has_file = file && file->err.code == 0;
	const struct lb_thin_device *in_pool_dev = NULL;
	bool in_pool = pool_has(p, t->device_id, &in_pool_dev);
	add_object(f, "%s/%s: open_transaction_id %llu, device %s, thin device %u", r->metadata_dir,
		   LB_DM_TRANSACTION_FILE, (unsigned long long)t->open_transaction_id,
		   hash_label(t->device_hash), t->device_id);
	add_object(f, "pool transaction id %llu; thin device %u %s; device file %s",
		   (unsigned long long)p->trans_id, t->device_id,
		   in_pool ? "in the pool" : "not in the pool", has_file ? "present" : "absent");
	size_t refs = add_references(c, t->device_hash, f);
	if (refs && in_pool && has_file) {
		set_text(f->consequence, sizeof(f->consequence),
			 "dockerd rolls the transaction back at start: it deletes thin device %u "
			 "and the file of %s, destroying data that %zu container(s)/layer(s) use",
			 t->device_id, hash_label(t->device_hash), refs);
		set_text(f->fix, sizeof(f->fix),
			 "commit instead of rolling back: pool message \"set_transaction_id %llu "
			 "%llu\"; nothing is deleted",
			 (unsigned long long)p->trans_id, (unsigned long long)t->open_transaction_id);
		struct lb_doctor_action *a = add_action(f, LB_ACT_POOL_SET_TRANSACTION);
		if (a) {
			a->old_id = p->trans_id;
			a->new_id = t->open_transaction_id;
		}
	} else if (refs && in_pool) {
		set_text(f->consequence, sizeof(f->consequence),
			 "dockerd rolls back at start and deletes thin device %u, which holds the "
			 "data of %s that %zu container(s)/layer(s) use; no file describes it",
			 t->device_id, hash_label(t->device_hash), refs);
		set_text(f->fix, sizeof(f->fix),
			 "none: restore the device file of %s from a backup first (its size is "
			 "not in the pool), then run doctor again",
			 hash_label(t->device_hash));
	} else if (in_pool) {
		/* Nothing uses it yet, but it may hold data (the crash came
		 * between creating and recording it): keep it unless asked. */
		set_text(f->consequence, sizeof(f->consequence),
			 "dockerd rolls the transaction back at start: it deletes thin device %u "
			 "(%llu blocks mapped) and the file of %s; nothing uses them yet",
			 t->device_id, (unsigned long long)(in_pool_dev ? in_pool_dev->mapped_blocks : 0),
			 hash_label(t->device_hash));
		act_pool_delete(f, t->device_id);
		if (file)
			act_file(f, LB_ACT_REMOVE_FILE, lb_dm_device_file(t->device_hash));
		act_file(f, LB_ACT_REMOVE_FILE, LB_DM_TRANSACTION_FILE);
		actions_to_reclaim(f, LB_RECLAIM_ORPHAN, t->device_id);
		f->reclaim_in_all = true;
		set_text(f->fix, sizeof(f->fix),
			 "commit instead of rolling back: pool message \"set_transaction_id %llu "
			 "%llu\"; thin device %u is kept. --reclaim-orphans rolls back like dockerd "
			 "(pool message \"delete %u\",%s remove transaction-metadata)",
			 (unsigned long long)p->trans_id, (unsigned long long)t->open_transaction_id,
			 t->device_id, t->device_id, has_file ? " device file into the backup," : "");
		struct lb_doctor_action *a = add_action(f, LB_ACT_POOL_SET_TRANSACTION);
		if (a) {
			a->old_id = p->trans_id;
			a->new_id = t->open_transaction_id;
		}
	} else {
		set_text(f->consequence, sizeof(f->consequence),
			 "dockerd rolls the transaction back at start (thin device %u was never "
			 "created; it removes the file of %s); nothing uses them",
			 t->device_id, hash_label(t->device_hash));
		set_text(f->fix, sizeof(f->fix), "the same rollback, which loses no data:%s remove "
			 "transaction-metadata",
			 has_file ? " move the device file into the backup," : "");
		if (file)
			act_file(f, LB_ACT_REMOVE_FILE, lb_dm_device_file(t->device_hash));
		act_file(f, LB_ACT_REMOVE_FILE, LB_DM_TRANSACTION_FILE);
	}
	return 0;
}

static int check_device_files(struct ctx *c)
{
	const struct lb_docker_root *r = c->root;
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct lb_docker_device *d = &r->devices[i];
		if (d->err.code || is_handled_hash(c, d->dm.hash))
			continue;
		const char *file = lb_dm_device_file(d->dm.hash);
		bool in_pool = pool_has(c->pool, d->dm.device_id, NULL);
		if (d->dm.deleted) {
			struct lb_doctor_finding *f = add_finding(c, LB_DOC_DEVICE_MARKED_DELETED);
			if (!f)
				return -1;
			add_object(f, "device %s, thin device %u (%s)", hash_label(d->dm.hash),
				   d->dm.device_id, in_pool ? "in the pool" : "not in the pool");
			size_t refs = add_references(c, d->dm.hash, f);
			if (refs) {
				set_text(f->consequence, sizeof(f->consequence),
					 "dockerd refuses to activate it (\"marked for deletion\"): "
					 "the container(s)/layer(s) using it cannot start or be copied");
				set_text(f->fix, sizeof(f->fix),
					 "clear the deleted flag in its device file (still used)");
				act_file(f, LB_ACT_CLEAR_DELETED, file);
			} else {
				set_text(f->consequence, sizeof(f->consequence),
					 "nothing uses it, and without deferred deletion dockerd never "
					 "finishes deleting it: its space stays taken");
				if (in_pool)
					act_pool_delete(f, d->dm.device_id);
				act_file(f, LB_ACT_REMOVE_FILE, file);
				if (in_pool) {
					actions_to_reclaim(f, LB_RECLAIM_DELETED, d->dm.device_id);
					set_text(f->fix, sizeof(f->fix),
						 "none by default (its data is still in the pool: lifeboat "
						 "recover image --device-id %u); --reclaim-deleted finishes "
						 "the deletion: pool message \"delete %u\", device file into "
						 "the backup",
						 d->dm.device_id, d->dm.device_id);
				} else {
					set_text(f->fix, sizeof(f->fix),
						 "finish the deletion, which loses no data (the device is "
						 "not in the pool): move its device file into the backup");
				}
			}
			continue;
		}
		if (in_pool)
			continue;
		struct lb_doctor_finding *f = add_finding(c, LB_DOC_MISSING_THIN_DEVICE);
		if (!f)
			return -1;
		add_object(f, "device %s: thin device %u is not in the pool", hash_label(d->dm.hash),
			   d->dm.device_id);
		size_t refs = add_references(c, d->dm.hash, f);
		set_text(f->consequence, sizeof(f->consequence),
			 "activating it fails: docker start and docker cp fail (\"Error activating "
			 "devmapper device\"); docker rm still works and drops the file%s",
			 refs ? "; the data of the objects listed is gone" : "; nothing uses it");
		set_text(f->fix, sizeof(f->fix),
			 "move its device file into the backup%s",
			 refs ? "; the objects listed are lost (dangling-mount-id remains: docker rm "
				"them)"
			      : "");
		act_file(f, LB_ACT_REMOVE_FILE, file);
	}
	return 0;
}

static const struct lb_doctor_devfacts *facts_of(const struct ctx *c, size_t i)
{
	return c->pool->facts ? &c->pool->facts[i] : NULL;
}

/* "xfs 3694baad-... (512M)" or "no filesystem found" */
static void fs_text(const struct lb_doctor_devfacts *df, char *buf, size_t cap)
{
	if (df && df->fs_type[0])
		snprintf(buf, cap, "%s filesystem, UUID %s, %llu bytes", df->fs_type, df->fs_uuid,
			 (unsigned long long)df->fs_size_bytes);
	else
		snprintf(buf, cap, "no filesystem found on its first block");
}

static const char *ref_owner_text(const struct ctx *c, const struct lb_lost_ref *r, char *buf,
				  size_t cap)
{
	if (r->kind == LB_LOST_LAYER)
		snprintf(buf, cap, "image layer %s", c->layers[r->owner].chain_id);
	else
		snprintf(buf, cap, "container %.128s (%.12s) %s",
			 container_name(&c->root->containers[r->owner]),
			 c->root->containers[r->owner].id,
			 r->kind == LB_LOST_RW ? "rootfs" : "init layer");
	return buf;
}

/* lost-device-file for each one-to-one confirmed match; the rest of the
 * candidates as ambiguous-device-match, with nothing to write. */
static int check_lost(struct ctx *c)
{
	const struct lb_doctor_pool *p = c->pool;
	struct lb_match_pool mp = {.devices = p->devices, .n_devices = p->n_devices,
				   .facts = p->facts,
				   .data_block_size_sectors = p->data_block_size_sectors,
				   .base_fs_type = p->base_fs_type, .base_fs_uuid = p->base_fs_uuid,
				   .any_unreadable = c->any_unreadable};
	if (lb_lost_refs(c->root, c->layers, c->n_layers, &mp, &c->match, NULL) ||
	    lb_lost_match_run(c->root, &mp, &c->match))
		return -1;
	struct lb_lost_match *m = &c->match;
	c->ref_reported = calloc(m->n_refs + 1, sizeof(bool));
	c->orphan_matched = calloc(p->n_devices + 1, sizeof(bool));
	if (!c->ref_reported || !c->orphan_matched)
		return -1;
	char owner[256];
	for (size_t r = 0; r < m->n_refs; r++) {
		const struct lb_lost_ref *ref = &m->refs[r];
		size_t n = lb_lost_cands_of_ref(m, r);
		if (!n)
			continue; /* dangling-*-id reports it */
		const struct lb_lost_candidate *only = NULL;
		for (size_t i = 0; i < m->n_cands; i++)
			if (m->cands[i].ref == r)
				only = &m->cands[i];
		bool one_to_one = n == 1 && lb_lost_refs_of_orphan(m, only->orphan) == 1;
		c->ref_reported[r] = true;
		ref_owner_text(c, ref, owner, sizeof(owner));
		if (one_to_one && only->confirmed) {
			const struct lb_thin_device *td = &p->devices[only->orphan];
			c->orphan_matched[only->orphan] = true;
			struct lb_doctor_finding *f = add_finding(c, LB_DOC_LOST_DEVICE_FILE);
			if (!f)
				return -1;
			add_object(f, "%s/%s: missing; %s uses it", c->root->metadata_dir, ref->hash,
				   owner);
			add_object(f, "thin device %llu, %llu blocks mapped, is in the pool and no file "
				      "names it",
				   (unsigned long long)td->dev_id, (unsigned long long)td->mapped_blocks);
			add_object(f, "%s", only->evidence);
			set_text(f->consequence, sizeof(f->consequence),
				 "dockerd cannot find the device: \"devmapper: Unknown device %s\"; "
				 "the data is intact in thin device %llu",
				 ref->hash, (unsigned long long)td->dev_id);
			set_text(f->fix, sizeof(f->fix),
				 "write metadata/%s again: device_id %llu, size %llu, transaction_id %llu",
				 ref->hash, (unsigned long long)td->dev_id,
				 (unsigned long long)ref->size_bytes,
				 (unsigned long long)(td->transaction_id + 1));
			struct lb_doctor_action *a = add_action(f, LB_ACT_WRITE_DEVICE_FILE);
			if (a) {
				snprintf(a->file, sizeof(a->file), "%s", ref->hash);
				a->dev_id = td->dev_id;
				a->size_bytes = ref->size_bytes;
				/* Docker records the transaction it opened for the device,
				 * one above the pool's at creation (the pool keeps that). */
				a->new_id = td->transaction_id + 1;
			}
			continue;
		}
		struct lb_doctor_finding *f = add_finding(c, LB_DOC_AMBIGUOUS_DEVICE_MATCH);
		if (!f)
			return -1;
		add_object(f, "%s/%s: missing; %s uses it", c->root->metadata_dir, ref->hash, owner);
		for (size_t i = 0; i < m->n_cands; i++) {
			const struct lb_lost_candidate *cd = &m->cands[i];
			if (cd->ref != r)
				continue;
			add_object(f, "candidate thin device %llu%s: %s",
				   (unsigned long long)p->devices[cd->orphan].dev_id,
				   lb_lost_refs_of_orphan(m, cd->orphan) > 1 ? " (also fits another reference)" : "",
				   cd->evidence);
		}
		set_text(f->consequence, sizeof(f->consequence),
			 "dockerd cannot find the device: \"devmapper: Unknown device %s\"; its data "
			 "is probably in one of the candidates, but the evidence does not single one "
			 "out",
			 ref->hash);
		set_text(f->fix, sizeof(f->fix),
			 "none: nothing is written. Look inside each candidate (lifeboat recover mount "
			 "--device-id ID DIR), then restore metadata/%s by hand from the backup's "
			 "format or keep the candidates",
			 ref->hash);
	}
	return 0;
}

static bool is_candidate(const struct ctx *c, size_t o)
{
	return lb_lost_refs_of_orphan(&c->match, o) > 0;
}

static int check_orphans(struct ctx *c)
{
	const struct lb_doctor_pool *p = c->pool;
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct lb_thin_device *td = &p->devices[i];
		if (file_for_id(c->root, td->dev_id) ||
		    (c->handled_id_set && c->handled_id == td->dev_id) ||
		    (c->orphan_matched && c->orphan_matched[i]))
			continue;
		struct lb_doctor_finding *f = add_finding(c, LB_DOC_ORPHAN_THIN_DEVICE);
		if (!f)
			return -1;
		uint64_t block_bytes = (uint64_t)p->data_block_size_sectors * 512;
		char fs[160];
		fs_text(facts_of(c, i), fs, sizeof(fs));
		add_object(f, "thin device %llu: %llu blocks mapped (%llu bytes), created in pool "
			      "transaction %llu at time %u",
			   (unsigned long long)td->dev_id, (unsigned long long)td->mapped_blocks,
			   (unsigned long long)(td->mapped_blocks * block_bytes),
			   (unsigned long long)td->transaction_id, td->creation_time);
		add_object(f, "%s", fs);
		add_object(f, "look inside: lifeboat recover mount --device-id %llu DIR; lifeboat "
			      "recover image --device-id %llu -o FILE",
			   (unsigned long long)td->dev_id, (unsigned long long)td->dev_id);
		bool cand = c->match.cands && is_candidate(c, i);
		set_text(f->consequence, sizeof(f->consequence),
			 "no device file names it: its space stays taken, and dockerd logs \"Device "
			 "ID %llu exists in pool but it is supposed to be unused\" when it reaches "
			 "it%s",
			 (unsigned long long)td->dev_id,
			 cand ? "; it may be the device of a lost file (see ambiguous-device-match)"
			 : c->any_unreadable ? "; it may be the device of the unreadable device file"
					     : "");
		set_text(f->fix, sizeof(f->fix),
			 "none by default: an orphan is evidence, kept. --reclaim-orphans%s deletes "
			 "it (pool message \"delete %llu\"), after the backup",
			 cand || c->any_unreadable || p->catalog_err[0] ? "=ID (naming it)" : "",
			 (unsigned long long)td->dev_id);
		act_pool_delete(f, td->dev_id);
		actions_to_reclaim(f, LB_RECLAIM_ORPHAN, td->dev_id);
		/* A plain --reclaim-orphans never takes what may be a lost file's. */
		f->reclaim_in_all = !cand && !c->any_unreadable && !p->catalog_err[0];
	}
	return 0;
}

/* lifeboat's snapshots: notes, so nobody takes them for orphans. */
static int check_snapshots(struct ctx *c)
{
	const struct lb_doctor_pool *p = c->pool;
	if (p->catalog_err[0]) {
		struct lb_doctor_finding *f = add_finding(c, LB_DOC_SNAPSHOT_CATALOG_DAMAGED);
		if (!f)
			return -1;
		add_object(f, "%s", p->catalog_err);
		set_text(f->consequence, sizeof(f->consequence),
			 "lifeboat's snapshots cannot be told from orphans: any orphan below may be "
			 "a snapshot; a plain --reclaim-orphans takes none");
		set_text(f->fix, sizeof(f->fix),
			 "none: restore snapshots.json from snapshots.json.bak beside it if that "
			 "one reads");
	}
	for (size_t i = 0; i < p->n_snapshots; i++) {
		const struct lb_doctor_snapshot *sn = &p->snapshots[i];
		struct lb_doctor_finding *f = add_finding(c, LB_DOC_LIFEBOAT_SNAPSHOT);
		if (!f)
			return -1;
		add_object(f, "thin device %llu: lifeboat snapshot %s of %s%s",
			   (unsigned long long)sn->dev_id, sn->name, sn->container,
			   sn->pending ? " (pending: its create did not finish)" : "");
		set_text(f->consequence, sizeof(f->consequence),
			 "none: not Docker's, and out of dockerd's way (ids from the top down)");
		set_text(f->fix, sizeof(f->fix), "none needed; lifeboat snapshot rm %s deletes it",
			 sn->name);
	}
	return 0;
}

static bool ref_reported(const struct ctx *c, const char *hash)
{
	for (size_t r = 0; r < c->match.n_refs; r++)
		if (c->ref_reported[r] && !strcmp(c->match.refs[r].hash, hash))
			return true;
	return false;
}

static int check_references(struct ctx *c)
{
	const struct lb_docker_root *r = c->root;
	for (size_t i = 0; i < r->n_containers; i++) {
		const struct lb_docker_container *ct = &r->containers[i];
		if (ct->mount_err.code)
			continue;
		const char *ids[2] = {ct->mount.mount_id, ct->mount.init_id};
		for (int k = 0; k < 2; k++) {
			if (!ids[k][0] || lb_docker_root_device(r, ids[k]) || ref_reported(c, ids[k]))
				continue;
			struct lb_doctor_finding *f = add_finding(c, LB_DOC_DANGLING_MOUNT_ID);
			if (!f)
				return -1;
			add_object(f, "container %s (%.12s)", container_name(ct), ct->id);
			add_object(f, "%s/mounts/%s/%s: %s", r->layerdb_dir, ct->id,
				   k ? "init-id" : "mount-id", ids[k]);
			set_text(f->consequence, sizeof(f->consequence),
				 "docker start, cp and export fail: \"devmapper: Unknown device "
				 "%s\"; %s",
				 ids[k],
				 k ? "its init layer is gone" : "its filesystem is not in the pool "
								 "under any known device");
			set_text(f->fix, sizeof(f->fix),
				 "none: nothing is left to recover; 'docker rm %s' removes the "
				 "container cleanly",
				 container_name(ct));
		}
	}
	for (size_t i = 0; i < c->n_layers; i++) {
		const struct lb_docker_layer *l = &c->layers[i];
		if (lb_docker_root_device(r, l->cache_id) || ref_reported(c, l->cache_id))
			continue;
		struct lb_doctor_finding *f = add_finding(c, LB_DOC_DANGLING_CACHE_ID);
		if (!f)
			return -1;
		add_object(f, "image layer %s: cache-id %s", l->chain_id, l->cache_id);
		set_text(f->consequence, sizeof(f->consequence),
			 "new containers of images with this layer fail: \"devmapper: Unknown "
			 "device %s\"; existing containers are separate snapshots and keep working",
			 l->cache_id);
		set_text(f->fix, sizeof(f->fix),
			 "none: remove the image (docker rmi) and pull or load it again");
	}
	return 0;
}

static int check_base(struct ctx *c)
{
	const struct lb_docker_root *r = c->root;
	const struct lb_doctor_pool *p = c->pool;
	const struct lb_docker_device *base = lb_docker_root_device(r, "");
	if (r->deviceset_err.code || !p->base_fs_type[0] || !base || base->err.code ||
	    !base->dm.initialized || base->dm.deleted)
		return 0;
	const struct lb_dm_deviceset *s = &r->deviceset;
	/* dockerd fills in empty values itself (the upgrade case); only a
	 * stored value that differs stops it. */
	bool uuid_bad = s->base_device_uuid[0] && strcmp(s->base_device_uuid, p->base_fs_uuid);
	bool fs_bad = s->base_device_filesystem[0] && strcmp(s->base_device_filesystem, p->base_fs_type);
	if (!uuid_bad && !fs_bad)
		return 0;
	struct lb_doctor_finding *f = add_finding(c, LB_DOC_BASE_DEVICE_MISMATCH);
	if (!f)
		return -1;
	add_object(f, "%s/%s: BaseDeviceUUID %s, BaseDeviceFilesystem %s", r->metadata_dir,
		   LB_DM_DEVICESET_FILE, s->base_device_uuid, s->base_device_filesystem);
	add_object(f, "base device (thin device %u): %s filesystem, UUID %s", base->dm.device_id,
		   p->base_fs_type, p->base_fs_uuid);
	if (uuid_bad)
		set_text(f->consequence, sizeof(f->consequence),
			 "dockerd refuses to start: \"Current Base Device UUID:%s does not match "
			 "with stored UUID:%s. Possibly using a different thin pool than last "
			 "invocation\"",
			 p->base_fs_uuid, s->base_device_uuid);
	else
		set_text(f->consequence, sizeof(f->consequence),
			 "dockerd mounts new devices as %s, but they hold %s", s->base_device_filesystem,
			 p->base_fs_type);
	set_text(f->fix, sizeof(f->fix),
		 "rewrite deviceset-metadata with BaseDeviceUUID %s and BaseDeviceFilesystem %s",
		 p->base_fs_uuid, p->base_fs_type);
	struct lb_doctor_action *a = add_action(f, LB_ACT_SET_BASE_FS);
	if (a) {
		snprintf(a->uuid, sizeof(a->uuid), "%s", p->base_fs_uuid);
		snprintf(a->fs, sizeof(a->fs), "%s", p->base_fs_type);
	}
	return 0;
}

static int check_next_id(struct ctx *c)
{
	const struct lb_docker_root *r = c->root;
	if (r->deviceset_err.code)
		return 0;
	uint64_t max = 0;
	for (size_t i = 0; i < r->n_devices; i++)
		if (r->devices[i].err.code == 0 && r->devices[i].dm.device_id > max)
			max = r->devices[i].dm.device_id;
	if (c->pool->n_devices && c->pool->devices[c->pool->n_devices - 1].dev_id > max)
		max = c->pool->devices[c->pool->n_devices - 1].dev_id;
	if (r->deviceset.next_device_id >= max)
		return 0;
	struct lb_doctor_finding *f = add_finding(c, LB_DOC_NEXT_DEVICE_ID_TOO_LOW);
	if (!f)
		return -1;
	add_object(f, "%s/%s: next_device_id %u, highest id in use %llu", r->metadata_dir,
		   LB_DM_DEVICESET_FILE, r->deviceset.next_device_id, (unsigned long long)max);
	set_text(f->consequence, sizeof(f->consequence),
		 "none: dockerd 20.10 saves next_device_id only when it creates the base device "
		 "and skips every id a device file names");
	set_text(f->fix, sizeof(f->fix), "none needed");
	return 0;
}

int lb_doctor_check(const struct lb_docker_root *root, const struct lb_docker_layer *layers,
		    size_t n_layers, const struct lb_doctor_pool *pool,
		    struct lb_doctor_report *out, struct lb_err *err)
{
	memset(out, 0, sizeof(*out));
	struct ctx c = {.root = root, .layers = layers, .n_layers = n_layers, .pool = pool, .rep = out};
	int rc = check_unreadable(&c);
	if (!rc)
		rc = check_transaction(&c);
	if (!rc)
		rc = check_device_files(&c);
	if (!rc)
		rc = check_lost(&c);
	if (!rc)
		rc = check_orphans(&c);
	if (!rc)
		rc = check_references(&c);
	if (!rc)
		rc = check_base(&c);
	if (!rc)
		rc = check_next_id(&c);
	if (!rc)
		rc = check_snapshots(&c);
	lb_lost_match_free(&c.match);
	free(c.ref_reported);
	free(c.orphan_matched);
	if (rc) {
		lb_doctor_report_free(out);
		return lb_fail(err, LB_EFAIL, "%s: doctor: out of memory", root->data_root);
	}
	return LB_OK;
}

int lb_doctor_reclaim(struct lb_doctor_report *r, const struct lb_doctor_reclaim_opts *o,
		      struct lb_err *err)
{
	for (size_t k = 0; k < o->n_orphan_ids; k++) {
		bool found = false;
		for (size_t i = 0; i < r->n_findings; i++)
			found |= r->findings[i].reclaim == LB_RECLAIM_ORPHAN &&
				 r->findings[i].reclaim_dev_id == o->orphan_ids[k];
		if (!found)
			return lb_fail(err, LB_ENOTFOUND,
				       "--reclaim-orphans: thin device %llu is no orphan doctor reports",
				       (unsigned long long)o->orphan_ids[k]);
	}
	for (size_t i = 0; i < r->n_findings; i++) {
		struct lb_doctor_finding *f = &r->findings[i];
		bool take = false;
		if (f->reclaim == LB_RECLAIM_DELETED)
			take = o->deleted;
		if (f->reclaim == LB_RECLAIM_ORPHAN) {
			take = o->orphans_all && f->reclaim_in_all;
			for (size_t k = 0; k < o->n_orphan_ids; k++)
				take |= o->orphan_ids[k] == f->reclaim_dev_id;
		}
		if (!take)
			continue;
		memcpy(f->actions, f->reclaim_actions, sizeof(f->actions));
		f->n_actions = f->n_reclaim_actions;
		f->reclaim = LB_RECLAIM_NONE;
	}
	return LB_OK;
}

void lb_doctor_report_free(struct lb_doctor_report *r)
{
	free(r->findings);
	memset(r, 0, sizeof(*r));
}
