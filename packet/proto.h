/* proto.h — the header registry: one ops entry per protocol, and a packet as the list of
 * headers it holds.
 *
 * Like packetdrill's header_types[] and verifiers[]: IPv4, ICMP, UDP and TCP are each one
 * entry (parse its length, where its checksum is and how it is computed, how it reads in
 * one line); a packet decodes into a stack of headers with offsets, and everything else
 * (field reads and writes, diffs, checksum fills) walks that stack instead of knowing
 * byte offsets. An ICMP error's quoted datagram is more headers on the same stack, marked
 * quoted, so `icmp.quoted.ip.ttl` is the same field as `ip.ttl` one level down. IPv6 and
 * ICMPv6 slot in as two more entries.
 */
#ifndef PL_PROTO_H
#define PL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum pl_hdr_type {
	PL_HDR_IPV4 = 0,
	PL_HDR_ICMP,
	PL_HDR_UDP,
	PL_HDR_TCP,
	PL_HDR__COUNT,
	PL_HDR_NONE = PL_HDR__COUNT, /* a field that is not a header's (payload, hex, ...) */
};

/* One header of a decoded packet: bytes [off, off + len) of the buffer; the data it
 * covers (itself and what it carries) ends at end. A quoted header may be cut short:
 * len is then what the quote holds, less than full (a quoted TCP header is 8 bytes). */
struct pl_hdr {
	enum pl_hdr_type type;
	size_t off, len, full, end;
	bool quoted;           /* inside an ICMP error's quoted datagram */
};

#define PL_HDRS_MAX 6

struct pl_hdrs {
	const uint8_t *buf;
	size_t len;
	struct pl_hdr h[PL_HDRS_MAX];
	size_t n;
};

struct pl_proto {
	enum pl_hdr_type type;
	const char *name;      /* the field prefix: "ip", "icmp", "udp", "tcp" */
	uint8_t ipproto;       /* its IPv4 protocol number (0: IPv4 itself) */
	size_t min_len;        /* the fixed part of the header */
	/* The full header length of the header at p (avail bytes there, avail >= min_len
	 * except for a quote), or a negative code with a message naming the field. */
	int (*hdr_len)(const uint8_t *p, size_t avail, size_t *len, struct pl_err *err);
	int csum_at;           /* the checksum field's offset in the header, -1: none */
	/* The value the checksum field must hold for header i of hs (its own bytes, and
	 * for UDP/TCP the pseudo header of the IPv4 header before it), summed with the
	 * field itself taken as zero. UDP: 0 computes as 0xffff (RFC 768). */
	uint16_t (*csum)(const struct pl_hdrs *hs, size_t i);
};

const struct pl_proto *pl_proto(enum pl_hdr_type t);
/* The entry carried in IPv4 as protocol p, or NULL. */
const struct pl_proto *pl_proto_by_ipproto(uint8_t p);

/* Decode buf[0..len) into its headers: IPv4 (strictly, as pl_ipv4_parse: errors name the
 * field), then the transport header when the packet is not a fragment (ICMP) or is the
 * first fragment (UDP, TCP) and holds it whole, then, for an ICMP error (types 3, 4, 5,
 * 11, 12), the quoted IPv4 header and as much of its transport header as is quoted. */
int pl_hdrs_parse(const uint8_t *buf, size_t len, struct pl_hdrs *hs, struct pl_err *err);

/* The index of the first header of type t (quoted or not), or -1. */
int pl_hdrs_find(const struct pl_hdrs *hs, enum pl_hdr_type t, bool quoted);

/* The correct checksum of header i, or false when its protocol has none or the header
 * is cut short (a quote). */
bool pl_hdrs_csum(const struct pl_hdrs *hs, size_t i, uint16_t *correct);

/* Write header i's correct checksum into buf (the bytes hs was decoded from); false as
 * pl_hdrs_csum. */
bool pl_hdrs_fill_csum(uint8_t *buf, const struct pl_hdrs *hs, size_t i);

/* Is an ICMP message of this type an error that quotes the offending datagram? */
bool pl_icmp_is_error(uint8_t type);

#endif
