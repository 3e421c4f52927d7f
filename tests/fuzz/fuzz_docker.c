/* libFuzzer target: the text parsers of Docker's files and lifeboat's own
 * journal, each fed the same input: config.v2.json, a devicemapper device
 * file, deviceset-metadata, transaction-metadata, daemon.json, a size as
 * go-units writes it, and a session journal line; and the checks of names
 * read from a data root (container names, hashes, pool device names) and
 * the printable form they are shown in. These read files a crash, a hand
 * edit or a hostile tenant may have left in any state; whatever they are
 * given, they must return a result or an error with a message, never crash
 * or hang. A parse that says it succeeded must leave what it promises:
 * NUL-terminated strings, names that pass Docker's rules, shown text that is
 * printable; and no message may carry a control byte. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docker/container.h"
#include "docker/daemon_json.h"
#include "docker/devmeta.h"
#include "docker/jsonfile.h"
#include "session/journal.h"
#include "util/printable.h"

static void terminated(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

static void printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

static void error_said(int rc, const struct lb_err *err)
{
	/* An error carries a message naming what was wrong. */
	if (rc && (!memchr(err->msg, '\0', sizeof(err->msg)) || err->msg[0] == '\0'))
		abort();
}

/* The parsers of Docker's files quote what they read made printable: no
 * control or non-ASCII byte of the input reaches a message (the origins
 * this target passes are plain ASCII). */
static void error_shown(int rc, const struct lb_err *err)
{
	error_said(rc, err);
	if (rc)
		printable(err->msg);
}

/* The printable form: ASCII only, decodes back to the input when it fits,
 * and a JSON string can always be made of it. */
static void printable_form(const char *line, size_t len)
{
	char shown[LB_PRINTABLE_CAP(256)];
	lb_printable(shown, sizeof(shown), line);
	printable(shown);
	char back[257];
	if (len <= 256 && strlen(line) == len) {
		if (!lb_unprintable(back, sizeof(back), shown) || strcmp(back, line) != 0)
			abort();
	}
	json_t *j = lb_dj_string(line);
	if (!j)
		abort();
	json_decref(j);
}

/* What the name checks accept is what the rest of lifeboat relies on. */
static void name_checks(const char *line)
{
	if (lb_docker_is_container_name(line)) {
		const char *n = line[0] == '/' ? line + 1 : line;
		if (strchr(n, '/') || n[0] == '.' || strlen(n) < 2)
			abort();
		printable(line);
	}
	if (lb_dm_is_hash(line) && line[0] && strspn(line, "0123456789abcdef-init") != strlen(line))
		abort();
	if (lb_docker_is_dm_name(line) && (strchr(line, '/') || !strcmp(line, "..")))
		abort();
	if (lb_docker_is_dev_path(line) && (strncmp(line, "/dev/", 5) || strstr(line, "/../") ||
					    strstr(line, "/./") || strstr(line, "//")))
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
	error_shown(rc, &err);
	if (rc == 0) {
		terminated(cfg.id, sizeof(cfg.id));
		terminated(cfg.name, sizeof(cfg.name));
		terminated(cfg.image_ref, sizeof(cfg.image_ref));
		(void)lb_docker_state_string(&cfg.state);
		if (cfg.name[0] && !lb_docker_is_container_name(cfg.name))
			abort();
		printable(cfg.image_ref);
		printable(cfg.image_id);
		printable(cfg.state.started_at);
	}

	struct lb_dm_device dev;
	memset(&err, 0, sizeof(err));
	rc = lb_dm_device_parse(text, size, "metadata/abc", "abc", &dev, &err);
	error_shown(rc, &err);

	struct lb_dm_deviceset set;
	memset(&err, 0, sizeof(err));
	rc = lb_dm_deviceset_parse(text, size, "deviceset-metadata", &set, &err);
	error_shown(rc, &err);
	if (rc == 0) {
		terminated(set.base_device_uuid, sizeof(set.base_device_uuid));
		terminated(set.base_device_filesystem, sizeof(set.base_device_filesystem));
	}

	struct lb_dm_transaction tx;
	memset(&err, 0, sizeof(err));
	rc = lb_dm_transaction_parse(text, size, "transaction-metadata", &tx, &err);
	error_shown(rc, &err);
	if (rc == 0) {
		terminated(tx.device_hash, sizeof(tx.device_hash));
		if (!lb_dm_is_hash(tx.device_hash))
			abort();
	}

	struct lb_docker_daemon_config dc;
	memset(&dc, 0, sizeof(dc));
	memset(&err, 0, sizeof(err));
	rc = lb_docker_daemon_config_parse(text, size, "daemon.json", &dc, &err);
	error_shown(rc, &err);
	if (rc == 0) {
		terminated(dc.data_root, sizeof(dc.data_root));
		terminated(dc.storage_driver, sizeof(dc.storage_driver));
		const struct lb_docker_storage_opts *o = &dc.storage;
		if ((o->thinpooldev[0] && !lb_docker_is_dm_name(o->thinpooldev)) ||
		    (o->datadev[0] && !lb_docker_is_dev_path(o->datadev)) ||
		    (o->metadatadev[0] && !lb_docker_is_dev_path(o->metadatadev)) ||
		    (o->directlvm_device[0] && !lb_docker_is_dev_path(o->directlvm_device)))
			abort();
	}

	/* The line-oriented parsers take C strings: the input up to a NUL. */
	char *line = malloc(size + 1);
	if (line) {
		memcpy(line, data, size);
		line[size] = '\0';
		printable_form(line, size);
		name_checks(line);
		uint64_t bytes;
		memset(&err, 0, sizeof(err));
		rc = lb_docker_ram_in_bytes(line, &bytes, &err);
		error_shown(rc, &err);
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
