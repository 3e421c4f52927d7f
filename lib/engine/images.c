#include "engine/engine.h"
#include "engine/negotiate.h"
#include "engine/transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct progress {
	lb_engine_progress_fn fn;
	void *ctx;
	const char *what; /* the image or archive, for the error message */
};

static int on_progress_line(void *ctx, json_t *line, struct lb_err *err)
{
	struct progress *p = ctx;
	int rc = lb_engine_progress_error(line, p->what, err);
	if (!rc && p->fn)
		p->fn(p->ctx, line);
	return rc;
}

static int run_stream(struct lb_engine *e, struct lb_engine_req *req, struct progress *p,
		      struct lb_err *err)
{
	struct lb_jsonlines jl;
	int rc = lb_jsonlines_init(&jl, LB_JSONLINES_DEFAULT_MAX, on_progress_line, p, err);
	if (rc)
		return rc;
	req->stream = &jl;
	rc = lb_engine_exchange(e, req, NULL, NULL, err);
	lb_jsonlines_free(&jl);
	return rc;
}

int lb_engine_image_pull(struct lb_engine *e, const char *ref, const json_t *registry_auth,
			 lb_engine_progress_fn progress, void *ctx, struct lb_err *err)
{
	char name[512], tag[160], ename[1600], etag[500], path[2200];
	int rc = lb_engine_split_ref(ref, name, sizeof(name), tag, sizeof(tag), err);
	if (!rc)
		rc = lb_engine_escape(name, false, ename, sizeof(ename), err);
	if (!rc)
		rc = lb_engine_escape(tag, false, etag, sizeof(etag), err);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/images/create?fromImage=%s&tag=%s", ename, etag);

	char *header = NULL;
	if (registry_auth) {
		char *auth_json = json_dumps(registry_auth, JSON_COMPACT);
		size_t n = auth_json ? strlen(auth_json) : 0;
		size_t cap = (n + 2) / 3 * 4 + 40;
		header = auth_json ? malloc(cap) : NULL;
		if (!header)
			rc = lb_fail(err, LB_EFAIL, "%s: cannot encode the registry credentials", ref);
		else {
			int prefix = snprintf(header, cap, "X-Registry-Auth: ");
			rc = lb_engine_base64url((const unsigned char *)auth_json, n, header + prefix,
						 cap - (size_t)prefix, err);
		}
		free(auth_json);
		if (rc) {
			free(header);
			return rc;
		}
	}
	struct progress p = {.fn = progress, .ctx = ctx, .what = ref};
	struct lb_engine_req req = {.method = "POST", .path = path, .upload_fd = -1, .extra_header = header};
	rc = run_stream(e, &req, &p, err);
	free(header);
	if (rc && !strstr(err->msg, ref))
		lb_err_wrap(err, "pull %s", ref);
	return rc;
}

int lb_engine_image_load(struct lb_engine *e, int fd, lb_engine_progress_fn progress, void *ctx,
			 struct lb_err *err)
{
	struct progress p = {.fn = progress, .ctx = ctx, .what = "image load"};
	struct lb_engine_req req = {.method = "POST", .path = "/images/load?quiet=0", .upload_fd = fd,
				    .content_type = "application/x-tar"};
	return run_stream(e, &req, &p, err);
}

int lb_engine_image_inspect(struct lb_engine *e, const char *ref, json_t **out, struct lb_err *err)
{
	char eref[1600], path[1700];
	int rc = lb_engine_escape(ref, true, eref, sizeof(eref), err);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/images/%s/json", eref);
	return lb_engine_call(e, "GET", path, NULL, NULL, out, err);
}
