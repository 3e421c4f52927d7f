/* libFuzzer target: lib/registry/ref, Docker's image reference rules. A
 * parse that succeeds must give fields that are safe in a URL path and a
 * file name (only the characters the rules allow, no "..", no empty
 * component), and its normalised form must parse back to the same fields:
 * otherwise the journal directory or the request URL would differ from what
 * the operator named. Any crash, sanitizer report or broken promise is a
 * finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/ref.h"

static void check_chars(const char *s, const char *allowed)
{
	for (; *s; s++)
		if (!strchr(allowed, *s))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[600];
	if (size >= sizeof(in))
		size = sizeof(in) - 1;
	memcpy(in, data, size);
	in[size] = '\0';
	struct lb_image_ref ref, again;
	struct lb_err err;
	if (lb_image_ref_parse(in, &ref, &err))
		return 0;
	check_chars(ref.domain, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:");
	check_chars(ref.path, "abcdefghijklmnopqrstuvwxyz0123456789._-/");
	check_chars(ref.tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
	if (!lb_repo_path_valid(ref.path) || strstr(ref.path, "..") || strstr(ref.path, "//") ||
	    ref.path[0] == '/' || ref.path[0] == '.' || strstr(ref.domain, ".."))
		abort();
	if (ref.digest[0] && !lb_digest_valid(ref.digest))
		abort();
	char full[600];
	lb_image_ref_format(&ref, full, sizeof(full));
	if (lb_image_ref_parse(full, &again, &err) || memcmp(&ref, &again, sizeof(ref)))
		abort();
	return 0;
}
