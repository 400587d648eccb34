/* report.h — render a run directory (reports/<run-id>/) into the report files:
 * report.json, report.md, report.html, junit.xml and packets.pcapng.
 *
 * Everything is re-read from the run directory (run.json, packets.jsonl, responder-*.jsonl),
 * so a report can be rendered again at any time, also from a killed run's partial
 * directory. Files are written to NAME.tmp and renamed, so a reader never sees half a file.
 * See report/README.md for the files, the schema and the estimators. */
#ifndef PL_REPORT_H
#define PL_REPORT_H

#include <stdio.h>

#include "common/err.h"

#define PL_REPORT_JSON   1u
#define PL_REPORT_MD     2u
#define PL_REPORT_HTML   4u
#define PL_REPORT_JUNIT  8u
#define PL_REPORT_PCAPNG 16u
#define PL_REPORT_ALL    31u

/* "json", "md", "html", "junit", "pcapng", "all", or a comma-separated list. */
int pl_report_parse_formats(const char *s, unsigned *formats, struct pl_err *err);

/* Render run_dir's reports in formats; prices is a price table (NULL: costs unknown). */
int pl_report_render(const char *run_dir, unsigned formats, const char *prices, struct pl_err *err);

/* What `pinglab run` calls at the end of a run: every format, the newest price table found
 * next to bindir (see pl_mtab_locate); with two or more targets and leaderboard not NULL,
 * the leaderboard and the paired comparison as plain text there too. */
int pl_report_run_dir(const char *run_dir, const char *bindir, FILE *leaderboard, struct pl_err *err);

/* pinglab compare: write a comparison of two run directories to out. Returns 1 when a
 * scenario x target went from pass to fail (a regression), 0 otherwise, < 0 on error. */
int pl_report_compare(const char *run_a, const char *run_b, const char *prices, FILE *out, struct pl_err *err);

#endif
