/* report_fixture.h — a synthetic run directory with values known by hand, for the report
 * tests (no root, no lab). See tests/report_fixture.c for exactly what it holds. */
#ifndef PL_TESTS_REPORT_FIXTURE_H
#define PL_TESTS_REPORT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

struct rf_opts {
	const char *model;      /* model id the responder log reports ("claude-haiku-4-5") */
	bool partial;           /* no "ended", a half-written last line */
	bool kernel_fails_bad;  /* kernel answers malformed/bad (a false-reply) */
	bool model_fixed;       /* the model passes valid/many packet 1 */
	const char *model_target; /* the model target's name (default "mock:sim-test") */
};

/* Make a fresh temp directory holding run.json, packets.jsonl, responder-*.jsonl. The
 * path is written to dir (>= 64 bytes). */
void rf_make(char *dir, const struct rf_opts *o);

/* A repeat fixture: target "mock:rep" only, repeat 4; scenario valid/a passes trials 0
 * and 2, valid/b passes all four. */
void rf_make_repeat(char *dir);

/* rm -r dir (only what rf_make wrote plus report outputs). */
void rf_remove(const char *dir);

/* Path of the repository's price table. */
const char *rf_prices(void);

/* Run argv (PATH searched) with stdout to out_path (NULL: /dev/null), stderr to
 * err_path (NULL: /dev/null); returns the exit status (128 + signal if killed). */
int rf_run(const char *const argv[], const char *out_path, const char *err_path);

/* Read a file into a NUL-terminated malloc'd buffer (test aborts if missing). */
char *rf_read(const char *dir, const char *name);

/* Count non-overlapping occurrences of needle in hay. */
size_t rf_count(const char *hay, const char *needle);

#endif
