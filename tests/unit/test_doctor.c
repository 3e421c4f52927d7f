/* lib/doctor: the cross-check of Docker's metadata against the pool, on
 * in-memory models of a data root (no files): each inconsistency gives its
 * code, its objects and the repair, and a repair never deletes a device that
 * something still references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "doctor/doctor.h"
#include "fslog/identify.h"

/* A healthy world like the fixtures: base (1), an image layer "img" (2), a
 * container "web" with init "web-init" (3) and rootfs "web" (4); pool
 * transaction 4, transaction-metadata committed. */
struct world {
	struct lb_docker_root root;
	struct lb_docker_device dev[16];
	struct lb_docker_container ct[4];
	struct lb_docker_layer layers[4];
	size_t n_layers;
	struct lb_thin_device td[16];
	struct lb_doctor_pool pool;
	struct lb_doctor_devfacts facts[16]; /* parallel to td once set (set_facts) */
	struct lb_doctor_report rep;
};

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct lb_docker_device *)a)->dm.hash,
		      ((const struct lb_docker_device *)b)->dm.hash);
}

static int cmp_td(const void *a, const void *b)
{
	uint64_t x = ((const struct lb_thin_device *)a)->dev_id;
	uint64_t y = ((const struct lb_thin_device *)b)->dev_id;
	return x < y ? -1 : x > y;
}

static struct lb_docker_device *add_dev(struct world *w, const char *hash, uint32_t id)
{
	struct lb_docker_device *d = &w->dev[w->root.n_devices++];
	memset(d, 0, sizeof(*d));
	snprintf(d->dm.hash, sizeof(d->dm.hash), "%s", hash);
	d->dm.device_id = id;
	d->dm.size_bytes = 1 << 30;
	d->dm.transaction_id = id;
	d->dm.initialized = !hash[0];
	qsort(w->dev, w->root.n_devices, sizeof(w->dev[0]), cmp_dev);
	for (size_t i = 0; i < w->root.n_devices; i++)
		if (!strcmp(w->dev[i].dm.hash, hash))
			return &w->dev[i];
	return NULL;
}

static void add_pool_dev(struct world *w, uint64_t id)
{
	struct lb_thin_device *t = &w->td[w->pool.n_devices++];
	memset(t, 0, sizeof(*t));
	t->dev_id = id;
	t->mapped_blocks = 16;
	t->transaction_id = id;
	qsort(w->td, w->pool.n_devices, sizeof(w->td[0]), cmp_td);
}

static void remove_pool_dev(struct world *w, uint64_t id)
{
	for (size_t i = 0; i < w->pool.n_devices; i++)
		if (w->td[i].dev_id == id) {
			memmove(&w->td[i], &w->td[i + 1], (w->pool.n_devices - i - 1) * sizeof(w->td[0]));
			w->pool.n_devices--;
			return;
		}
}

static struct world *healthy(void)
{
	struct world *w = calloc(1, sizeof(*w));
	strcpy(w->root.data_root, "/var/lib/docker");
	strcpy(w->root.metadata_dir, "/var/lib/docker/devicemapper/metadata");
	strcpy(w->root.layerdb_dir, "/var/lib/docker/image/devicemapper/layerdb");
	w->root.devices = w->dev;
	w->root.containers = w->ct;
	add_dev(w, "", 1);
	add_dev(w, "img", 2);
	add_dev(w, "web-init", 3);
	add_dev(w, "web", 4);
	for (uint64_t id = 1; id <= 4; id++)
		add_pool_dev(w, id);
	w->pool.devices = w->td;
	w->pool.trans_id = 4;
	strcpy(w->pool.base_fs_type, "xfs");
	strcpy(w->pool.base_fs_uuid, "b8349b0b-189b-415b-94a4-491e5a6d5fb7");
	w->root.deviceset.next_device_id = 4;
	strcpy(w->root.deviceset.base_device_uuid, w->pool.base_fs_uuid);
	strcpy(w->root.deviceset.base_device_filesystem, "xfs");
	w->root.transaction.open_transaction_id = 4;
	strcpy(w->root.transaction.device_hash, "web");
	w->root.transaction.device_id = 4;

