/* lifeboat recover ls: every container of a devicemapper data root with its
 * thin device, and the pool, from files alone (lib/inventory), as an lsblk-like
 * table (lib/table) or JSON. */
#include "fslog/fslog.h"
#include "inventory/inventory.h"
#include "recover/verbs.h"
#include "table/table.h"
#include "util/size.h"

#include <jansson.h>

#include <stdio.h>
#include <string.h>

enum ct_col {
	CT_NAME, CT_STATE, CT_IMAGE_REF, CT_DEVICE_ID, CT_SIZE, CT_MAPPED, CT_IN_POOL, CT_LOG, CT_SNAPS, CT_ID,
	CT_IMAGE, CT_DEVICE_HASH, CT_DEVICE_NAME, CT_POOL, CT_DELETED, CT_ERROR,
};
static const struct lb_table_column ct_cols[] = {
	[CT_NAME] = {"NAME", "container name", 0.1, 0},
	[CT_STATE] = {"STATE", "running, exited, created, ... as Docker last recorded it", 0.05, 0},
	[CT_IMAGE_REF] = {"IMAGE-REF", "the image as the user named it", 0.1, LB_COL_TRUNC},
	[CT_DEVICE_ID] = {"DEVICE-ID", "thin device id in the pool", 0.05, LB_COL_RIGHT},
	[CT_SIZE] = {"SIZE", "thin device size", 0.05, LB_COL_RIGHT},
	[CT_MAPPED] = {"MAPPED", "bytes the pool maps for the device", 0.05, LB_COL_RIGHT},
	[CT_IN_POOL] = {"IN-POOL", "the pool's metadata has the device: yes, no, unknown", 0.05, 0},
	[CT_LOG] = {"LOG", "its filesystem's journal: clean, or dirty (a mount without replay "
			   "shows an older state; see recover mount --replay-cow)", 0.05, 0},
	[CT_SNAPS] = {"SNAPS", "lifeboat snapshots of it (lifeboat snapshot ls)", 0.03, LB_COL_RIGHT},
	[CT_ID] = {"ID", "full container id", 0.2, LB_COL_TRUNC},
	[CT_IMAGE] = {"IMAGE", "image id", 0.2, LB_COL_TRUNC},
	[CT_DEVICE_HASH] = {"DEVICE-HASH", "Docker's device hash (layerdb mount-id)", 0.2,
			    LB_COL_TRUNC},
	[CT_DEVICE_NAME] = {"DEVICE-NAME", "device-mapper name Docker gives the device", 0.2,
			    LB_COL_TRUNC},
	[CT_POOL] = {"POOL", "device-mapper name of the pool", 0.1, 0},
	[CT_DELETED] = {"DELETED", "Docker marked the device for deletion", 0.05, 0},
	[CT_ERROR] = {"ERROR", "what is damaged about the entry", 0.3, LB_COL_WRAP},
};
#define N_CT_COLS (sizeof(ct_cols) / sizeof(ct_cols[0]))
#define CT_DEFAULTS "NAME,STATE,IMAGE-REF,DEVICE-ID,SIZE,MAPPED,IN-POOL,LOG,SNAPS,ID"

enum pool_col { P_POOL, P_KIND, P_ACTIVE, P_BLOCK, P_USED, P_TRANSACTION, P_DEVICES, P_DATA,
		P_METADATA, P_ERROR };
static const struct lb_table_column pool_cols[] = {
	[P_POOL] = {"POOL", "", 0.1, 0},
	[P_KIND] = {"KIND", "", 0.05, 0},
	[P_ACTIVE] = {"ACTIVE", "", 0.05, 0},
	[P_BLOCK] = {"BLOCK", "", 0.05, LB_COL_RIGHT},
	[P_USED] = {"USED", "", 0.05, LB_COL_RIGHT},
	[P_TRANSACTION] = {"TRANSACTION", "", 0.05, LB_COL_RIGHT},
	[P_DEVICES] = {"DEVICES", "", 0.05, LB_COL_RIGHT},
	[P_DATA] = {"DATA", "", 0.2, LB_COL_TRUNC},
	[P_METADATA] = {"METADATA", "", 0.2, LB_COL_TRUNC},
	[P_ERROR] = {"ERROR", "", 0.3, LB_COL_WRAP},
};
#define N_POOL_COLS (sizeof(pool_cols) / sizeof(pool_cols[0]))

static const char help_head[] =
	"Usage: lifeboat recover ls [options]\n"
	"\n"
	"List the containers of a Docker devicemapper data root with their thin\n"
	"devices, and the pool they live in, without the Docker daemon. Reads files\n"
	"only: works as any user who can read the data root, and without\n"
	"device-mapper in the kernel (the pool's ACTIVE is then 'unknown').\n"
	"\n"
	"IN-POOL says whether the pool's own metadata (the loop metadata file, read\n"
	"with lifeboat's thin metadata reader) has the device Docker's records name;\n"
	"for a dm.thinpooldev pool, whose metadata is not a file, it is 'unknown'.\n"
	"LOG reads the filesystem's superblock and journal through the same\n"
	"metadata from the data file: 'dirty' marks a container that was writing\n"
	"when the host went down ('unknown' when the data file is not readable).\n"
	"\n"
	"Damage does not hide the rest: a container or pool whose files cannot be read\n"
	"is still listed, with its ERROR, and one warning line per damaged entry goes\n"
	"to stderr.\n"
	"\n"
	"Options:\n";
