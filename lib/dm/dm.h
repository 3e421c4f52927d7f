/* The only place that talks to the kernel's device-mapper (through
 * libdevmapper). Devices are always referred to by name; tables refer to
 * other devices by "major:minor", so nothing depends on /dev/mapper nodes or
 * udev (a rescue host, or the test VM, may have neither). */
#ifndef LIFEBOAT_DM_H
#define LIFEBOAT_DM_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lb_dm_info {
	bool exists;
	uint32_t major, minor;
	bool suspended;
	bool read_only;
	int32_t open_count;
	uint32_t target_count;
	bool live_table;
	char uuid[129]; /* dm uuid; lifeboat's own devices start with LB_DM_UUID_PREFIX */
};

/* Every device lifeboat creates carries this uuid prefix, so teardown can
 * tell its own devices from anybody else's even without a journal. */
#define LB_DM_UUID_PREFIX "LIFEBOAT-"

/* One line of a table: "start len type params". */
struct lb_dm_target {
	uint64_t start_sector;
	uint64_t len_sectors;
	char type[32];
	char params[1024];
};

/* True if the kernel has device-mapper and we may use it (/dev/mapper/control
 * or the misc device exists and opens). Sets err to say why not. */
bool lb_dm_available(struct lb_err *err);

/* Fills info; info->exists is false (and 0 returned) if there is no such device. */
int lb_dm_info(const char *name, struct lb_dm_info *info, struct lb_err *err);

/* Creates and activates a device with the given table (one target line or
 * more). read_only makes the kernel open underlying devices read-only. */
int lb_dm_create(const char *name, const char *uuid, bool read_only,
		 const struct lb_dm_target *targets, size_t n_targets, struct lb_dm_info *out,
		 struct lb_err *err);

/* lb_dm_create at a given major:minor (tables that name it stay valid when
 * it is re-created); LB_DM_ANY_NUMBER lets the kernel choose. */
#define LB_DM_ANY_NUMBER UINT32_MAX
int lb_dm_create_at(const char *name, const char *uuid, bool read_only, uint32_t major,
		    uint32_t minor, const struct lb_dm_target *targets, size_t n_targets,
		    struct lb_dm_info *out, struct lb_err *err);

/* Removes (deactivates) a device. A device that is gone already is fine. */
int lb_dm_remove(const char *name, struct lb_err *err);

/* Sends a target message, e.g. to a thin pool: "create_thin 7". */
int lb_dm_message(const char *name, uint64_t sector, const char *message, struct lb_err *err);

/* Reads the live table (status=false) or status lines (status=true).
 * *out is malloc'd, *n set. */
int lb_dm_get_table(const char *name, bool status, struct lb_dm_target **out, size_t *n,
		    struct lb_err *err);

/* Suspend, load a new table into the inactive slot, resume (table reloads). */
int lb_dm_suspend(const char *name, bool nolockfs, struct lb_err *err);
int lb_dm_resume(const char *name, struct lb_err *err);
int lb_dm_reload(const char *name, bool read_only, const struct lb_dm_target *targets,
		 size_t n_targets, struct lb_err *err);

/* Every dm device name with its major:minor. fn returning non-zero stops. */
typedef int (*lb_dm_name_fn)(void *ctx, const char *name, uint32_t major, uint32_t minor);
int lb_dm_list(lb_dm_name_fn fn, void *ctx, struct lb_err *err);

#endif
