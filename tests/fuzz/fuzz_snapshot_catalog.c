/* libFuzzer target: lib/snapshot's parsers of files lifeboat reads back,
 * the catalog (snapshots.json) and the policy file. The first byte picks
 * the parser (even: catalog, odd: policy); the rest is the file.
 *
 * Promises checked beyond "no crash, no leak":
 *  - a catalog that parses keeps every record rule (lb_snap_record_check),
 *    has no two records with one name, uuid or device id, and is sorted;
 *    its canonical text parses back to a catalog whose text is the same
 *    (what lifeboat writes, it reads back unchanged);
 *  - a policy that parses names 1..1000 unique valid containers or "all",
 *    counts in range with one rule on, an absolute export dir, and levels
 *    in range. A broken promise aborts: a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/catalog.h"
#include "snapshot/policy.h"

static void check_catalog(const struct lb_snap_catalog *cat)
{
	struct lb_err err;
	for (size_t i = 0; i < cat->n_records; i++) {
		const struct lb_snap_record *r = &cat->records[i];
		if (lb_snap_record_check(r, NULL, &err))
			abort();
		if (lb_snap_catalog_find_name(cat, r->name) != r ||
		    lb_snap_catalog_find_uuid(cat, r->uuid) != r ||
		    lb_snap_catalog_find_device(cat, r->device_id) != r)
			abort();
		if (i && (cat->records[i - 1].created_unix > r->created_unix ||
			  (cat->records[i - 1].created_unix == r->created_unix &&
			   strcmp(cat->records[i - 1].name, r->name) >= 0)))
			abort();
	}
}

static void fuzz_catalog(const char *data, size_t size)
{
	struct lb_snap_catalog cat, again;
	struct lb_err err;
	if (lb_snap_catalog_parse(data, size, "fuzz", &cat, &err))
		return;
	check_catalog(&cat);
	char *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;
	if (lb_snap_catalog_format(&cat, &text, &len, &err))
		abort();
	if (lb_snap_catalog_parse(text, len, "fuzz-again", &again, &err))
		abort();
	if (again.n_records != cat.n_records || strcmp(again.pool, cat.pool) ||
	    (cat.n_records &&
	     memcmp(again.records, cat.records, cat.n_records * sizeof(cat.records[0]))))
		abort();
	if (lb_snap_catalog_format(&again, &text2, &len2, &err) || len2 != len ||
	    memcmp(text, text2, len))
		abort();
	free(text);
	free(text2);
	lb_snap_catalog_free(&again);
	lb_snap_catalog_free(&cat);
}

static void fuzz_policy(const char *data, size_t size)
{
	struct lb_snap_policy p;
	struct lb_err err;
	if (lb_snap_policy_parse(data, size, "fuzz", &p, &err))
		return;
	if (p.all_containers == (p.n_containers > 0) || p.n_containers > LB_SNAP_POLICY_MAX_CONTAINERS)
		abort();
	for (size_t i = 0; i < p.n_containers; i++) {
		if (!lb_snap_container_name_valid(p.containers[i]))
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p.containers[i], p.containers[j]))
				abort();
	}
	if (p.has_keep && (lb_retain_policy_check(&p.keep, &err) ||
			   lb_retain_policy_empty(&p.keep) || p.keep.last < 0 || p.keep.hourly < 0 ||
			   p.keep.daily < 0 || p.keep.weekly < 0 || p.keep.monthly < 0 ||
			   p.keep.yearly < 0))
		abort();
	if (p.has_export && (p.export_dir[0] != '/' || strstr(p.export_dir, "/../") ||
			     p.full_every < 1 || p.full_every > LB_SNAP_POLICY_MAX_FULL_EVERY ||
			     p.compress_level < 1 || p.compress_level > LB_SNAP_POLICY_MAX_LEVEL))
		abort();
	lb_snap_policy_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* A copy of exactly the file's bytes, so a read past the end is caught. */
	char *text = malloc(size - 1 ? size - 1 : 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	if (data[0] & 1)
		fuzz_policy(text, size - 1);
	else
		fuzz_catalog(text, size - 1);
	free(text);
	return 0;
}