	struct lb_docker_container *c = &w->ct[w->root.n_containers++];
	strcpy(c->id, "6d614dc1e631ad54637c371e228bd619dad559334fbb4806f4d150d3e3a2de83");
	strcpy(c->config.name, "/web");
	strcpy(c->mount.mount_id, "web");
	strcpy(c->mount.init_id, "web-init");
	struct lb_docker_layer *l = &w->layers[w->n_layers++];
	strcpy(l->chain_id, "sha256:73a99fe85e2cae1052acf937a37e9aee3d7d8ce6e7866c01e82ceec651bf3581");
	strcpy(l->cache_id, "img");
	return w;
}

static void check(struct world *w)
{
	w->pool.devices = w->td;
	struct lb_err err = {0};
	assert_int_equal(lb_doctor_check(&w->root, w->layers, w->n_layers, &w->pool, &w->rep, &err), 0);
}

static void done(struct world *w)
{
	lb_doctor_report_free(&w->rep);
	free(w);
}

/* The only finding with `code`; fails unless there is exactly one. */
static const struct lb_doctor_finding *only(const struct world *w, enum lb_doctor_code code)
{
	const struct lb_doctor_finding *found = NULL;
	for (size_t i = 0; i < w->rep.n_findings; i++) {
		if (w->rep.findings[i].code != code)
			continue;
		assert_null(found);
		found = &w->rep.findings[i];
	}
	assert_non_null(found);
	return found;
}

static bool has_object(const struct lb_doctor_finding *f, const char *needle)
{
	for (size_t i = 0; i < f->n_objects; i++)
		if (strstr(f->objects[i], needle))
			return true;
	return false;
}

static bool deletes_from_pool(const struct world *w)
{
	for (size_t i = 0; i < w->rep.n_findings; i++)
		for (size_t k = 0; k < w->rep.findings[i].n_actions; k++)
			if (w->rep.findings[i].actions[k].kind == LB_ACT_POOL_DELETE)
				return true;
	return false;
}

static void healthy_root_is_clean(void **state)
{
	(void)state;
	struct world *w = healthy();
	check(w);
	assert_int_equal(w->rep.n_findings, 0);
	assert_int_equal(w->rep.n_problems, 0);
	done(w);
}

static void low_next_device_id_is_a_note_not_a_problem(void **state)
{
	(void)state;
	struct world *w = healthy();
	w->root.deviceset.next_device_id = 1; /* what dockerd 20.10 leaves */
	check(w);
	assert_int_equal(w->rep.n_problems, 0);
	const struct lb_doctor_finding *f = only(w, LB_DOC_NEXT_DEVICE_ID_TOO_LOW);
	assert_true(f->note);
	assert_int_equal(f->n_actions, 0);
	done(w);
}

static void reclaim(struct world *w, bool all, const uint64_t *ids, size_t n, bool deleted)
{
	struct lb_doctor_reclaim_opts o = {.orphans_all = all, .orphan_ids = ids,
					   .n_orphan_ids = n, .deleted = deleted};
	struct lb_err err = {0};
	assert_int_equal(lb_doctor_reclaim(&w->rep, &o, &err), 0);
}

static void pool_device_without_file_is_an_orphan_kept_unless_reclaimed(void **state)
{
	(void)state;
	struct world *w = healthy();
	add_pool_dev(w, 100);
	check(w);
	assert_int_equal(w->rep.n_problems, 1);
	const struct lb_doctor_finding *f = only(w, LB_DOC_ORPHAN_THIN_DEVICE);
	assert_true(has_object(f, "thin device 100"));
	assert_true(has_object(f, "recover mount --device-id 100"));
	assert_int_equal(f->n_actions, 0);
	assert_false(deletes_from_pool(w));
	reclaim(w, false, NULL, 0, true); /* --reclaim-deleted does not take orphans */
	assert_false(deletes_from_pool(w));
	reclaim(w, true, NULL, 0, false);
	assert_int_equal(f->n_actions, 1);
	assert_int_equal(f->actions[0].kind, LB_ACT_POOL_DELETE);
	assert_int_equal(f->actions[0].dev_id, 100);
	assert_string_equal(lb_doctor_code_name(f->code), "orphan-thin-device");
	done(w);
}

