#include "doctor/match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lb_block_set_add(struct lb_block_set *s, size_t *cap, uint64_t start, uint64_t len)
{
	if (!len)
		return 0;
	if (s->n && s->runs[s->n - 1].start + s->runs[s->n - 1].len == start) {
		s->runs[s->n - 1].len += len; /* the common case: a walk in order */
		return 0;
	}
	if (s->n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct lb_block_run *bigger = realloc(s->runs, c * sizeof(*bigger));
		if (!bigger)
			return -1;
		s->runs = bigger;
		*cap = c;
	}
	s->runs[s->n++] = (struct lb_block_run){.start = start, .len = len};
	return 0;
}

static int cmp_run(const void *a, const void *b)
{
	const struct lb_block_run *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

void lb_block_set_finish(struct lb_block_set *s)
{
	if (!s->n)
		return;
	qsort(s->runs, s->n, sizeof(*s->runs), cmp_run);
	size_t w = 0;
	for (size_t i = 1; i < s->n; i++) {
		struct lb_block_run *last = &s->runs[w];
		if (s->runs[i].start <= last->start + last->len) {
			uint64_t end = s->runs[i].start + s->runs[i].len;
			if (end > last->start + last->len)
				last->len = end - last->start;
		} else {
			s->runs[++w] = s->runs[i];
		}
	}
	s->n = w + 1;
}

void lb_block_set_free(struct lb_block_set *s)
{
	free(s->runs);
	memset(s, 0, sizeof(*s));
}

/* Blocks of [start, end) not covered by `minus`, from run index *k on (runs
 * of minus before start are skipped for good: callers go in order). */
static uint64_t count_minus(uint64_t start, uint64_t end, const struct lb_block_set *minus,
			    size_t *k)
{
	if (!minus)
		return end - start;
	while (*k < minus->n && minus->runs[*k].start + minus->runs[*k].len <= start)
		(*k)++;
	uint64_t n = end - start;
	for (size_t j = *k; j < minus->n && minus->runs[j].start < end; j++) {
		uint64_t s = minus->runs[j].start > start ? minus->runs[j].start : start;
		uint64_t e = minus->runs[j].start + minus->runs[j].len;
		if (e > end)
			e = end;
		if (e > s)
			n -= e - s;
	}
	return n;
}

uint64_t lb_block_set_shared(const struct lb_block_set *a, const struct lb_block_set *b,
			     const struct lb_block_set *minus)
{
	uint64_t n = 0;
	size_t i = 0, j = 0, k = 0;
	while (i < a->n && j < b->n) {
		uint64_t as = a->runs[i].start, ae = as + a->runs[i].len;
		uint64_t bs = b->runs[j].start, be = bs + b->runs[j].len;
		uint64_t s = as > bs ? as : bs, e = ae < be ? ae : be;
		if (s < e)
			n += count_minus(s, e, minus, &k);
		if (ae < be)
			i++;
		else
			j++;
	}
	return n;
}

static bool file_names_id(const struct lb_docker_root *root, uint64_t dev_id)
{
	for (size_t i = 0; i < root->n_devices; i++)
		if (root->devices[i].err.code == 0 && root->devices[i].dm.device_id == dev_id)
			return true;
	return false;
}

bool lb_pool_device_is_orphan(const struct lb_docker_root *root, uint64_t dev_id)
{
	return !file_names_id(root, dev_id);
}

/* The pool device of a readable, live device file, as an index; SIZE_MAX if
 * there is none. Also the file's size. */
static size_t device_of(const struct lb_docker_root *root, const struct lb_match_pool *p,
			const char *hash, uint64_t *size)
{
	const struct lb_docker_device *d = lb_docker_root_device(root, hash);
	if (!d || d->err.code || d->dm.deleted)
		return SIZE_MAX;
	size_t lo = 0, hi = p->n_devices;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->devices[mid].dev_id == d->dm.device_id) {
			if (size)
				*size = d->dm.size_bytes;
			return mid;
		}
		if (p->devices[mid].dev_id < d->dm.device_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

static const struct lb_docker_layer *layer_by_chain(const struct lb_docker_layer *layers,
						    size_t n, const char *chain_id)
{
	if (!chain_id[0])
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(layers[i].chain_id, chain_id))
			return &layers[i];
	return NULL;
}

/* The device a layer's snapshots start from: its parent layer's, or the base
 * device for a layer without parent. */
static size_t parent_device(const struct lb_docker_root *root, const struct lb_docker_layer *layers,
			    size_t n_layers, const struct lb_match_pool *p, const char *parent_chain,
			    uint64_t *size)
{
	if (!parent_chain[0])
		return device_of(root, p, "", size);
	const struct lb_docker_layer *l = layer_by_chain(layers, n_layers, parent_chain);
	return l ? device_of(root, p, l->cache_id, size) : SIZE_MAX;
}

/* Sizes of the anchors' files must agree; the lost file gets that size. */
static void note_size(struct lb_lost_ref *r, uint64_t size, bool *first)
{
	if (*first) {
		r->size_bytes = size;
		*first = false;
	} else if (r->size_bytes != size) {
		r->size_bytes = 0;
	}
}

static int push_ref(struct lb_lost_match *m, size_t *cap, const struct lb_lost_ref *r)
{
	if (m->n_refs == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		struct lb_lost_ref *bigger = realloc(m->refs, c * sizeof(*bigger));
		if (!bigger)
			return -1;
		m->refs = bigger;
		*cap = c;
	}
	m->refs[m->n_refs++] = *r;
	return 0;
}

static void want_dev(bool *want, size_t i)
{
	if (want && i != SIZE_MAX)
		want[i] = true;
}

int lb_lost_refs(const struct lb_docker_root *root, const struct lb_docker_layer *layers,
		 size_t n_layers, const struct lb_match_pool *pool, struct lb_lost_match *out,
		 bool *want)
{
	memset(out, 0, sizeof(*out));
	size_t cap = 0;
	for (size_t i = 0; i < root->n_containers; i++) {
		const struct lb_docker_container *ct = &root->containers[i];
		if (ct->mount_err.code)
			continue;
		const struct lb_docker_mount *mt = &ct->mount;
		const struct lb_docker_layer *top = layer_by_chain(layers, n_layers, mt->parent);
		size_t top_dev = top ? device_of(root, pool, top->cache_id, NULL) : SIZE_MAX;
		bool rw_lost = mt->mount_id[0] && !lb_docker_root_device(root, mt->mount_id);
		bool init_lost = mt->init_id[0] && !lb_docker_root_device(root, mt->init_id);
		struct lb_lost_ref r = {.owner = i, .origin = SIZE_MAX, .snapshot = SIZE_MAX};
		bool first = true;
		uint64_t size = 0;
		if (rw_lost && !init_lost && mt->init_id[0]) {
			r.kind = LB_LOST_RW;
			r.hash = mt->mount_id;
			r.origin = device_of(root, pool, mt->init_id, &size);
			if (r.origin == SIZE_MAX)
				continue;
			note_size(&r, size, &first);
			r.snapshot = top_dev; /* what the init device's own blocks are set against */
			want_dev(want, r.origin);
			want_dev(want, top_dev);
		} else if (init_lost && !rw_lost) {
			r.kind = LB_LOST_INIT;
			r.hash = mt->init_id;
			r.snapshot = device_of(root, pool, mt->mount_id, &size);
			if (r.snapshot == SIZE_MAX)
				continue;
			note_size(&r, size, &first);
			r.origin = top_dev;
			want_dev(want, r.snapshot);
			want_dev(want, top_dev);
		} else {
			continue; /* both gone (or no init layer): nothing to anchor a match on */
		}
		if (push_ref(out, &cap, &r))
			return -1;
	}
	for (size_t i = 0; i < n_layers; i++) {
		const struct lb_docker_layer *l = &layers[i];
		if (lb_docker_root_device(root, l->cache_id))
			continue;
		struct lb_lost_ref r = {.kind = LB_LOST_LAYER, .hash = l->cache_id, .owner = i,
					.snapshot = SIZE_MAX};
		bool first = true;
		uint64_t size = 0;
		r.origin = parent_device(root, layers, n_layers, pool, l->parent, &size);
		/* Children: containers on this layer (their init device, else their
		 * read-write one) and layers whose parent it is. */
		for (size_t k = 0; k < root->n_containers && r.n_children < 8; k++) {
			const struct lb_docker_container *ct = &root->containers[k];
			if (ct->mount_err.code || strcmp(ct->mount.parent, l->chain_id))
				continue;
			size_t d = device_of(root, pool, ct->mount.init_id, &size);
			if (d == SIZE_MAX)
				d = device_of(root, pool, ct->mount.mount_id, &size);
			if (d != SIZE_MAX) {
				r.children[r.n_children++] = d;
				note_size(&r, size, &first);
			}
		}
		for (size_t k = 0; k < n_layers && r.n_children < 8; k++) {
			if (strcmp(layers[k].parent, l->chain_id))
				continue;
			size_t d = device_of(root, pool, layers[k].cache_id, &size);
			if (d != SIZE_MAX) {
				r.children[r.n_children++] = d;
				note_size(&r, size, &first);
			}
		}
		if (!r.n_children)
			continue;
		want_dev(want, r.origin);
		for (size_t k = 0; k < r.n_children; k++)
			want_dev(want, r.children[k]);
		if (push_ref(out, &cap, &r))
			return -1;
	}
	if (want && out->n_refs)
		for (size_t i = 0; i < pool->n_devices; i++)
			if (!file_names_id(root, pool->devices[i].dev_id))
				want[i] = true;
	return 0;
}

static const struct lb_block_set *blocks_of(const struct lb_match_pool *p, size_t i)
{
	if (i == SIZE_MAX || !p->facts || !p->facts[i].have_blocks)
		return NULL;
	return &p->facts[i].blocks;
}

#define EV(...) (used += (size_t)snprintf(c->evidence + used, used < sizeof(c->evidence) ? \
	sizeof(c->evidence) - used : 0, __VA_ARGS__))