/* The help after the options: it lists the columns. */
static void help_tail(FILE *out)
{
	fputs("\n"
	      "The pool's table comes first: its name, KIND (loop files or dm.thinpooldev),\n"
	      "ACTIVE in the kernel, data BLOCK size, data USED of its size, the pool's\n"
	      "TRANSACTION id, thin DEVICES, and its DATA and METADATA files.\n"
	      "\n"
	      "Container columns:\n",
	      out);
	lb_table_help(out, ct_cols, N_CT_COLS);
	fputs("\n"
	      "Exit codes: 0 listed (damaged entries are warned about, see --strict);\n"
	      "2 usage; 3 no data root, or not a devicemapper one; 5 nothing could be read\n"
	      "(the pool and every container are damaged), or --strict found damage.\n"
	      "\n"
	      "Example:\n"
	      "  lifeboat recover ls --root /mnt/old-host/var/lib/docker -o +DEVICE-HASH\n",
	      out);
}

static const char *tri_text(enum lb_tri t)
{
	return t == LB_TRI_YES ? "yes" : t == LB_TRI_NO ? "no" : "unknown";
}

struct cells {
	const struct lb_inventory *inv;
	bool bytes;
};

static const char *size_text(const struct cells *x, uint64_t n, char *buf, size_t cap)
{
	if (x->bytes)
		snprintf(buf, cap, "%llu", (unsigned long long)n);
	else
		lb_size_human(buf, cap, n);
	return buf;
}

static const char *ct_cell(void *ctx, size_t row, size_t col, char *buf, size_t cap)
{
	const struct cells *x = ctx;
	const struct lb_inv_container *c = &x->inv->containers[row];
	const struct lb_docker_view *v = &c->view;
	switch ((enum ct_col)col) {
	case CT_NAME: return lb_inv_name(c);
	case CT_STATE: return v->state;
	case CT_IMAGE_REF: return v->image_ref;
	case CT_ID: return v->id;
	case CT_IMAGE: return v->image_id;
	case CT_DEVICE_HASH: return v->device_hash;
	case CT_DEVICE_NAME: return v->device_name;
	case CT_POOL: return x->inv->pool.name;
	case CT_IN_POOL: return tri_text(c->in_pool);
	case CT_LOG: return lb_fslog_state_name(c->log);
	case CT_SNAPS:
		if (c->snapshots < 0)
			return "?";
		snprintf(buf, cap, "%ld", c->snapshots);
		return buf;
	case CT_ERROR: return c->err.code ? c->err.msg : NULL;
	case CT_DELETED: return v->device_ok ? (v->deleted ? "yes" : "no") : NULL;
	case CT_DEVICE_ID:
		if (!v->device_ok)
			return NULL;
		snprintf(buf, cap, "%u", v->device_id);
		return buf;
	case CT_SIZE: return v->device_ok ? size_text(x, v->size_bytes, buf, cap) : NULL;
	case CT_MAPPED:
		return c->in_pool == LB_TRI_YES ? size_text(x, c->mapped_bytes, buf, cap) : NULL;
	}
	return NULL;
}

static const char *pool_cell(void *ctx, size_t row, size_t col, char *buf, size_t cap)
{
	(void)row;
	const struct cells *x = ctx;
	const struct lb_inv_pool *p = &x->inv->pool;
	const uint64_t bs = (uint64_t)p->sb.data_block_size_sectors * 512;
	switch ((enum pool_col)col) {
	case P_POOL: return p->name;
	case P_KIND: return p->kind;
	case P_ACTIVE: return tri_text(p->active);
	case P_DATA: return p->data_path;
	case P_METADATA: return p->metadata_path;
	case P_ERROR: return p->err.code ? p->err.msg : NULL;
	case P_BLOCK: return p->meta_ok ? size_text(x, bs, buf, cap) : NULL;
	case P_USED: {
		if (!p->meta_ok)
			return NULL;
		char used[32], total[32];
		snprintf(buf, cap, "%s/%s", size_text(x, p->sb.data_sm.nr_allocated * bs, used, 32),
			 size_text(x, p->sb.data_sm.nr_blocks * bs, total, 32));
		return buf;
	}
	case P_TRANSACTION:
	case P_DEVICES:
		if (!p->meta_ok)
			return NULL;
		snprintf(buf, cap, "%llu",
			 (unsigned long long)(col == P_TRANSACTION ? p->sb.trans_id : p->thin_devices));
		return buf;
	}
	return NULL;
}