static void reclaim_by_id_takes_only_that_orphan_and_rejects_unknown_ids(void **state)
{
	(void)state;
	struct world *w = healthy();
	add_pool_dev(w, 100);
	add_pool_dev(w, 101);
	check(w);
	uint64_t id = 101, bad = 4;
	struct lb_doctor_reclaim_opts o = {.orphan_ids = &bad, .n_orphan_ids = 1};
	struct lb_err err = {0};
	assert_int_equal(lb_doctor_reclaim(&w->rep, &o, &err), LB_ENOTFOUND);
	assert_non_null(strstr(err.msg, "thin device 4"));
	assert_false(deletes_from_pool(w));
	reclaim(w, false, &id, 1, false);
	size_t deletes = 0;
	for (size_t i = 0; i < w->rep.n_findings; i++)
		for (size_t k = 0; k < w->rep.findings[i].n_actions; k++) {
			assert_int_equal(w->rep.findings[i].actions[k].dev_id, 101);
			deletes++;
		}
	assert_int_equal(deletes, 1);
	done(w);
}

static void orphan_is_kept_while_a_device_file_is_unreadable(void **state)
{
	(void)state;
	struct world *w = healthy();
	add_pool_dev(w, 100);
	struct lb_docker_device *bad = add_dev(w, "zzz", 0);
	bad->err.code = LB_EINTEGRITY;
	strcpy(bad->err.msg, "zzz: empty");
	check(w);
	assert_int_equal(w->rep.n_problems, 2);
	const struct lb_doctor_finding *u = only(w, LB_DOC_UNREADABLE_DEVICE_FILE);
	assert_int_equal(u->actions[0].kind, LB_ACT_REMOVE_FILE);
	assert_string_equal(u->actions[0].file, "zzz");
	assert_int_equal(only(w, LB_DOC_ORPHAN_THIN_DEVICE)->n_actions, 0);
	assert_false(deletes_from_pool(w));
	done(w);
}

static void file_without_pool_device_is_missing_and_names_its_container(void **state)
{
	(void)state;
	struct world *w = healthy();
	remove_pool_dev(w, 4);
	check(w);
	assert_int_equal(w->rep.n_problems, 1);
	const struct lb_doctor_finding *f = only(w, LB_DOC_MISSING_THIN_DEVICE);
	assert_true(has_object(f, "container web (6d614dc1e631) rootfs"));
	assert_int_equal(f->n_actions, 1);
	assert_int_equal(f->actions[0].kind, LB_ACT_REMOVE_FILE);
	assert_string_equal(f->actions[0].file, "web");
	done(w);
}

static void pending_transaction_nothing_uses_is_committed_rollback_only_if_reclaimed(void **state)
{
	(void)state;
	struct world *w = healthy();
	add_dev(w, "new", 5);
	add_pool_dev(w, 5);
	w->root.transaction.open_transaction_id = 5;
	strcpy(w->root.transaction.device_hash, "new");
	w->root.transaction.device_id = 5;
	check(w);
	assert_int_equal(w->rep.n_problems, 1); /* not also an orphan or a missing device */
	const struct lb_doctor_finding *f = only(w, LB_DOC_OPEN_TRANSACTION);
	assert_int_equal(f->n_actions, 1);
	assert_int_equal(f->actions[0].kind, LB_ACT_POOL_SET_TRANSACTION);
	assert_int_equal(f->actions[0].old_id, 4);
	assert_int_equal(f->actions[0].new_id, 5);
	reclaim(w, true, NULL, 0, false);
	assert_int_equal(f->n_actions, 3);
	assert_int_equal(f->actions[0].kind, LB_ACT_POOL_DELETE);
	assert_int_equal(f->actions[0].dev_id, 5);
	assert_int_equal(f->actions[1].kind, LB_ACT_REMOVE_FILE);
	assert_string_equal(f->actions[1].file, "new");
	assert_int_equal(f->actions[2].kind, LB_ACT_REMOVE_FILE);
	assert_string_equal(f->actions[2].file, "transaction-metadata");
	done(w);
}

static void pending_transaction_of_a_device_never_created_is_rolled_back(void **state)
{
	(void)state;
	struct world *w = healthy();
	add_dev(w, "new", 5);
	w->root.transaction.open_transaction_id = 5;
	strcpy(w->root.transaction.device_hash, "new");
	w->root.transaction.device_id = 5;
	check(w);
	const struct lb_doctor_finding *f = only(w, LB_DOC_OPEN_TRANSACTION);
	assert_int_equal(f->n_actions, 2);
	assert_int_equal(f->actions[0].kind, LB_ACT_REMOVE_FILE);
	assert_int_equal(f->actions[1].kind, LB_ACT_REMOVE_FILE);
	assert_false(deletes_from_pool(w));
	done(w);
}

