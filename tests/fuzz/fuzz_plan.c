/* libFuzzer target: lib/migrate/plan's parser of the evacuation plan.
 *
 * Promises checked beyond "no crash, no leak":
 *  - a plan that parses has unique names, a digest on every pushed entry
 *    and a layout on every committed one, and each embedded spec passes
 *    lb_spec_check;
 *  - its canonical text parses back to a plan whose text is the same bytes;
 *  - the next-step functions answer within their enums for every entry.
 * A broken promise aborts: a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/plan.h"
#include "migrate/spec.h"

static void check(const struct lb_plan *plan)
{
	struct lb_err err;
	for (size_t i = 0; i < plan->n_entries; i++) {
		const struct lb_plan_entry *e = &plan->entries[i];
		for (size_t j = 0; j < i; j++)
			if (!strcmp(plan->entries[j].name, e->name))
				abort();
		if ((e->status == LB_PLAN_PUSHED && !lb_digest_valid(e->digest)) ||
		    (e->status == LB_PLAN_COMMITTED && !e->layout[0]))
			abort();
		if (e->spec && lb_spec_check(e->spec, "fuzz", &err))
			abort();
		if ((unsigned)lb_plan_evacuate_step(e) > LB_EVACUATE_COMMIT_AND_PUSH)
			abort();
		struct lb_land_existing same = {.exists = true, .image_digest = e->digest};
		enum lb_land_step step = lb_plan_land_step(e, &same, false);
		if (e->status == LB_PLAN_PUSHED ? step != LB_LAND_SKIP_SAME
						 : step != LB_LAND_NOT_PUSHED)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly the input's bytes, so a read past the end is caught. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	struct lb_plan plan, again;
	struct lb_err err;
	if (!lb_plan_parse(text, size, "fuzz", &plan, &err)) {
		check(&plan);
		char *out, *out2;
		size_t len, len2;
		if (lb_plan_format(&plan, &out, &len, &err) ||
		    lb_plan_parse(out, len, "fuzz-again", &again, &err) ||
		    lb_plan_format(&again, &out2, &len2, &err) || len != len2 ||
		    memcmp(out, out2, len))
			abort();
		free(out);
		free(out2);
		lb_plan_free(&again);
		lb_plan_free(&plan);
	}
	free(text);
	return 0;
}
