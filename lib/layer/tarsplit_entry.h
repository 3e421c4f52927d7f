/* One line of Docker's tar-split.json.gz, parsed and checked: pure code, no
 * I/O. tar-split (vbatts/tar-split, storage/entry.go) writes one JSON object
 * per line, in tar order, numbered by "position" from 0:
 *   {"type":2,"payload":"<base64>","position":k}   raw tar bytes: headers,
 *                                                  padding, end of archive
 *   {"type":1,"name":"<path>","size":N,"payload":"<base64>","position":k}
 *                                                  a member's content, read
 *                                                  back from the layer's files
 * A file whose name is not UTF-8 has "name_raw" (base64 of its bytes)
 * instead of "name". A file's payload is its CRC-64/ISO, 8 bytes big-endian
 * (null for an empty file). */
#ifndef LIFEBOAT_LAYER_TARSPLIT_ENTRY_H
#define LIFEBOAT_LAYER_TARSPLIT_ENTRY_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest line read. tar-split's tar reader refuses a PAX or GNU
 * long-name header over 1 MiB, so a header segment holds a few MiB at the
 * very worst; the last segment holds what followed the end-of-archive
 * blocks (GNU tar pads to its 10 KiB record). 4 MiB of base64 is 3 MiB of
 * tar bytes, and jansson holds about three copies of a line while parsing
 * it, which keeps the worst line within the memory a push may use. */
#define LB_TARSPLIT_LINE_CAP ((size_t)4 << 20)

/* The largest file size believed: 16 TiB, ext4's limit with 4 KiB blocks
 * and far beyond any devicemapper base device Docker creates (10 GB by
 * default). A bigger size is damage, not a file. */
#define LB_TARSPLIT_SIZE_MAX ((uint64_t)1 << 44)

enum lb_tarsplit_type {
	LB_TARSPLIT_FILE = 1,
	LB_TARSPLIT_SEGMENT = 2,
};

struct lb_tarsplit_entry {
	enum lb_tarsplit_type type;
	/* FILE: the member's path inside the layer, NUL-terminated (it holds
	 * no NUL), relative, with no ".." component; name_len bytes. */
	char *name;
	size_t name_len;
	uint64_t size_bytes;
	uint64_t crc64; /* FILE with size_bytes > 0 */
	/* SEGMENT: the raw tar bytes to emit as they are. */
	unsigned char *payload;
	size_t payload_len;
};

/* Parses the len bytes of line number line_nr (1-based, for messages;
 * without its newline) into *entry, which must hold position `position`.
 * LB_EINTEGRITY naming the line for anything malformed: not a JSON object,
 * an unknown type, a position out of order, bad base64, a CRC that is not
 * 8 bytes, a negative or absurd size, a missing, absolute or ".."-climbing
 * name, a line over LB_TARSPLIT_LINE_CAP. On success the caller frees the
 * entry with lb_tarsplit_entry_clear; on failure there is nothing to free. */
int lb_tarsplit_entry_parse(const char *line, size_t len, uint64_t line_nr, uint64_t position,
			    struct lb_tarsplit_entry *entry, struct lb_err *err);

void lb_tarsplit_entry_clear(struct lb_tarsplit_entry *entry);

/* Decodes standard padded base64 (what Go's encoding/json writes for a
 * []byte) into out, which has room for 3 * (len / 4) bytes; *out_len is the
 * decoded length. False for anything else: a length not a multiple of 4, a
 * character outside the alphabet, misplaced padding. */
bool lb_tarsplit_base64_decode(const char *in, size_t len, unsigned char *out, size_t *out_len);

#endif
