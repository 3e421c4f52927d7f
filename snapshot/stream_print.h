/* One export stream's identity and counts, as `snapshot import` and
 * `snapshot verify` print them: a table line, or a JSON object. */
#ifndef LIFEBOAT_SNAPSHOT_STREAM_PRINT_H
#define LIFEBOAT_SNAPSHOT_STREAM_PRINT_H

#include "stream/stream.h"

#include <jansson.h>
#include <stdio.h>

/* {"file", "kind", "uuid", "name", "base_uuid", "base_name", "container_id",
 *  "created", "block_size_bytes", "size_bytes", "records", "data_blocks",
 *  "zero_blocks", "unmapped_blocks", "stream_bytes", "status"}; status is
 *  "ok", "incomplete" or "corrupt"; what the header did not give is null. */
json_t *lb_stream_result_json(const char *file, const struct lb_stream_result *r, int rc);

/* "FILE: full|incremental UUID NAME, N blocks (D data, Z zero, U unmapped): OK" */
void lb_stream_result_print(FILE *out, const char *file, const struct lb_stream_result *r);

#endif