/* Judges orphan o against ref r; returns false if it is no candidate at all
 * (no shared blocks, or created in the wrong order). */
static bool judge(const struct lb_match_pool *p, const struct lb_lost_ref *r, size_t o,
		  struct lb_lost_candidate *c)
{
	const struct lb_thin_device *od = &p->devices[o];
	const struct lb_doctor_devfacts *of = &p->facts[o];
	const struct lb_block_set *ob = blocks_of(p, o);
	if (!ob)
		return false;
	size_t used = 0;
	bool order = false;
	uint64_t shared = 0;
	switch (r->kind) {
	case LB_LOST_RW:
	case LB_LOST_INIT: {
		/* The orphan and its anchor are snapshot and origin of each
		 * other: the read-write device is the init device's snapshot. */
		bool o_is_snapshot = r->kind == LB_LOST_RW;
		size_t anchor = o_is_snapshot ? r->origin : r->snapshot;
		const struct lb_thin_device *ad = &p->devices[anchor];
		const struct lb_block_set *ab = blocks_of(p, anchor);
		if (!ab)
			return false;
		/* Set against the image layer: what only the pair shares. */
		shared = lb_block_set_shared(ob, ab, blocks_of(p, o_is_snapshot ? r->snapshot : r->origin));
		const struct lb_thin_device *origin = o_is_snapshot ? ad : od, *snap = o_is_snapshot ? od : ad;
		order = snap->transaction_id == origin->transaction_id + 1 &&
			snap->creation_time == origin->snapshotted_time;
		EV("shares %llu data blocks with %s device %llu that the image layer has not; "
		   "created in pool transaction %llu (%s device: %llu); the read-write device "
		   "created at time %u, the init device snapshotted at %u",
		   (unsigned long long)shared, o_is_snapshot ? "init" : "read-write",
		   (unsigned long long)ad->dev_id, (unsigned long long)od->transaction_id,
		   o_is_snapshot ? "init" : "read-write", (unsigned long long)ad->transaction_id,
		   snap->creation_time, origin->snapshotted_time);
		break;
	}
	case LB_LOST_LAYER: {
		const struct lb_block_set *parent = blocks_of(p, r->origin);
		uint64_t first_child_tid = UINT64_MAX;
		for (size_t k = 0; k < r->n_children; k++) {
			const struct lb_block_set *cb = blocks_of(p, r->children[k]);
			if (cb)
				shared += lb_block_set_shared(ob, cb, parent);
			if (p->devices[r->children[k]].transaction_id < first_child_tid)
				first_child_tid = p->devices[r->children[k]].transaction_id;
		}
		uint64_t parent_tid = r->origin == SIZE_MAX ? 0 : p->devices[r->origin].transaction_id;
		order = (r->origin == SIZE_MAX || od->transaction_id > parent_tid) &&
			od->transaction_id < first_child_tid;
		EV("shares %llu data blocks with the %zu device(s) built on the layer that its "
		   "parent has not; created in pool transaction %llu (parent: %llu, first child: "
		   "%llu)",
		   (unsigned long long)shared, r->n_children, (unsigned long long)od->transaction_id,
		   (unsigned long long)parent_tid, (unsigned long long)first_child_tid);
		break;
	}
	}
	if (!shared || !order)
		return false;
	c->shared_blocks = shared;
	/* The confirmations: the pool's filesystem, a size that holds it. */
	uint64_t block_bytes = (uint64_t)p->data_block_size_sectors * 512;
	bool fs_ok = of->fs_type[0] && p->base_fs_type && p->base_fs_type[0] &&
		     !strcmp(of->fs_type, p->base_fs_type) && !strcmp(of->fs_uuid, p->base_fs_uuid);
	bool size_ok = r->size_bytes && of->fs_size_bytes && of->fs_size_bytes <= r->size_bytes &&
		       block_bytes && of->mapped_end_blocks <= r->size_bytes / block_bytes;
	EV("; filesystem %s UUID %s of %llu bytes (the pool's: %s %s); size %llu from its "
	   "neighbours' files, blocks mapped up to %llu",
	   of->fs_type[0] ? of->fs_type : "none", of->fs_uuid[0] ? of->fs_uuid : "-",
	   (unsigned long long)of->fs_size_bytes, p->base_fs_type && p->base_fs_type[0] ? p->base_fs_type : "?",
	   p->base_fs_uuid && p->base_fs_uuid[0] ? p->base_fs_uuid : "?",
	   (unsigned long long)r->size_bytes, (unsigned long long)(of->mapped_end_blocks * block_bytes));
	c->confirmed = fs_ok && size_ok && !p->any_unreadable;
	if (!c->confirmed)
		EV("; not confirmed: %s",
		   p->any_unreadable ? "a device file is unreadable (it may name this device)"
		   : !fs_ok	     ? "the filesystem is not the pool's"
		   : !r->size_bytes  ? "the neighbours' sizes disagree"
				     : "it does not fit the size");
	return true;
}

