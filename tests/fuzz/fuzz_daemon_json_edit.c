/* libFuzzer target: the daemon.json edit of `discard off --persist`. The
 * input is daemon.json text; when the edit succeeds, the result must be what
 * --persist promises before it writes: Docker's parser (the same lib/docker
 * code that reads the file for every command) reads it back with
 * dm.blkdiscard false and nodiscard among the mount options whenever it read
 * the input, and editing the result again changes nothing (byte for byte).
 * Any crash, sanitizer report, hang or broken promise is a finding. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discard/discard.h"
#include "docker/daemon_json.h"

/* Whether the comma-separated list holds opt as a whole option. */
static bool has_option(const char *opts, const char *opt)
{
	char wrapped[sizeof(((struct lb_docker_storage_opts *)NULL)->mountopt) + 2], needle[32];
	snprintf(wrapped, sizeof(wrapped), ",%s,", opts);
	snprintf(needle, sizeof(needle), ",%s,", opt);
	return strstr(wrapped, needle) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size); /* not NUL-terminated: reading past size is caught */
	char *out = NULL, *again = NULL;
	bool changed;
	struct lb_err err = {0};
	int rc = lb_daemon_json_discard_off(text, size, "daemon.json", &out, &changed, &err);
	if (rc) {
		if (!err.msg[0] || out)
			abort();
		free(text);
		return 0;
	}
	size_t out_len = strlen(out);
	if (!out_len || out[out_len - 1] != '\n')
		abort();
	struct lb_docker_daemon_config in_cfg, out_cfg;
	memset(&in_cfg, 0, sizeof(in_cfg));
	memset(&out_cfg, 0, sizeof(out_cfg));
	struct lb_err in_err = {0};
	bool input_parses = lb_docker_daemon_config_parse(text, size, "in", &in_cfg, &in_err) == 0;
	if (input_parses) {
		if (lb_docker_daemon_config_parse(out, out_len, "out", &out_cfg, &err) ||
		    out_cfg.storage.blkdiscard || !has_option(out_cfg.storage.mountopt, "nodiscard") ||
		    has_option(out_cfg.storage.mountopt, "discard"))
			abort();
	}
	bool changed_again;
	if (lb_daemon_json_discard_off(out, out_len, "daemon.json", &again, &changed_again, &err) ||
	    changed_again || strcmp(again, out))
		abort();
	free(again);
	free(out);
	free(text);
	return 0;
}
