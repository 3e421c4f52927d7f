/* Up to `jobs` worker threads run fn(ctx, i) for i in [0, n). After the
 * first failure no new item starts; the first error is returned. */
#ifndef LIFEBOAT_REGISTRY_JOBS_H
#define LIFEBOAT_REGISTRY_JOBS_H

#include "util/error.h"

#include <stddef.h>

typedef int (*lb_job_fn)(void *ctx, size_t i, struct lb_err *err);

int lb_run_jobs(size_t n, unsigned jobs, lb_job_fn fn, void *ctx, struct lb_err *err);

#endif
