#include "layer/gzip_members.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* gzip's header and trailer, on top of deflate's worst case. */
#define GZIP_WRAPPER_BYTES 18

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_DONE, SLOT_FAILED };

struct slot {
	unsigned char *in, *out;
	size_t in_len, out_len;
	enum slot_state state;
};

/* Chunk number k lives in slots[k % n_slots]: the caller fills the one at
 * `submitted`, workers take them in order at `taken`, the caller writes
 * them out in order at `written`. */
struct lb_gzip_members {
	pthread_mutex_t mu;
	pthread_cond_t work_cv; /* a chunk was queued, or stop */
	pthread_cond_t done_cv; /* a chunk was compressed */
	struct slot *slots;
	size_t n_slots, out_cap;
	uint64_t submitted, taken, written;
	bool stop;
	pthread_t *threads;
	size_t n_threads; /* started */
	int level;
	struct lb_layer_sink out;
};

static bool compress_member(z_stream *zs, struct slot *s, size_t out_cap)
{
	if (deflateReset(zs) != Z_OK)
		return false;
	zs->next_in = s->in;
	zs->avail_in = (uInt)s->in_len;
	zs->next_out = s->out;
	zs->avail_out = (uInt)out_cap;
	/* The buffer holds deflate's bound, so one call must finish. */
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return false;
	s->out_len = out_cap - zs->avail_out;
	return true;
}

static void *worker(void *arg)
{
	struct lb_gzip_members *p = arg;
	z_stream zs = {0};
	/* windowBits 15 + 16: a gzip wrapper around each member. */
	bool ready = deflateInit2(&zs, p->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->taken == p->submitted)
			pthread_cond_wait(&p->work_cv, &p->mu);
		if (p->stop)
			break;
		struct slot *s = &p->slots[p->taken++ % p->n_slots];
		pthread_mutex_unlock(&p->mu);
		bool ok = ready && compress_member(&zs, s, p->out_cap);
		pthread_mutex_lock(&p->mu);
		s->state = ok ? SLOT_DONE : SLOT_FAILED;
		pthread_cond_broadcast(&p->done_cv);
	}
	pthread_mutex_unlock(&p->mu);
	if (ready)
		deflateEnd(&zs);
	return NULL;
}

int lb_gzip_members_open(int threads, int level, struct lb_layer_sink out,
			 struct lb_gzip_members **pool, struct lb_err *err)
{
	*pool = NULL;
	if (threads < 1)
		return lb_fail(err, LB_EUSAGE, "gzip: %d threads", threads);
	struct lb_gzip_members *p = calloc(1, sizeof(*p));
	if (!p)
		return lb_fail(err, LB_EFAIL, "gzip: out of memory");
	p->level = level;
	p->out = out;
	p->n_slots = (size_t)threads + 2; /* one filling, one being written out */
	p->out_cap = compressBound((uLong)LB_GZIP_CHUNK_BYTES) + GZIP_WRAPPER_BYTES;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work_cv, NULL);
	pthread_cond_init(&p->done_cv, NULL);
	p->slots = calloc(p->n_slots, sizeof(*p->slots));
	p->threads = calloc((size_t)threads, sizeof(*p->threads));
	bool ok = p->slots && p->threads;
	for (size_t i = 0; ok && i < p->n_slots; i++)
		ok = (p->slots[i].in = malloc(LB_GZIP_CHUNK_BYTES)) &&
		     (p->slots[i].out = malloc(p->out_cap));
	if (!ok) {
		lb_gzip_members_free(p);
		return lb_fail(err, LB_EFAIL, "gzip: out of memory for %d threads", threads);
	}
	for (; p->n_threads < (size_t)threads; p->n_threads++) {
		int errnum = pthread_create(&p->threads[p->n_threads], NULL, worker, p);
		if (errnum) {
			lb_gzip_members_free(p);
			return lb_fail_errno(err, LB_EFAIL, errnum, "gzip: start a thread");
		}
	}
	*pool = p;
	return LB_OK;
}

/* Hands on the oldest member if it is compressed; waits for it if `wait`.
 * *wrote says whether it did. */
static int write_oldest(struct lb_gzip_members *p, bool wait, bool *wrote, struct lb_err *err)
{
	*wrote = false;
	pthread_mutex_lock(&p->mu);
	struct slot *s = &p->slots[p->written % p->n_slots];
	while (wait && s->state == SLOT_QUEUED)
		pthread_cond_wait(&p->done_cv, &p->mu);
	enum slot_state state = s->state;
	pthread_mutex_unlock(&p->mu);
	if (state == SLOT_QUEUED)
		return LB_OK;
	if (state == SLOT_FAILED)
		return lb_fail(err, LB_EFAIL, "gzip: compressing chunk %llu failed",
			       (unsigned long long)p->written);
	int rc = p->out.write(p->out.ctx, s->out, s->out_len, err);
	if (rc)
		return rc;
	pthread_mutex_lock(&p->mu);
	s->state = SLOT_FREE;
	s->in_len = 0;
	p->written++;
	pthread_mutex_unlock(&p->mu);
	*wrote = true;
	return LB_OK;
}

/* Queues the filling chunk, writes out what is ready, and waits for the
 * oldest member only when every slot is taken. */
static int submit(struct lb_gzip_members *p, struct lb_err *err)
{
	pthread_mutex_lock(&p->mu);
	p->slots[p->submitted % p->n_slots].state = SLOT_QUEUED;
	p->submitted++;
	pthread_cond_signal(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	bool wrote = true;
	int rc = LB_OK;
	while (rc == LB_OK && wrote && p->written < p->submitted)
		rc = write_oldest(p, false, &wrote, err);
	while (rc == LB_OK && p->submitted - p->written == p->n_slots)
		rc = write_oldest(p, true, &wrote, err);
	return rc;
}

int lb_gzip_members_write(struct lb_gzip_members *p, const void *buf, size_t len,
			  struct lb_err *err)
{
	const unsigned char *in = buf;
	while (len) {
		struct slot *s = &p->slots[p->submitted % p->n_slots];
		size_t n = LB_GZIP_CHUNK_BYTES - s->in_len;
		if (n > len)
			n = len;
		memcpy(s->in + s->in_len, in, n);
		s->in_len += n;
		in += n;
		len -= n;
		if (s->in_len == LB_GZIP_CHUNK_BYTES) {
			int rc = submit(p, err);
			if (rc)
				return rc;
		}
	}
	return LB_OK;
}

int lb_gzip_members_finish(struct lb_gzip_members *p, struct lb_err *err)
{
	int rc = LB_OK;
	if (p->slots[p->submitted % p->n_slots].in_len || p->submitted == 0)
		rc = submit(p, err);
	bool wrote;
	while (rc == LB_OK && p->written < p->submitted)
		rc = write_oldest(p, true, &wrote, err);
	return rc;
}

void lb_gzip_members_free(struct lb_gzip_members *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work_cv);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	for (size_t i = 0; p->slots && i < p->n_slots; i++) {
		free(p->slots[i].in);
		free(p->slots[i].out);
	}
	free(p->slots);
	free(p->threads);
	pthread_cond_destroy(&p->work_cv);
	pthread_cond_destroy(&p->done_cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
