/* host.c — the reference rules of the `host` stack: an RFC 1122 host at our address.
 *
 * Beside the echo stack's rules (rules.c): ICMP timestamp, UDP echo on port 7 (RFC 862)
 * and port unreachable elsewhere, TCP resets for closed ports (RFC 9293 §3.10.7.1) and a
 * SYN+ACK from port 7 (listening), IGMP taken in silently (Linux's igmp_rcv), protocol
 * unreachable for other protocols, and never
 * an ICMP error about an ICMP error, a broadcast or multicast address, a fragment or a
 * datagram with a wrong checksum (RFC 1122 §3.2.2). As with the echo rules, the texts are
 * what the model is told and the first rule that matches decides.
 */
#include "packet/rules.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "packet/csum.h"
#include "packet/field.h"
#include "packet/ipv4.h"
#include "packet/proto.h"

#define PL_HOST_ECHO_PORT 7
#define PL_HOST_ERROR_MAX 576 /* RFC 1812 §4.3.2.3: an ICMP error is at most 576 bytes */
#define PL_HOST_ISN 0u        /* the reference's initial sequence number */
#define PL_HOST_WINDOW 65535u

enum {
	H_MALFORMED = 1, H_IP_CSUM, H_NOT_FOR_US, H_BAD_SOURCE, H_FRAGMENT, H_ICMP_SHORT, H_ICMP_CSUM,
	H_ECHO, H_TIMESTAMP, H_ICMP_OTHER, H_UDP_MALFORMED, H_UDP_CSUM, H_UDP_ECHO, H_PORT_UNREACH,
	H_TCP_MALFORMED, H_TCP_CSUM, H_TCP_RST, H_SYN_ACK, H_LISTEN_OTHER, H_RESET, H_IGMP, H_PROTO_UNREACH,
};

