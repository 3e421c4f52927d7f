/* CRC-32C (Castagnoli), the checksum of every dm persistent-data block. */
#ifndef LIFEBOAT_THINMETA_CRC32C_H
#define LIFEBOAT_THINMETA_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The raw CRC register update: no inversion on entry or exit, so
 * lb_crc32c(~0u, ...) ^ ~0u is the standard CRC-32C of the bytes, and
 * lb_crc32c(~0u, ...) ^ xor_salt is what dm's dm_bm_checksum() stores.
 * Uses the SSE4.2 instruction when the CPU has it. */
uint32_t lb_crc32c(uint32_t crc, const void *buf, size_t len);

/* The portable table-driven path; the same result as lb_crc32c. */
uint32_t lb_crc32c_sw(uint32_t crc, const void *buf, size_t len);

#endif
