/* The evacuation plan: `migrate evacuate --plan FILE` writes it and journals
 * each container's progress in it; `migrate land PLAN` reads it. One entry
 * per container: where its image goes, its spec, its named volumes' blobs,
 * whether it was running, and how far evacuation got. Format:
 * docs/container-spec.md. Pure: the caller reads and writes the file
 * (atomically: lib/util/atomic_file.h) and does the work. */
#ifndef LIFEBOAT_MIGRATE_PLAN_H
#define LIFEBOAT_MIGRATE_PLAN_H

#include "oci/digest.h"
#include "util/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define LB_PLAN_VERSION 1
#define LB_PLAN_MAX_BYTES (64u * 1024 * 1024)
#define LB_PLAN_MAX_ATTEMPTS 1000000

/* pending: nothing done yet; committed: the image is in a staged layout
 * (layout); pushed: image and spec are in the registry (digest); failed:
 * the last attempt failed (error), and is retried from the start. */
enum lb_plan_status { LB_PLAN_PENDING, LB_PLAN_COMMITTED, LB_PLAN_PUSHED, LB_PLAN_FAILED };

struct lb_plan_volume {
	char name[256];
	char digest[LB_DIGEST_CAP]; /* the blob of its data; "" until pushed */
};

struct lb_plan_entry {
	char name[256];                   /* the container's name, without '/' */
	char id[65];                      /* its id on the source host */
	char ref[512];                    /* where its image is pushed */
	char digest[LB_DIGEST_CAP];       /* the pushed manifest's; "" before */
	char spec_digest[LB_DIGEST_CAP];  /* the pushed spec's; "" before */
	json_t *spec;                     /* the spec document (spec.h), or NULL */
	char layout[4096];                /* the commit's staged layout; "" before */
	struct lb_plan_volume *volumes;
	size_t n_volumes;
	bool running;                     /* it was running when evacuated */
	enum lb_plan_status status;
	char error[1024];                 /* the last failure; "" if none */
	unsigned attempts;                /* evacuation attempts started */
};

struct lb_plan {
	char created[40];                 /* RFC 3339 UTC, when the plan was made */
	char registry_prefix[512];        /* REGISTRY/PREFIX of --to */
	struct lb_plan_entry *entries;
	size_t n_entries;
};

/* A new empty plan. created and registry_prefix must fit and be non-empty:
 * else LB_EUSAGE. Release with lb_plan_free. */
int lb_plan_init(struct lb_plan *plan, const char *created, const char *registry_prefix,
		 struct lb_err *err);
void lb_plan_free(struct lb_plan *plan);

/* Parses a plan file strictly; origin names it. Bad JSON, an unknown or
 * missing field, a wrong type, a bad name, id or digest, a name given twice,
 * a pushed entry without a digest, a committed one without a layout, an
 * embedded spec lb_spec_check refuses: LB_EINTEGRITY naming the file and the
 * field. A newer version: LB_EINTEGRITY "written by a newer lifeboat". */
int lb_plan_parse(const char *text, size_t len, const char *origin, struct lb_plan *out,
		  struct lb_err *err);

/* Canonical text: keys sorted, indented by 2 (an operator reads it), one
 * trailing newline. *text_out: free(). */
int lb_plan_format(const struct lb_plan *plan, char **text_out, size_t *len_out,
		   struct lb_err *err);

/* Adds a pending entry for a container (name, id, ref, running; its spec,
 * which the plan takes a reference to, may be NULL; volume names, n of
 * them, each with no digest yet). A name already there: LB_EUSAGE. */
int lb_plan_add(struct lb_plan *plan, const char *name, const char *id, const char *ref,
		bool running, json_t *spec, const char *const *volume_names, size_t n_volumes,
		struct lb_err *err);

/* The entry of that name, or NULL. */
struct lb_plan_entry *lb_plan_find(struct lb_plan *plan, const char *name);

/* The updates evacuate journals, each on the entry of that name (not there:
 * LB_ENOTFOUND; a value that does not fit or is not a digest: LB_EUSAGE). */
int lb_plan_mark_started(struct lb_plan *plan, const char *name, struct lb_err *err);
int lb_plan_mark_committed(struct lb_plan *plan, const char *name, const char *layout,
			   struct lb_err *err);
int lb_plan_set_volume_digest(struct lb_plan *plan, const char *name, const char *volume,
			      const char *digest, struct lb_err *err);
int lb_plan_mark_pushed(struct lb_plan *plan, const char *name, const char *digest,
			const char *spec_digest, struct lb_err *err);
int lb_plan_mark_failed(struct lb_plan *plan, const char *name, const char *error,
			struct lb_err *err);

const char *lb_plan_status_name(enum lb_plan_status status);

/* What evacuate's rerun does with an entry: pushed is done; committed has
 * its image staged and only pushes; pending and failed start over. */
enum lb_evacuate_step { LB_EVACUATE_SKIP, LB_EVACUATE_PUSH, LB_EVACUATE_COMMIT_AND_PUSH };
enum lb_evacuate_step lb_plan_evacuate_step(const struct lb_plan_entry *entry);

/* What the target has under the entry's name: exists, and the manifest
 * digest of the image it was created from (NULL or "" when unknown, e.g.
 * created from a local image with no repo digest). */
struct lb_land_existing {
	bool exists;
	const char *image_digest;
};

/* What land does with an entry: NOT_PUSHED (evacuation did not finish it:
 * nothing to land, a failure to report); CREATE (no container of that
 * name); SKIP_SAME (one with the same image digest is there: landed
 * before, so land twice gives the same containers); REPLACE (another is
 * there and replace was asked); REFUSE_CLASH (another is there: exit 4). */
enum lb_land_step {
	LB_LAND_NOT_PUSHED,
	LB_LAND_CREATE,
	LB_LAND_SKIP_SAME,
	LB_LAND_REPLACE,
	LB_LAND_REFUSE_CLASH,
};
enum lb_land_step lb_plan_land_step(const struct lb_plan_entry *entry,
				    const struct lb_land_existing *existing, bool replace);

#endif
