/* field.h — the one table of packet fields.
 *
 * Every field a scenario can set, match or override, and every field a diff compares, is
 * one row: its name in the scenario language, its long name (what diffs print, also
 * accepted when parsing where marked), the header it lives in, where (byte offset, bit
 * shift and width within a 1-, 2- or 4-byte big-endian word, a scale), how its values
 * are written, the syntax a `send` line takes for it, and how a diff treats it at the
 * exact and at the RFC level. Parsing a send field, building it, reading it for `match`,
 * editing it in an expected reply, printing it and diffing it all come from this row
 * (as libnl derives compare and dump from one attribute list): a new field is a line.
 */
#ifndef PL_FIELD_H
#define PL_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet/proto.h"

/* Every field, in table order. Header fields first, by header; then the parts of a
 * packet that are not one header's field (bytes, framing). */
enum pl_field {
	F_IP_VERSION, F_IP_IHL, F_IP_TOS, F_IP_LEN, F_IP_ID, F_IP_FLAGS, F_IP_DF, F_IP_MF,
	F_IP_RF, F_IP_FRAG, F_IP_TTL, F_IP_PROTO, F_IP_CSUM, F_IP_SRC, F_IP_DST, F_IP_OPT,
	F_ICMP_TYPE, F_ICMP_CODE, F_ICMP_CSUM, F_ICMP_ID, F_ICMP_SEQ, F_ICMP_REST,
	F_UDP_SPORT, F_UDP_DPORT, F_UDP_LEN, F_UDP_CSUM,
	F_TCP_SPORT, F_TCP_DPORT, F_TCP_SEQ, F_TCP_ACK, F_TCP_DOFF, F_TCP_FLAGS, F_TCP_WIN, F_TCP_CSUM,
	F_PAYLOAD, F_L4, F_HEX, F_TRUNCATE, F_APPEND, F_ETHERTYPE,
	F__COUNT
};

/* How a send line writes the value (the scenario parser's syntax per field). */
enum pl_fsyntax {
	FK_NUM,      /* number up to max */
	FK_LEN,      /* auto | number */
	FK_CSUM,     /* auto | bad | bad:+N | number */
	FK_ADDR,
	FK_IPFLAGS,  /* DF|MF|RF | none | number */
	FK_BOOL,
	FK_FRAG,     /* bytes, multiple of 8 */
	FK_PROTO,
	FK_ICMPTYPE,
	FK_TCPFLAGS,
	FK_BYTES,    /* pattern:/text:/random:/hex:/zero: */
	FK_OPT,      /* rr:N ts:N ra nop eol hex: */
	FK_HEX,      /* plain hex */
};

/* How a value is printed: in the scenario language (fmt) and in a diff (dfmt). */
enum pl_ffmt {
	PF_DEC,      /* 64 */
	PF_HEX2,     /* 0x14 */
	PF_HEX4,     /* 0x1234 */
	PF_HEX8,     /* 0x16000000 */
	PF_ADDR,     /* 10.77.1.2 */
	PF_IPFLAGS,  /* DF,MF / none (diffs) */
};

/* How a diff compares the field at each level (exp: the expected reply). */
enum pl_fdiff {
	PD_NONE = 0,     /* not compared field by field (covered by another row, or bytes) */
	PD_EQUAL,        /* must be equal */
	PD_EXACT_ONLY,   /* equal at the exact level; free at the RFC level */
	PD_CSUM,         /* equal (exact); valid for the bytes sent (RFC) */
	PD_TOTAL_LEN,    /* equal (exact); equal but for the header length (RFC: options free) */
	PD_FLAGS,        /* equal (exact); RF and MF clear (RFC: DF free) */
	PD_NONZERO,      /* equal (exact); above 0 (RFC: TTL) */
	PD_ZERO_OR_EQUAL,/* equal (exact); 0 or equal (RFC: the echo reply's code) */
};

/* how a field of an ICMP error's quoted datagram is named: icmp.quoted.ip.ttl */
#define PL_QUOTED_PREFIX "icmp.quoted."

#define PL_FF_ALIAS 0x1  /* the long name is accepted when parsing, too */

struct pl_fdesc {
	const char *name;        /* scenario language: "ip.len" */
	const char *long_name;   /* diffs: "ip.total_length" (NULL: name) */
	enum pl_hdr_type hdr;    /* PL_HDR_NONE: not a header field */
	uint8_t off, width;      /* a width-byte big-endian word at off (1, 2 or 4) */
	uint8_t shift, bits;     /* the field is (word >> shift) & (2^bits - 1) */
	uint8_t scale;           /* its value is the bits times scale (ip.frag: 8) */
	enum pl_ffmt fmt, dfmt;
	enum pl_fsyntax syntax;
	uint32_t max;            /* the largest value a send line may give */
	enum pl_fdiff diff;
	unsigned flags;          /* PL_FF_* */
};

const struct pl_fdesc *pl_fdesc(enum pl_field f);
const char *pl_field_name(enum pl_field f);
/* The field whose name (or accepted long name) is name, or -1. */
int pl_field_by_name(const char *name);

/* v as the scenario language writes it for field f: 10.77.1.2, 0x14, 0x16000000, 64 */
int pl_field_value_str(enum pl_field f, uint32_t v, char *out, size_t n);

/* Read field f of the decoded packet hs (quoted: from the ICMP error's quoted
 * datagram); false when the packet has no such header or the bytes are not there. */
bool pl_field_get(const struct pl_hdrs *hs, enum pl_field f, bool quoted, uint32_t *v);
/* Write it into buf, the bytes hs was decoded from (other bits of the word kept). */
bool pl_field_set(uint8_t *buf, const struct pl_hdrs *hs, enum pl_field f, bool quoted, uint32_t v);

/* Field f of the header at hdr, by the table (value scaled); no bounds check. */
uint32_t pl_field_read(const uint8_t *hdr, enum pl_field f);
void pl_field_write(uint8_t *hdr, enum pl_field f, uint32_t v);

/* The raw bits of a field in a header at p (no bounds check: p + off + width inside). */
uint32_t pl_field_raw(const struct pl_fdesc *d, const uint8_t *p);
void pl_field_put_raw(const struct pl_fdesc *d, uint8_t *p, uint32_t raw);

#endif
