#include "util/crc64.h"

/* x^64 + x^4 + x^3 + x + 1, bit-reversed (Go's crc64.ISO). */
#define CRC64_ISO_REFLECTED 0xd800000000000000ULL

void lb_crc64_table_init(struct lb_crc64_table *table)
{
	for (unsigned i = 0; i < 256; i++) {
		uint64_t crc = i;
		for (int bit = 0; bit < 8; bit++)
			crc = (crc & 1) ? (crc >> 1) ^ CRC64_ISO_REFLECTED : crc >> 1;
		table->t[0][i] = crc;
	}
	/* t[k][i]: the CRC of byte i followed by k zero bytes, so eight table
	 * lookups advance the register by eight bytes at once. */
	for (unsigned i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			table->t[k][i] = (table->t[k - 1][i] >> 8) ^
					 table->t[0][table->t[k - 1][i] & 0xff];
}

static uint64_t load_le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t lb_crc64_update(const struct lb_crc64_table *table, uint64_t crc, const void *buf,
			 size_t len)
{
	const unsigned char *p = buf;
	const uint64_t(*t)[256] = table->t;
	crc = ~crc;
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t v = crc ^ load_le64(p);
		crc = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^
		      t[4][(v >> 24) & 0xff] ^ t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^
		      t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
	}
	while (len--)
		crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