static const struct pl_rule rules[] = {
	{ H_MALFORMED, "malformed", PL_ACTION_DROP,
	  "Drop the packet if it is not a well-formed IPv4 packet: fewer than 20 bytes, "
	  "version not 4, IHL below 5, a header longer than the bytes received, or a total "
	  "length below the header length or above the bytes received. Bytes beyond the "
	  "total length are not part of the packet; ignore them." },
	{ H_IP_CSUM, "ip-checksum", PL_ACTION_DROP, "Drop it if the IPv4 header checksum is wrong." },
	{ H_NOT_FOR_US, "not-for-us", PL_ACTION_DROP,
	  "Drop it if the destination address is not our address (a broadcast or multicast "
	  "destination included)." },
	{ H_BAD_SOURCE, "bad-source", PL_ACTION_DROP,
	  "Drop it if the source address cannot be a real sender: 0.0.0.0/8, 127.0.0.0/8, "
	  "224.0.0.0/4 (multicast), 240.0.0.0/4 (reserved, including 255.255.255.255), a "
	  "lab broadcast address 10.77.X.255, or our own address." },
	{ H_FRAGMENT, "fragment", PL_ACTION_DROP,
	  "Drop it if it is a fragment (the MF flag is set or the fragment offset is not "
	  "zero): we do not reassemble, and send no error about a fragment." },
	{ H_ICMP_SHORT, "icmp-short", PL_ACTION_DROP,
	  "If the protocol is 1 (ICMP): drop it if the ICMP message (the bytes after the IPv4 "
	  "header, up to the total length) is shorter than 8 bytes," },
	{ H_ICMP_CSUM, "icmp-checksum", PL_ACTION_DROP,
	  "drop it if the ICMP checksum, computed over the whole ICMP message, is wrong," },
	{ H_ECHO, "echo-reply", PL_ACTION_REPLY,
	  "answer an echo request (type 8) with an echo reply: IPv4 version 4, IHL 5 (no "
	  "options), TOS copied from the request, total length 20 plus the ICMP message "
	  "length, identification copied from the request, flags 0 and fragment offset 0, TTL "
	  "64, protocol 1, source address = the request's destination, destination address = "
	  "the request's source, header checksum computed; ICMP type 0, code copied from the "
	  "request, identifier, sequence number and payload copied unchanged, ICMP checksum "
	  "computed over the whole ICMP message," },
	{ H_TIMESTAMP, "timestamp-reply", PL_ACTION_REPLY,
	  "answer a timestamp request (type 13, code 0, exactly 20 bytes) with a timestamp "
	  "reply (type 14) built as the echo reply is, with the originate timestamp copied and "
	  "the receive and transmit timestamps set equal to the originate timestamp," },
	{ H_ICMP_OTHER, "icmp-other", PL_ACTION_DROP,
	  "and drop every other ICMP message: never answer an ICMP error or a reply." },
	{ H_UDP_MALFORMED, "udp-malformed", PL_ACTION_DROP,
	  "If the protocol is 17 (UDP): drop it if the IP payload is shorter than the 8-byte "
	  "UDP header or the UDP length is below 8 or above the IP payload length," },
	{ H_UDP_CSUM, "udp-checksum", PL_ACTION_DROP,
	  "drop it if the UDP checksum is not 0 and is wrong (computed with the pseudo header "
	  "over the UDP length)," },
	{ H_UDP_ECHO, "udp-echo", PL_ACTION_REPLY,
	  "answer a datagram to port 7 (echo) with a datagram from port 7 to its source port "
	  "carrying the same data (the UDP length's worth), in an IPv4 header built as for an "
	  "echo reply with protocol 17, the UDP checksum computed (a computed 0 is sent as "
	  "0xffff)," },
	{ H_PORT_UNREACH, "port-unreachable", PL_ACTION_REPLY,
	  "and answer a datagram to any other port with ICMP destination unreachable, code 3 "
	  "(port unreachable), an ICMP error as rule 22 builds it." },
	{ H_TCP_MALFORMED, "tcp-malformed", PL_ACTION_DROP,
	  "If the protocol is 6 (TCP): drop it if the IP payload is shorter than 20 bytes or the "
	  "data offset is below 5 or longer than the IP payload," },
	{ H_TCP_CSUM, "tcp-checksum", PL_ACTION_DROP,
	  "drop it if the TCP checksum (computed with the pseudo header) is wrong," },
	{ H_TCP_RST, "tcp-rst", PL_ACTION_DROP, "drop a segment with RST set: a reset is never answered," },
	{ H_SYN_ACK, "syn-ack", PL_ACTION_REPLY,
	  "answer a SYN without ACK and FIN to port 7 (listening) with a SYN+ACK from port 7: "
	  "sequence number 0, acknowledgment number the SYN's sequence number plus 1 (data on "
	  "the SYN is not acknowledged), data offset 5 (no options), window 65535, urgent "
	  "pointer 0, no data, in an IPv4 header built as for an echo reply with protocol 6," },
	{ H_LISTEN_OTHER, "listen-drop", PL_ACTION_DROP,
	  "drop any other segment to port 7 that has no ACK (a SYN with FIN included)," },
	{ H_RESET, "reset", PL_ACTION_REPLY,
	  "and answer every other segment (to a closed port, or with ACK to port 7, where no "
	  "connection exists) with a reset from the port it was sent to: if it has ACK, flags "
	  "RST, sequence number = its acknowledgment number, acknowledgment number 0; "
	  "otherwise flags RST+ACK, sequence number 0, acknowledgment number = its sequence "
	  "number plus its data length plus 1 for SYN and 1 for FIN; data offset 5, window 0, "
	  "no data." },
	{ H_IGMP, "igmp", PL_ACTION_DROP,
	  "Drop a packet of protocol 2 (IGMP): we take part in no multicast group, and IGMP is "
	  "never answered, with an error or otherwise." },
	{ H_PROTO_UNREACH, "protocol-unreachable", PL_ACTION_REPLY,
	  "Answer any other protocol with ICMP destination unreachable, code 2 (protocol "
	  "unreachable). An ICMP error is IPv4 version 4, IHL 5, TOS 0, identification 0, flags "
	  "0, TTL 64, protocol 1, from our address to the packet's source; ICMP type 3, the "
	  "code, 4 bytes of 0, then the offending packet from its first byte, at most as much "
	  "of it as keeps the error within 576 bytes (548 bytes), checksums computed." },
};

