/* lifeboat migrate evacuate (see evacuate.h). */
#include "migrate/evacuate.h"
#include "docker/dataroot.h"
#include "docker/jsonfile.h"
#include "migrate/push.h"
#include "migrate/spec.h"
#include "migrate/spec_load.h"
#include "registry/ref.h"
#include "util/atomic_file.h"

#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

int lb_plan_load(const char *path, struct lb_plan *plan, struct lb_err *err)
{
	char *text = NULL;
	size_t len;
	int rc = lb_dj_read_file(path, &text, &len, err);
	if (!rc)
		rc = lb_plan_parse(text, len, path, plan, err);
	free(text);
	return rc;
}

static int store(const struct lb_evacuate_opts *o, const struct lb_plan *plan, struct lb_err *err)
{
	char *text = NULL;
	size_t len;
	int rc = lb_plan_format(plan, &text, &len, err);
	if (!rc)
		rc = lb_atomic_file_write(o->plan_path, text, len, true, 0600, err);
	free(text);
	return rc;
}

/* A repository path component from a container name: Docker allows
 * capitals and runs of '.', '_' or '-'; a repository does not. */
static void repo_component(const char *name, char *out, size_t cap)
{
	size_t n = 0;
	bool sep = true; /* no separator first */
	for (const char *p = name; *p && n + 1 < cap; p++) {
		if (isalnum((unsigned char)*p)) {
			out[n++] = (char)tolower((unsigned char)*p);
			sep = false;
		} else if (!sep) {
			out[n++] = '-';
			sep = true;
		}
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
}

static bool ref_taken(const struct lb_plan *plan, const char *ref)
{
	for (size_t i = 0; i < plan->n_entries; i++)
		if (!strcmp(plan->entries[i].ref, ref))
			return true;
	return false;
}

/* A new entry for container ct: its spec read now, from Docker's files. */
static int add_entry(const struct lb_evacuate_opts *o, struct lb_plan *plan, const char *data_root,
		     const struct lb_docker_container *ct, struct lb_err *err)
{
	if (ct->config_err.code)
		return lb_fail(err, ct->config_err.code, "%s", ct->config_err.msg);
	const char *name = ct->config.name + (ct->config.name[0] == '/');
	if (lb_plan_find(plan, name))
		return LB_OK;
	char comp[256], ref[512];
	repo_component(name, comp, sizeof(comp));
	snprintf(ref, sizeof(ref), "%s/%s:" LB_EVACUATE_TAG, o->to, comp[0] ? comp : "container");
	if (!comp[0] || ref_taken(plan, ref)) /* App and app: both kept apart by their ids */
		snprintf(ref, sizeof(ref), "%s/%s%s%.12s:" LB_EVACUATE_TAG, o->to, comp,
			 comp[0] ? "-" : "", ct->id);
	struct lb_image_ref parsed;
	int rc = lb_image_ref_parse(ref, &parsed, err);
	if (rc)
		return lb_err_wrap(err, "--to %s", o->to);
	json_t *spec = NULL;
	if ((rc = lb_spec_load_container(data_root, ct->id, &spec, err)))
		return rc;
	json_t *vols = json_object_get(spec, "volumes");
	size_t nv = json_array_size(vols);
	const char **names = calloc(nv + 1, sizeof(*names));
	if (!names) {
		json_decref(spec);
		return lb_fail(err, LB_EFAIL, "out of memory");
	}
	for (size_t i = 0; i < nv; i++)
		names[i] = json_string_value(json_object_get(json_array_get(vols, i), "name"));
	rc = lb_plan_add(plan, name, ct->id, ref, ct->config.state.running, spec, names, nv, err);
	free(names);
	json_decref(spec);
	return rc;
}

static int choose(const struct lb_evacuate_opts *o, struct lb_plan *plan, bool *chosen,
		  struct lb_err *err)
{
	struct lb_docker_root *root = NULL;
	struct lb_docker_root_opts ropts = {.data_root = o->data_root,
					    .daemon_json = o->daemon_json};
	int rc = lb_docker_root_load(&ropts, &root, err);
	for (size_t i = 0; !rc && o->all && i < root->n_containers; i++)
		rc = add_entry(o, plan, root->data_root, &root->containers[i], err);
	for (size_t i = 0; !rc && !o->all && i < o->n_names; i++) {
		const struct lb_docker_container *ct = NULL;
		if (!(rc = lb_docker_resolve(root, o->names[i], &ct, err)))
			rc = add_entry(o, plan, root->data_root, ct, err);
		if (!rc) {
			const char *name = ct->config.name + (ct->config.name[0] == '/');
			chosen[lb_plan_find(plan, name) - plan->entries] = true;
		}
	}
	lb_docker_root_free(root);
	return rc;
}

struct run;

/* What one container's push needs from the plan, copied out under the
 * plan's lock, and what it brings back. */
struct job {
	char name[256], id[65], ref[512];
	char cand_store[64][512]; /* repositories pushed before (same registry) */
	const char *cands[64];
	size_t n_cands;
	/* results */
	char digest[LB_DIGEST_CAP], spec_digest[LB_DIGEST_CAP];
	json_t *spec;
	struct run *run;
};

static void add_candidate(struct job *j, const char *mine_domain, const char *ref)
{
	struct lb_image_ref other;
	struct lb_err e2;
	if (j->n_cands >= 64 || lb_image_ref_parse(ref, &other, &e2) ||
	    strcmp(other.domain, mine_domain))
		return;
	for (size_t k = 0; k < j->n_cands; k++)
		if (!strcmp(j->cands[k], other.path))
			return;
	snprintf(j->cand_store[j->n_cands], sizeof(j->cand_store[0]), "%s", other.path);
	j->cands[j->n_cands] = j->cand_store[j->n_cands];
	j->n_cands++;
}

static void job_prepare(const struct lb_plan_entry *e, struct job *j)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->name, sizeof(j->name), "%s", e->name);
	snprintf(j->id, sizeof(j->id), "%s", e->id);
	snprintf(j->ref, sizeof(j->ref), "%s", e->ref);
}

