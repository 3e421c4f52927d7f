/* Byte counts for people, the way lsblk prints them: binary units, one
 * decimal where it matters ("512M", "68.6M", "1.5G", "4K", "100B"). */
#ifndef LIFEBOAT_SIZE_H
#define LIFEBOAT_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* Writes the size into buf (at least 16 bytes make room for any value) and
 * returns buf. */
char *lb_size_human(char *buf, size_t cap, uint64_t bytes);

/* A decimal number from 0 to max, the whole string (no sign, no spaces).
 * Returns 0, or -1 if it is not one. */
int lb_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* A size for people to type: a number with an optional binary unit
 * (B, K, M, G, T; "KiB"/"MiB" spellings too), e.g. "8M", "512K", "1048576".
 * Returns 0, or -1 if it is not one or overflows. */
int lb_parse_size(const char *s, uint64_t *out);

#endif