#define NRULES (sizeof(rules) / sizeof(rules[0]))

const struct pl_rule *pl_host_rules(size_t *count)
{
	*count = NRULES;
	return rules;
}

#define decide(d, number, ...) pl_rule_decide(rules, d, number, __VA_ARGS__)

/* pl_rule_ip_checks decides rules 1-5 of either table */
_Static_assert(H_MALFORMED == 1 && H_IP_CSUM == 2 && H_NOT_FOR_US == 3 && H_BAD_SOURCE == 4 && H_FRAGMENT == 5,
	       "the host stack's first five rules are the shared IPv4 checks");

/* The IPv4 header of an answer, written at out: from ours to the request's source. */
static void answer_ip(uint8_t *out, const struct pl_pkt *req, uint8_t proto, uint8_t tos, uint16_t id,
		      size_t l4_len, uint32_t ours)
{
	struct pl_ipv4 ip;

	memset(&ip, 0, sizeof(ip));
	ip.version = 4;
	ip.ihl = 5;
	ip.tos = tos;
	ip.total_length = (uint16_t)(PL_IPV4_HDR_MIN + l4_len);
	ip.id = id;
	ip.ttl = 64;
	ip.protocol = proto;
	ip.src = ours;
	ip.dst = req->ip.src;
	pl_ipv4_build(&ip, NULL, 0, out, PL_IPV4_HDR_MIN, NULL);
	pl_ipv4_fill_csum(out, PL_IPV4_HDR_MIN);
}

/* Fill the transport checksum of the answer at out (its IPv4 header written). */
static void fill_l4(uint8_t *out, size_t n)
{
	struct pl_hdrs hs;

	if (pl_hdrs_parse(out, n, &hs, NULL) == 0 && hs.n >= 2)
		pl_hdrs_fill_csum(out, &hs, 1);
}

static int room(size_t need, size_t cap, struct pl_err *err)
{
	return need > cap ? pl_errf(err, -E2BIG, "reply of %zu bytes exceeds buffer of %zu", need, cap) : 0;
}

/* ICMP destination unreachable with code, quoting req's first bytes */
static int unreachable(const uint8_t *req, const struct pl_pkt *p, uint8_t code, uint32_t ours, uint8_t *out,
		       size_t cap, size_t *out_len, struct pl_err *err)
{
	size_t q = p->ip.total_length, max = PL_HOST_ERROR_MAX - PL_IPV4_HDR_MIN - PL_ICMP_HDR_LEN;
	size_t n;

	if (q > max)
		q = max;
	n = PL_IPV4_HDR_MIN + PL_ICMP_HDR_LEN + q;
	if (room(n, cap, err))
		return -E2BIG;
	memset(out, 0, PL_IPV4_HDR_MIN + PL_ICMP_HDR_LEN);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_ICMP_TYPE, 3);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_ICMP_CODE, code);
	memcpy(out + PL_IPV4_HDR_MIN + PL_ICMP_HDR_LEN, req, q);
	pl_icmp_fill_csum(out + PL_IPV4_HDR_MIN, PL_ICMP_HDR_LEN + q);
	answer_ip(out, p, PL_PROTO_ICMP, 0, 0, PL_ICMP_HDR_LEN + q, ours);
	*out_len = n;
	return 0;
}

