/* lifeboat snapshot ls: the snapshots of the pool, from the catalog and the
 * pool's metadata. Calls lb_snapshot_list (lib/snapshot/create.h). */
#include "snapshot/catalog.h"
#include "snapshot/create.h"
#include "snapshot/verbs.h"
#include "table/table.h"
#include "util/size.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

enum col { C_NAME, C_CONTAINER, C_CREATED, C_DEVICE_ID, C_ORIGIN_ID, C_SIZE, C_MAPPED, C_STATE,
	   C_FREEZE, C_UUID, C_CONTAINER_ID, C_POOL };
static const struct lb_table_column cols[] = {
	[C_NAME] = {"NAME", "the snapshot's name", 0.2, 0},
	[C_CONTAINER] = {"CONTAINER", "the container's name when it was taken", 0.1, LB_COL_TRUNC},
	[C_CREATED] = {"CREATED", "when (UTC)", 0.1, 0},
	[C_DEVICE_ID] = {"DEVICE-ID", "the snapshot's thin device id", 0.05, LB_COL_RIGHT},
	[C_ORIGIN_ID] = {"ORIGIN-ID", "the container's thin device id", 0.05, LB_COL_RIGHT},
	[C_SIZE] = {"SIZE", "virtual size", 0.05, LB_COL_RIGHT},
	[C_MAPPED] = {"MAPPED", "bytes the pool maps for the snapshot (shared or not)", 0.05,
		      LB_COL_RIGHT},
	[C_STATE] = {"STATE", "ready; pending (being taken, or a killed create); importing (being "
			      "imported, or a killed import: snapshot rm); missing (not in the pool)",
		     0.05, 0},
	[C_FREEZE] = {"FREEZE", "how long the container's filesystem was frozen", 0.05,
		      LB_COL_RIGHT},
	[C_UUID] = {"UUID", "the snapshot's identity in exports", 0.2, LB_COL_TRUNC},
	[C_CONTAINER_ID] = {"CONTAINER-ID", "full container id", 0.2, LB_COL_TRUNC},
	[C_POOL] = {"POOL", "device-mapper name of the pool", 0.1, LB_COL_TRUNC},
};
#define N_COLS (sizeof(cols) / sizeof(cols[0]))
#define DEFAULTS "NAME,CONTAINER,CREATED,DEVICE-ID,SIZE,MAPPED,STATE,FREEZE"

static const char help_head[] =
	"Usage: lifeboat snapshot ls [options] [<container>]\n"
	"\n"
	"List lifeboat's snapshots of the pool (of one container: by name or id),\n"
	"oldest first, from the catalog and the pool's metadata (read through a\n"
	"metadata snapshot when the pool is active, so a live pool reads\n"
	"consistently). Read-only but for resolving a record a killed create left\n"
	"pending.\n"
	"\n"
	"Options:\n";
/* The help after the options: it lists the columns. */
static void help_tail(FILE *out)
{
	fputs("\n"
	      "Columns:\n",
	      out);
	lb_table_help(out, cols, N_COLS);
	fputs("\n"
	      "Exit codes: 0 listed; 1 failed; 2 usage; 3 data root not found; 5 corrupt\n"
	      "catalog.\n",
	      out);
}

struct cell_ctx {
	const struct lb_snapshot_list *l;
	bool bytes;
};

static const char *size_cell(uint64_t v, bool bytes, char *buf, size_t cap)
{
	if (bytes)
		snprintf(buf, cap, "%" PRIu64, v);
	else
		lb_size_human(buf, cap, v);
	return buf;
}

static const char *state_of(const struct lb_snapshot_list *l, const struct lb_snapshot_row *r)
{
	if (r->rec.state == LB_SNAP_PENDING)
		return "pending";
	if (r->rec.state == LB_SNAP_IMPORTING)
		return "importing";
	return l->pool_read && !r->in_pool ? "missing" : "ready";
}

