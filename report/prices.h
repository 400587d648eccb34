/* prices.h — the dated price table (report/prices-YYYY-MM.tsv): USD per million tokens.
 *
 * Lines: "pattern<TAB>input<TAB>output<TAB>cache_read<TAB>cache_write", '#' comments,
 * "# as_of: DATE" names the table's date. Patterns are fnmatch(3) globs, first match wins;
 * "-" is an unknown price. A model that matches no line, or a line with an unknown
 * price it would need, has an unknown cost: never a guess. */
#ifndef PL_REPORT_PRICES_H
#define PL_REPORT_PRICES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

enum { PL_TOK_INPUT, PL_TOK_OUTPUT, PL_TOK_CACHE_READ, PL_TOK_CACHE_WRITE, PL_TOK__COUNT };

struct pl_price {
	char pattern[96];
	double usd_per_mtok[PL_TOK__COUNT]; /* < 0: unknown */
};

struct pl_prices {
	char as_of[32];      /* "" when the file does not say */
	char file[256];      /* base name of the table */
	struct pl_price *v;
	size_t n;
};

int pl_prices_load(const char *path, struct pl_prices *p, struct pl_err *err);
void pl_prices_free(struct pl_prices *p);

/* The line for model, or NULL. */
const struct pl_price *pl_prices_find(const struct pl_prices *p, const char *model);

/* Cost in USD of tok[PL_TOK__COUNT] tokens; false when a needed price is unknown. */
bool pl_price_cost(const struct pl_price *pr, const double tok[PL_TOK__COUNT], double *usd);

/* The newest prices-*.tsv under DIR/report/ for DIR in: bindir/.., bindir/../.., bindir/../../..,
 * the current directory ($PINGLAB_PRICES overrides). 0, or -ENOENT. */
int pl_prices_locate(const char *bindir, char *out, size_t n);

#endif
