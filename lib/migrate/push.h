/* lifeboat migrate push <container>: commit into a staged layout, then push
 * it. A base layer goes cheapest first: if Docker's distribution metadata
 * (docker/distmeta.h) names a blob of it that the target repository has, it
 * is neither staged nor sent; if the blob is in another repository of the
 * same registry, it is mounted from there; only otherwise is it rebuilt from
 * tar-split and uploaded. The stage lives under staging_root/<container id>
 * with the hints that say which blobs were left out, so a rerun after a
 * failure pushes the same image without committing again, and continues
 * each upload from its journal. It is removed after a complete push. */
#ifndef LIFEBOAT_MIGRATE_PUSH_H
#define LIFEBOAT_MIGRATE_PUSH_H

#include "migrate/carry.h"
#include "migrate/commit.h"
#include "registry/image.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

#define LB_STAGING_ROOT "/var/lib/lifeboat/staging"

struct lb_push_container_opts {
	struct lb_commit_opts commit; /* layout_dir and base_layer are set here */
	struct lb_registry *reg;
	const struct lb_image_ref *ref;
	struct lb_image_xfer_opts xfer;
	const char *staging_root; /* NULL: LB_STAGING_ROOT */
	/* Carry the container's spec (and with_volumes its named volumes'
	 * data) beside the image (migrate/carry.h), for `migrate restore`. */
	bool with_spec, with_volumes;
	/* Held around the commit when several pushes run at once (evacuate):
	 * commits mount pool devices and must not overlap. NULL: none. */
	pthread_mutex_t *commit_lock;
	/* Held around the uploads: pushes one at a time, so a layer one
	 * container sent is in its repository before the next looks for it
	 * there (mount_candidates) instead of uploading it again. NULL: none. */
	pthread_mutex_t *push_lock;
	/* Called under push_lock: before the uploads (may set xfer's
	 * mount_candidates from what other pushes of the run left), and after
	 * them with their result (ok). NULL: none. */
	void (*push_hook)(void *ctx, bool before, struct lb_image_xfer_opts *xfer, bool ok);
	void *hook_ctx;
};

struct lb_push_container_result {
	struct lb_commit_result commit; /* zeroed when the stage was reused */
	bool reused_stage;
	char stage_dir[PATH_MAX];
	char container_id[65];
	json_t *spec;                 /* with_spec: what was carried (caller decrefs) */
	struct lb_carry_stats carry;
	char carry_tag[LB_CARRY_TAG_CAP];
	uint64_t carry_bytes_uploaded;
	char stage_left[1024]; /* why the stage stayed after a complete push, or "" */
};

int lb_migrate_push_container(struct lb_push_container_opts *o, struct lb_image_xfer *xres,
			      struct lb_push_container_result *res, struct lb_err *err);

/* An OCI layout to a registry. With no layout_name and a layout that
 * 'migrate commit --with-spec' wrote (an image and LB_CARRY_LAYOUT_REF),
 * the image the spec names goes first and the spec after it, under its
 * digest's tag (carry_tag_out, "" when there is none): restore REF then
 * works as after a push of the container. */
int lb_migrate_push_layout(struct lb_registry *reg, const struct lb_image_ref *ref,
			   struct lb_oci_layout *l, const char *layout_name,
			   const struct lb_image_xfer_opts *xo, struct lb_image_xfer *xres,
			   char carry_tag_out[LB_CARRY_TAG_CAP], struct lb_err *err);

#endif
