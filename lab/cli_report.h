/* cli_report.h — shared by `pinglab report` and `pinglab compare` (lab/cmd_report.c). */
#ifndef PL_LAB_CLI_REPORT_H
#define PL_LAB_CLI_REPORT_H

#include <stddef.h>

/* The price table to use: given (--prices) if set, else the newest model/models-*.tsv
 * near the pinglab binary (or $PINGLAB_MODELS); NULL when there is none (costs unknown). */
const char *cli_prices(const char *given, char *buf, size_t n);

#endif
