/* The container spec: what `docker run` was told, as the body of the Engine
 * API's POST /containers/create, plus the lists of what that body cannot
 * carry (named volumes' data, bind mounts, host devices, extra networks) and
 * one entry per setting dropped or changed on the way, with the reason.
 * Built from Docker 20.10's config.v2.json and hostconfig.json; the format is
 * docs/container-spec.md. Pure: the caller reads the files and talks to the
 * engine; everything here works on jansson values. */
#ifndef LIFEBOAT_MIGRATE_SPEC_H
#define LIFEBOAT_MIGRATE_SPEC_H

#include "util/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The version this lifeboat writes and the newest it reads. */
#define LB_SPEC_VERSION 1
/* A spec is a few KiB; far more is damage, not data. */
#define LB_SPEC_MAX_BYTES (4u * 1024 * 1024)

/* Translates one container. config_v2 and hostconfig are the parsed files
 * (hostconfig may be NULL: then config_v2's "HostConfig" is used, and a
 * missing one is LB_EINTEGRITY). origin names the container's directory in
 * messages ("/var/lib/docker/containers/<id>"). A value of the wrong type
 * where the translation has to look inside is LB_EINTEGRITY naming file and
 * key. *spec_out (json_decref) passes lb_spec_check. */
int lb_spec_from_docker(const json_t *config_v2, const json_t *hostconfig, const char *origin,
			json_t **spec_out, struct lb_err *err);

/* Sets create.Image to the image the target pulls (the pushed ref or its
 * digest form); source.image keeps what the source was created from. */
int lb_spec_set_image(json_t *spec, const char *image_ref, struct lb_err *err);

/* Records the blob (sha256:...) holding a named volume's data. No volume of
 * that name: LB_ENOTFOUND; not a digest: LB_EUSAGE. */
int lb_spec_set_volume_digest(json_t *spec, const char *volume_name, const char *digest,
			      struct lb_err *err);

/* What the target engine has, as the caller learned it (GET /info's
 * Plugins.Log, and whether it is podman's compatible service). */
struct lb_spec_target {
	const char *const *log_drivers; /* may be NULL when n_log_drivers is 0 */
	size_t n_log_drivers;
	bool is_podman;
};

/* Fits create to the target, adding a change entry for each edit: a
 * LogConfig.Type the target lacks is removed (the engine's default driver
 * applies); on podman, NetworkMode "default" becomes "bridge" (podman's
 * default is not Docker's bridge for a rootful service otherwise). */
int lb_spec_adapt(json_t *spec, const struct lb_spec_target *target, struct lb_err *err);

/* Checks a spec document against docs/container-spec.md; origin names the
 * file or blob. Anything malformed: LB_EINTEGRITY naming the field; a
 * version above LB_SPEC_VERSION: LB_EINTEGRITY "written by a newer lifeboat
 * (version N)". */
int lb_spec_check(const json_t *spec, const char *origin, struct lb_err *err);

/* Parses text (len bytes) strictly: bad JSON, a key given twice, more than
 * LB_SPEC_MAX_BYTES, or a failed lb_spec_check is LB_EINTEGRITY. */
int lb_spec_parse(const char *text, size_t len, const char *origin, json_t **spec_out,
		  struct lb_err *err);

/* The canonical text: compact, keys sorted, one trailing newline. The same
 * document gives the same bytes, so its digest names it. *text_out: free(). */
int lb_spec_format(const json_t *spec, char **text_out, size_t *len_out, struct lb_err *err);

#endif
