/* Retention with restic's `forget` rules (restic's "Removing snapshots
 * according to a policy"), applied to timestamps alone:
 *
 *  - Snapshots are ordered newest first (ties keep their input order).
 *  - Each rule is a bucket with a count: last (every snapshot is its own
 *    period), hourly, daily, weekly, monthly, yearly. Walking newest to
 *    oldest, a snapshot whose period differs from the last one the bucket
 *    kept is kept by that bucket, and the count goes down by one: so within
 *    a period the newest snapshot is kept, each kept snapshot uses one count,
 *    and a period with no snapshot uses none.
 *  - As restic does since 0.17, a bucket that still has count left when the
 *    walk reaches the oldest snapshot keeps it too, so the history kept is
 *    as long as the counts allow.
 *  - The rules are OR'ed: kept by any bucket is kept, with every bucket that
 *    kept it as a reason.
 *  - Count 0: the rule is off. Count LB_RETAIN_ALL (-1): no limit.
 *  - A policy with every rule off keeps everything (reason "empty policy").
 *
 * Periods are taken in UTC, always (restic uses each snapshot's own zone; a
 * host's zone change or DST must not move ours). A week is an ISO 8601 week
 * (Monday to Sunday; week 1 holds the year's first Thursday), so the last
 * days of December can be in week 1 of the next year, as in restic.
 *
 * Records are grouped (by container, for prune): each group gets the policy
 * on its own, as restic groups by host and paths. */
#ifndef LIFEBOAT_SNAPSHOT_RETENTION_H
#define LIFEBOAT_SNAPSHOT_RETENTION_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_RETAIN_ALL (-1)
/* Largest count accepted (more than a century of hourly snapshots). */
#define LB_RETAIN_MAX_COUNT 1000000

struct lb_retain_policy {
	int last, hourly, daily, weekly, monthly, yearly; /* 0 off, -1 all, else 1..MAX */
};

/* Why a record is kept: a bit per bucket. */
enum lb_retain_reason {
	LB_RETAIN_LAST = 1u << 0,
	LB_RETAIN_HOURLY = 1u << 1,
	LB_RETAIN_DAILY = 1u << 2,
	LB_RETAIN_WEEKLY = 1u << 3,
	LB_RETAIN_MONTHLY = 1u << 4,
	LB_RETAIN_YEARLY = 1u << 5,
	LB_RETAIN_EMPTY_POLICY = 1u << 6,
	/* With a bucket's bit: kept as the oldest snapshot while that bucket
	 * had count left, though its period already had a newer one (restic
	 * prints "oldest daily snapshot"). */
	LB_RETAIN_OLDEST = 1u << 7,
};

struct lb_retain_item {
	/* in */
	const char *name;     /* for messages only */
	const char *group;    /* items with equal groups are judged together; NULL = "" */
	int64_t created_unix;
	/* out */
	bool keep;
	unsigned reasons;     /* enum lb_retain_reason bits; 0 when removed */
};

/* Counts out of range: LB_EUSAGE naming the rule ("--keep-daily"). */
int lb_retain_policy_check(const struct lb_retain_policy *p, struct lb_err *err);
bool lb_retain_policy_empty(const struct lb_retain_policy *p);

/* Decides keep/remove for each of items[0..n) in place (their order is left
 * as it is). LB_EUSAGE for a bad policy; LB_EFAIL when out of memory. */
int lb_retain_apply(const struct lb_retain_policy *p, struct lb_retain_item *items, size_t n,
		    struct lb_err *err);

/* "last", "hourly", "daily", "weekly", "monthly", "yearly", "empty policy", "oldest". */
const char *lb_retain_reason_name(enum lb_retain_reason r);

/* The reasons as "daily,weekly" (in bucket order, "oldest" last) into buf; "" for none.
 * Returns buf; what does not fit is cut. */
char *lb_retain_reasons_format(unsigned reasons, char *buf, size_t cap);

/* The period keys the buckets compare, exposed for tests: YYYYMMDDHH,
 * YYYYMMDD, ISO YYYYWW, YYYYMM, YYYY of t in UTC. */
struct lb_retain_periods {
	int64_t hour, day, week, month, year;
};
void lb_retain_periods_of(int64_t t, struct lb_retain_periods *out);

#endif
