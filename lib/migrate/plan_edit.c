/* Building a plan and journaling evacuate's progress in it. Every value is
 * checked as the parser checks it, so what is written always reads back. */
#include "migrate/plan.h"

#include "docker/container.h"
#include "docker/jsonfile.h"
#include "util/printable.h"

#include <stdlib.h>
#include <string.h>

/* Fits cap and is text JSON can carry (valid UTF-8, no NUL inside). */
static bool fits_text(const char *s, size_t cap)
{
	if (strlen(s) >= cap)
		return false;
	json_t *probe = json_string(s);
	json_decref(probe);
	return probe != NULL;
}

static int set_text(char *buf, size_t cap, const char *s, const char *what, struct lb_err *err)
{
	if (!fits_text(s, cap))
		return lb_fail(err, LB_EUSAGE, "plan: %s: too long or not UTF-8", what);
	strcpy(buf, s);
	return LB_OK;
}

int lb_plan_init(struct lb_plan *plan, const char *created, const char *registry_prefix,
		 struct lb_err *err)
{
	memset(plan, 0, sizeof(*plan));
	if (!created[0] || !registry_prefix[0])
		return lb_fail(err, LB_EUSAGE, "plan: an empty creation time or registry prefix");
	int rc = set_text(plan->created, sizeof(plan->created), created, "created", err);
	if (!rc)
		rc = set_text(plan->registry_prefix, sizeof(plan->registry_prefix),
			      registry_prefix, "registry prefix", err);
	return rc;
}

struct lb_plan_entry *lb_plan_find(struct lb_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->n_entries; i++)
		if (!strcmp(plan->entries[i].name, name))
			return &plan->entries[i];
	return NULL;
}

static bool volume_name_ok(const char *name)
{
	return name[0] != '/' && strlen(name) < 256 && lb_docker_is_container_name(name);
}

int lb_plan_add(struct lb_plan *plan, const char *name, const char *id, const char *ref,
		bool running, json_t *spec, const char *const *volume_names, size_t n_volumes,
		struct lb_err *err)
{
	if (name[0] == '/' || strlen(name) >= 256 || !lb_docker_is_container_name(name))
		return lb_fail(err, LB_EUSAGE, "plan: %.80s: not a container name", name);
	if (lb_plan_find(plan, name))
		return lb_fail(err, LB_EUSAGE, "plan: %s is in the plan already", name);
	if (!lb_dj_is_hex(id, 64))
		return lb_fail(err, LB_EUSAGE, "plan: %s: not a 64-digit hex container id", name);
	if (!ref[0] || !fits_text(ref, sizeof(plan->entries[0].ref)))
		return lb_fail(err, LB_EUSAGE, "plan: %s: image ref empty, too long or not UTF-8",
			       name);
	if (spec && !json_is_object(spec))
		return lb_fail(err, LB_EUSAGE, "plan: %s: the spec is not an object", name);
	for (size_t i = 0; i < n_volumes; i++) {
		if (!volume_name_ok(volume_names[i]))
			return lb_fail(err, LB_EUSAGE, "plan: %s: %.80s: not a volume name", name,
				       volume_names[i]);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(volume_names[i], volume_names[j]))
				return lb_fail(err, LB_EUSAGE, "plan: %s: volume %s given twice",
					       name, volume_names[i]);
	}
	struct lb_plan_entry *grown =
		realloc(plan->entries, (plan->n_entries + 1) * sizeof(*plan->entries));
	struct lb_plan_volume *vols = calloc(n_volumes + 1, sizeof(*vols));
	if (grown)
		plan->entries = grown;
	if (!grown || !vols) {
		free(vols);
		return lb_fail(err, LB_EFAIL, "plan: %s: out of memory", name);
	}
	struct lb_plan_entry *e = &plan->entries[plan->n_entries++];
	memset(e, 0, sizeof(*e));
	strcpy(e->name, name);
	strcpy(e->id, id);
	strcpy(e->ref, ref);
	e->running = running;
	e->spec = spec ? json_incref(spec) : NULL;
	e->volumes = vols;
	e->n_volumes = n_volumes;
	for (size_t i = 0; i < n_volumes; i++)
		strcpy(vols[i].name, volume_names[i]);
	e->status = LB_PLAN_PENDING;
	return LB_OK;
}

static int entry_of(struct lb_plan *plan, const char *name, struct lb_plan_entry **out,
		    struct lb_err *err)
{
	*out = lb_plan_find(plan, name);
	return *out ? LB_OK : lb_fail(err, LB_ENOTFOUND, "plan: %.255s: not in the plan", name);
}

int lb_plan_mark_started(struct lb_plan *plan, const char *name, struct lb_err *err)
{
	struct lb_plan_entry *e;
	int rc = entry_of(plan, name, &e, err);
	if (!rc && e->attempts < LB_PLAN_MAX_ATTEMPTS)
		e->attempts++;
	return rc;
}

int lb_plan_mark_committed(struct lb_plan *plan, const char *name, const char *layout,
			   struct lb_err *err)
{
	struct lb_plan_entry *e;
	int rc = entry_of(plan, name, &e, err);
	if (!rc && !layout[0])
		rc = lb_fail(err, LB_EUSAGE, "plan: %s: committed without a layout", name);
	if (!rc)
		rc = set_text(e->layout, sizeof(e->layout), layout, "layout", err);
	if (!rc) {
		e->status = LB_PLAN_COMMITTED;
		e->error[0] = '\0';
	}
	return rc;
}

int lb_plan_set_volume_digest(struct lb_plan *plan, const char *name, const char *volume,
			      const char *digest, struct lb_err *err)
{
	struct lb_plan_entry *e;
	int rc = entry_of(plan, name, &e, err);
	if (rc)
		return rc;
	if (!lb_digest_valid(digest))
		return lb_fail(err, LB_EUSAGE, "plan: %s: %.100s: not a sha256: digest", name,
			       digest);
	for (size_t i = 0; i < e->n_volumes; i++)
		if (!strcmp(e->volumes[i].name, volume)) {
			strcpy(e->volumes[i].digest, digest);
			return LB_OK;
		}
	return lb_fail(err, LB_ENOTFOUND, "plan: %s: no volume %.255s", name, volume);
}

int lb_plan_mark_pushed(struct lb_plan *plan, const char *name, const char *digest,
			const char *spec_digest, struct lb_err *err)
{
	struct lb_plan_entry *e;
	int rc = entry_of(plan, name, &e, err);
	if (rc)
		return rc;
	if (!lb_digest_valid(digest) || (spec_digest[0] && !lb_digest_valid(spec_digest)))
		return lb_fail(err, LB_EUSAGE, "plan: %s: not a sha256: digest", name);
	strcpy(e->digest, digest);
	strcpy(e->spec_digest, spec_digest);
	e->status = LB_PLAN_PUSHED;
	e->error[0] = '\0';
	return LB_OK;
}

int lb_plan_mark_failed(struct lb_plan *plan, const char *name, const char *error,
			struct lb_err *err)
{
	struct lb_plan_entry *e;
	int rc = entry_of(plan, name, &e, err);
	if (rc)
		return rc;
	/* The message may quote a file's bytes: kept printable, so the plan
	 * always serializes. */
	lb_printable(e->error, sizeof(e->error), error[0] ? error : "failed");
	e->status = LB_PLAN_FAILED;
	return LB_OK;
}
