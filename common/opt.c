/* opt.c — see opt.h. */
#include "common/opt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool pl_opt_ulong(const char *prog, const char *name, const char *s, unsigned long min, unsigned long max,
		  unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	/* strtoul accepts " -1" as a huge number: digits only */
	if (!isdigit((unsigned char)s[0]) || *end || errno || v < min || v > max) {
		fprintf(stderr, "%s: --%s wants a whole number %lu..%lu, got '%s'\n", prog, name, min, max, s);
		return false;
	}
	*out = v;
	return true;
}

bool pl_opt_usd(const char *prog, const char *name, const char *s, double *out)
{
	char *end;
	double v;

	/* plain decimals only: strtod would also take " 1", "1e3", "0x1p-3", "inf" */
	const char *dot = strchr(s, '.');

	errno = 0;
	v = strtod(s, &end);
	if (!s[0] || strspn(s, "0123456789.") != strlen(s) || (dot && strchr(dot + 1, '.')) || *end || errno ||
	    !(v > 0) || v > 1e6) {
		fprintf(stderr, "%s: --%s wants US dollars above 0, e.g. 0.50, got '%s'\n", prog, name, s);
		return false;
	}
	*out = v;
	return true;
}

bool pl_opt_uint(const char *prog, const char *name, const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v;

	if (!pl_opt_ulong(prog, name, s, min, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}
