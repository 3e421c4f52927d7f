#include "rescue/trust.h"
#include "dm/dm.h"
#include "rescue/session.h"
#include "util/safepath.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DM_NAME_LEN 128 /* with its NUL, as the kernel's dm-ioctl.h has it */

bool lb_rescue_dm_name_ok(const char *name)
{
	return lb_path_is_component(name) && strlen(name) < DM_NAME_LEN;
}

__attribute__((format(printf, 3, 4))) static int refuse(char *why, size_t cap, const char *fmt,
							 ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return LB_EUNSAFE;
}

static bool equals_joined(const char *s, const char *prefix, const char *rest)
{
	size_t len = strlen(prefix);
	return !strncmp(s, prefix, len) && !strcmp(s + len, rest);
}

/* "MAJOR:MINOR", decimal. */
static bool is_majmin(const char *s)
{
	size_t a = strspn(s, "0123456789");
	return a > 0 && a < 11 && s[a] == ':' && strspn(s + a + 1, "0123456789") == strlen(s + a + 1) &&
	       strlen(s + a + 1) > 0 && strlen(s + a + 1) < 11;
}

static int vet_dm(const struct lb_journal_entry *e, const struct lb_journal_scope *scope,
		  char *why, size_t cap)
{
	const char *name = e->arg1, *uuid = e->arg2;
	if (!lb_rescue_dm_name_ok(name))
		return refuse(why, cap, "'%s' is not a device-mapper name", name);
	if (strncmp(uuid, LB_DM_UUID_PREFIX, strlen(LB_DM_UUID_PREFIX)))
		return refuse(why, cap, "device %s: uuid '%s' is not lifeboat's (" LB_DM_UUID_PREFIX
			      "...)", name, uuid);
	bool ok;
	if (scope->kind == LB_JOURNAL_POOL) {
		ok = !strcmp(name, scope->name) && equals_joined(uuid, LB_DM_UUID_PREFIX "POOL-", name);
	} else {
		char cow[DM_NAME_LEN + 32];
		snprintf(cow, sizeof(cow), "lifeboat-cow-%s", scope->name);
		ok = equals_joined(uuid, LB_DM_UUID_PREFIX "THIN-", name) ||
		     (!strcmp(name, cow) && equals_joined(uuid, LB_DM_UUID_PREFIX "COW-", scope->name));
	}
	if (!ok)
		return refuse(why, cap, "device %s: uuid '%s' is not the one lifeboat gives it", name,
			      uuid);
	return 0;
}

/* A mount directory lifeboat made: LB_MNT_DIR/<name>, or the directory of a
 * mount entry that follows (an operator's DIR it created). */
static bool made_for_a_mount(const struct lb_journal_entry *e, size_t n, size_t i)
{
	const char *dir = e[i].arg1;
	if (lb_path_is_under(dir, LB_MNT_DIR) && lb_path_is_component(dir + strlen(LB_MNT_DIR "/")))
		return true;
	for (size_t k = i + 1; k < n; k++)
		if (!strcmp(e[k].kind, "mount") && !strcmp(e[k].arg1, dir))
			return true;
	return false;
}

int lb_journal_vet(const struct lb_journal_entry *e, size_t n, size_t i,
		   const struct lb_journal_scope *scope, char *why, size_t cap)
{
	const struct lb_journal_entry *x = &e[i];
	const bool session = scope->kind == LB_JOURNAL_SESSION;
	if (!x->kind[0])
		return refuse(why, cap, "not a journal line (%s)", x->arg1);
	if (!strcmp(x->kind, "dm"))
		return vet_dm(x, scope, why, cap);
	if (!strcmp(x->kind, "loop")) {
		/* Only waited for (autoclear detaches it), never acted on: a loop
		 * device's name and the file it was attached over. */
		if (strncmp(x->arg1, "/dev/loop", 9) || !x->arg1[9] ||
		    strspn(x->arg1 + 9, "0123456789") != strlen(x->arg1 + 9) || !x->arg2[0])
			return refuse(why, cap, "'%s' over '%s' is not a loop device over a file",
				      x->arg1, x->arg2);
		return 0;
	}
	if (!session)
		return refuse(why, cap, "a '%s' line does not belong in a pool journal", x->kind);
	if (!strcmp(x->kind, "session")) {
		if (strcmp(x->arg1, scope->name))
			return refuse(why, cap, "names container %s in the journal of %s", x->arg1,
				      scope->name);
		return 0;
	}
	if (!strcmp(x->kind, "pool")) {
		if (!lb_rescue_dm_name_ok(x->arg1) || !equals_joined(x->arg2, LB_POOLS_DIR "/", x->arg1))
			return refuse(why, cap, "pool '%s' with journal '%s' is not one lifeboat names",
				      x->arg1, x->arg2);
		return 0;
	}
	if (!strcmp(x->kind, "mount") || !strcmp(x->kind, "mkdir") || !strcmp(x->kind, "file")) {
		if (!lb_path_is_canonical(x->arg1))
			return refuse(why, cap, "%s '%s' is not a canonical path", x->kind, x->arg1);
	}
	if (!strcmp(x->kind, "mount")) {
		if (!is_majmin(x->arg2))
			return refuse(why, cap, "mount of '%s' is not a device number", x->arg2);
		return 0;
	}
	if (!strcmp(x->kind, "mkdir")) {
		if (!made_for_a_mount(e, n, i))
			return refuse(why, cap, "directory %s is not one lifeboat makes to mount on",
				      x->arg1);
		return 0;
	}
	if (!strcmp(x->kind, "file")) {
		const char *base = strrchr(x->arg1, '/') + 1;
		if (!equals_joined(base, scope->name, ".cow"))
			return refuse(why, cap, "file %s is not %s.cow, this session's copy-on-write file",
				      x->arg1, scope->name);
		return 0;
	}
	return refuse(why, cap, "unknown kind of step '%s'", x->kind);
}
