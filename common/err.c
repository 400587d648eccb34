#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pl_errf(struct pl_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int pl_err_prefix(struct pl_err *err, int code, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	size_t used;
	va_list ap;

	if (!err)
		return code;
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	used = strlen(err->msg);
	/* Append ": old" with whatever room is left; truncation keeps the front. */
	if (used + 2 < sizeof(err->msg)) {
		memcpy(err->msg + used, ": ", 3);
		used += 2;
		strncat(err->msg, old, sizeof(err->msg) - used - 1);
	}
	return code;
}

void pl_err_clear(struct pl_err *err)
{
	if (err)
		err->msg[0] = '\0';
}
