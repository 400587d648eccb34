/* opt.h — command-line numbers checked, not guessed: "--concurrency abc" is an error
 * naming the option and the range, never a silent 0. */
#ifndef PL_OPT_H
#define PL_OPT_H

#include <stdbool.h>
#include <stddef.h>

/* Parse s as a whole number in [min, max] into *out. On failure prints
 * "prog: --name wants a whole number min..max, got 's'" to stderr and returns false. */
bool pl_opt_ulong(const char *prog, const char *name, const char *s, unsigned long min, unsigned long max,
		  unsigned long *out);

/* The same for an unsigned int. */
bool pl_opt_uint(const char *prog, const char *name, const char *s, unsigned min, unsigned max, unsigned *out);

/* An amount of US dollars above 0 and at most 1,000,000 ("0.50"; no NaN, no sign, no
 * trailing text). On failure prints "prog: --name wants US dollars above 0, e.g. 0.50,
 * got 's'" and returns false. */
bool pl_opt_usd(const char *prog, const char *name, const char *s, double *out);

/* s[0..n) as a plain decimal (digits and at most one dot) in [0, max], silently: strtod
 * would also take " 1", "1e3", "0x1p-3", "inf" and "nan". */
bool pl_opt_decimal(const char *s, size_t n, double max, double *out);

/* A sampling temperature: "none" (-1: not sent) or a plain decimal 0..2 (OpenAI's range;
 * Anthropic's is 0..1, which the API itself enforces). On failure prints
 * "prog: --temperature wants none or a number 0..2, got 's'" and returns false. */
bool pl_opt_temperature(const char *prog, const char *s, double *out);

/* An OpenAI reasoning effort: minimal, low, medium or high. */
bool pl_opt_effort(const char *prog, const char *s);

/* Two prices "IN,OUT" in USD per million tokens (plain decimals, 0 allowed). */
bool pl_opt_price(const char *prog, const char *s, double *in, double *out);

#endif