static void pending_transaction_of_a_used_device_is_committed_not_deleted(void **state)
{
	(void)state;
	struct world *w = healthy();
	w->pool.trans_id = 3; /* the pool's metadata is older than Docker's files */
	check(w);
	const struct lb_doctor_finding *f = only(w, LB_DOC_OPEN_TRANSACTION);
	assert_true(has_object(f, "container web"));
	assert_int_equal(f->n_actions, 1);
	assert_int_equal(f->actions[0].kind, LB_ACT_POOL_SET_TRANSACTION);
	assert_int_equal(f->actions[0].old_id, 3);
	assert_int_equal(f->actions[0].new_id, 4);
	assert_false(deletes_from_pool(w));
	done(w);
}

static void pending_transaction_of_a_used_device_without_file_changes_nothing(void **state)
{
	(void)state;
	struct world *w = healthy();
	add_pool_dev(w, 5);
	w->root.transaction.open_transaction_id = 5;
	strcpy(w->root.transaction.device_hash, "img2"); /* a layer that has no file */
	w->root.transaction.device_id = 5;
	strcpy(w->layers[w->n_layers].chain_id, "sha256:aa");
	strcpy(w->layers[w->n_layers++].cache_id, "img2");
	check(w);
	assert_int_equal(only(w, LB_DOC_OPEN_TRANSACTION)->n_actions, 0);
	assert_false(deletes_from_pool(w)); /* device 5 is not treated as an orphan */
	done(w);
}

static void transaction_behind_the_pool_is_rewritten_to_the_pools_id(void **state)
{
	(void)state;
	struct world *w = healthy();
	w->root.transaction.open_transaction_id = 2;
	check(w);
	const struct lb_doctor_finding *f = only(w, LB_DOC_TRANSACTION_MISMATCH);
	assert_int_equal(f->n_actions, 1);
	assert_int_equal(f->actions[0].kind, LB_ACT_SET_OPEN_TRANSACTION);
	assert_int_equal(f->actions[0].new_id, 4);
	done(w);
}

static void missing_transaction_file_is_fine_damaged_one_is_rewritten(void **state)
{
	(void)state;
	struct world *w = healthy();
	w->root.transaction_err.code = LB_ENOTFOUND;
	check(w);
	assert_int_equal(w->rep.n_problems, 0);
	lb_doctor_report_free(&w->rep);
	w->root.transaction_err.code = LB_EINTEGRITY;
	check(w);
	assert_int_equal(only(w, LB_DOC_TRANSACTION_MISMATCH)->actions[0].new_id, 4);
	done(w);
}

static void deleted_flag_on_a_used_device_is_cleared(void **state)
{
	(void)state;
	struct world *w = healthy();
	for (size_t i = 0; i < w->root.n_devices; i++)
		if (!strcmp(w->dev[i].dm.hash, "web"))
			w->dev[i].dm.deleted = true;
	check(w);
	const struct lb_doctor_finding *f = only(w, LB_DOC_DEVICE_MARKED_DELETED);
	assert_int_equal(f->n_actions, 1);
	assert_int_equal(f->actions[0].kind, LB_ACT_CLEAR_DELETED);
	assert_string_equal(f->actions[0].file, "web");
	done(w);
}

static void deleted_device_nothing_uses_is_kept_unless_reclaim_deleted(void **state)
{
	(void)state;
	struct world *w = healthy();
	add_dev(w, "old", 7)->dm.deleted = true;
	add_pool_dev(w, 7);
	check(w);
	const struct lb_doctor_finding *f = only(w, LB_DOC_DEVICE_MARKED_DELETED);
	assert_int_equal(f->n_actions, 0);
	reclaim(w, true, NULL, 0, false); /* --reclaim-orphans does not take it */
	assert_int_equal(f->n_actions, 0);
	reclaim(w, false, NULL, 0, true);
	assert_int_equal(f->n_actions, 2);
	assert_int_equal(f->actions[0].kind, LB_ACT_POOL_DELETE);
	assert_int_equal(f->actions[0].dev_id, 7);
	assert_int_equal(f->actions[1].kind, LB_ACT_REMOVE_FILE);
	assert_string_equal(f->actions[1].file, "old");
	done(w);
}

/* ---- lost device files matched to orphans (match.h) ----
 * The healthy world's devices with data blocks, as dm-thin shares them:
 * base 1 {0-99}; img 2, a snapshot of base that wrote {200-219} over
 * {90-99}; web-init 3 wrote {300-304} over {0-4}; web 4 wrote {400-410}
 * over {300-301}. Transactions and snapshot times in Docker's order. */
