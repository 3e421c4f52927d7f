/* libFuzzer target: the doctor's checks (lib/doctor/doctor.c and match.c)
 * over Docker trees and pools generated from the input: device files (some
 * unreadable, some marked deleted), containers with mount and init ids,
 * image layers with parents, pool devices with transactions, times, mapped
 * data blocks and the filesystem on their first block. Promises, beyond no
 * crash, leak or overflow:
 *   - no default plan deletes a thin device (a repair never makes data
 *     unreachable unless the operator names what goes);
 *   - a device file is written again only where none is, for a pool device
 *     that no readable file names, with the size of a live neighbour;
 *   - lb_doctor_reclaim only ever adds deletions of devices the pool has. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"

struct cursor {
	const uint8_t *p;
	size_t n;
};

/* The next input byte modulo `mod` (0 once the input is used up). */
static unsigned take(struct cursor *c, unsigned mod)
{
	if (!c->n)
		return 0;
	unsigned v = *c->p++;
	c->n--;
	return mod ? v % mod : v;
}

/* Device file names in strcmp order, as lb_docker_root keeps them. */
static const char *const hashes[] = {"", "a", "a-init", "b", "b-init", "c", "c-init", "l1", "l2", "l3"};
#define N_HASH (sizeof(hashes) / sizeof(hashes[0]))
#define MAX_POOL 16

struct world {
	struct lb_docker_root root;
	struct lb_docker_device dev[N_HASH];
	struct lb_docker_container ct[3];
	struct lb_docker_layer layers[3];
	size_t n_layers;
	struct lb_thin_device td[MAX_POOL];
	struct lb_doctor_devfacts facts[MAX_POOL];
	struct lb_doctor_pool pool;
};

static void gen(struct cursor *c, struct world *w)
{
	strcpy(w->root.data_root, "/r");
	strcpy(w->root.metadata_dir, "/r/devicemapper/metadata");
	strcpy(w->root.layerdb_dir, "/r/image/devicemapper/layerdb");
	w->root.devices = w->dev;
	w->root.containers = w->ct;
	for (size_t i = 0; i < N_HASH; i++) {
		if (take(c, 4) == 0)
			continue;
		struct lb_docker_device *d = &w->dev[w->root.n_devices++];
		snprintf(d->dm.hash, sizeof(d->dm.hash), "%s", hashes[i]);
		d->dm.device_id = take(c, MAX_POOL);
		d->dm.size_bytes = (uint64_t)(1 + take(c, 3)) << 29;
		d->dm.transaction_id = take(c, 16);
		d->dm.initialized = !hashes[i][0];
		d->dm.deleted = take(c, 8) == 0;
		if (take(c, 16) == 0)
			d->err.code = LB_EINTEGRITY;
	}
	for (int i = 0; i < 3; i++) {
		if (take(c, 3) == 0)
			continue;
		struct lb_docker_layer *l = &w->layers[w->n_layers++];
		snprintf(l->chain_id, sizeof(l->chain_id), "sha256:L%d", i + 1);
		snprintf(l->cache_id, sizeof(l->cache_id), "l%d", i + 1);
		unsigned parent = take(c, (unsigned)i + 1); /* 0: none, else an earlier layer */
		if (parent)
			snprintf(l->parent, sizeof(l->parent), "sha256:L%u", parent);
	}
	static const char *const names[] = {"a", "b", "c"};
	for (int i = 0; i < 3; i++) {
		if (take(c, 3) == 0)
			continue;
		struct lb_docker_container *ct = &w->ct[w->root.n_containers++];
		snprintf(ct->id, sizeof(ct->id), "%064d", i);
		snprintf(ct->config.name, sizeof(ct->config.name), "/%s", names[i]);
		snprintf(ct->mount.mount_id, sizeof(ct->mount.mount_id), "%s",
			 take(c, 8) ? names[i] : "gone");
		if (take(c, 4))
			snprintf(ct->mount.init_id, sizeof(ct->mount.init_id), "%s-init", names[i]);
		unsigned top = take(c, 4);
		if (top)
			snprintf(ct->mount.parent, sizeof(ct->mount.parent), "sha256:L%u", top);
		if (take(c, 16) == 0)
			ct->mount_err.code = LB_EINTEGRITY;
	}
	w->pool.devices = w->td;
	for (unsigned id = 0; id < MAX_POOL; id++) {
		if (take(c, 3) == 0)
			continue;
		size_t i = w->pool.n_devices++;
		struct lb_thin_device *t = &w->td[i];
		t->dev_id = id;
		t->transaction_id = take(c, 16);
		t->creation_time = take(c, 16);
		t->snapshotted_time = take(c, 16);
		t->mapped_blocks = take(c, 0);
		struct lb_doctor_devfacts *f = &w->facts[i];
		f->have_blocks = take(c, 8) != 0;
		size_t cap = 0;
		for (unsigned r = take(c, 5); r > 0; r--)
			if (lb_block_set_add(&f->blocks, &cap, take(c, 64), 1 + take(c, 8)))
				abort();
		lb_block_set_finish(&f->blocks);
		f->mapped_end_blocks = take(c, 0);
		if (take(c, 4)) {
			strcpy(f->fs_type, take(c, 8) ? "xfs" : "ext4");
			strcpy(f->fs_uuid, take(c, 8) ? "U" : "V");
			f->fs_size_bytes = (uint64_t)take(c, 4) << 29;
		}
	}
	w->pool.facts = take(c, 8) ? w->facts : NULL;
	w->pool.data_block_size_sectors = 128;
	w->pool.trans_id = take(c, 16);
	strcpy(w->pool.base_fs_type, "xfs");
	strcpy(w->pool.base_fs_uuid, "U");
	w->root.transaction.open_transaction_id = w->pool.trans_id + take(c, 3) - 1;
	snprintf(w->root.transaction.device_hash, sizeof(w->root.transaction.device_hash), "%s",
		 hashes[take(c, N_HASH)]);
	w->root.transaction.device_id = take(c, MAX_POOL);
	if (take(c, 16) == 0)
		w->root.transaction_err.code = take(c, 2) ? LB_ENOTFOUND : LB_EINTEGRITY;
	w->root.deviceset.next_device_id = take(c, MAX_POOL);
}

