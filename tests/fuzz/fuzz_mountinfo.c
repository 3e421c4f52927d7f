/* libFuzzer target: lib/mount's /proc/self/mountinfo parser, which decides
 * what teardown unmounts. Every line of the input is parsed: a parse that
 * succeeds leaves NUL-terminated fields and a mount point without a cut.
 * Then the input's first 4095 bytes (to a NUL) are taken as a mount point,
 * escaped the way the kernel writes it (space, tab, newline and backslash as
 * \ooo), and set in a well-formed line: the parser must give back exactly
 * those bytes, or teardown would compare the wrong path. Any crash,
 * sanitizer report, hang or broken promise is a finding. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discard/discard.h"
#include "mount/mount.h"

static void terminated(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

static void parse_lines(const char *text)
{
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		char *copy = strndup(line, len);
		if (!copy)
			return;
		struct lb_mountinfo m;
		if (lb_mountinfo_parse(copy, &m)) {
			terminated(m.dir, sizeof(m.dir));
			terminated(m.mount_opts, sizeof(m.mount_opts));
			terminated(m.fstype, sizeof(m.fstype));
			terminated(m.super_opts, sizeof(m.super_opts));
			(void)lb_mount_keep_flags(&m);
			(void)lb_mount_opts_have_discard(m.super_opts);
		}
		free(copy);
		line += len + (line[len] == '\n');
	}
}

/* The kernel's mangle of a path in mountinfo (fs/proc_namespace.c). */
static size_t escape(const char *dir, char *out)
{
	size_t o = 0;
	for (const char *p = dir; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\\')
			o += (size_t)sprintf(out + o, "\\%03o", (unsigned char)*p);
		else
			out[o++] = *p;
	}
	out[o] = '\0';
	return o;
}

static void round_trip(const uint8_t *data, size_t size)
{
	char dir[4096];
	size_t len = size < sizeof(dir) - 1 ? size : sizeof(dir) - 1;
	memcpy(dir, data, len);
	dir[len] = '\0';
	if (!dir[0])
		return;
	char *escaped = malloc(4 * sizeof(dir) + 1), *line = malloc(4 * sizeof(dir) + 128);
	if (!escaped || !line)
		abort();
	escape(dir, escaped);
	snprintf(line, 4 * sizeof(dir) + 128,
		 "36 35 253:3 / %s ro,nosuid,nodev shared:7 - xfs /dev/dm-3 ro,norecovery\n",
		 escaped);
	struct lb_mountinfo m;
	if (!lb_mountinfo_parse(line, &m) || strcmp(m.dir, dir) || m.major != 253 || m.minor != 3 ||
	    strcmp(m.fstype, "xfs") || strcmp(m.super_opts, "ro,norecovery"))
		abort();
	free(escaped);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size); /* the parsers read C strings */
	if (!text)
		return 0;
	parse_lines(text);
	free(text);
	round_trip(data, size);
	return 0;
}
