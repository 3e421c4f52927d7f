/* Errors carried as values: every fallible function returns 0 or one of the
 * documented exit codes, and fills a struct lb_err with a one-line message in
 * the shape "object: action: reason" (like losetup/curl). Nothing below the
 * CLI layer prints or exits. */
#ifndef LIFEBOAT_ERROR_H
#define LIFEBOAT_ERROR_H

#include <stdarg.h>

/* Exit codes: the contract every lifeboat command keeps (see README). */
enum lb_exit {
	LB_OK = 0,
	LB_EFAIL = 1,      /* failed */
	LB_EUSAGE = 2,     /* usage error, or a verb that does not exist */
	LB_ENOTFOUND = 3,  /* container, device or file not found */
	LB_EUNSAFE = 4,    /* refused: would write, or conflicts with something in use */
	LB_EINTEGRITY = 5, /* bad checksum, corrupt or inconsistent metadata */
	LB_EFINDINGS = 6,  /* doctor found problems */
};

struct lb_err {
	int code;
	char msg[1024];
};

/* Sets err (if not NULL) and returns code, so callers write
 * `return lb_fail(err, LB_ENOTFOUND, "%s: no such container", name);` */
int lb_fail(struct lb_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like lb_fail, appending ": strerror(errnum)". */
int lb_fail_errno(struct lb_err *err, int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prefixes an existing message with more context: "ctx: old message". */
int lb_err_wrap(struct lb_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Maps an errno from open/stat to the exit code that fits it. */
int lb_exit_for_errno(int errnum);

#endif