static void set_facts(struct world *w, uint64_t id, uint64_t tid, uint32_t ctime, uint32_t stime,
		      const uint64_t (*runs)[2], size_t n)
{
	for (size_t i = 0; i < w->pool.n_devices; i++) {
		if (w->td[i].dev_id != id)
			continue;
		w->td[i].transaction_id = tid;
		w->td[i].creation_time = ctime;
		w->td[i].snapshotted_time = stime;
		struct lb_doctor_devfacts *df = &w->facts[i];
		memset(df, 0, sizeof(*df));
		size_t cap = 0;
		for (size_t k = 0; k < n; k++)
			assert_int_equal(lb_block_set_add(&df->blocks, &cap, runs[k][0], runs[k][1]), 0);
		lb_block_set_finish(&df->blocks);
		df->have_blocks = true;
		df->mapped_end_blocks = 64;
		strcpy(df->fs_type, "xfs");
		strcpy(df->fs_uuid, w->pool.base_fs_uuid);
		df->fs_size_bytes = 1 << 30;
		return;
	}
	fail_msg("no pool device %llu", (unsigned long long)id);
}

static const uint64_t base_runs[][2] = {{0, 100}};
static const uint64_t img_runs[][2] = {{0, 90}, {200, 20}};
static const uint64_t init_runs[][2] = {{5, 85}, {200, 20}, {300, 5}};
static const uint64_t web_runs[][2] = {{5, 85}, {200, 20}, {302, 3}, {400, 11}};

static struct world *with_blocks(void)
{
	struct world *w = healthy();
	strcpy(w->ct[0].mount.parent, w->layers[0].chain_id);
	set_facts(w, 1, 0, 0, 1, base_runs, 1);
	set_facts(w, 2, 1, 1, 2, img_runs, 2);
	set_facts(w, 3, 2, 2, 3, init_runs, 3);
	set_facts(w, 4, 3, 3, 3, web_runs, 4);
	w->pool.facts = w->facts;
	w->pool.data_block_size_sectors = 128;
	return w;
}

/* The device file goes; the device stays in the pool (after the facts are
 * placed: removing a file does not move the pool's arrays). */
static void lose_file(struct world *w, const char *hash)
{
	for (size_t i = 0; i < w->root.n_devices; i++)
		if (!strcmp(w->dev[i].dm.hash, hash)) {
			memmove(&w->dev[i], &w->dev[i + 1], (w->root.n_devices - i - 1) * sizeof(w->dev[0]));
			w->root.n_devices--;
			return;
		}
	fail_msg("no device file %s", hash);
}

static void done_blocks(struct world *w)
{
	for (size_t i = 0; i < 16; i++)
		lb_block_set_free(&w->facts[i].blocks);
	done(w);
}

static const struct lb_doctor_action *write_action(const struct lb_doctor_finding *f)
{
	assert_int_equal(f->n_actions, 1);
	assert_int_equal(f->actions[0].kind, LB_ACT_WRITE_DEVICE_FILE);
	return &f->actions[0];
}

static void lost_container_file_is_matched_to_its_orphan_and_written_again(void **state)
{
	(void)state;
	struct world *w = with_blocks();
	lose_file(w, "web");
	check(w);
	assert_int_equal(w->rep.n_problems, 1); /* not also dangling-mount-id, orphan */
	const struct lb_doctor_finding *f = only(w, LB_DOC_LOST_DEVICE_FILE);
	assert_true(has_object(f, "container web"));
	assert_true(has_object(f, "shares 3 data blocks with init device 3"));
	const struct lb_doctor_action *a = write_action(f);
	assert_string_equal(a->file, "web");
	assert_int_equal(a->dev_id, 4);
	assert_int_equal(a->size_bytes, 1 << 30);
	assert_int_equal(a->new_id, 4); /* Docker's: one above the pool's at creation */
	assert_false(deletes_from_pool(w));
	done_blocks(w);
}

static void lost_init_file_is_matched_through_the_read_write_device(void **state)
{
	(void)state;
	struct world *w = with_blocks();
	lose_file(w, "web-init");
	check(w);
	const struct lb_doctor_action *a = write_action(only(w, LB_DOC_LOST_DEVICE_FILE));
	assert_string_equal(a->file, "web-init");
	assert_int_equal(a->dev_id, 3);
	done_blocks(w);
}

