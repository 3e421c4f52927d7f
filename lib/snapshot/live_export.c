/* snapshot export: see live_export.h. */
#include "snapshot/live_export.h"
#include "docker/dataroot.h"
#include "docker/dockerd.h"
#include "snapshot/export.h"
#include "snapshot/lookup.h"
#include "thinmeta/delta.h"
#include "util/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The thread that turns SIGINT/SIGTERM/SIGHUP into a clean stop. */
struct guard {
	pthread_mutex_t mu;
	struct lb_livepool *pool;
	char tmp[PATH_MAX]; /* the temporary file, "" if none */
	bool done;          /* the main thread has taken over the cleanup */
	sigset_t set;
};

static void *guard_main(void *arg)
{
	struct guard *g = arg;
	int sig = 0;
	if (sigwait(&g->set, &sig) != 0)
		return NULL;
	pthread_mutex_lock(&g->mu);
	if (!g->done) {
		struct lb_err e = {0};
		lb_livepool_unhold(g->pool, &e);
		if (g->tmp[0])
			unlink(g->tmp);
		static const char msg[] = "lifeboat: export interrupted; nothing was written\n";
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
			/* stderr is gone: the exit code says it */
		}
		_exit(128 + sig);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

static bool hex_to_uuid(const char *hex, uint8_t out[16])
{
	for (int i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

static void fill_header(const struct lb_snap_record *snap, const struct lb_snap_record *base,
			struct lb_stream_header *h)
{
	memset(h, 0, sizeof(*h));
	h->version = LB_STREAM_VERSION;
	h->size_bytes = snap->size_bytes;
	h->created_unix = snap->created_unix;
	hex_to_uuid(snap->uuid, h->uuid);
	snprintf(h->name, sizeof(h->name), "%s", snap->name);
	snprintf(h->container_id, sizeof(h->container_id), "%s", snap->container_id);
	if (base) {
		hex_to_uuid(base->uuid, h->base_uuid);
		snprintf(h->base_name, sizeof(h->base_name), "%s", base->name);
	}
}

/* The stream itself, from the held metadata snapshot. */
static int write_stream(const struct lb_livepool *pool, const struct lb_snap_record *snap,
			const struct lb_snap_record *base, int out_fd, const char *out_name,
			const struct lb_snapshot_export_opts *o, struct lb_snapshot_export_result *res,
			struct lb_err *err)
{
	struct lb_thinmeta *meta = NULL;
	int rc = lb_livepool_open_meta(pool, &meta, err);
	if (rc)
		return rc;
	int data_fd = open(pool->data_path, O_RDONLY | O_CLOEXEC);
	if (data_fd < 0) {
		rc = lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: open", pool->data_path);
		goto out;
	}
	if (pool->metadata_is_device)
		posix_fadvise(data_fd, 0, 0, POSIX_FADV_DONTNEED);
	struct lb_export_source src = {.meta = meta, .dev_id = snap->device_id, .data_fd = data_fd,
				       .data_name = pool->data_path};
	struct lb_stream_header h;
	fill_header(snap, base, &h);
	unsigned threads = o->threads ? o->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	int level = o->level ? o->level : 3;
	struct lb_export_stats st;
	if (!base) {
		rc = lb_export_full(&src, out_fd, out_name, &h, threads, level, &st, err);
	} else {
		struct lb_thin_delta_stats ds = {0};
		rc = lb_export_incremental(&src, base->device_id, out_fd, out_name, &h, threads, level,
					   &st, &ds, err);
		res->nodes_read = ds.nodes_read;
		res->shared_skipped = ds.shared_skipped;
	}
	if (!rc) {
		res->totals = st.totals;
		res->mapped_bytes = st.mapped_bytes;
	}
out:
	if (data_fd >= 0)
		close(data_fd);
	lb_thinmeta_close(meta);
	return rc;
}

int lb_snapshot_export(const struct lb_snapshot_target *t, const struct lb_snapshot_export_opts *o,
		       struct lb_snapshot_export_result *res, struct lb_err *err)
{
	memset(res, 0, sizeof(*res));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct lb_docker_root_opts ropts = {.data_root = t->data_root, .daemon_json = t->daemon_json};
	struct lb_docker_root *root;
	struct lb_snap_record snap, base;
	int rc = lb_docker_root_load(&ropts, &root, err);
	if (rc)
		return rc;
	if ((rc = lb_snapshot_lookup(root, o->name, &snap, err)) ||
	    (o->base && (rc = lb_snapshot_lookup(root, o->base, &base, err))))
		goto out_root;
	if (o->base && (strcmp(base.container_id, snap.container_id) || base.size_bytes != snap.size_bytes ||
			base.created_unix > snap.created_unix)) {
		rc = lb_fail(err, LB_EUSAGE,
			     "--base %s: not an older snapshot of the same container as %s", o->base,
			     o->name);
		goto out_root;
	}
	res->incremental = o->base != NULL;
	bool live = lb_docker_dockerd_on(root) > 0;
	struct guard g = {.mu = PTHREAD_MUTEX_INITIALIZER};
	sigemptyset(&g.set);
	sigaddset(&g.set, SIGINT);
	sigaddset(&g.set, SIGTERM);
	sigaddset(&g.set, SIGHUP);
	sigset_t old;
	/* Blocked before any thread starts, so the guard alone receives them. */
	pthread_sigmask(SIG_BLOCK, &g.set, &old);
	struct lb_livepool pool;
	if ((rc = lb_livepool_open(root, !live, t->say, t->say_ctx, &pool, err)))
		goto out_sig;
	g.pool = &pool;
	struct lb_atomic_file f = {.fd = -1};
	bool to_file = strcmp(o->output, "-") != 0;
	pthread_t guard_thread;
	bool guard_on = false;
	if (to_file && (rc = lb_atomic_file_open(&f, o->output, false, 0644, err)))
		goto out_pool;
	if (to_file)
		snprintf(g.tmp, sizeof(g.tmp), "%s", f.tmp_path);
	if ((rc = lb_livepool_hold(&pool, err)))
		goto out_file;
	guard_on = pthread_create(&guard_thread, NULL, guard_main, &g) == 0;
	rc = write_stream(&pool, &snap, o->base ? &base : NULL, to_file ? f.fd : o->out_fd,
			  to_file ? o->output : "stdout", o, res, err);
	pthread_mutex_lock(&g.mu);
	g.done = true;
	pthread_mutex_unlock(&g.mu);
	if (guard_on) {
		pthread_cancel(guard_thread);
		pthread_join(guard_thread, NULL);
	}
	if (!rc && to_file)
		rc = lb_atomic_file_commit(&f, err);
out_file:
	if (to_file)
		lb_atomic_file_abort(&f);
out_pool:;
	struct lb_err e2 = {0};
	int rc2 = lb_livepool_close(&pool, rc ? &e2 : err);
	if (!rc)
		rc = rc2;
out_sig:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
out_root:
	lb_docker_root_free(root);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	res->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc;
}