int lb_lost_match_run(const struct lb_docker_root *root, const struct lb_match_pool *pool,
		      struct lb_lost_match *m)
{
	if (!pool->facts)
		return 0;
	size_t cap = 0;
	for (size_t r = 0; r < m->n_refs; r++) {
		for (size_t o = 0; o < pool->n_devices; o++) {
			if (file_names_id(root, pool->devices[o].dev_id))
				continue;
			struct lb_lost_candidate c = {.ref = r, .orphan = o};
			if (!judge(pool, &m->refs[r], o, &c))
				continue;
			if (m->n_cands == cap) {
				size_t nc = cap ? cap * 2 : 8;
				struct lb_lost_candidate *bigger = realloc(m->cands, nc * sizeof(*bigger));
				if (!bigger)
					return -1;
				m->cands = bigger;
				cap = nc;
			}
			m->cands[m->n_cands++] = c;
		}
	}
	return 0;
}

size_t lb_lost_cands_of_ref(const struct lb_lost_match *m, size_t r)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_cands; i++)
		n += m->cands[i].ref == r;
	return n;
}

size_t lb_lost_refs_of_orphan(const struct lb_lost_match *m, size_t o)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_cands; i++)
		n += m->cands[i].orphan == o;
	return n;
}

void lb_lost_match_free(struct lb_lost_match *m)
{
	free(m->refs);
	free(m->cands);
	memset(m, 0, sizeof(*m));
}
