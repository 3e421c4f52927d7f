/* thinmeta-dump: prints what lib/thinmeta reads from a thin-pool metadata
 * file, in a canonical text form that tests compare with thin_dump's:
 *
 *   superblock time=T transaction=N flags=F data_block_size=S nr_data_blocks=D
 *   device ID mapped_blocks=M transaction=N creation_time=T snap_time=T
 *   range VBLOCK DBLOCK LEN TIME
 *
 * Exit status: lifeboat's codes (5: corrupt metadata, 3: no such file). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thinmeta/thinmeta.h"

struct opts {
	enum lb_thin_coalesce coalesce;
	bool nodes;     /* print btree nodes instead of ranges */
	bool facts;     /* print every superblock field, then stop */
	bool count;     /* per device totals instead of ranges */
	bool snap;      /* --metadata-snap */
	bool have_dev;  /* --dev-id */
	uint64_t dev_id;
};

struct dump {
	struct lb_thinmeta *m;
	const struct opts *o;
	uint64_t dev_id;
	uint64_t ranges;
	uint64_t blocks;
};

static void usage(FILE *out)
{
	fputs("Usage: thinmeta-dump [options] METADATA\n"
	      "Prints a thin pool's superblock, devices and mappings as lib/thinmeta reads them.\n"
	      "\n"
	      "  --per-block      one line per mapped block\n"
	      "  --ignore-time    join adjacent blocks whatever their time\n"
	      "  --dev-id ID      only this device\n"
	      "  --metadata-snap  read the pool's metadata snapshot (held root)\n"
	      "  --nodes          list the btree nodes of each device's mapping tree\n"
	      "  --count          per device: ranges and mapped blocks found\n"
	      "  --facts          every superblock field, one per line\n"
	      "  -h, --help       this help\n",
	      out);
}

static int on_range(void *ctx, const struct lb_thin_range *r, struct lb_err *err)
{
	struct dump *d = ctx;
	(void)err;
	d->ranges++;
	d->blocks += r->len_blocks;
	if (!d->o->count && !d->o->nodes)
		printf("range %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu32 "\n", r->vblock, r->dblock,
		       r->len_blocks, r->time);
	return 0;
}

static int on_node(void *ctx, uint64_t block_nr, unsigned depth, bool leaf, struct lb_err *err)
{
	const struct dump *d = ctx;
	(void)err;
	printf("node dev=%" PRIu64 " block=%" PRIu64 " depth=%u %s\n", d->dev_id, block_nr, depth,
	       leaf ? "leaf" : "internal");
	return 0;
}

static int on_device(void *ctx, const struct lb_thin_device *dev, struct lb_err *err)
{
	struct dump *d = ctx;
	if (d->o->have_dev && dev->dev_id != d->o->dev_id)
		return 0;
	printf("device %" PRIu64 " mapped_blocks=%" PRIu64 " transaction=%" PRIu64
	       " creation_time=%" PRIu32 " snap_time=%" PRIu32 "\n",
	       dev->dev_id, dev->mapped_blocks, dev->transaction_id, dev->creation_time,
	       dev->snapshotted_time);
	struct lb_thin_walk walk = {
		.coalesce = d->o->coalesce,
		.on_range = on_range,
		.on_node = d->o->nodes ? on_node : NULL,
		.ctx = d,
	};
	d->dev_id = dev->dev_id;
	d->ranges = d->blocks = 0;
	int rc = lb_thinmeta_walk_mappings(d->m, dev->dev_id, &walk, err);
	if (!rc && d->o->count)
		printf("count dev=%" PRIu64 " ranges=%" PRIu64 " blocks=%" PRIu64 "\n", dev->dev_id,
		       d->ranges, d->blocks);
	return rc;
}