static void push_hook(void *ctx, bool before, struct lb_image_xfer_opts *x, bool ok);

static int job_push(const struct lb_evacuate_opts *o, pthread_mutex_t *commit_lock,
		    pthread_mutex_t *push_lock, struct job *j, struct lb_err *err)
{
	struct lb_image_ref ref;
	struct lb_registry *reg = NULL;
	int rc = lb_image_ref_parse(j->ref, &ref, err);
	struct lb_connect_opts conn = o->conn;
	conn.push = true;
	if (!rc)
		rc = lb_registry_connect(&ref, &conn, &reg, err);
	if (rc) {
		lb_registry_close(reg);
		return rc;
	}
	struct lb_push_container_opts po = {.commit = o->commit, .reg = reg, .ref = &ref,
					    .staging_root = o->staging_root, .with_spec = true,
					    .with_volumes = o->with_volumes,
					    .commit_lock = commit_lock, .push_lock = push_lock,
					    .push_hook = push_hook, .hook_ctx = j};
	po.commit.data_root = o->data_root;
	po.commit.daemon_json = o->daemon_json;
	po.commit.container = j->id;
	po.xfer.jobs = 3;
	po.xfer.state_fd = -1;
	struct lb_image_xfer x = {0};
	struct lb_push_container_result *pr = calloc(1, sizeof(*pr));
	rc = pr ? lb_migrate_push_container(&po, &x, pr, err) : lb_fail(err, LB_EFAIL, "out of memory");
	if (!rc) {
		snprintf(j->digest, sizeof(j->digest), "%s", x.manifest_digest);
		snprintf(j->spec_digest, sizeof(j->spec_digest), "%s", pr->carry.spec_digest);
		j->spec = pr->spec;
		if (pr->stage_left[0] && o->commit.say)
			o->commit.say(o->commit.say_ctx, pr->stage_left);
	} else if (pr)
		json_decref(pr->spec);
	free(pr);
	lb_image_xfer_free(&x);
	lb_registry_close(reg);
	return rc;
}

