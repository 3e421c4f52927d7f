/* What travels beside an image so that `migrate restore REF` alone can
 * rebuild its container on any host: the container spec (migrate/spec.h)
 * and, when asked, the data of its named volumes. It is an OCI image
 * manifest of its own in the image's repository (every registry stores one;
 * Distribution 2.8 included), whose config is the spec and whose layers are
 * the volumes' tars, tagged after the image manifest's digest
 * ("sha256-<hex>.lifeboat", cosign's convention), so a tag moved later can
 * never pair an image with another container's spec:
 *
 *   skopeo inspect --raw docker://HOST/REPO:sha256-<hex>.lifeboat
 */
#ifndef LIFEBOAT_MIGRATE_CARRY_H
#define LIFEBOAT_MIGRATE_CARRY_H

#include "oci/layout.h"
#include "util/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define LB_CARRY_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define LB_CARRY_CONFIG_TYPE "application/vnd.lifeboat.container.spec.v1+json"
#define LB_CARRY_VOLUME_TYPE "application/vnd.lifeboat.volume.v1.tar+gzip"
#define LB_CARRY_ANN_IMAGE "io.lifeboat.image.digest"
#define LB_CARRY_ANN_VOLUME "io.lifeboat.volume.name"
#define LB_CARRY_ANN_DEST "io.lifeboat.volume.destination"
/* Its name in a layout's index.json (a stage, or an evacuation's output). */
#define LB_CARRY_LAYOUT_REF "lifeboat-spec"
/* Where a docker-archive holds it: an OCI layout in this directory. */
#define LB_CARRY_ARCHIVE_DIR "lifeboat/"
#define LB_CARRY_TAG_CAP 96
#define LB_CARRY_MAX_VOLUMES 1024

/* "sha256-<hex>.lifeboat" for the image manifest digest "sha256:<hex>";
 * LB_EUSAGE for anything else. */
int lb_carry_tag(const char *image_digest, char out[LB_CARRY_TAG_CAP], struct lb_err *err);

struct lb_carry_stats {
	unsigned volumes_carried, volumes_listed; /* with data / named but left behind */
	uint64_t volume_bytes;                    /* tar bytes, before compression */
	char manifest_digest[LB_DIGEST_CAP]; /* the artifact's */
	uint64_t manifest_size;
	char spec_digest[LB_DIGEST_CAP];     /* its config: the spec */
};

/* Writes the artifact into layout l under LB_CARRY_LAYOUT_REF. spec's
 * "volumes" entries get their data's blob digest (lb_spec_set_volume_digest)
 * when with_volumes, from data_root/volumes/<name>/_data, read without following
 * a link; the volumes' tars are written as Docker's export writes files
 * (layer/tarwrite.h), gzip on every core. */
int lb_carry_stage(struct lb_oci_layout *l, const char *data_root, json_t *spec,
		   const char *image_digest, bool with_volumes, int threads,
		   struct lb_carry_stats *stats, struct lb_err *err);

/* lb_carry_stage for a container of a data root: its spec read from
 * Docker's files (migrate/spec_load.h), into the layout at layout_dir.
 * *spec_out (may be NULL) gets the spec as carried (json_decref). */
int lb_carry_stage_container(const char *layout_dir, const char *data_root,
			     const char *container_id, const char *image_digest, bool with_volumes,
			     int threads, json_t **spec_out, struct lb_carry_stats *stats,
			     struct lb_err *err);

/* One volume of an artifact read back. */
struct lb_carry_volume {
	char name[256], destination[4096];
	char digest[LB_DIGEST_CAP]; /* "" when its data was not carried */
	uint64_t size;
};

struct lb_carry {
	json_t *spec;
	char image_digest[LB_DIGEST_CAP];
	struct lb_carry_volume *volumes;
	size_t n_volumes;
};

/* Reads the artifact that layout ref `ref_name` names: its manifest must be
 * one (config type LB_CARRY_CONFIG_TYPE), the spec blob's digest must hold;
 * LB_EINTEGRITY names what is wrong. The spec is returned parsed as JSON
 * only: the caller validates it (migrate/spec.h). */
int lb_carry_read(const struct lb_oci_layout *l, const char *ref_name, struct lb_carry *out,
		  struct lb_err *err);
void lb_carry_free(struct lb_carry *c);

/* The pure part of lb_carry_read: the artifact's manifest (from a registry:
 * untrusted) into out's volumes and image digest, and the spec blob's
 * digest. Fuzzed (tests/fuzz/fuzz_carry.c). */
int lb_carry_parse_manifest(const char *buf, size_t len, const char *what, struct lb_carry *out,
			    char spec_digest[LB_DIGEST_CAP], struct lb_err *err);

#endif
