/* opt.c — see opt.h. */
#include "common/opt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A plain decimal (digits and at most one dot, something before or after it) in
 * [0, max]: strtod would also take " 1", "1e3", "0x1p-3", "inf" and "nan". */
bool pl_opt_decimal(const char *s, size_t n, double max, double *out)
{
	char buf[32], *end;
	const char *dot = memchr(s, '.', n);

	if (!n || n >= sizeof(buf) || strspn(s, "0123456789.") < n || (dot && memchr(dot + 1, '.', n - (size_t)(dot + 1 - s))) ||
	    (n == 1 && *s == '.'))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	return !*end && !errno && *out >= 0 && *out <= max;
}

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
	double v;

	if (!pl_opt_decimal(s, strlen(s), 1e6, &v) || !(v > 0)) {
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

bool pl_opt_temperature(const char *prog, const char *s, double *out)
{
	if (!strcmp(s, "none")) {
		*out = -1;
		return true;
	}
	if (pl_opt_decimal(s, strlen(s), 2, out))
		return true;
	fprintf(stderr, "%s: --temperature wants none or a number 0..2, got '%s'\n", prog, s);
	return false;
}

bool pl_opt_effort(const char *prog, const char *s)
{
	static const char *const ok[] = { "minimal", "low", "medium", "high" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(s, ok[i]))
			return true;
	fprintf(stderr, "%s: --reasoning-effort wants minimal, low, medium or high, got '%s'\n", prog, s);
	return false;
}

bool pl_opt_price(const char *prog, const char *s, double *in, double *out)
{
	const char *comma = strchr(s, ',');

	if (comma && pl_opt_decimal(s, (size_t)(comma - s), 1e6, in) && pl_opt_decimal(comma + 1, strlen(comma + 1), 1e6, out))
		return true;
	fprintf(stderr, "%s: --price wants IN,OUT in US dollars per million tokens, e.g. 1.00,5.00, got '%s'\n", prog, s);
	return false;
}
