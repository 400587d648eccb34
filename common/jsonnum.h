/* jsonnum.h — numbers into cJSON objects, fast.
 *
 * cJSON prints a number with %1.15g, reads it back with sscanf and may print it again
 * with %1.17g; for a log line per packet or a report of 100,000 packets that round trip
 * costs more than everything else. This adds the number as raw JSON instead: integers
 * as integers, other values with 3 decimals (microseconds to the nanosecond), NaN and
 * infinities as null.
 */
#ifndef PL_JSONNUM_H
#define PL_JSONNUM_H

#include <cjson/cJSON.h>
#include <stddef.h>

void pl_json_add_num(cJSON *o, const char *key, double v);

/* o's member k as a string / a number; NULL / dflt when absent or of another type. */
const char *pl_jstr(const cJSON *o, const char *k);
double pl_jnum(const cJSON *o, const char *k, double dflt);

/* The same text into buf (48 bytes are always enough); returns buf. */
char *pl_json_num(char *buf, size_t n, double v);

#endif
