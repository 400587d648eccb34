/* ipv4.h — IPv4 and ICMP headers: parse (bounded, with precise errors) and build.
 *
 * Addresses and multi-byte fields are held in host byte order. Parsing never reads past
 * the buffer it is given; every structural problem becomes an error message that names
 * the field and both numbers, e.g. "ihl 4 < 5" or "total length 84 > captured 60".
 */
#ifndef PL_IPV4_H
#define PL_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define PL_IPV4_HDR_MIN   20
#define PL_IPV4_OPT_MAX   40
#define PL_IPV4_MAX       65535
#define PL_ICMP_HDR_LEN   8

#define PL_IP_FLAG_RF     0x4 /* reserved ("evil") bit */
#define PL_IP_FLAG_DF     0x2
#define PL_IP_FLAG_MF     0x1

#define PL_PROTO_ICMP     1
#define PL_PROTO_TCP      6
#define PL_PROTO_UDP      17

#define PL_ICMP_ECHOREPLY 0
#define PL_ICMP_ECHO      8

struct pl_ipv4 {
	uint8_t version;       /* 4 bits */
	uint8_t ihl;           /* 4 bits, in 32-bit words */
	uint8_t tos;
	uint16_t total_length;
	uint16_t id;
	uint8_t flags;         /* 3 bits: RF DF MF */
	uint16_t frag_offset;  /* 13 bits, in 8-byte units */
	uint8_t ttl;
	uint8_t protocol;
	uint16_t checksum;
	uint32_t src;
	uint32_t dst;
	uint8_t options[PL_IPV4_OPT_MAX];
	size_t options_len;    /* (ihl - 5) * 4 */
};

struct pl_icmp {
	uint8_t type;
	uint8_t code;
	uint16_t checksum;
	uint16_t id;           /* bytes 4-5: identifier for echo, "rest of header" otherwise */
	uint16_t seq;          /* bytes 6-7 */
	const uint8_t *payload;
	size_t payload_len;
};

/* A packet decoded as far as it goes. */
struct pl_pkt {
	struct pl_ipv4 ip;
	const uint8_t *l4;     /* the IP payload, bounded by total length */
	size_t l4_len;
	size_t trailing;       /* captured bytes beyond total length (not part of the packet) */
	bool is_icmp;          /* protocol 1, not a fragment, and at least 8 bytes of ICMP */
	struct pl_icmp icmp;
};

/* Parse the IPv4 header of buf[0..len). On success ip and the l4 view are filled. */
int pl_ipv4_parse(const uint8_t *buf, size_t len, struct pl_pkt *pkt, struct pl_err *err);

/* Parse an ICMP message; needs at least 8 bytes ("icmp length 6 < 8"). */
int pl_icmp_parse(const uint8_t *buf, size_t len, struct pl_icmp *icmp, struct pl_err *err);

/* pl_ipv4_parse, then pl_icmp_parse when the packet is an unfragmented ICMP packet. A
 * short ICMP part is not an error here: is_icmp stays false. */
int pl_pkt_parse(const uint8_t *buf, size_t len, struct pl_pkt *pkt, struct pl_err *err);

/* Serialize ip's fields exactly as given (checksum, lengths and ihl included) followed
 * by l4. Returns the number of bytes written: 4*ihl + l4_len, or a negative code. */
int pl_ipv4_build(const struct pl_ipv4 *ip, const uint8_t *l4, size_t l4_len,
		  uint8_t *out, size_t cap, struct pl_err *err);

/* Serialize an ICMP header (type, code, checksum, id, seq) and payload as given. */
int pl_icmp_build(const struct pl_icmp *icmp, uint8_t *out, size_t cap, struct pl_err *err);

/* Header checksum helpers over an already serialized packet. hdr_len is 4*ihl. */
uint16_t pl_ipv4_compute_csum(const uint8_t *hdr, size_t hdr_len); /* with field zeroed */
void pl_ipv4_fill_csum(uint8_t *hdr, size_t hdr_len);
bool pl_ipv4_csum_ok(const uint8_t *hdr, size_t hdr_len);
uint16_t pl_icmp_compute_csum(const uint8_t *icmp, size_t len);
void pl_icmp_fill_csum(uint8_t *icmp, size_t len);
bool pl_icmp_csum_ok(const uint8_t *icmp, size_t len);

/* Change the source (is_dst false) or destination address of a serialized packet and
 * update, by RFC 1624 increments, the header checksum and (first fragments) the UDP or
 * TCP checksum, so correct ones stay correct and wrong ones stay wrong by as much. A
 * packet too short or not version 4 is left alone; returns 1 if it changed. */
int pl_ipv4_rewrite_addr(uint8_t *pkt, size_t len, bool is_dst, uint32_t addr);

/* Dotted quad of a host-order address into buf[16]; returns buf. */
char *pl_ip_str(uint32_t addr, char buf[16]);
/* Parse a dotted quad strictly (four decimal octets 0-255). */
int pl_ip_parse(const char *s, uint32_t *addr);

/* One-line human description, e.g.
 * "10.77.1.2 > 10.77.2.2 icmp echo-request id 0x1234 seq 1 len 84". */
void pl_pkt_describe(const uint8_t *buf, size_t len, char *out, size_t outsz);

const char *pl_icmp_type_name(uint8_t type);
const char *pl_proto_name(uint8_t proto);

#endif
