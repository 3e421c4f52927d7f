/* /proc/self/mountinfo entries and remounting one in place. */
#include "mount/mount.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

/* Copies a mountinfo field, turning "\040"-style octal escapes back into
 * bytes; false if it does not fit (a cut path could equal another one). */
static bool unescape(const char *in, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (o + 1 >= cap)
			return false;
		if (in[i] == '\\' && i + 3 < len && in[i + 1] >= '0' &&
		    in[i + 1] <= '3' && in[i + 2] >= '0' && in[i + 2] <= '7' && in[i + 3] >= '0' &&
		    in[i + 3] <= '7') {
			out[o++] = (char)((in[i + 1] - '0') * 64 + (in[i + 2] - '0') * 8 + (in[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
	return true;
}

/* The next space-separated field of *p (start, length); 0 at the end. */
static size_t field(const char **p, const char **start)
{
	const char *s = *p;
	while (*s == ' ')
		s++;
	*start = s;
	while (*s && *s != ' ' && *s != '\n')
		s++;
	*p = s;
	return (size_t)(s - *start);
}

bool lb_mountinfo_parse(const char *line, struct lb_mountinfo *out)
{
	/* id parent maj:min root mountpoint mount-opts [optional...] - fstype source super-opts */
	memset(out, 0, sizeof(*out));
	const char *p = line, *f;
	size_t n;
	field(&p, &f);
	field(&p, &f);
	n = field(&p, &f);
	char mm[32];
	if (!n || n >= sizeof(mm))
		return false;
	memcpy(mm, f, n);
	mm[n] = '\0';
	if (sscanf(mm, "%u:%u", &out->major, &out->minor) != 2)
		return false;
	field(&p, &f); /* root */
	if (!(n = field(&p, &f)))
		return false;
	if (!unescape(f, n, out->dir, sizeof(out->dir)))
		return false;
	if (!(n = field(&p, &f)) || n >= sizeof(out->mount_opts))
		return false;
	memcpy(out->mount_opts, f, n);
	while ((n = field(&p, &f)) && !(n == 1 && *f == '-'))
		; /* optional fields up to the separator */
	if (!n || !(n = field(&p, &f)) || n >= sizeof(out->fstype))
		return false;
	memcpy(out->fstype, f, n);
	if (!field(&p, &f)) /* source */
		return false;
	if (!(n = field(&p, &f)) || n >= sizeof(out->super_opts))
		return false;
	memcpy(out->super_opts, f, n);
	return true;
}

int lb_mountinfo_each(int (*fn)(void *ctx, const struct lb_mountinfo *m), void *ctx,
		      struct lb_err *err)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return lb_fail_errno(err, LB_EFAIL, errno, "/proc/self/mountinfo: cannot open");
	/* Whole lines however long (a mount point escaped can be 4 times
	 * PATH_MAX): a line cut in two would parse as two. */
	char *line = NULL;
	size_t cap = 0;
	struct lb_mountinfo *m = malloc(sizeof(*m));
	int rc = m ? 0 : lb_fail(err, LB_EFAIL, "/proc/self/mountinfo: out of memory");
	while (!rc && getline(&line, &cap, f) > 0)
		if (lb_mountinfo_parse(line, m))
			rc = fn(ctx, m);
	free(m);
	free(line);
	fclose(f);
	return rc;
}

static bool has_opt(const char *opts, const char *opt)
{
	size_t len = strlen(opt);
	for (const char *p = opts; *p;) {
		size_t n = strcspn(p, ",");
		if (n == len && !strncmp(p, opt, n))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

unsigned long lb_mount_keep_flags(const struct lb_mountinfo *m)
{
	static const struct {
		const char *opt;
		unsigned long flag;
	} per_mount[] = {
		{"ro", MS_RDONLY},         {"nosuid", MS_NOSUID},     {"nodev", MS_NODEV},
		{"noexec", MS_NOEXEC},     {"noatime", MS_NOATIME},   {"nodiratime", MS_NODIRATIME},
		{"relatime", MS_RELATIME}, {"strictatime", MS_STRICTATIME},
	}, super[] = {
		{"ro", MS_RDONLY},    {"sync", MS_SYNCHRONOUS}, {"dirsync", MS_DIRSYNC},
		{"lazytime", MS_LAZYTIME}, {"mand", MS_MANDLOCK},
	};
	unsigned long flags = 0;
	for (size_t i = 0; i < sizeof(per_mount) / sizeof(per_mount[0]); i++)
		if (has_opt(m->mount_opts, per_mount[i].opt))
			flags |= per_mount[i].flag;
	for (size_t i = 0; i < sizeof(super) / sizeof(super[0]); i++)
		if (has_opt(m->super_opts, super[i].opt))
			flags |= super[i].flag;
	return flags;
}

int lb_remount(const struct lb_mountinfo *m, const char *data, struct lb_err *err)
{
	if (mount(NULL, m->dir, NULL, MS_REMOUNT | lb_mount_keep_flags(m), data) != 0)
		return lb_fail_errno(err, LB_EFAIL, errno, "%s: cannot remount (%s, %s)", m->dir,
				     m->fstype, data ? data : "defaults");
	return LB_OK;
}