static void lost_layer_file_is_matched_through_the_devices_built_on_it(void **state)
{
	(void)state;
	struct world *w = with_blocks();
	lose_file(w, "img");
	check(w);
	const struct lb_doctor_finding *f = only(w, LB_DOC_LOST_DEVICE_FILE);
	assert_true(has_object(f, "image layer sha256:73a9"));
	const struct lb_doctor_action *a = write_action(f);
	assert_string_equal(a->file, "img");
	assert_int_equal(a->dev_id, 2);
	done_blocks(w);
}

static void orphan_sharing_nothing_is_no_match_and_the_reference_stays_dangling(void **state)
{
	(void)state;
	struct world *w = with_blocks();
	lose_file(w, "web");
	lb_block_set_free(&w->facts[3].blocks); /* device 4's slot goes to device 100 */
	remove_pool_dev(w, 4);
	add_pool_dev(w, 100); /* sorts after 1-3: the facts of 1-3 stay in place */
	static const uint64_t other[][2] = {{900, 10}};
	set_facts(w, 100, 3, 3, 3, other, 1);
	check(w);
	assert_int_equal(only(w, LB_DOC_ORPHAN_THIN_DEVICE)->n_actions, 0);
	only(w, LB_DOC_DANGLING_MOUNT_ID);
	assert_int_equal(w->rep.n_problems, 2);
	done_blocks(w);
}

static void two_orphans_fitting_one_reference_are_ambiguous_and_nothing_is_written(void **state)
{
	(void)state;
	struct world *w = with_blocks();
	lose_file(w, "web");
	add_pool_dev(w, 5); /* a copy of web's device: same blocks, same order */
	set_facts(w, 5, 3, 3, 3, web_runs, 4);
	check(w);
	const struct lb_doctor_finding *f = only(w, LB_DOC_AMBIGUOUS_DEVICE_MATCH);
	assert_int_equal(f->n_actions, 0);
	assert_true(has_object(f, "candidate thin device 4"));
	assert_true(has_object(f, "candidate thin device 5"));
	for (size_t i = 0; i < w->rep.n_findings; i++) {
		assert_int_not_equal(w->rep.findings[i].code, LB_DOC_LOST_DEVICE_FILE);
		assert_int_not_equal(w->rep.findings[i].code, LB_DOC_DANGLING_MOUNT_ID);
	}
	/* A plain --reclaim-orphans leaves candidates alone. */
	reclaim(w, true, NULL, 0, false);
	assert_false(deletes_from_pool(w));
	done_blocks(w);
}

static void one_orphan_fitting_two_references_is_ambiguous_for_both(void **state)
{
	(void)state;
	struct world *w = with_blocks();
	/* A second container whose init device (6) wrote the same blocks as
	 * web's, at the same transaction: device 4 fits both lost files. */
	struct lb_docker_container *c = &w->ct[w->root.n_containers++];
	strcpy(c->id, "7e614dc1e631ad54637c371e228bd619dad559334fbb4806f4d150d3e3a2de83");
	strcpy(c->config.name, "/app");
	strcpy(c->mount.mount_id, "app");
	strcpy(c->mount.init_id, "app-init");
	strcpy(c->mount.parent, w->layers[0].chain_id);
	add_dev(w, "app-init", 6);
	add_pool_dev(w, 6);
	set_facts(w, 6, 2, 2, 3, init_runs, 3);
	lose_file(w, "web");
	check(w);
	size_t ambiguous = 0;
	for (size_t i = 0; i < w->rep.n_findings; i++) {
		const struct lb_doctor_finding *f = &w->rep.findings[i];
		assert_int_not_equal(f->code, LB_DOC_LOST_DEVICE_FILE);
		if (f->code == LB_DOC_AMBIGUOUS_DEVICE_MATCH) {
			ambiguous++;
			assert_true(has_object(f, "also fits another reference"));
			assert_int_equal(f->n_actions, 0);
		}
	}
	assert_int_equal(ambiguous, 2);
	done_blocks(w);
}

static void match_that_does_not_fit_the_size_is_not_confirmed_and_not_written(void **state)
{
	(void)state;
	struct world *w = with_blocks();
	lose_file(w, "web");
	w->facts[3].fs_size_bytes = 2ull << 30; /* larger than the init device: no fit */
	check(w);
	const struct lb_doctor_finding *f = only(w, LB_DOC_AMBIGUOUS_DEVICE_MATCH);
	assert_true(has_object(f, "not confirmed"));
	assert_int_equal(f->n_actions, 0);
	done_blocks(w);
}

