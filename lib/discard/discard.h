/* Pure: what lifeboat knows about discards on dm-thin pools (the
 * dm-btree-remove.c crash). Thin-pool table params parsed and re-emitted with
 * only the feature list changed, the discard field of a pool's status line,
 * the kernels the crash is known on, "discard" among a filesystem's mount
 * options, LVM's dm names, and the daemon.json edit that keeps Docker from
 * issuing discards. No ioctls, no files: see apply.h for the device side. */
#ifndef LIFEBOAT_DISCARD_H
#define LIFEBOAT_DISCARD_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A pool's discard handling, as the thin-pool target has it:
 * passdown: the pool unmaps discarded blocks and passes discards on to the
 * data device; nopassdown: it unmaps them and passes nothing on; ignore: it
 * ignores discards altogether (no unmapping, so no btree removal). */
enum lb_discard_mode { LB_DISCARD_PASSDOWN, LB_DISCARD_NOPASSDOWN, LB_DISCARD_IGNORE };

/* "passdown", "nopassdown", "ignore" (lvchange --discards spells them so). */
const char *lb_discard_mode_name(enum lb_discard_mode mode);

#define LB_POOL_MAX_FEATURES 16

/* A thin-pool target's params: "<metadata dev> <data dev> <data block size>
 * <low water mark> [<feature count> <feature>...]". `head` is the text up to
 * and including the low water mark, byte for byte; features are kept in their
 * order, unknown ones too. */
struct lb_pool_params {
	char head[512];
	char metadata_dev[64], data_dev[64];
	uint64_t block_size_sectors;
	uint64_t low_water_blocks;
	size_t n_features;
	char features[LB_POOL_MAX_FEATURES][64];
};

/* Parses params; LB_EINTEGRITY naming what is wrong. */
int lb_pool_params_parse(const char *params, struct lb_pool_params *out, struct lb_err *err);

bool lb_pool_params_has(const struct lb_pool_params *p, const char *feature);

/* The mode the table asks for (ignore_discard wins over no_discard_passdown). */
enum lb_discard_mode lb_pool_params_discard(const struct lb_pool_params *p);

/* Adds `feature` at the end of the list if it is not there. */
int lb_pool_params_add(struct lb_pool_params *p, const char *feature, struct lb_err *err);

/* Re-emits params: `head` unchanged, then the feature count and features. */
int lb_pool_params_format(const struct lb_pool_params *p, char *out, size_t cap,
			  struct lb_err *err);

/* The discard field of a thin-pool status line, as dm-thin's pool_status
 * prints it after the pool mode: ignore_discard, discard_passdown or
 * no_discard_passdown. A failed pool ("Fail") or a line without the field is
 * LB_EINTEGRITY. `mode_word` (may be NULL, 32 bytes) receives "rw", "ro" or
 * "out_of_data_space". */
int lb_pool_status_discard(const char *status, enum lb_discard_mode *out, char *mode_word,
			   struct lb_err *err);

/* Whether a kernel release (uname -r) is in the range where the
 * dm-btree-remove.c BUG on discards is known, and what that is based on. */
struct lb_kernel_risk {
	bool affected;
	const char *basis; /* one sentence, static */
};
void lb_kernel_discard_risk(const char *release, struct lb_kernel_risk *out);

/* Whether a comma-separated option list has the option `discard` itself
 * (not "nodiscard", not "discard=async" of btrfs, which counts as discard too). */
bool lb_mount_opts_have_discard(const char *opts);

/* LVM names its dm devices "<vg>-<lv>[-<layer>]" with every '-' inside a name
 * doubled; a thin pool's target device is "<vg>-<pool>-tpool". Fills "vg/lv"
 * (the layer dropped) and returns true if `dm_name` is one such name. */
bool lb_lvm_lv_of_dm_name(const char *dm_name, char *out, size_t cap);

/* The daemon.json edit for --persist: in the "storage-opts" list,
 * dm.blkdiscard=false replaces every dm.blkdiscard entry (or is added), and
 * the dm.mountopt entries become one with their options merged, "discard"
 * dropped and "nodiscard" added. Every other key, value and their order stay.
 * `text` may be empty (a missing file): the result is a new object. Bad JSON,
 * a top level that is not an object, duplicate keys or a "storage-opts" that
 * is not a list of strings are LB_EINTEGRITY naming `origin`. *out is
 * malloc'd (NUL-terminated, ends in a newline); *changed says whether it
 * differs in meaning from the input. */
int lb_daemon_json_discard_off(const char *text, size_t len, const char *origin, char **out,
			       bool *changed, struct lb_err *err);

#endif
