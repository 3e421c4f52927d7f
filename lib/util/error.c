#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void vset(struct lb_err *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void vset(struct lb_err *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int lb_fail(struct lb_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int lb_fail_errno(struct lb_err *err, int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	if (err) {
		size_t used = strlen(err->msg);
		snprintf(err->msg + used, sizeof(err->msg) - used, ": %s", strerror(errnum));
	}
	return code;
}

int lb_err_wrap(struct lb_err *err, const char *fmt, ...)
{
	if (!err)
		return LB_EFAIL;
	char prefix[512], old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncating a long message is fine; the checked return keeps gcc quiet. */
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old) < 0)
		err->msg[0] = '\0';
	return err->code;
}

int lb_exit_for_errno(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ENOTDIR:
		return LB_ENOTFOUND;
	case EBUSY:
	case EROFS:
	case EACCES:
	case EPERM:
		return LB_EUNSAFE;
	default:
		return LB_EFAIL;
	}
}
