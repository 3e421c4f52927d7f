/* libFuzzer target: lib/migrate/spec. The first byte picks the input:
 * even: a spec document for lb_spec_parse; odd: a Docker container, its
 * config.v2.json and hostconfig.json as one JSON array of two, for
 * lb_spec_from_docker (then adapted for a target with one log driver).
 *
 * Promises checked beyond "no crash, no leak":
 *  - a spec that parses, or one the translation made, passes lb_spec_check;
 *    its canonical text parses back to an equal document whose text is
 *    the same bytes (what lifeboat writes, it reads back unchanged);
 *  - a translated spec carries no Devices, no ContainerIDFile, no Links,
 *    no bind source in create.HostConfig.Binds, and no "container:" mode.
 * A broken promise aborts: a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/spec.h"

static void round_trip(const json_t *spec)
{
	struct lb_err err;
	char *text, *text2;
	size_t len, len2;
	json_t *again;
	if (lb_spec_check(spec, "fuzz", &err) || lb_spec_format(spec, &text, &len, &err))
		abort();
	if (lb_spec_parse(text, len, "fuzz-again", &again, &err) || !json_equal(spec, again))
		abort();
	if (lb_spec_format(again, &text2, &len2, &err) || len2 != len || memcmp(text, text2, len))
		abort();
	free(text);
	free(text2);
	json_decref(again);
}

static void check_translated(const json_t *spec)
{
	const json_t *host = json_object_get(json_object_get(spec, "create"), "HostConfig");
	if (json_object_get(host, "Devices") || json_object_get(host, "ContainerIDFile") ||
	    json_object_get(host, "Links"))
		abort();
	size_t i;
	json_t *b;
	json_array_foreach(json_object_get(host, "Binds"), i, b)
		if (json_string_value(b)[0] == '/' && strchr(json_string_value(b), ':'))
			abort();
	const char *const modes[] = {"NetworkMode", "PidMode", "IpcMode"};
	for (size_t m = 0; m < 3; m++) {
		const char *s = json_string_value(json_object_get(host, modes[m]));
		if (s && !strncmp(s, "container:", 10))
			abort();
	}
}

static void fuzz_translate(const char *data, size_t size)
{
	json_t *pair = json_loadb(data, size, 0, NULL);
	if (!json_is_array(pair) || json_array_size(pair) != 2) {
		json_decref(pair);
		return;
	}
	struct lb_err err;
	json_t *spec;
	if (!lb_spec_from_docker(json_array_get(pair, 0), json_array_get(pair, 1), "fuzz", &spec,
				 &err)) {
		check_translated(spec);
		round_trip(spec);
		const char *const drivers[] = {"json-file"};
		struct lb_spec_target target = {.log_drivers = drivers, .n_log_drivers = 1,
						.is_podman = true};
		if (lb_spec_adapt(spec, &target, &err))
			abort();
		round_trip(spec);
		json_decref(spec);
	}
	json_decref(pair);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* A copy of exactly the input's bytes, so a read past the end is caught. */
	char *text = malloc(size - 1 ? size - 1 : 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	if (data[0] & 1) {
		fuzz_translate(text, size - 1);
	} else {
		json_t *spec;
		struct lb_err err;
		if (!lb_spec_parse(text, size - 1, "fuzz", &spec, &err)) {
			round_trip(spec);
			json_decref(spec);
		}
	}
	free(text);
	return 0;
}
