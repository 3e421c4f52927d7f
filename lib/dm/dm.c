/* libdevmapper wrapper: tasks in, lb_err out. libdevmapper reports errors
 * through a log hook, not return values; we keep its last message so an
 * error can say what the kernel refused ("reload ioctl ... failed: ..."). */
#include "dm/dm.h"

#include <errno.h>
#include <libdevmapper.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* libdevmapper's log hook has no context pointer, so its last error message
 * lives here. Only this file reads or writes it. */
static char last_dm_message[512];

static void dm_log_hook(int level, const char *file, int line, int dm_errno_or_class,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void dm_log_hook(int level, const char *file, int line, int dm_errno_or_class,
			const char *fmt, ...)
{
	(void)file;
	(void)line;
	(void)dm_errno_or_class;
	if ((level & 7) > 3) /* keep errors (3) and worse; drop warnings and debug */
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_dm_message, sizeof(last_dm_message), fmt, ap);
	va_end(ap);
}

static void dm_setup(void)
{
	static int done; /* idempotent set-up of a process-wide library */
	if (done)
		return;
	done = 1;
	dm_log_with_errno_init(dm_log_hook);
	/* No udev on a rescue host or in the test guest; we never use the
	 * /dev/mapper links anyway (tables use major:minor). */
	dm_udev_set_sync_support(0);
}

static int dm_failed(struct lb_err *err, const char *name, const char *what, struct dm_task *t)
{
	int e = t ? dm_task_get_errno(t) : 0;
	int code = e == ENXIO || e == ENODEV ? LB_ENOTFOUND : e == EBUSY ? LB_EUNSAFE : LB_EFAIL;
	if (last_dm_message[0])
		lb_fail(err, code, "%s: %s failed: %s", name, what, last_dm_message);
	else if (e)
		lb_fail_errno(err, code, e, "%s: %s failed", name, what);
	else
		lb_fail(err, code, "%s: %s failed", name, what);
	last_dm_message[0] = '\0';
	if (t)
		dm_task_destroy(t);
	return code;
}

static struct dm_task *task_new(int type, const char *name)
{
	dm_setup();
	last_dm_message[0] = '\0';
	struct dm_task *t = dm_task_create(type);
	if (t && name && !dm_task_set_name(t, name)) {
		dm_task_destroy(t);
		return NULL;
	}
	return t;
}

static bool misc_has_device_mapper(void)
{
	FILE *misc = fopen("/proc/misc", "re");
	char line[128];
	bool found = false;
	while (misc && fgets(line, sizeof(line), misc))
		if (strstr(line, "device-mapper"))
			found = true;
	if (misc)
		fclose(misc);
	return found;
}

bool lb_dm_available(struct lb_err *err)
{
	dm_setup();
	if (!misc_has_device_mapper()) {
		lb_fail(err, LB_EFAIL,
			"device-mapper: not in this kernel (no device-mapper in /proc/misc); "
			"load dm_mod and dm_thin_pool, or use 'lifeboat recover image'");
		return false;
	}
	/* libdevmapper creates /dev/mapper/control if it is missing. */
	char version[64];
	if (!dm_driver_version(version, sizeof(version))) {
		int e = access("/dev/mapper/control", R_OK | W_OK) ? errno : EIO;
		lb_fail_errno(err, e == EACCES ? LB_EUNSAFE : LB_EFAIL, e,
			      "/dev/mapper/control: cannot talk to device-mapper (root needed)");
		last_dm_message[0] = '\0';
		return false;
	}
	return true;
}

int lb_dm_info(const char *name, struct lb_dm_info *info, struct lb_err *err)
{
	memset(info, 0, sizeof(*info));
	struct dm_task *t = task_new(DM_DEVICE_INFO, name);
	if (!t)
		return dm_failed(err, name, "info", NULL);
	if (!dm_task_run(t))
		return dm_failed(err, name, "info", t);
	struct dm_info di;
	if (!dm_task_get_info(t, &di))
		return dm_failed(err, name, "info", t);
	info->exists = di.exists;
	if (di.exists) {
		info->major = di.major;
		info->minor = di.minor;
		info->suspended = di.suspended;
		info->read_only = di.read_only;
		info->open_count = di.open_count;
		info->target_count = di.target_count;
		info->live_table = di.live_table;
		const char *uuid = dm_task_get_uuid(t);
		snprintf(info->uuid, sizeof(info->uuid), "%s", uuid ? uuid : "");
	}
	dm_task_destroy(t);
	return LB_OK;
}

static int add_targets(struct dm_task *t, const struct lb_dm_target *targets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!dm_task_add_target(t, targets[i].start_sector, targets[i].len_sectors,
					targets[i].type, targets[i].params))
			return 0;
	return 1;
}

int lb_dm_create(const char *name, const char *uuid, bool read_only,
		 const struct lb_dm_target *targets, size_t n_targets, struct lb_dm_info *out,
		 struct lb_err *err)
{
	return lb_dm_create_at(name, uuid, read_only, LB_DM_ANY_NUMBER, 0, targets, n_targets, out,
			       err);
}

