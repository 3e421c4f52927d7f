#include "engine/engine.h"
#include "engine/transport.h"

#include <stdio.h>
#include <string.h>

/* "/containers/<escaped id>" + rest. */
static int container_path(const char *id, const char *rest, char *path, size_t cap,
			  struct lb_err *err)
{
	char eid[800];
	int rc = lb_engine_escape(id, false, eid, sizeof(eid), err);
	if (!rc && (size_t)snprintf(path, cap, "/containers/%s%s", eid, rest) >= cap)
		rc = lb_fail(err, LB_EUSAGE, "container %.300s: request path too long", id);
	return rc;
}

int lb_engine_container_create(struct lb_engine *e, const char *name, const json_t *body,
			       char id[65], json_t **warnings, struct lb_err *err)
{
	char ename[800], path[900];
	json_t *resp = NULL;
	id[0] = '\0';
	if (warnings)
		*warnings = NULL;
	int rc = lb_engine_escape(name, false, ename, sizeof(ename), err);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/containers/create?name=%s", ename);
	long status = 0;
	if ((rc = lb_engine_call(e, "POST", path, body, &status, &resp, err))) {
		/* Docker answers a name in use with 409; podman 4.3 with 500 and
		 * its storage's "that name is already in use". */
		if (rc == LB_EFAIL && status == 500 && strstr(err->msg, "is already in use"))
			rc = err->code = LB_EUNSAFE;
		return rc;
	}
	const char *new_id = json_string_value(json_object_get(resp, "Id"));
	if (!new_id || strlen(new_id) != 64 || strspn(new_id, "0123456789abcdef") != 64)
		rc = lb_fail(err, LB_EINTEGRITY, "engine %s: create %.300s: answer has no valid Id",
			     lb_engine_host(e), name);
	else {
		memcpy(id, new_id, 65);
		json_t *w = json_object_get(resp, "Warnings");
		if (warnings && json_is_array(w))
			*warnings = json_incref(w);
	}
	json_decref(resp);
	return rc;
}

int lb_engine_container_inspect(struct lb_engine *e, const char *id, json_t **out, struct lb_err *err)
{
	char path[900];
	int rc = container_path(id, "/json", path, sizeof(path), err);
	return rc ? rc : lb_engine_call(e, "GET", path, NULL, NULL, out, err);
}

/* start and stop answer 304 when there is nothing to do: success here. */
int lb_engine_container_start(struct lb_engine *e, const char *id, struct lb_err *err)
{
	char path[900];
	int rc = container_path(id, "/start", path, sizeof(path), err);
	return rc ? rc : lb_engine_call(e, "POST", path, NULL, NULL, NULL, err);
}

int lb_engine_container_stop(struct lb_engine *e, const char *id, int timeout_s, struct lb_err *err)
{
	char path[900], query[40] = "";
	if (timeout_s >= 0)
		snprintf(query, sizeof(query), "/stop?t=%d", timeout_s);
	int rc = container_path(id, timeout_s >= 0 ? query : "/stop", path, sizeof(path), err);
	return rc ? rc : lb_engine_call(e, "POST", path, NULL, NULL, NULL, err);
}

int lb_engine_container_wait(struct lb_engine *e, const char *id, long *exit_status,
			     struct lb_err *err)
{
	char path[900];
	json_t *resp = NULL;
	int rc = container_path(id, "/wait", path, sizeof(path), err);
	if (!rc)
		rc = lb_engine_call(e, "POST", path, NULL, NULL, &resp, err);
	if (rc)
		return rc;
	json_t *code = json_object_get(resp, "StatusCode");
	if (!json_is_integer(code))
		rc = lb_fail(err, LB_EINTEGRITY, "engine %s: wait %.300s: answer has no StatusCode",
			     lb_engine_host(e), id);
	else
		*exit_status = (long)json_integer_value(code);
	json_decref(resp);
	return rc;
}

int lb_engine_container_remove(struct lb_engine *e, const char *id, bool force,
			       bool remove_anon_volumes, struct lb_err *err)
{
	char path[900], query[40];
	snprintf(query, sizeof(query), "?force=%d&v=%d", force, remove_anon_volumes);
	int rc = container_path(id, query, path, sizeof(path), err);
	return rc ? rc : lb_engine_call(e, "DELETE", path, NULL, NULL, NULL, err);
}

int lb_engine_container_put_archive(struct lb_engine *e, const char *id, const char *path_in,
				    int fd, struct lb_err *err)
{
	char epath[4000], query[4100], path[4200];
	int rc = lb_engine_escape(path_in, false, epath, sizeof(epath), err);
	if (rc)
		return rc;
	snprintf(query, sizeof(query), "/archive?path=%s", epath);
	if ((rc = container_path(id, query, path, sizeof(path), err)))
		return rc;
	struct lb_engine_req req = {.method = "PUT", .path = path, .upload_fd = fd,
				    .content_type = "application/x-tar"};
	rc = lb_engine_exchange(e, &req, NULL, NULL, err);
	if (rc)
		lb_err_wrap(err, "copy into %.100s:%.300s", id, path_in);
	return rc;
}
