/* Pure: which lines of lifeboat's own step journals teardown may act on.
 * The journals live in lifeboat's private directories, but they are still
 * input: a line that a bug, a hostile container name or a hand edit put
 * there must never make teardown remove a device, unmount a filesystem or
 * unlink a file that is not lifeboat's. A line passes only in the shape
 * lifeboat writes it: dm devices with the LIFEBOAT- uuid their name implies,
 * canonical paths, mount directories lifeboat made, copy-on-write files
 * named after the session's container. What the runtime checks add (the
 * device's real uuid, what is mounted there now, who owns the file) is in
 * rescue/session.c. */
#ifndef LIFEBOAT_RESCUE_TRUST_H
#define LIFEBOAT_RESCUE_TRUST_H

#include "session/journal.h"

#include <stdbool.h>
#include <stddef.h>

enum lb_journal_kind {
	LB_JOURNAL_SESSION, /* LB_SESSIONS_DIR/<container id> */
	LB_JOURNAL_POOL,    /* LB_POOLS_DIR/<pool's dm name> */
};

struct lb_journal_scope {
	enum lb_journal_kind kind;
	const char *name; /* the journal's file name: container id or pool name */
};

/* A device-mapper name lifeboat may use as a file name too: one plain path
 * component shorter than DM_NAME_LEN (so "../x" or "a/b" never are). */
bool lb_rescue_dm_name_ok(const char *name);

/* Whether entry i of e[0..n) may be acted on. 0 if so; else LB_EUNSAFE and
 * a phrase saying why in `why`. */
int lb_journal_vet(const struct lb_journal_entry *e, size_t n, size_t i,
		   const struct lb_journal_scope *scope, char *why, size_t cap);

#endif
