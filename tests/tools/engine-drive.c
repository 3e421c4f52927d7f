/* A thin CLI over lib/engine for tests/host/t1980: one call per run, the
 * answer as JSON on stdout, the error on stderr, lib/engine's code as the
 * exit status.
 *   engine-drive HOST open
 *   engine-drive HOST pull REF [AUTH-JSON] | load TAR | image-inspect REF
 *   engine-drive HOST volume-create NAME [LABELS-JSON] | volume-inspect NAME | volume-rm NAME
 *   engine-drive HOST create NAME SPEC-JSON | inspect ID | start ID | stop ID SECONDS
 *   engine-drive HOST wait ID | rm ID | put-archive ID PATH TAR
 * HOST "-" means NULL ($DOCKER_HOST or the default socket). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"

static int progress_lines;
static void on_progress(void *ctx, const json_t *line)
{
	(void)ctx;
	(void)line;
	progress_lines++;
}

static json_t *arg_json(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);
	if (!j) {
		fprintf(stderr, "engine-drive: not JSON: %s\n", s);
		exit(2);
	}
	return j;
}

static int open_fd(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		exit(2);
	}
	return fd;
}

static void print_json(json_t *j)
{
	if (j) {
		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: engine-drive HOST VERB [ARGS]\n");
		return 2;
	}
	const char *host = strcmp(argv[1], "-") ? argv[1] : NULL;
	const char *verb = argv[2];
	const char *a1 = argc > 3 ? argv[3] : NULL, *a2 = argc > 4 ? argv[4] : NULL;
	const char *a3 = argc > 5 ? argv[5] : NULL;
	struct lb_err err = {0};
	struct lb_engine *e;
	int rc = lb_engine_open(host, &e, &err);
	if (rc) {
		fprintf(stderr, "%s\n", err.msg);
		return rc;
	}
	json_t *out = NULL, *arg = NULL;
	char id[65];
	long status = 0;
	if (!strcmp(verb, "open")) {
		out = json_pack("{s:s, s:s, s:b}", "product", lb_engine_product(e), "api",
				lb_engine_api_version(e), "podman", lb_engine_is_podman(e));
	} else if (!strcmp(verb, "pull") && a1) {
		arg = a2 ? arg_json(a2) : NULL;
		rc = lb_engine_image_pull(e, a1, arg, on_progress, NULL, &err);
		out = json_pack("{s:i}", "progress_lines", progress_lines);
	} else if (!strcmp(verb, "load") && a1) {
		int fd = open_fd(a1);
		rc = lb_engine_image_load(e, fd, on_progress, NULL, &err);
		close(fd);
		out = json_pack("{s:i}", "progress_lines", progress_lines);
	} else if (!strcmp(verb, "image-inspect") && a1) {
		rc = lb_engine_image_inspect(e, a1, &out, &err);
	} else if (!strcmp(verb, "volume-create") && a1) {
		arg = a2 ? arg_json(a2) : NULL;
		rc = lb_engine_volume_create(e, a1, NULL, arg, &out, &err);
	} else if (!strcmp(verb, "volume-inspect") && a1) {
		rc = lb_engine_volume_inspect(e, a1, &out, &err);
	} else if (!strcmp(verb, "volume-rm") && a1) {
		rc = lb_engine_volume_remove(e, a1, false, &err);
	} else if (!strcmp(verb, "create") && a1 && a2) {
		json_t *warnings = NULL;
		arg = arg_json(a2);
		rc = lb_engine_container_create(e, a1, arg, id, &warnings, &err);
		if (!rc)
			out = json_pack("{s:s, s:o}", "Id", id, "Warnings", warnings ? warnings : json_null());
	} else if (!strcmp(verb, "inspect") && a1) {
		rc = lb_engine_container_inspect(e, a1, &out, &err);
	} else if (!strcmp(verb, "start") && a1) {
		rc = lb_engine_container_start(e, a1, &err);
	} else if (!strcmp(verb, "stop") && a1 && a2) {
		rc = lb_engine_container_stop(e, a1, atoi(a2), &err);
	} else if (!strcmp(verb, "wait") && a1) {
		rc = lb_engine_container_wait(e, a1, &status, &err);
		if (!rc)
			out = json_pack("{s:I}", "StatusCode", (json_int_t)status);
	} else if (!strcmp(verb, "rm") && a1) {
		rc = lb_engine_container_remove(e, a1, true, true, &err);
	} else if (!strcmp(verb, "put-archive") && a1 && a2 && a3) {
		int fd = open_fd(a3);
		rc = lb_engine_container_put_archive(e, a1, a2, fd, &err);
		close(fd);
	} else {
		fprintf(stderr, "engine-drive: unknown verb or missing argument: %s\n", verb);
		rc = 2;
	}
	if (rc)
		fprintf(stderr, "%s\n", err.msg);
	print_json(out);
	json_decref(out);
	json_decref(arg);
	lb_engine_close(e);
	return rc;
}
