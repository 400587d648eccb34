/* table.h — the dated model table (model/models-YYYY-MM.tsv): for each model id or
 * prefix, what its API accepts and what it costs.
 *
 * One row a model (or a family, by fnmatch(3) pattern; first match wins), tab-separated:
 *
 *   pattern  api  temperature  max_field  thinking  min_cache  input  output  cache_read  cache_write
 *
 *   api          anthropic | openai | any
 *   temperature  yes      takes temperature (pinglab sends 0 unless told otherwise)
 *                no       refuses the parameter whatever its value
 *                default  accepts only its default (1): pinglab sends none
 *   max_field    max_tokens | max_completion_tokens: which field limits the answer
 *   thinking     none     does not think
 *                budget   Anthropic extended thinking, asked for with thinking.budget_tokens
 *                effort   an OpenAI reasoning model: always reasons, reasoning_effort steers it
 *   min_cache    the minimum cacheable prompt in tokens (0: the model caches nothing;
 *                "-": unknown)
 *   prices       USD per million tokens, "-" unknown (a cost is then unknown, never a guess)
 *
 * "# as_of: DATE" names the table's date. Both the responder (building requests) and the
 * simulated model (refusing what the real service refuses) read the same file; the
 * reports and the --max-cost guard price tokens from it. */
#ifndef PL_MODEL_TABLE_H
#define PL_MODEL_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "record/record.h" /* the token kinds, PL_TOK_* */


enum pl_mt_api { PL_MT_API_ANY = 0, PL_MT_API_ANTHROPIC, PL_MT_API_OPENAI };
enum pl_mt_temp { PL_MT_TEMP_YES = 0, PL_MT_TEMP_NO, PL_MT_TEMP_DEFAULT };
enum pl_mt_max { PL_MT_MAX_TOKENS = 0, PL_MT_MAX_COMPLETION_TOKENS };
enum pl_mt_think { PL_MT_THINK_NONE = 0, PL_MT_THINK_BUDGET, PL_MT_THINK_EFFORT };

struct pl_mrow {
	char pattern[96];
	enum pl_mt_api api;
	enum pl_mt_temp temperature;
	enum pl_mt_max max_field;
	enum pl_mt_think thinking;
	long min_cache;                     /* tokens; 0 none; < 0 unknown */
	double usd_per_mtok[PL_TOK__COUNT]; /* < 0: unknown */
	unsigned line;                      /* in the table file */
};

struct pl_mtab {
	char as_of[32];      /* "" when the file does not say */
	char file[256];      /* base name of the table */
	struct pl_mrow *v;
	size_t n;
};

/* Load a table; a bad line is an error naming file:line and the field. */
int pl_mtab_load(const char *path, struct pl_mtab *t, struct pl_err *err);
void pl_mtab_free(struct pl_mtab *t);

/* --price IN,OUT: a row "*" that prices every model at IN per million input tokens
 * (cache reads and writes too: an upper bound) and OUT per million output tokens. */
void pl_mrow_flat(struct pl_mrow *r, double in, double out);
/* ... put first in t, so it prices every model of the table. */
int pl_mtab_price_all(struct pl_mtab *t, double in, double out, struct pl_err *err);

/* The row for model, or NULL. */
const struct pl_mrow *pl_mtab_find(const struct pl_mtab *t, const char *model);

/* Cost in USD of tok[PL_TOK__COUNT] tokens; false when a needed price is unknown. */
bool pl_mrow_cost(const struct pl_mrow *r, const double tok[PL_TOK__COUNT], double *usd);

/* Names of the enum values as the table spells them. */
const char *pl_mt_api_name(enum pl_mt_api a);
const char *pl_mt_temp_name(enum pl_mt_temp t);
const char *pl_mt_max_name(enum pl_mt_max m);
const char *pl_mt_think_name(enum pl_mt_think t);

/* The newest model/models-*.tsv under DIR for DIR in: bindir/.., bindir/../..,
 * bindir/../../.., the current directory ($PINGLAB_MODELS overrides). 0, or -ENOENT. */
int pl_mtab_locate(const char *bindir, char *out, size_t n);

#endif
