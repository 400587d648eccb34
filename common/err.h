/* err.h — error messages for libraries that never print.
 *
 * Library functions return 0 on success or a negative errno-style code, and write a
 * human-readable message into a struct pl_err the caller owns (as libnl's nl_geterror
 * and sds/anet do). Only the top of a command prints it. Any err pointer may be NULL.
 */
#ifndef PL_ERR_H
#define PL_ERR_H

#include <stddef.h>

struct pl_err {
	char msg[512];
};

/* Set err->msg from a printf format; returns code unchanged so callers can
 * `return pl_errf(err, -EINVAL, "...")`. */
int pl_errf(struct pl_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "prefix: " to an existing message (used to add file:line or a step name). */
int pl_err_prefix(struct pl_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void pl_err_clear(struct pl_err *err);

#endif