static int icmp(const uint8_t *req, const struct pl_pkt *p, uint32_t ours, uint8_t *out, size_t cap,
		size_t *out_len, struct pl_decision *d, struct pl_err *err)
{
	struct pl_icmp ic;
	size_t n = PL_IPV4_HDR_MIN + p->l4_len;

	(void)req;
	if (p->l4_len < PL_ICMP_HDR_LEN)
		return decide(d, H_ICMP_SHORT, "icmp length %zu < 8", p->l4_len);
	pl_icmp_parse(p->l4, p->l4_len, &ic, NULL);
	if (!pl_icmp_csum_ok(p->l4, p->l4_len))
		return decide(d, H_ICMP_CSUM, "icmp checksum 0x%04x, correct is 0x%04x", ic.checksum,
			      pl_icmp_compute_csum(p->l4, p->l4_len));
	if (ic.type == PL_ICMP_ECHO)
		decide(d, H_ECHO, "echo request id 0x%04x seq %u, %zu payload bytes", ic.id, ic.seq, ic.payload_len);
	else if (ic.type == 13 && ic.code == 0 && p->l4_len == 20)
		decide(d, H_TIMESTAMP, "timestamp request id 0x%04x seq %u", ic.id, ic.seq);
	else
		return decide(d, H_ICMP_OTHER, "icmp type %u (%s) code %u, %zu bytes", ic.type, pl_icmp_type_name(ic.type),
			      ic.code, p->l4_len);
	if (room(n, cap, err))
		return -E2BIG;
	memcpy(out + PL_IPV4_HDR_MIN, p->l4, p->l4_len);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_ICMP_TYPE, ic.type == PL_ICMP_ECHO ? PL_ICMP_ECHOREPLY : 14);
	if (ic.type == 13) /* receive (bytes 12-15) and transmit (16-19) = originate (8-11), RFC 792 */
		for (int k = 1; k <= 2; k++)
			memcpy(out + PL_IPV4_HDR_MIN + 8 + 4 * k, p->l4 + 8, 4);
	pl_icmp_fill_csum(out + PL_IPV4_HDR_MIN, p->l4_len);
	answer_ip(out, p, PL_PROTO_ICMP, p->ip.tos, p->ip.id, p->l4_len, ours);
	*out_len = n;
	return 0;
}

static int udp(const uint8_t *req, const struct pl_pkt *p, uint32_t ours, uint8_t *out, size_t cap,
	       size_t *out_len, struct pl_decision *d, struct pl_err *err)
{
	uint16_t sport, dport, ulen, c;

	if (p->l4_len < 8)
		return decide(d, H_UDP_MALFORMED, "udp: %zu bytes < 8", p->l4_len);
	sport = (uint16_t)pl_field_read(p->l4, F_UDP_SPORT);
	dport = (uint16_t)pl_field_read(p->l4, F_UDP_DPORT);
	ulen = (uint16_t)pl_field_read(p->l4, F_UDP_LEN);
	c = (uint16_t)pl_field_read(p->l4, F_UDP_CSUM);
	if (ulen < 8 || ulen > p->l4_len)
		return decide(d, H_UDP_MALFORMED, "udp length %u, ip payload %zu", ulen, p->l4_len);
	if (c && pl_csum_pseudo(p->ip.src, p->ip.dst, PL_PROTO_UDP, p->l4, ulen) != 0)
		return decide(d, H_UDP_CSUM, "udp checksum 0x%04x is wrong", c);
	if (dport != PL_HOST_ECHO_PORT) {
		decide(d, H_PORT_UNREACH, "udp to port %u (closed)", dport);
		return unreachable(req, p, 3, ours, out, cap, out_len, err);
	}
	decide(d, H_UDP_ECHO, "udp echo from port %u, %u data bytes", sport, ulen - 8u);
	if (room(PL_IPV4_HDR_MIN + (size_t)ulen, cap, err))
		return -E2BIG;
	memcpy(out + PL_IPV4_HDR_MIN + 8, p->l4 + 8, ulen - 8u);
	memset(out + PL_IPV4_HDR_MIN, 0, 8);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_UDP_SPORT, PL_HOST_ECHO_PORT);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_UDP_DPORT, sport);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_UDP_LEN, ulen);
	answer_ip(out, p, PL_PROTO_UDP, p->ip.tos, p->ip.id, ulen, ours);
	*out_len = PL_IPV4_HDR_MIN + (size_t)ulen;
	fill_l4(out, *out_len);
	return 0;
}

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

