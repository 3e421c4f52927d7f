/* The config of a committed image, as `docker commit` writes it (moby
 * image.NewChildImage): the base image's config with the container's Config,
 * one more history entry, and the new layer's diff id appended to
 * rootfs.diff_ids; a container that changed nothing adds no diff id and an
 * `empty_layer` history entry. Pure: JSON in, JSON out. */
#ifndef LIFEBOAT_OCI_IMAGE_CONFIG_H
#define LIFEBOAT_OCI_IMAGE_CONFIG_H

#include "util/error.h"

#include <jansson.h>
#include <stddef.h>

/* Larger image configs are damage, not data (Docker's are a few KiB; the
 * registry's own manifest limit is 4 MiB). */
#define LB_IMAGE_CONFIG_MAX (4u * 1024 * 1024)

struct lb_commit_meta {
	const char *diff_id;      /* "sha256:<hex>"; NULL: no new layer */
	const char *created;      /* RFC 3339, UTC */
	const char *author;       /* NULL or "": none */
	const char *comment;      /* NULL or "": none */
	const char *container_id; /* the source container's id */
};

/* The diff ids of an image config ("rootfs.diff_ids"), checked to be
 * "sha256:<64 hex>"; *ids borrows from *doc (json_decref it). */
int lb_image_config_parse(const char *text, size_t len, const char *origin, json_t **doc,
			  json_t **diff_ids, struct lb_err *err);

/* base: the image's config text; config: the container's Config after any
 * --change (borrowed). *out: compact JSON (free()). */
int lb_image_config_commit(const char *base, size_t base_len, const char *origin,
			   const json_t *config, const struct lb_commit_meta *meta, char **out,
			   size_t *out_len, struct lb_err *err);

#endif