/* The pushed job's results into its plan entry. */
static int job_record(struct lb_plan *plan, struct lb_plan_entry *e, struct job *j,
		      struct lb_err *err)
{
	size_t i;
	json_t *v;
	int rc = LB_OK;
	json_array_foreach(json_object_get(j->spec, "volumes"), i, v) {
		const char *d = json_string_value(json_object_get(v, "digest"));
		const char *n = json_string_value(json_object_get(v, "name"));
		if (d && n && (rc = lb_plan_set_volume_digest(plan, e->name, n, d, err)))
			return rc;
	}
	if (j->spec) {
		json_decref(e->spec);
		e->spec = json_incref(j->spec);
	}
	return lb_plan_mark_pushed(plan, e->name, j->digest, j->spec_digest, err);
}

static void now_rfc3339(char out[40])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Containers go N at once (--jobs) as a pipeline: commits one at a time
 * (each mounts pool devices), pushes one at a time (so a shared layer is
 * mounted from the repository an earlier push put it in, never sent
 * twice), and one container's commit runs while another uploads. The plan
 * is read and written under its own lock, and stored after every step. */
struct run {
	const struct lb_evacuate_opts *o;
	struct lb_plan *plan;
	const bool *chosen;
	struct lb_evacuate_summary *sum;
	pthread_mutex_t plan_lock, commit_lock, push_lock;
	/* Repositories that hold what a push put there: the plan's pushed
	 * entries at the start, then each push of this run as it ends, under
	 * the push lock, so the next push mounts a shared layer from one of
	 * them (the last 64). */
	char (*done)[512];
	size_t n_done;
	size_t next;
	int rc; /* the first error that stops the run (the plan cannot be stored) */
	struct lb_err err;
};

static void push_hook(void *ctx, bool before, struct lb_image_xfer_opts *x, bool ok)
{
	struct job *j = ctx;
	struct run *r = j->run;
	struct lb_image_ref mine;
	struct lb_err e2;
	pthread_mutex_lock(&r->plan_lock);
	if (before && r->done && !lb_image_ref_parse(j->ref, &mine, &e2)) {
		j->n_cands = 0;
		for (size_t i = r->n_done; i-- > 0 && j->n_cands < 64;)
			if (strcmp(r->done[i], j->ref))
				add_candidate(j, mine.domain, r->done[i]);
		x->mount_candidates = j->cands;
		x->n_mount_candidates = j->n_cands;
	} else if (!before && ok && r->done)
		snprintf(r->done[r->n_done++], 512, "%s", j->ref);
	pthread_mutex_unlock(&r->plan_lock);
}

static void *worker(void *arg)
{
	struct run *r = arg;
	struct job *j = malloc(sizeof(*j));
	pthread_mutex_lock(&r->plan_lock);
	while (j && !r->rc && r->next < r->plan->n_entries) {
		size_t i = r->next++;
		struct lb_plan_entry *e = &r->plan->entries[i];
		if (r->chosen && !r->chosen[i])
			continue;
		if (lb_plan_evacuate_step(e) == LB_EVACUATE_SKIP) {
			r->sum->skipped++;
			if (r->o->report)
				r->o->report(r->o->report_ctx, e, "skipped: pushed before");
			continue;
		}
		if ((r->rc = lb_plan_mark_started(r->plan, e->name, &r->err)) ||
		    (r->rc = store(r->o, r->plan, &r->err)))
			break;
		job_prepare(e, j);
		j->run = r;
		pthread_mutex_unlock(&r->plan_lock);
		struct lb_err one = {0};
		int prc = job_push(r->o, &r->commit_lock, &r->push_lock, j, &one);
		pthread_mutex_lock(&r->plan_lock);
		/* entries are not added after choose(): e is still this entry */
		if (prc) {
			r->sum->failed++;
			r->rc = lb_plan_mark_failed(r->plan, e->name, one.msg, &r->err);
		} else {
			r->sum->pushed++;
			r->rc = job_record(r->plan, e, j, &r->err);
		}
		json_decref(j->spec);
		j->spec = NULL;
		if (!r->rc)
			r->rc = store(r->o, r->plan, &r->err);
		if (r->o->report)
			r->o->report(r->o->report_ctx, e, prc ? one.msg : "pushed");
	}
	if (!j && !r->rc)
		r->rc = lb_fail(&r->err, LB_EFAIL, "out of memory");
	pthread_mutex_unlock(&r->plan_lock);
	free(j);
	return NULL;
}