static void block_sets_count_shared_blocks_outside_a_third_set(void **state)
{
	(void)state;
	struct lb_block_set a = {0}, b = {0}, minus = {0};
	size_t ca = 0, cb = 0, cm = 0;
	/* added out of order and overlapping: finish sorts and merges */
	assert_int_equal(lb_block_set_add(&a, &ca, 50, 10), 0);
	assert_int_equal(lb_block_set_add(&a, &ca, 0, 20), 0);
	assert_int_equal(lb_block_set_add(&a, &ca, 10, 15), 0);
	lb_block_set_finish(&a);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.runs[0].len, 25);
	assert_int_equal(lb_block_set_add(&b, &cb, 20, 35), 0); /* 20..54 */
	lb_block_set_finish(&b);
	assert_int_equal(lb_block_set_shared(&a, &b, NULL), 5 + 5);
	assert_int_equal(lb_block_set_add(&minus, &cm, 22, 2), 0);
	assert_int_equal(lb_block_set_add(&minus, &cm, 52, 100), 0);
	lb_block_set_finish(&minus);
	assert_int_equal(lb_block_set_shared(&a, &b, &minus), 3 + 2);
	lb_block_set_free(&a);
	lb_block_set_free(&b);
	lb_block_set_free(&minus);
}

static void filesystem_size_comes_from_the_superblock(void **state)
{
	(void)state;
	uint8_t buf[4096] = {0};
	char type[16], uuid[64];
	uint64_t size;
	memcpy(buf, "XFSB", 4);
	buf[6] = 0x10; /* blocksize 4096 (be32) */
	buf[13] = 0x02; /* dblocks 0x20000 (be64) */
	assert_true(lb_fs_identify(buf, sizeof(buf), type, sizeof(type), uuid,
					       sizeof(uuid), &size));
	assert_int_equal(size, 512ull << 20);
	memset(buf, 0, sizeof(buf));
	buf[1024 + 56] = 0x53;
	buf[1024 + 57] = 0xef;
	buf[1024 + 96] = 0x40;
	buf[1024 + 24] = 2;    /* 4096-byte blocks */
	buf[1024 + 6] = 0x02;  /* blocks_count_lo 0x20000 */
	assert_true(lb_fs_identify(buf, sizeof(buf), type, sizeof(type), uuid,
					       sizeof(uuid), &size));
	assert_int_equal(size, 512ull << 20);
}

static void mount_id_without_device_is_dangling_and_report_only(void **state)
{
	(void)state;
	struct world *w = healthy();
	strcpy(w->ct[0].mount.mount_id, "gone");
	check(w);
	const struct lb_doctor_finding *f = only(w, LB_DOC_DANGLING_MOUNT_ID);
	assert_true(has_object(f, "container web"));
	assert_true(has_object(f, "mount-id: gone"));
	assert_int_equal(f->n_actions, 0);
	/* device 4 is still named by its file "web": not an orphan */
	assert_false(deletes_from_pool(w));
	done(w);
}

static void cache_id_without_device_is_dangling_and_report_only(void **state)
{
	(void)state;
	struct world *w = healthy();
	strcpy(w->layers[0].cache_id, "gone");
	check(w);
	assert_int_equal(only(w, LB_DOC_DANGLING_CACHE_ID)->n_actions, 0);
	done(w);
}

static void base_uuid_that_differs_is_rewritten_from_the_filesystem(void **state)
{
	(void)state;
	struct world *w = healthy();
	strcpy(w->root.deviceset.base_device_uuid, "11111111-2222-3333-4444-555555555555");
	check(w);
	const struct lb_doctor_finding *f = only(w, LB_DOC_BASE_DEVICE_MISMATCH);
	assert_int_equal(f->actions[0].kind, LB_ACT_SET_BASE_FS);
	assert_string_equal(f->actions[0].uuid, "b8349b0b-189b-415b-94a4-491e5a6d5fb7");
	assert_string_equal(f->actions[0].fs, "xfs");
	assert_non_null(strstr(f->consequence, "does not match"));
	done(w);
}

