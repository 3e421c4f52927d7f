/* CRC-64 with the ISO 3309 polynomial, reflected, all ones in and out: what
 * Go's hash/crc64 computes with crc64.MakeTable(crc64.ISO), and so what
 * tar-split stores for every file of a Docker layer (CRC-64/GO-ISO; check
 * value of "123456789": 0xb90956c775a41001). */
#ifndef LIFEBOAT_CRC64_H
#define LIFEBOAT_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Slicing-by-8 tables (16 KiB): filled once by the caller, read-only after,
 * so there is no hidden global state and no lazy initialisation race. */
struct lb_crc64_table {
	uint64_t t[8][256];
};

void lb_crc64_table_init(struct lb_crc64_table *table);

/* Continues a finished CRC over len more bytes, like Go's crc64.Update:
 * start from 0, and feeding the bytes in any number of pieces gives the
 * same value as feeding them at once. */
uint64_t lb_crc64_update(const struct lb_crc64_table *table, uint64_t crc, const void *buf,
			 size_t len);

#endif