static const char *cell(void *ctx, size_t row, size_t col, char *buf, size_t cap)
{
	const struct cell_ctx *x = ctx;
	const struct lb_snapshot_row *r = &x->l->rows[row];
	switch (col) {
	case C_NAME: return r->rec.name;
	case C_CONTAINER: return r->rec.container;
	case C_CREATED: lb_snap_rfc3339(r->rec.created_unix, buf); return buf;
	case C_DEVICE_ID: snprintf(buf, cap, "%" PRIu32, r->rec.device_id); return buf;
	case C_ORIGIN_ID: snprintf(buf, cap, "%" PRIu32, r->rec.origin_device_id); return buf;
	case C_SIZE: return size_cell(r->rec.size_bytes, x->bytes, buf, cap);
	case C_MAPPED: return r->in_pool ? size_cell(r->mapped_bytes, x->bytes, buf, cap) : "-";
	case C_STATE: return state_of(x->l, r);
	case C_FREEZE:
		if (!r->rec.freeze_us)
			return "-";
		snprintf(buf, cap, "%" PRIu64 ".%03" PRIu64 "ms", r->rec.freeze_us / 1000,
			 r->rec.freeze_us % 1000);
		return buf;
	case C_UUID: return r->rec.uuid;
	case C_CONTAINER_ID: return r->rec.container_id;
	case C_POOL: return x->l->pool;
	}
	return "";
}

static void print_json(const struct lb_snapshot_list *l)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < l->n_rows; i++) {
		const struct lb_snapshot_row *r = &l->rows[i];
		json_t *o = lb_snap_record_json(&r->rec);
		json_object_set_new(o, "mapped_bytes",
				    r->in_pool ? json_integer((json_int_t)r->mapped_bytes) : json_null());
		json_object_set_new(o, "pool", json_string(l->pool));
		json_object_set_new(o, "state", json_string(state_of(l, r)));
		json_array_append_new(arr, o);
	}
	json_t *top = json_pack("{s:o}", "snapshots", arr);
	json_dumpf(top, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(top);
}

int cmd_snapshot_ls(int argc, char **argv, struct lb_globals *g)
{
	enum { OPT_DAEMON_JSON = LB_OPT_LONG_ONLY };
	static const struct lb_opt opts[] = {
		{'o', "output", LB_ARG_REQUIRED, "COLS",
		 "columns, comma-separated; +COL adds to the default"},
		{'n', "noheadings", LB_ARG_NONE, NULL, "no header line"},
		{'r', "raw", LB_ARG_NONE, NULL, "no alignment, for scripts"},
		{'b', "bytes", LB_ARG_NONE, NULL, "sizes in bytes"},
		LB_OPT_DAEMON_JSON_ROW(OPT_DAEMON_JSON),
		LB_OPT_MENTION(LB_OPT_ROOT, NULL),
		LB_OPT_MENTION(LB_OPT_JSON, "{\"snapshots\": [{name, container, container_id,\n"
		 "device_id, origin_device_id, created, size_bytes,\n"
		 "mapped_bytes, pool, state, uuid, freeze_us}]}"),
		{0},
	};
	static const struct lb_opts_spec spec = {.cmd = "snapshot ls", .opts = opts,
						 .help_head = help_head, .help_tail_fn = help_tail,
						 .desc_col = 23};
	const char *columns = NULL;
	struct lb_table_style style = {0};
	struct lb_snapshot_target t = {.say = lb_snapshot_say, .say_ctx = g};
	bool bytes = false;
	struct lb_opts_parser parser = {.spec = &spec};
	int c;
	while ((c = lb_opts_next(&parser, argc, argv, g)) > 0) {
		switch (c) {
		case 'o': columns = optarg; break;
		case 'n': style.noheadings = true; break;
		case 'r': style.raw = true; break;
		case 'b': bytes = true; break;
		case OPT_DAEMON_JSON: t.daemon_json = optarg; break;
		}
	}
	if (c < 0)
		return parser.rc;
	if (argc - optind > 1)
		return lb_usage_error("snapshot ls", "at most one container");
	struct lb_err err = {0};
	struct lb_table_select sel;
	if (lb_table_select(cols, N_COLS, DEFAULTS, columns, &sel, &err))
		return lb_usage_error("snapshot ls", "%s", err.msg);
	t.data_root = g->docker_root;
	struct lb_snapshot_list l;
	int rc = lb_snapshot_list(&t, optind < argc ? argv[optind] : NULL, &l, &err);
	if (rc) {
		lb_print_error("%s", err.msg);
		return rc;
	}
	if (!l.pool_read && g->verbosity >= 0)
		lb_print_error("%s: sizes unknown: %s", l.pool, l.pool_err.msg);
	if (g->json) {
		print_json(&l);
	} else {
		struct cell_ctx x = {.l = &l, .bytes = bytes};
		rc = lb_table_print(stdout, cols, &sel, l.n_rows, cell, &x, &style, &err);
		if (rc)
			lb_print_error("%s", err.msg);
	}
	lb_snapshot_list_free(&l);
	return rc;
}
