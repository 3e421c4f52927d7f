#include "registry/jobs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct pool {
	pthread_mutex_t lock;
	size_t next, n;
	lb_job_fn fn;
	void *ctx;
	int rc;
	struct lb_err err;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		bool stop = p->rc || p->next >= p->n;
		size_t i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (stop)
			return NULL;
		struct lb_err e = {0};
		int rc = p->fn(p->ctx, i, &e);
		if (rc) {
			pthread_mutex_lock(&p->lock);
			if (!p->rc) {
				p->rc = rc;
				p->err = e;
			}
			pthread_mutex_unlock(&p->lock);
		}
	}
}

int lb_run_jobs(size_t n, unsigned jobs, lb_job_fn fn, void *ctx, struct lb_err *err)
{
	struct pool p = {.n = n, .fn = fn, .ctx = ctx};
	pthread_mutex_init(&p.lock, NULL);
	if (jobs < 1)
		jobs = 1;
	if (jobs > n)
		jobs = n ? (unsigned)n : 1;
	pthread_t *t = calloc(jobs, sizeof(*t));
	unsigned started = 0;
	for (; t && started + 1 < jobs; started++)
		if (pthread_create(&t[started], NULL, worker, &p))
			break;
	worker(&p); /* this thread works too */
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_mutex_destroy(&p.lock);
	if (p.rc && err)
		*err = p.err;
	return p.rc;
}