static int print_tables(const struct lb_inventory *inv, struct lb_table_select ct_sel,
			bool add_error, const struct lb_table_style *style, bool bytes,
			struct lb_err *err)
{
	struct cells x = {inv, bytes};
	struct lb_table_select pool_sel;
	int rc = lb_table_select(pool_cols, N_POOL_COLS,
				 "POOL,KIND,ACTIVE,BLOCK,USED,TRANSACTION,DEVICES,DATA,METADATA",
				 NULL, &pool_sel, err);
	if (!rc && inv->pool.err.code)
		rc = lb_table_select_add(pool_cols, N_POOL_COLS, "ERROR", &pool_sel, err);
	/* Without -o, a damaged row says why in the table too. */
	for (size_t i = 0; !rc && add_error && i < inv->n_containers; i++)
		if (inv->containers[i].err.code)
			rc = lb_table_select_add(ct_cols, N_CT_COLS, "ERROR", &ct_sel, err);
	if (rc)
		return rc;
	if ((rc = lb_table_print(stdout, pool_cols, &pool_sel, 1, pool_cell, &x, style, err)))
		return rc;
	fputc('\n', stdout);
	return lb_table_print(stdout, ct_cols, &ct_sel, inv->n_containers, ct_cell, &x, style, err);
}

static int print_json(const struct lb_inventory *inv, struct lb_err *err)
{
	json_t *o = lb_inventory_json(inv);
	if (!o)
		return lb_fail(err, LB_EFAIL, "JSON: out of memory");
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(o);
	return 0;
}

static void warn_damaged(const struct lb_inventory *inv)
{
	if (inv->pool.err.code)
		lb_print_error("pool %s: %s", inv->pool.name, inv->pool.err.msg);
	for (size_t i = 0; i < inv->n_containers; i++) {
		const struct lb_inv_container *c = &inv->containers[i];
		if (c->err.code && lb_inv_name(c)[0])
			lb_print_error("%s: %s", lb_inv_name(c), c->err.msg);
		else if (c->err.code) /* the message names the container's files */
			lb_print_error("%s", c->err.msg);
	}
}

int cmd_recover_ls(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_STRICT = LB_OPT_LONG_ONLY, OPT_DAEMON_JSON };
	static const struct lb_opt opts[] = {
		{'o', "output", LB_ARG_REQUIRED, "COLS",
		 "container columns to show (+COLS adds to the default)"},
		{'n', "noheadings", LB_ARG_NONE, NULL, "no column headings"},
		{'r', "raw", LB_ARG_NONE, NULL, "raw output: single spaces, no alignment"},
		{'b', "bytes", LB_ARG_NONE, NULL, "sizes in bytes rather than 512M-style"},
		{OPT_STRICT, "strict", LB_ARG_NONE, NULL, "exit 5 if any entry is damaged"},
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION(LB_OPT_JSON, "print everything as JSON (whatever -o says):\n"
					    "{\"pool\": {...}, \"containers\": [{\"name\", \"id\",\n"
					    "\"image\", \"device_hash\", \"device_id\", \"size_bytes\",\n"
					    "\"pool\", \"in_pool\", ...}]}; unknown values are null"),
		LB_OPT_MENTION('q', "no warnings about damaged entries"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "recover ls", .opts = opts,
						 .help_head = help_head, .help_tail_fn = help_tail,
						 .name_col = 6, .desc_col = 23};
	const char *columns = NULL, *daemon_json = NULL;
	struct lb_table_style style = {0};
	bool bytes = false, strict = false;
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case 'o': columns = optarg; break;
		case 'n': style.noheadings = true; break;
		case 'r': style.raw = true; break;
		case 'b': bytes = true; break;
		case OPT_STRICT: strict = true; break;
		case OPT_DAEMON_JSON: daemon_json = optarg; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (optind < argc)
		return lb_usage_error("recover ls", "unexpected argument '%s'", argv[optind]);
	struct lb_err err = {0};
	struct lb_table_select ct_sel;
	if (lb_table_select(ct_cols, N_CT_COLS, CT_DEFAULTS, columns, &ct_sel, &err))
		return lb_usage_error("recover ls", "%s", err.msg);

	struct lb_docker_root *root = NULL;
	struct lb_inventory inv = {0};
	struct lb_docker_root_opts ropts = {.data_root = g->docker_root, .daemon_json = daemon_json};
	int rc = lb_docker_root_load(&ropts, &root, &err);
	if (!rc)
		rc = lb_inventory_load(root, true, &inv, &err);
	if (!rc)
		rc = g->json ? print_json(&inv, &err)
			     : print_tables(&inv, ct_sel, !columns, &style, bytes, &err);
	if (rc) {
		lb_print_error("%s", err.msg);
	} else {
		size_t damaged = lb_inventory_damaged(&inv);
		if (g->verbosity >= 0)
			warn_damaged(&inv);
		if (damaged && (strict || damaged == inv.n_containers + 1))
			rc = LB_EINTEGRITY;
	}
	lb_inventory_free(&inv);
	lb_docker_root_free(root);
	return rc;
}