static bool pool_has(const struct world *w, uint64_t id)
{
	for (size_t i = 0; i < w->pool.n_devices; i++)
		if (w->td[i].dev_id == id)
			return true;
	return false;
}

static bool readable_file_names(const struct world *w, uint64_t id)
{
	for (size_t i = 0; i < w->root.n_devices; i++)
		if (!w->dev[i].err.code && w->dev[i].dm.device_id == id)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = {data, size};
	struct world *w = calloc(1, sizeof(*w));
	if (!w)
		return 0;
	gen(&c, w);
	struct lb_doctor_report rep;
	struct lb_err err = {0};
	if (lb_doctor_check(&w->root, w->layers, w->n_layers, &w->pool, &rep, &err) == 0) {
		for (size_t i = 0; i < rep.n_findings; i++) {
			const struct lb_doctor_finding *f = &rep.findings[i];
			for (size_t k = 0; k < f->n_actions; k++) {
				const struct lb_doctor_action *a = &f->actions[k];
				if (a->kind == LB_ACT_POOL_DELETE)
					abort(); /* a default plan never deletes a device */
				if (a->kind == LB_ACT_WRITE_DEVICE_FILE &&
				    (lb_docker_root_device(&w->root, a->file) || !pool_has(w, a->dev_id) ||
				     readable_file_names(w, a->dev_id) || !a->size_bytes))
					abort();
			}
		}
		struct lb_doctor_reclaim_opts all = {.orphans_all = true, .deleted = true};
		if (lb_doctor_reclaim(&rep, &all, &err) == 0)
			for (size_t i = 0; i < rep.n_findings; i++)
				for (size_t k = 0; k < rep.findings[i].n_actions; k++)
					if (rep.findings[i].actions[k].kind == LB_ACT_POOL_DELETE &&
					    !pool_has(w, rep.findings[i].actions[k].dev_id))
						abort();
		lb_doctor_report_free(&rep);
	}
	for (size_t i = 0; i < MAX_POOL; i++)
		lb_block_set_free(&w->facts[i].blocks);
	free(w);
	return 0;
}