static void print_facts(const struct lb_thin_superblock *sb)
{
	printf("flags=%" PRIu32 "\nneeds_check=%d\nversion=%" PRIu32 "\ntime=%" PRIu32
	       "\ntransaction=%" PRIu64 "\nheld_root=%" PRIu64 "\n",
	       sb->flags, sb->needs_check, sb->version, sb->time, sb->trans_id, sb->held_root);
	printf("data_block_size_sectors=%" PRIu32 "\nmetadata_block_size_sectors=%" PRIu32
	       "\nmetadata_nr_blocks=%" PRIu64 "\n",
	       sb->data_block_size_sectors, sb->metadata_block_size_sectors, sb->metadata_nr_blocks);
	printf("data_mapping_root=%" PRIu64 "\ndevice_details_root=%" PRIu64 "\n",
	       sb->data_mapping_root, sb->device_details_root);
	const struct {
		const char *name;
		const struct lb_thin_sm_root *sm;
	} sms[] = {{"data_sm", &sb->data_sm}, {"metadata_sm", &sb->metadata_sm}};
	for (size_t i = 0; i < 2; i++)
		printf("%s.nr_blocks=%" PRIu64 "\n%s.nr_allocated=%" PRIu64 "\n%s.bitmap_root=%" PRIu64
		       "\n%s.ref_count_root=%" PRIu64 "\n",
		       sms[i].name, sms[i].sm->nr_blocks, sms[i].name, sms[i].sm->nr_allocated,
		       sms[i].name, sms[i].sm->bitmap_root, sms[i].name, sms[i].sm->ref_count_root);
	printf("compat_flags=%" PRIu32 "\ncompat_ro_flags=%" PRIu32 "\nincompat_flags=%" PRIu32 "\n",
	       sb->compat_flags, sb->compat_ro_flags, sb->incompat_flags);
}

int main(int argc, char **argv)
{
	enum { OPT_PER_BLOCK = 0x100, OPT_IGNORE_TIME, OPT_DEV_ID, OPT_NODES, OPT_COUNT, OPT_FACTS,
	       OPT_SNAP };
	static const struct option longopts[] = {
		{"per-block", no_argument, NULL, OPT_PER_BLOCK},
		{"ignore-time", no_argument, NULL, OPT_IGNORE_TIME},
		{"dev-id", required_argument, NULL, OPT_DEV_ID},
		{"nodes", no_argument, NULL, OPT_NODES},
		{"count", no_argument, NULL, OPT_COUNT},
		{"facts", no_argument, NULL, OPT_FACTS},
		{"metadata-snap", no_argument, NULL, OPT_SNAP},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct opts o = {.coalesce = LB_THIN_RANGES_SAME_TIME};
	int c;
	char *end;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PER_BLOCK: o.coalesce = LB_THIN_PER_BLOCK; break;
		case OPT_IGNORE_TIME: o.coalesce = LB_THIN_RANGES; break;
		case OPT_NODES: o.nodes = true; break;
		case OPT_COUNT: o.count = true; break;
		case OPT_FACTS: o.facts = true; break;
		case OPT_SNAP: o.snap = true; break;
		case OPT_DEV_ID:
			errno = 0;
			o.dev_id = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg) {
				fprintf(stderr, "thinmeta-dump: --dev-id: not a number: %s\n", optarg);
				return LB_EUSAGE;
			}
			o.have_dev = true;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return LB_EUSAGE;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return LB_EUSAGE;
	}

	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	struct lb_err err = {0};
	struct lb_thinmeta *m;
	int rc = lb_thinmeta_open(argv[optind], &m, &err);
	if (rc) {
		fprintf(stderr, "thinmeta-dump: %s\n", err.msg);
		return rc;
	}
	if (o.snap && (rc = lb_thinmeta_use_metadata_snap(m, &err))) {
		lb_thinmeta_close(m);
		fprintf(stderr, "thinmeta-dump: %s\n", err.msg);
		return rc;
	}
	const struct lb_thin_superblock *sb = lb_thinmeta_superblock(m);
	if (o.facts) {
		print_facts(sb);
	} else {
		printf("superblock time=%" PRIu32 " transaction=%" PRIu64 " flags=%" PRIu32
		       " data_block_size=%" PRIu32 " nr_data_blocks=%" PRIu64 "\n",
		       sb->time, sb->trans_id, sb->flags, sb->data_block_size_sectors,
		       sb->data_sm.nr_blocks);
		struct dump d = {.m = m, .o = &o};
		rc = lb_thinmeta_for_each_device(m, on_device, &d, &err);
	}
	lb_thinmeta_close(m);
	if (fflush(stdout) != 0 && !rc) {
		fprintf(stderr, "thinmeta-dump: write output: %s\n", strerror(errno));
		return LB_EFAIL;
	}
	if (rc)
		fprintf(stderr, "thinmeta-dump: %s\n", err.msg);
	return rc;
}
