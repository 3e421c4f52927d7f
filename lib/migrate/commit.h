/* lifeboat migrate commit: a container's changes and its image's layers as
 * an image in an OCI layout, from Docker's files and the thin pool alone
 * (no dockerd). The container's device is read against its init device
 * (layer/changes.h), as Docker's own diff does; each base layer's exact tar
 * is rebuilt from Docker's tar-split and the layer's own device
 * (layer/tarsplit.h) and must hash to its diff id. Every device is mounted
 * read-only through lib/rescue sessions (a dirty journal replayed into a
 * copy-on-write layer unless no_replay), and torn down before returning. */
#ifndef LIFEBOAT_MIGRATE_COMMIT_H
#define LIFEBOAT_MIGRATE_COMMIT_H

#include "docker/layerdb.h"
#include "fslog/fslog.h"
#include "layer/blob.h"
#include "oci/manifest.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lines for the operator (what was read how, what was skipped); may be NULL. */
typedef void (*lb_commit_say_fn)(void *ctx, const char *line);

#define LB_COMMIT_MAX_LAYERS 128

/* FROM_REGISTRY: a base layer not staged, because the push's registry has
 * its blob or can mount it (lib/migrate/push.h). */
enum lb_layer_origin { LB_LAYER_FROM_TARSPLIT, LB_LAYER_FROM_CONTAINER, LB_LAYER_FROM_REGISTRY };

struct lb_commit_layer {
	char digest[80], diff_id[80];
	uint64_t size, tar_bytes;
	enum lb_layer_origin origin;
	char chain_id[80]; /* "" for the container's own layer */
};

struct lb_commit_opts {
	const char *data_root;   /* NULL: /var/lib/docker */
	const char *daemon_json; /* NULL: /etc/docker/daemon.json */
	const char *container;   /* name, id or unique id prefix */
	const char *layout_dir;  /* the OCI layout to write (created if missing) */
	const char *ref_name;    /* its tag in index.json; NULL: "latest" */
	const char *author, *message;
	const char *const *changes; /* --change instructions */
	size_t n_changes;
	enum lb_compress compress;
	enum lb_manifest_kind manifest;
	bool no_replay;
	/* A running container under a live dockerd: read from a fresh thin
	 * snapshot of its device (lib/snapshot: a freeze of milliseconds),
	 * removed again after the commit, instead of refusing. */
	bool live;
	int threads;             /* compression threads; 0: every core */
	lb_commit_say_fn say;
	void *say_ctx;
	/* Asked for each base layer before it is rebuilt: *provided with out's
	 * digest and size set means the layer is not staged. May be NULL. */
	int (*base_layer)(void *ctx, const struct lb_docker_layer *l, struct lb_commit_layer *out,
			  bool *provided, struct lb_err *err);
	void *base_ctx;
};

struct lb_commit_result {
	char container_id[65], container_name[256];
	char manifest_digest[80], config_digest[80];
	uint64_t manifest_size;
	const char *manifest_media_type;
	struct lb_commit_layer layers[LB_COMMIT_MAX_LAYERS];
	size_t n_layers;
	bool empty_layer;            /* the container changed nothing */
	size_t n_changes;            /* paths in the container's diff */
	uint64_t sockets_skipped;
	enum lb_fslog_state log_state; /* the container's journal as found */
	bool replayed;               /* read through the copy-on-write replay */
	bool live;                   /* read from a snapshot taken for the commit */
	uint64_t freeze_us;          /* how long the container was frozen for it */
	double seconds;
};

int lb_migrate_commit(const struct lb_commit_opts *opts, struct lb_commit_result *res,
		      struct lb_err *err);

#endif
