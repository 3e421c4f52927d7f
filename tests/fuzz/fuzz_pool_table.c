/* libFuzzer target: lib/discard's readers of what device-mapper says about
 * a thin pool: the thin-pool table's params (which `discard off` re-emits
 * with one feature added and loads into a live pool) and a status line's
 * discard field, plus LVM's dm names and the kernel release check. A table
 * that parses must re-emit to text that parses to the same table, and keep
 * doing so with no_discard_passdown added (what a reload would load). Any
 * crash, sanitizer report, hang or broken promise is a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discard/discard.h"

static void same_table(const struct lb_pool_params *a, const struct lb_pool_params *b)
{
	if (strcmp(a->head, b->head) || strcmp(a->metadata_dev, b->metadata_dev) ||
	    strcmp(a->data_dev, b->data_dev) || a->block_size_sectors != b->block_size_sectors ||
	    a->low_water_blocks != b->low_water_blocks || a->n_features != b->n_features)
		abort();
	for (size_t i = 0; i < a->n_features; i++)
		if (strcmp(a->features[i], b->features[i]))
			abort();
}

static void table(const char *text)
{
	struct lb_pool_params p, again;
	struct lb_err err = {0};
	if (lb_pool_params_parse(text, &p, &err)) {
		if (!err.msg[0])
			abort();
		return;
	}
	char out[2048];
	if (lb_pool_params_format(&p, out, sizeof(out), &err))
		return; /* too long to re-emit: said, not written */
	if (lb_pool_params_parse(out, &again, &err))
		abort();
	same_table(&p, &again);
	enum lb_discard_mode before = lb_pool_params_discard(&p);
	if (lb_pool_params_add(&p, "no_discard_passdown", &err) == 0) {
		if (!lb_pool_params_has(&p, "no_discard_passdown") ||
		    (before == LB_DISCARD_IGNORE) != (lb_pool_params_discard(&p) == LB_DISCARD_IGNORE) ||
		    lb_pool_params_discard(&p) == LB_DISCARD_PASSDOWN)
			abort();
		if (lb_pool_params_format(&p, out, sizeof(out), &err) == 0) {
			if (lb_pool_params_parse(out, &again, &err))
				abort();
			same_table(&p, &again);
		}
	}
}

static void status(const char *text)
{
	enum lb_discard_mode mode = (enum lb_discard_mode)-1;
	char word[32];
	memset(word, 'x', sizeof(word));
	struct lb_err err = {0};
	int rc = lb_pool_status_discard(text, &mode, word, &err);
	if (rc == 0 && (!memchr(word, '\0', sizeof(word)) ||
			(mode != LB_DISCARD_PASSDOWN && mode != LB_DISCARD_NOPASSDOWN &&
			 mode != LB_DISCARD_IGNORE)))
		abort();
	if (rc && (rc != LB_EINTEGRITY || !err.msg[0]))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size); /* the parsers read C strings */
	if (!text)
		return 0;
	table(text);
	status(text);
	char lv[256];
	if (lb_lvm_lv_of_dm_name(text, lv, sizeof(lv)) && !memchr(lv, '\0', sizeof(lv)))
		abort();
	struct lb_kernel_risk risk;
	lb_kernel_discard_risk(text, &risk);
	if (!risk.basis)
		abort();
	free(text);
	return 0;
}