int lb_migrate_evacuate(const struct lb_evacuate_opts *o, struct lb_evacuate_summary *sum,
			struct lb_err *err)
{
	memset(sum, 0, sizeof(*sum));
	char lock_path[4200];
	snprintf(lock_path, sizeof(lock_path), "%s.lock", o->plan_path);
	int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0)
		return lb_fail_errno(err, lb_exit_for_errno(errno), errno, "%s: open", lock_path);
	if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
		close(lock);
		return lb_fail(err, LB_EUNSAFE, "%s: another evacuation is working on this plan",
			       o->plan_path);
	}
	struct lb_plan plan = {0};
	bool *chosen = NULL;
	int rc = lb_plan_load(o->plan_path, &plan, err);
	if (rc == LB_ENOTFOUND) {
		char created[40];
		now_rfc3339(created);
		rc = lb_plan_init(&plan, created, o->to, err);
	} else if (!rc && strcmp(plan.registry_prefix, o->to))
		rc = lb_fail(err, LB_EUSAGE, "%s: this plan evacuates to %s, not %s", o->plan_path,
			     plan.registry_prefix, o->to);
	/* chosen[] is indexed like the plan's entries (add_entry appends); with
	 * --all every entry is chosen and there is none. */
	if (!rc && !o->all && !(chosen = calloc(plan.n_entries + o->n_names + 1, sizeof(*chosen))))
		rc = lb_fail(err, LB_EFAIL, "out of memory");
	if (!rc)
		rc = choose(o, &plan, chosen, err);
	if (!rc)
		rc = store(o, &plan, err);
	struct run r = {.o = o, .plan = &plan, .chosen = chosen, .sum = sum, .rc = rc};
	pthread_mutex_init(&r.plan_lock, NULL);
	pthread_mutex_init(&r.commit_lock, NULL);
	pthread_mutex_init(&r.push_lock, NULL);
	r.done = calloc(plan.n_entries + 1, sizeof(*r.done));
	for (size_t i = 0; r.done && i < plan.n_entries; i++)
		if (plan.entries[i].status == LB_PLAN_PUSHED)
			snprintf(r.done[r.n_done++], 512, "%s", plan.entries[i].ref);
	unsigned n = o->jobs ? o->jobs : 1;
	pthread_t th[16];
	unsigned started = 0;
	for (; !rc && started < n && started < 16; started++)
		if (pthread_create(&th[started], NULL, worker, &r))
			break;
	if (!rc && !started)
		worker(&r); /* no thread could start: this one does the work */
	for (unsigned k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	pthread_mutex_destroy(&r.plan_lock);
	pthread_mutex_destroy(&r.commit_lock);
	pthread_mutex_destroy(&r.push_lock);
	free(r.done);
	if (!rc && r.rc) {
		rc = r.rc;
		*err = r.err;
	}
	if (!rc && sum->failed)
		rc = lb_fail(err, LB_EFAIL, "%u of %u container(s) failed; the plan %s says why; run "
					    "the same command again to retry them",
			     sum->failed, sum->failed + sum->pushed + sum->skipped, o->plan_path);
	free(chosen);
	lb_plan_free(&plan);
	close(lock);
	return rc;
}