static void empty_base_uuid_or_unknown_filesystem_is_no_finding(void **state)
{
	(void)state;
	struct world *w = healthy();
	w->root.deviceset.base_device_uuid[0] = '\0'; /* dockerd fills it in itself */
	check(w);
	assert_int_equal(w->rep.n_problems, 0);
	lb_doctor_report_free(&w->rep);
	strcpy(w->root.deviceset.base_device_uuid, "11111111-2222-3333-4444-555555555555");
	w->pool.base_fs_type[0] = '\0';
	check(w);
	assert_int_equal(w->rep.n_problems, 0);
	done(w);
}

static void filesystems_are_identified_with_blkid_style_uuids(void **state)
{
	(void)state;
	uint8_t buf[4096] = {0};
	char type[16], uuid[64];
	uint64_t size;
	assert_false(lb_fs_identify(buf, sizeof(buf), type, sizeof(type), uuid, sizeof(uuid), &size));
	memcpy(buf, "XFSB", 4);
	for (int i = 0; i < 16; i++)
		buf[32 + i] = (uint8_t)(0x10 + i);
	assert_true(lb_fs_identify(buf, sizeof(buf), type, sizeof(type), uuid, sizeof(uuid), &size));
	assert_string_equal(type, "xfs");
	assert_string_equal(uuid, "10111213-1415-1617-1819-1a1b1c1d1e1f");

	memset(buf, 0, sizeof(buf));
	buf[1024 + 56] = 0x53;
	buf[1024 + 57] = 0xef;
	buf[1024 + 96] = 0x40; /* extents: ext4 */
	for (int i = 0; i < 16; i++)
		buf[1024 + 104 + i] = (uint8_t)(0xa0 + i);
	assert_true(lb_fs_identify(buf, sizeof(buf), type, sizeof(type), uuid, sizeof(uuid), &size));
	assert_string_equal(type, "ext4");
	assert_string_equal(uuid, "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf");
	assert_false(lb_fs_identify(buf, 1024, type, sizeof(type), uuid, sizeof(uuid), &size));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(healthy_root_is_clean),
		cmocka_unit_test(low_next_device_id_is_a_note_not_a_problem),
		cmocka_unit_test(pool_device_without_file_is_an_orphan_kept_unless_reclaimed),
		cmocka_unit_test(reclaim_by_id_takes_only_that_orphan_and_rejects_unknown_ids),
		cmocka_unit_test(orphan_is_kept_while_a_device_file_is_unreadable),
		cmocka_unit_test(file_without_pool_device_is_missing_and_names_its_container),
		cmocka_unit_test(pending_transaction_nothing_uses_is_committed_rollback_only_if_reclaimed),
		cmocka_unit_test(pending_transaction_of_a_device_never_created_is_rolled_back),
		cmocka_unit_test(pending_transaction_of_a_used_device_is_committed_not_deleted),
		cmocka_unit_test(pending_transaction_of_a_used_device_without_file_changes_nothing),
		cmocka_unit_test(transaction_behind_the_pool_is_rewritten_to_the_pools_id),
		cmocka_unit_test(missing_transaction_file_is_fine_damaged_one_is_rewritten),
		cmocka_unit_test(deleted_flag_on_a_used_device_is_cleared),
		cmocka_unit_test(deleted_device_nothing_uses_is_kept_unless_reclaim_deleted),
		cmocka_unit_test(lost_container_file_is_matched_to_its_orphan_and_written_again),
		cmocka_unit_test(lost_init_file_is_matched_through_the_read_write_device),
		cmocka_unit_test(lost_layer_file_is_matched_through_the_devices_built_on_it),
		cmocka_unit_test(orphan_sharing_nothing_is_no_match_and_the_reference_stays_dangling),
		cmocka_unit_test(two_orphans_fitting_one_reference_are_ambiguous_and_nothing_is_written),
		cmocka_unit_test(one_orphan_fitting_two_references_is_ambiguous_for_both),
		cmocka_unit_test(match_that_does_not_fit_the_size_is_not_confirmed_and_not_written),
		cmocka_unit_test(block_sets_count_shared_blocks_outside_a_third_set),
		cmocka_unit_test(filesystem_size_comes_from_the_superblock),
		cmocka_unit_test(mount_id_without_device_is_dangling_and_report_only),
		cmocka_unit_test(cache_id_without_device_is_dangling_and_report_only),
		cmocka_unit_test(base_uuid_that_differs_is_rewritten_from_the_filesystem),
		cmocka_unit_test(empty_base_uuid_or_unknown_filesystem_is_no_finding),
		cmocka_unit_test(filesystems_are_identified_with_blkid_style_uuids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
