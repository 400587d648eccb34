/* fparse.h — one scenario file parsed a scenario at a time (scenario/ internal).
 *
 * fp_next returns each scenario as soon as its last line is read, checked (unless
 * check is false); errors are "file:line: message" as pl_scn_load's. A parse error stops
 * the file at once; a scenario that fails its check is still returned, the first such
 * failure becomes the file's error at its end (so a parse error further down is the one
 * reported, as when files were parsed whole). */
#ifndef PL_SCN_FPARSE_H
#define PL_SCN_FPARSE_H

#include <stdio.h>

#include "scenario/scenario.h"

/* a logical line (continuations joined) longer than this is an error naming its line */
#define PL_SCN_LINE_MAX (1 << 20)
#define FP_MAX_TOKENS 64

/* Is category/name defined before this scenario (file, line)? Called at each scenario
 * line whose folder gives its category. Returns the file it is defined in, or NULL. */
typedef const char *(*fp_defined_fn)(void *ctx, const char *category, const char *name, const char *file,
				     int line, int *first_line);

struct fparse {
	const char *file;
	char category[16];      /* from the folder */
	enum pl_stack_id stack;
	bool check;             /* check each scenario (pass false to replay a checked file) */
	fp_defined_fn defined;
	void *ctx;
	/* the source: a stream or a buffer */
	FILE *f;
	const char *text;
	size_t len, pos;
	/* state */
	int line;
	char *buf;
	size_t cap;
	char *tok[FP_MAX_TOKENS];
	int ntok, tok_line;
	uint64_t line_hash;
	bool pending;           /* buf holds the next scenario's first line */
	bool have;              /* cur is being parsed */
	unsigned nscn;
	int check_rc;
	struct pl_err check_err;
	struct pl_scenario cur;
};

/* Read from f (not closed) or from text[0..len). */
void fp_init(struct fparse *fp, const char *file, FILE *f, const char *text, size_t len, enum pl_stack_id stack,
	     bool check);
/* 1: *s is the next scenario (fp's until the next call; the caller may move it out and
 * zero it), 0: the file ended well, < 0: its error. */
int fp_next(struct fparse *fp, struct pl_scenario **s, struct pl_err *err);
void fp_free(struct fparse *fp);

void pl_scn_free(struct pl_scenario *s);

#endif