int lb_dm_create_at(const char *name, const char *uuid, bool read_only, uint32_t major,
		    uint32_t minor, const struct lb_dm_target *targets, size_t n_targets,
		    struct lb_dm_info *out, struct lb_err *err)
{
	struct dm_task *t = task_new(DM_DEVICE_CREATE, name);
	if (!t)
		return dm_failed(err, name, "create", NULL);
	bool numbered = major != LB_DM_ANY_NUMBER;
	if ((uuid && !dm_task_set_uuid(t, uuid)) || (read_only && !dm_task_set_ro(t)) ||
	    (numbered && (!dm_task_set_major(t, (int)major) || !dm_task_set_minor(t, (int)minor))) ||
	    !add_targets(t, targets, n_targets))
		return dm_failed(err, name, "create", t);
	if (!dm_task_run(t))
		return dm_failed(err, name, "create (table load)", t);
	dm_task_update_nodes();
	dm_task_destroy(t);
	if (out)
		return lb_dm_info(name, out, err);
	return LB_OK;
}

int lb_dm_remove(const char *name, struct lb_err *err)
{
	struct lb_dm_info info;
	int rc = lb_dm_info(name, &info, err);
	if (rc)
		return rc;
	if (!info.exists)
		return LB_OK;
	struct dm_task *t = task_new(DM_DEVICE_REMOVE, name);
	if (!t)
		return dm_failed(err, name, "remove", NULL);
	/* A just-closed device may be briefly held (e.g. by blkid caches). */
	dm_task_retry_remove(t);
	if (!dm_task_run(t))
		return dm_failed(err, name, "remove", t);
	dm_task_update_nodes();
	dm_task_destroy(t);
	return LB_OK;
}

int lb_dm_message(const char *name, uint64_t sector, const char *message, struct lb_err *err)
{
	struct dm_task *t = task_new(DM_DEVICE_TARGET_MSG, name);
	if (!t)
		return dm_failed(err, name, "message", NULL);
	if (!dm_task_set_sector(t, sector) || !dm_task_set_message(t, message))
		return dm_failed(err, name, "message", t);
	if (!dm_task_run(t)) {
		char what[300];
		snprintf(what, sizeof(what), "message '%s'", message);
		return dm_failed(err, name, what, t);
	}
	dm_task_destroy(t);
	return LB_OK;
}

int lb_dm_get_table(const char *name, bool status, struct lb_dm_target **out, size_t *n,
		    struct lb_err *err)
{
	*out = NULL;
	*n = 0;
	const char *what = status ? "status" : "table";
	struct dm_task *t = task_new(status ? DM_DEVICE_STATUS : DM_DEVICE_TABLE, name);
	if (!t)
		return dm_failed(err, name, what, NULL);
	if (!dm_task_run(t))
		return dm_failed(err, name, what, t);
	void *next = NULL;
	size_t cap = 0;
	do {
		uint64_t start, length;
		char *type = NULL, *params = NULL;
		next = dm_get_next_target(t, next, &start, &length, &type, &params);
		if (!type)
			break;
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			struct lb_dm_target *grown = realloc(*out, cap * sizeof(**out));
			if (!grown) {
				free(*out);
				*out = NULL;
				dm_task_destroy(t);
				return lb_fail(err, LB_EFAIL, "%s: %s: out of memory", name, what);
			}
			*out = grown;
		}
		struct lb_dm_target *tg = &(*out)[(*n)++];
		tg->start_sector = start;
		tg->len_sectors = length;
		snprintf(tg->type, sizeof(tg->type), "%s", type);
		snprintf(tg->params, sizeof(tg->params), "%s", params ? params : "");
	} while (next);
	dm_task_destroy(t);
	return LB_OK;
}

int lb_dm_suspend(const char *name, bool nolockfs, struct lb_err *err)
{
	struct dm_task *t = task_new(DM_DEVICE_SUSPEND, name);
	if (!t)
		return dm_failed(err, name, "suspend", NULL);
	if (nolockfs && !dm_task_skip_lockfs(t))
		return dm_failed(err, name, "suspend", t);
	if (!dm_task_run(t))
		return dm_failed(err, name, "suspend", t);
	dm_task_destroy(t);
	return LB_OK;
}

int lb_dm_resume(const char *name, struct lb_err *err)
{
	struct dm_task *t = task_new(DM_DEVICE_RESUME, name);
	if (!t)
		return dm_failed(err, name, "resume", NULL);
	if (!dm_task_run(t))
		return dm_failed(err, name, "resume", t);
	dm_task_update_nodes();
	dm_task_destroy(t);
	return LB_OK;
}

int lb_dm_reload(const char *name, bool read_only, const struct lb_dm_target *targets,
		 size_t n_targets, struct lb_err *err)
{
	struct dm_task *t = task_new(DM_DEVICE_RELOAD, name);
	if (!t)
		return dm_failed(err, name, "reload", NULL);
	if ((read_only && !dm_task_set_ro(t)) || !add_targets(t, targets, n_targets))
		return dm_failed(err, name, "reload", t);
	if (!dm_task_run(t))
		return dm_failed(err, name, "reload", t);
	dm_task_destroy(t);
	return LB_OK;
}

int lb_dm_list(lb_dm_name_fn fn, void *ctx, struct lb_err *err)
{
	struct dm_task *t = task_new(DM_DEVICE_LIST, NULL);
	if (!t)
		return dm_failed(err, "device-mapper", "list", NULL);
	if (!dm_task_run(t))
		return dm_failed(err, "device-mapper", "list", t);
	struct dm_names *names = dm_task_get_names(t);
	int rc = 0;
	if (names && names->dev) {
		for (;;) {
			rc = fn(ctx, names->name, major(names->dev), minor(names->dev));
			if (rc || !names->next)
				break;
			names = (struct dm_names *)((char *)names + names->next);
		}
	}
	dm_task_destroy(t);
	return rc;
}
