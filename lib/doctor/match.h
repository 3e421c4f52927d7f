/* Which orphan thin device is the device of a lost device file. Pure: the
 * inputs are Docker's model, the layer list and the pool's devices with the
 * data blocks each maps (gather.c reads them with lib/thinmeta).
 *
 * A thin snapshot shares its origin's data blocks until one side writes. So
 * the blocks an origin wrote itself (its blocks minus its own origin's) turn
 * up in its snapshots and nowhere else:
 *
 *   a container's read-write device   is the snapshot of its init device: it
 *                                     holds blocks of the init device that
 *                                     the image layer has not; created in the
 *                                     pool transaction after the init device,
 *                                     at the init device's snapshot time;
 *   a container's init device         is the origin of the read-write device:
 *                                     it holds blocks of the read-write device
 *                                     the image layer has not; created in the
 *                                     transaction before it;
 *   an image layer's device           is the origin of its children (the init
 *                                     devices of containers on it, its child
 *                                     layers): it holds blocks they share that
 *                                     the layer's parent has not; created
 *                                     after the parent, before every child.
 *
 * A candidate is confirmed when, besides shared blocks and the transaction
 * order, the filesystem on its first block is the pool's (type and UUID of
 * the base device, as every devicemapper snapshot keeps them), no larger than
 * the size its neighbours' files give, and no block is mapped beyond that
 * size. Only a reference with exactly one candidate that is the candidate of
 * nothing else, and confirmed, is a match. */
#ifndef LIFEBOAT_DOCTOR_MATCH_H
#define LIFEBOAT_DOCTOR_MATCH_H

#include "docker/dataroot.h"
#include "docker/layerdb.h"
#include "thinmeta/thinmeta.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Data blocks a thin device maps: runs sorted by start, disjoint, merged. */
struct lb_block_run {
	uint64_t start;
	uint64_t len;
};

struct lb_block_set {
	struct lb_block_run *runs;
	size_t n;
};

/* Adds a run (any order); lb_block_set_finish sorts and merges. -1 on ENOMEM. */
int lb_block_set_add(struct lb_block_set *s, size_t *cap, uint64_t start, uint64_t len);
void lb_block_set_finish(struct lb_block_set *s);
void lb_block_set_free(struct lb_block_set *s);
/* |a ∩ (b \ minus)|, minus may be NULL. */
uint64_t lb_block_set_shared(const struct lb_block_set *a, const struct lb_block_set *b,
			     const struct lb_block_set *minus);

/* What gather read of one pool device, beyond its details. */
struct lb_doctor_devfacts {
	bool have_blocks;
	struct lb_block_set blocks;
	uint64_t mapped_end_blocks; /* highest mapped virtual block + 1 */
	char fs_type[16];           /* "" if no filesystem was found on block 0 */
	char fs_uuid[64];
	uint64_t fs_size_bytes;
};

enum lb_lost_kind { LB_LOST_RW, LB_LOST_INIT, LB_LOST_LAYER };

/* A reference to a device no device file describes. */
struct lb_lost_ref {
	enum lb_lost_kind kind;
	const char *hash;  /* the missing file's name */
	size_t owner;      /* index of the container or layer */
	/* Anchors, as indexes into the pool's devices (SIZE_MAX: none). */
	size_t origin;     /* LB_LOST_RW: the init device; else the parent layer/base */
	size_t snapshot;   /* LB_LOST_INIT: the read-write device */
	size_t children[8]; /* LB_LOST_LAYER: init devices and child layers */
	size_t n_children;
	uint64_t size_bytes; /* from the anchors' files; 0 if they disagree */
};

struct lb_lost_candidate {
	size_t ref;    /* index into refs */
	size_t orphan; /* index into the pool's devices */
	uint64_t shared_blocks;
	bool confirmed;
	char evidence[600]; /* the facts, or what failed */
};

struct lb_lost_match {
	struct lb_lost_ref *refs;
	size_t n_refs;
	struct lb_lost_candidate *cands;
	size_t n_cands;
};

struct lb_match_pool {
	const struct lb_thin_device *devices; /* ascending dev_id */
	size_t n_devices;
	const struct lb_doctor_devfacts *facts; /* parallel to devices; NULL: none read */
	uint32_t data_block_size_sectors;
	const char *base_fs_type; /* "" if unknown */
	const char *base_fs_uuid;
	bool any_unreadable; /* a device file could not be read: no orphan is certain */
};

/* The lost references and, for gather, which pool devices' blocks the match
 * needs (want[i] for devices[i]; may be NULL). Out of memory: -1. */
int lb_lost_refs(const struct lb_docker_root *root, const struct lb_docker_layer *layers,
		 size_t n_layers, const struct lb_match_pool *pool, struct lb_lost_match *out,
		 bool *want);

/* Fills the candidates of every ref (needs pool->facts). -1 on ENOMEM. */
int lb_lost_match_run(const struct lb_docker_root *root, const struct lb_match_pool *pool,
		      struct lb_lost_match *m);

/* The number of candidates naming ref r, and of refs naming orphan o. */
size_t lb_lost_cands_of_ref(const struct lb_lost_match *m, size_t r);
size_t lb_lost_refs_of_orphan(const struct lb_lost_match *m, size_t o);

void lb_lost_match_free(struct lb_lost_match *m);

/* True if a pool device is an orphan: no readable device file names it. */
bool lb_pool_device_is_orphan(const struct lb_docker_root *root, uint64_t dev_id);

#endif