static int tcp(const uint8_t *req, const struct pl_pkt *p, uint32_t ours, uint8_t *out, size_t cap,
	       size_t *out_len, struct pl_decision *d, struct pl_err *err)
{
	const uint8_t *t = p->l4;
	uint16_t sport, dport;
	uint32_t seq, ack, rseq, rack;
	uint8_t flags, rflags;
	size_t doff, dlen;

	(void)req;
	if (p->l4_len < 20)
		return decide(d, H_TCP_MALFORMED, "tcp: %zu bytes < 20", p->l4_len);
	doff = (size_t)pl_field_read(t, F_TCP_DOFF) * 4;
	if (doff < 20 || doff > p->l4_len)
		return decide(d, H_TCP_MALFORMED, "tcp data offset %zu bytes, ip payload %zu", doff, p->l4_len);
	if (pl_csum_pseudo(p->ip.src, p->ip.dst, PL_PROTO_TCP, t, p->l4_len) != 0)
		return decide(d, H_TCP_CSUM, "tcp checksum 0x%04x is wrong", pl_field_read(t, F_TCP_CSUM));
	sport = (uint16_t)pl_field_read(t, F_TCP_SPORT);
	dport = (uint16_t)pl_field_read(t, F_TCP_DPORT);
	seq = pl_field_read(t, F_TCP_SEQ);
	ack = pl_field_read(t, F_TCP_ACK);
	flags = (uint8_t)pl_field_read(t, F_TCP_FLAGS);
	dlen = p->l4_len - doff;
	if (flags & TH_RST)
		return decide(d, H_TCP_RST, "RST to port %u", dport);
	if (dport == PL_HOST_ECHO_PORT && (flags & (TH_SYN | TH_ACK | TH_FIN)) == TH_SYN) {
		decide(d, H_SYN_ACK, "SYN to port 7 seq %u", seq);
		rflags = TH_SYN | TH_ACK;
		rseq = PL_HOST_ISN;
		rack = seq + 1;
	} else if (dport == PL_HOST_ECHO_PORT && !(flags & TH_ACK)) {
		return decide(d, H_LISTEN_OTHER, "segment without ACK to port 7 (flags 0x%02x)", flags);
	} else {
		decide(d, H_RESET, "%s to port %u (flags 0x%02x)", dport == PL_HOST_ECHO_PORT ? "no connection" : "closed",
		       dport, flags);
		if (flags & TH_ACK) {
			rflags = TH_RST;
			rseq = ack;
			rack = 0;
		} else {
			rflags = TH_RST | TH_ACK;
			rseq = 0;
			rack = seq + (uint32_t)dlen + !!(flags & TH_SYN) + !!(flags & TH_FIN);
		}
	}
	if (room(PL_IPV4_HDR_MIN + 20, cap, err))
		return -E2BIG;
	memset(out + PL_IPV4_HDR_MIN, 0, 20);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_TCP_SPORT, dport);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_TCP_DPORT, sport);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_TCP_SEQ, rseq);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_TCP_ACK, rack);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_TCP_DOFF, 5);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_TCP_FLAGS, rflags);
	pl_field_write(out + PL_IPV4_HDR_MIN, F_TCP_WIN, rflags & TH_SYN ? PL_HOST_WINDOW : 0);
	answer_ip(out, p, PL_PROTO_TCP, p->ip.tos, p->ip.id, 20, ours);
	*out_len = PL_IPV4_HDR_MIN + 20;
	fill_l4(out, *out_len);
	return 0;
}

int pl_host_reply(const uint8_t *req, size_t len, uint32_t our_addr, uint8_t *out, size_t cap, size_t *out_len,
		  struct pl_decision *d, struct pl_err *err)
{
	struct pl_pkt p;

	*out_len = 0;
	if (pl_rule_ip_checks(rules, req, len, our_addr, true, &p, d))
		return 0;
	switch (p.ip.protocol) {
	case PL_PROTO_ICMP: return icmp(req, &p, our_addr, out, cap, out_len, d, err);
	case PL_PROTO_UDP: return udp(req, &p, our_addr, out, cap, out_len, d, err);
	case PL_PROTO_TCP: return tcp(req, &p, our_addr, out, cap, out_len, d, err);
	case 2: return decide(d, H_IGMP, "igmp message, %zu bytes", p.l4_len);
	default:
		decide(d, H_PROTO_UNREACH, "protocol %u (%s)", p.ip.protocol, pl_proto_name(p.ip.protocol));
		return unreachable(req, &p, 2, our_addr, out, cap, out_len, err);
	}
}
