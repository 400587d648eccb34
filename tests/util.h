/* util.h — helpers shared by the Criterion tests. */
#ifndef PL_TESTS_UTIL_H
#define PL_TESTS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode fixture hex (whitespace and '|' ignored) into out; aborts the test on bad hex. */
size_t tu_hex(const char *hex, uint8_t *out, size_t cap);

/* Path of a file under the source tree (tests run from the repository root; the
 * environment variable PINGLAB_SRC overrides). Returns one of 8 rotating static
 * buffers, so up to 8 results can be used at once. */
const char *tu_src(const char *rel);

/* Path of a built program: $PINGLAB_BUILD/name (make test sets it), else build/name.
 * One of 4 rotating static buffers. */
const char *tu_bin(const char *name);

/* Read a whole file into a malloc'd NUL-terminated buffer; NULL if it cannot. */
char *tu_slurp(const char *path, size_t *len);

/* Is this line of packets.jsonl a packet's record (not "unmatched" or "stopped")? */
bool tu_packet_line(const char *line);

struct tu_pair {
	uint8_t req[256], rep[256];
	size_t req_len, rep_len;
};

/* Load the request/reply pairs of tests/fixtures/kernel-echo.txt; returns the count. */
size_t tu_kernel_pairs(struct tu_pair *pairs, size_t max);

#endif
