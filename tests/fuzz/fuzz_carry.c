/* libFuzzer target: lib/migrate/carry's reader of the artifact manifest a
 * registry serves beside an image (untrusted bytes).
 *
 * Promises checked beyond "no crash, no leak": what parses names a spec
 * blob and an image by valid sha256 digests, and every volume has a plain
 * name (no '/', not "." or ".."), an absolute destination and a valid
 * digest, so nothing read from a registry can become a path outside the
 * volume or the stage. A broken promise aborts: a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/carry.h"
#include "util/safepath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_carry c;
	struct lb_err err;
	char spec_digest[LB_DIGEST_CAP];
	if (lb_carry_parse_manifest((const char *)data, size, "fuzz", &c, spec_digest, &err))
		return 0;
	if (!lb_digest_valid(spec_digest) || !lb_digest_valid(c.image_digest))
		abort();
	for (size_t i = 0; i < c.n_volumes; i++) {
		const struct lb_carry_volume *v = &c.volumes[i];
		if (!lb_path_is_component(v->name) || v->destination[0] != '/' ||
		    !lb_digest_valid(v->digest))
			abort();
	}
	lb_carry_free(&c);
	return 0;
}
