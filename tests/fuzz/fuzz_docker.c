/* libFuzzer target: the text parsers of Docker's files and lifeboat's own
 * journal, each fed the same input: config.v2.json, a devicemapper device
 * file, deviceset-metadata, transaction-metadata, daemon.json, a size as
 * go-units writes it, and a session journal line. These read files a crash
 * or a hand edit may have left in any state; whatever they are given, they
 * must return a result or an error with a message, never crash or hang. A
 * parse that says it succeeded must leave what it promises: NUL-terminated
 * strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docker/container.h"
#include "docker/daemon_json.h"
#include "docker/devmeta.h"
#include "session/journal.h"

static void terminated(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

static void error_said(int rc, const struct lb_err *err)
{
	/* An error carries a message naming what was wrong. */
	if (rc && (!memchr(err->msg, '\0', sizeof(err->msg)) || err->msg[0] == '\0'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parsers take text with its length; give them a copy that is not
	 * NUL-terminated past `size`, so reading beyond it is caught. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	struct lb_err err;
	int rc;

	struct lb_docker_config cfg;
	memset(&err, 0, sizeof(err));
	rc = lb_docker_config_parse(text, size, "config.v2.json", &cfg, &err);
	error_said(rc, &err);
	if (rc == 0) {
		terminated(cfg.id, sizeof(cfg.id));
		terminated(cfg.name, sizeof(cfg.name));
		terminated(cfg.image_ref, sizeof(cfg.image_ref));
		(void)lb_docker_state_string(&cfg.state);
	}

	struct lb_dm_device dev;
	memset(&err, 0, sizeof(err));
	rc = lb_dm_device_parse(text, size, "metadata/abc", "abc", &dev, &err);
	error_said(rc, &err);

	struct lb_dm_deviceset set;
	memset(&err, 0, sizeof(err));
	rc = lb_dm_deviceset_parse(text, size, "deviceset-metadata", &set, &err);
	error_said(rc, &err);
	if (rc == 0) {
		terminated(set.base_device_uuid, sizeof(set.base_device_uuid));
		terminated(set.base_device_filesystem, sizeof(set.base_device_filesystem));
	}

	struct lb_dm_transaction tx;
	memset(&err, 0, sizeof(err));
	rc = lb_dm_transaction_parse(text, size, "transaction-metadata", &tx, &err);
	error_said(rc, &err);
	if (rc == 0)
		terminated(tx.device_hash, sizeof(tx.device_hash));

	struct lb_docker_daemon_config dc;
	memset(&dc, 0, sizeof(dc));
	memset(&err, 0, sizeof(err));
	rc = lb_docker_daemon_config_parse(text, size, "daemon.json", &dc, &err);
	error_said(rc, &err);
	if (rc == 0) {
		terminated(dc.data_root, sizeof(dc.data_root));
		terminated(dc.storage_driver, sizeof(dc.storage_driver));
	}

	/* The line-oriented parsers take C strings: the input up to a NUL. */
	char *line = malloc(size + 1);
	if (line) {
		memcpy(line, data, size);
		line[size] = '\0';
		uint64_t bytes;
		memset(&err, 0, sizeof(err));
		rc = lb_docker_ram_in_bytes(line, &bytes, &err);
		error_said(rc, &err);
		struct lb_journal_entry e;
		memset(&err, 0, sizeof(err));
		rc = lb_journal_parse_line(line, &e, &err);
		error_said(rc, &err);
		if (rc == 0) {
			terminated(e.kind, sizeof(e.kind));
			terminated(e.arg1, sizeof(e.arg1));
			terminated(e.arg2, sizeof(e.arg2));
		}
		free(line);
	}
	free(text);
	return 0;
}
