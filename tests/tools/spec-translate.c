/* Test tool: lib/migrate/spec's translation of one container, so host tests
 * can hold it against what Docker itself reported (docker inspect).
 *   spec-translate CONTAINER-DIR [IMAGE-REF]
 *     reads CONTAINER-DIR/config.v2.json and hostconfig.json, prints the
 *     spec's canonical text (with create.Image set when IMAGE-REF is given);
 *     exit 0, or lifeboat's exit code with the message on stderr.
 *   spec-translate --parse FILE
 *     parses a spec document and prints its canonical text.
 *   spec-translate --plan FILE
 *     parses an evacuation plan and prints its canonical text. */
#include "docker/jsonfile.h"
#include "migrate/plan.h"
#include "migrate/spec.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load(const char *dir, const char *file, json_t **out, struct lb_err *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	char *text;
	size_t len;
	int rc = lb_dj_read_file(path, &text, &len, err);
	if (!rc)
		rc = lb_dj_parse(text, len, path, LB_DJ_FIRST_VALUE, out, err);
	if (!rc)
		free(text);
	return rc;
}

int main(int argc, char **argv)
{
	struct lb_err err = {0};
	json_t *config = NULL, *host = NULL, *spec = NULL;
	int rc;
	if (argc == 3 && !strcmp(argv[1], "--plan")) {
		char *text, *out = NULL;
		size_t len, out_len;
		struct lb_plan plan;
		rc = lb_dj_read_file(argv[2], &text, &len, &err);
		if (!rc) {
			rc = lb_plan_parse(text, len, argv[2], &plan, &err);
			free(text);
		}
		if (!rc) {
			rc = lb_plan_format(&plan, &out, &out_len, &err);
			lb_plan_free(&plan);
		}
		if (!rc)
			fwrite(out, 1, out_len, stdout);
		else
			fprintf(stderr, "spec-translate: %s\n", err.msg);
		free(out);
		return rc;
	}
	if (argc == 3 && !strcmp(argv[1], "--parse")) {
		char *text;
		size_t len;
		rc = lb_dj_read_file(argv[2], &text, &len, &err);
		if (!rc) {
			rc = lb_spec_parse(text, len, argv[2], &spec, &err);
			free(text);
		}
	} else if (argc == 2 || argc == 3) {
		rc = load(argv[1], "config.v2.json", &config, &err);
		if (!rc)
			rc = load(argv[1], "hostconfig.json", &host, &err);
		if (!rc)
			rc = lb_spec_from_docker(config, host, argv[1], &spec, &err);
		if (!rc && argc == 3)
			rc = lb_spec_set_image(spec, argv[2], &err);
	} else {
		fprintf(stderr, "usage: spec-translate CONTAINER-DIR [IMAGE-REF] | --parse FILE | --plan FILE\n");
		return LB_EUSAGE;
	}
	char *out = NULL;
	size_t out_len = 0;
	if (!rc)
		rc = lb_spec_format(spec, &out, &out_len, &err);
	if (!rc)
		fwrite(out, 1, out_len, stdout);
	else
		fprintf(stderr, "spec-translate: %s\n", err.msg);
	free(out);
	json_decref(spec);
	json_decref(config);
	json_decref(host);
	return rc;
}
