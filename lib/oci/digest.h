/* Content digests as OCI writes them: "sha256:" and 64 lowercase hex digits.
 * The only algorithm lifeboat accepts; anything else is refused before it
 * can become a file name or part of a URL. */
#ifndef LIFEBOAT_OCI_DIGEST_H
#define LIFEBOAT_OCI_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define LB_DIGEST_LEN 71 /* "sha256:" + 64 */
#define LB_DIGEST_CAP 80 /* what callers size their buffers to */

/* True if s is exactly sha256:<64 lowercase hex>. */
bool lb_digest_valid(const char *s);

/* The 64 hex digits of a valid digest (pointer into s). */
const char *lb_digest_hex(const char *s);

/* "sha256:<hex>" of the 32-byte hash md into out (LB_DIGEST_CAP bytes). */
void lb_digest_format(const unsigned char md[32], char out[LB_DIGEST_CAP]);

/* The digest of a buffer. */
void lb_digest_of(const void *buf, size_t len, char out[LB_DIGEST_CAP]);

#endif
