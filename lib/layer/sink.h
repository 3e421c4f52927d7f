/* Where a layer's tar stream goes: a write callback, so the tar writers
 * (layer/tarwrite.h, layer/tarsplit.h) know nothing of digests, compression
 * or files, and the blob writer (layer/blob.h) knows nothing of tar. */
#ifndef LIFEBOAT_LAYER_SINK_H
#define LIFEBOAT_LAYER_SINK_H

#include "util/error.h"

#include <stddef.h>

struct lb_layer_sink {
	/* Takes all len bytes or fails with err set; 0 or an exit code. */
	int (*write)(void *ctx, const void *buf, size_t len, struct lb_err *err);
	void *ctx;
};

#endif
