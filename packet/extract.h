/* extract.h — find the one reply packet (or a drop decision) in free-form model text.
 *
 * Models wrap hex in prose, code fences, "0x" prefixes, hexdump offsets, spaces and line
 * breaks. The extractor reads, in this order of precedence:
 *   1. marker lines, "REPLY: <hex>" or "REPLY: DROP" (what prompts/ asks for; markdown
 *      emphasis around the word is fine). The marker's content runs to the end of its
 *      paragraph. Markers with neither hex nor a drop word are ignored.
 *   2. otherwise the contents of ``` code fences, if they hold a candidate;
 *   3. otherwise the whole text.
 * A candidate packet is a run of at least 20 bytes of hex (the smallest IPv4 header);
 * shorter runs (a checksum quoted in prose) are not candidates. A run ends at a word that
 * is not hex, at a blank line, or at a hex word of odd length; a letters-only word such
 * as "be" or "cafe" directly after prose on the same line does not start a run.
 * Two different candidates are an error (ambiguous), never a guess; the same bytes twice
 * are one candidate. With no candidate, a drop phrase ("drop", "no reply", "will not
 * respond", "discard", "ignore", ...) means no reply; a candidate wins over a drop phrase
 * in free text, since the model wrote a packet.
 */
#ifndef PL_EXTRACT_H
#define PL_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum pl_extract_kind {
	PL_EXTRACT_PACKET = 1,
	PL_EXTRACT_DROP = 2,
};

struct pl_extract {
	enum pl_extract_kind kind;
	size_t len;            /* packet bytes written to out */
	const char *how;       /* "marker", "fence", "text" */
};

/* Returns 0 with res filled, -ENOENT when the text holds neither a packet nor a drop
 * decision, -EEXIST when it is ambiguous (two different packets, or a packet and an
 * explicit DROP marker), -E2BIG when the packet exceeds cap. err says which. */
int pl_extract(const char *text, size_t text_len, uint8_t *out, size_t cap,
	       struct pl_extract *res, struct pl_err *err);

#endif
