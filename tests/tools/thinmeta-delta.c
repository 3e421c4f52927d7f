/* thinmeta-delta: prints lib/thinmeta's mapping difference between two thin
 * devices of a pool (lb_thinmeta_delta), in a text form tests compare with
 * thin_delta's:
 *
 *   run VBLOCK LEN changed DBLOCK      the second device's data for the run
 *   run VBLOCK LEN unmapped
 *   nodes read=N shared_skipped=S      with --stats, last
 *
 * --per-block prints "changed VBLOCK" / "unmapped VBLOCK" lines instead.
 * Exit status: lifeboat's codes (5: corrupt metadata, 3: no such device). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thinmeta/delta.h"

struct opts {
	bool per_block;
	bool stats;
	bool snap;
	bool split_data;
	bool quiet; /* no runs: for timing */
};

static void usage(FILE *out)
{
	fputs("Usage: thinmeta-delta [options] METADATA FROM_DEV TO_DEV\n"
	      "Prints what changed from thin device FROM_DEV to TO_DEV, from the metadata.\n"
	      "\n"
	      "  --per-block      one line per block\n"
	      "  --split-data     break changed runs where TO_DEV's data is not consecutive\n"
	      "  --metadata-snap  read the pool's metadata snapshot (held root)\n"
	      "  --stats          end with the count of nodes read and subtrees skipped\n"
	      "  --quiet          print no runs\n"
	      "  -h, --help       this help\n",
	      out);
}

static const char *kind_name(enum lb_thin_delta_kind kind)
{
	return kind == LB_THIN_DELTA_CHANGED ? "changed" : "unmapped";
}

static int on_run(void *ctx, const struct lb_thin_delta_run *run, struct lb_err *err)
{
	const struct opts *o = ctx;
	(void)err;
	if (o->quiet)
		return 0;
	if (o->per_block) {
		for (uint64_t i = 0; i < run->len_blocks; i++)
			printf("%s %" PRIu64 "\n", kind_name(run->kind), run->vblock + i);
	} else if (run->kind == LB_THIN_DELTA_CHANGED) {
		printf("run %" PRIu64 " %" PRIu64 " changed %" PRIu64 "\n", run->vblock,
		       run->len_blocks, run->dblock);
	} else {
		printf("run %" PRIu64 " %" PRIu64 " unmapped\n", run->vblock, run->len_blocks);
	}
	return 0;
}

static int parse_dev(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || end == s || *s == '-') {
		fprintf(stderr, "thinmeta-delta: not a device id: %s\n", s);
		return LB_EUSAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_PER_BLOCK = 0x100, OPT_STATS, OPT_SNAP, OPT_SPLIT, OPT_QUIET };
	static const struct option longopts[] = {
		{"per-block", no_argument, NULL, OPT_PER_BLOCK},
		{"stats", no_argument, NULL, OPT_STATS},
		{"metadata-snap", no_argument, NULL, OPT_SNAP},
		{"split-data", no_argument, NULL, OPT_SPLIT},
		{"quiet", no_argument, NULL, OPT_QUIET},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct opts o = {0};
	uint64_t from_dev, to_dev;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PER_BLOCK: o.per_block = true; break;
		case OPT_STATS: o.stats = true; break;
		case OPT_SNAP: o.snap = true; break;
		case OPT_SPLIT: o.split_data = true; break;
		case OPT_QUIET: o.quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return LB_EUSAGE;
		}
	}
	if (optind + 3 != argc) {
		usage(stderr);
		return LB_EUSAGE;
	}
	if (parse_dev(argv[optind + 1], &from_dev) || parse_dev(argv[optind + 2], &to_dev))
		return LB_EUSAGE;

	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	struct lb_err err = {0};
	struct lb_thinmeta *m = NULL;
	int rc = lb_thinmeta_open(argv[optind], &m, &err);
	if (!rc && o.snap)
		rc = lb_thinmeta_use_metadata_snap(m, &err);
	if (!rc) {
		struct lb_thin_delta delta = {.on_run = on_run, .split_data = o.split_data, .ctx = &o};
		struct lb_thin_delta_stats stats;
		rc = lb_thinmeta_delta(m, from_dev, to_dev, &delta, &stats, &err);
		if (!rc && o.stats)
			printf("nodes read=%" PRIu64 " shared_skipped=%" PRIu64 "\n", stats.nodes_read,
			       stats.shared_skipped);
	}
	lb_thinmeta_close(m);
	if (fflush(stdout) != 0 && !rc) {
		fprintf(stderr, "thinmeta-delta: write output: %s\n", strerror(errno));
		return LB_EFAIL;
	}
	if (rc)
		fprintf(stderr, "thinmeta-delta: %s\n", err.msg);
	return rc;
}
