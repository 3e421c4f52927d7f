/* Internal to lib/rescue: undoing journal entries, shared by teardown and by
 * a mount's rollback of what it created itself. */
#ifndef LIFEBOAT_RESCUE_UNDO_H
#define LIFEBOAT_RESCUE_UNDO_H

#include "rescue/session.h"
#include "rescue/trust.h"

#include <stddef.h>

/* The pool's journal, LB_POOLS_DIR/<name>; LB_EINTEGRITY if name is not one
 * plain device-mapper name (it may come from daemon.json). */
int lb_rescue_pool_journal_path(const char *pool, char *out, size_t len, struct lb_err *err);

/* Undoes entries [from, n) of the journal at `path` in reverse order. Each
 * entry is vetted first (rescue/trust.h) and checked against what is there
 * now; one that fails is reported through say (LB_SAY_WARN, naming the
 * journal and line) and counted in *skipped, and the rest go on. Returns the
 * first hard failure (busy mount, failed ioctl). */
int lb_rescue_undo(const struct lb_journal_entry *e, size_t from, size_t n,
		   const struct lb_journal_scope *scope, const char *path, const struct lb_say *say,
		   unsigned *skipped, struct lb_err *err);

#endif
