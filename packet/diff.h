/* diff.h — field-level comparison of an expected and an actual packet.
 *
 * Each difference is one line "field: expected X, got Y", with packetdrill's field
 * names in pinglab spelling: ip.ttl, ip.checksum, icmp.seq, icmp.payload, ...
 */
#ifndef PL_DIFF_H
#define PL_DIFF_H

#include <stddef.h>
#include <stdint.h>

enum pl_strict {
	/* every field as the rules in prompts/ say (reference reply byte for byte) */
	PL_STRICT_EXACT = 0,
	/* any reply an RFC 792/1122 stack may send: IP id, TOS, DF, TTL (> 0) and IP options
	 * are free, ICMP code may be 0 or copied, checksums must be valid rather than equal */
	PL_STRICT_RFC = 1,
};

#define PL_DIFF_MAX_LINES 24

struct pl_diff {
	size_t count;          /* differences found (may exceed the lines kept) */
	char lines[PL_DIFF_MAX_LINES][160];
};

/* Compare got against exp; returns the number of differences (0 = equal). exp must be a
 * well-formed packet (a reference reply); got may be anything. */
size_t pl_diff(const uint8_t *exp, size_t exp_len, const uint8_t *got, size_t got_len,
	       enum pl_strict strict, struct pl_diff *d);

/* Lines joined with "; " into out. */
void pl_diff_join(const struct pl_diff *d, char *out, size_t outsz);

#endif
