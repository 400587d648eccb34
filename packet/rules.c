#include "packet/rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "packet/ipv4.h"

/* The texts are what prompts/system.md says to the model; keep both in step (the test
 * suite fails when they differ). */
static const struct pl_rule rules[] = {
	{ 1, "malformed", PL_ACTION_DROP,
	  "Drop the packet if it is not a well-formed IPv4 packet: fewer than 20 bytes, "
	  "version not 4, IHL below 5, a header longer than the bytes received, or a total "
	  "length below the header length or above the bytes received. Bytes beyond the "
	  "total length are not part of the packet; ignore them." },
	{ 2, "ip-checksum", PL_ACTION_DROP,
	  "Drop it if the IPv4 header checksum is wrong." },
	{ 3, "not-for-us", PL_ACTION_DROP,
	  "Drop it if the destination address is not our address." },
	{ 4, "bad-source", PL_ACTION_DROP,
	  "Drop it if the source address cannot be a real sender: 0.0.0.0/8, 127.0.0.0/8, "
	  "224.0.0.0/4 (multicast), 240.0.0.0/4 (reserved, including 255.255.255.255), or "
	  "our own address." },
	{ 5, "fragment", PL_ACTION_DROP,
	  "Drop it if it is a fragment (the MF flag is set or the fragment offset is not "
	  "zero): we do not reassemble." },
	{ 6, "not-icmp", PL_ACTION_DROP,
	  "Drop it if the protocol is not 1 (ICMP)." },
	{ 7, "icmp-short", PL_ACTION_DROP,
	  "Drop it if the ICMP message (the bytes after the IPv4 header, up to the total "
	  "length) is shorter than 8 bytes." },
	{ 8, "icmp-checksum", PL_ACTION_DROP,
	  "Drop it if the ICMP checksum, computed over the whole ICMP message, is wrong." },
	{ 9, "not-echo-request", PL_ACTION_DROP,
	  "Drop it if the ICMP type is not 8 (echo request)." },
	{ 10, "echo-reply", PL_ACTION_REPLY,
	  "Otherwise answer with an echo reply: IPv4 version 4, IHL 5 (no options), TOS "
	  "copied from the request, total length 20 plus the ICMP message length, "
	  "identification copied from the request, flags 0 and fragment offset 0, TTL 64, "
	  "protocol 1, source address = the request's destination, destination address = "
	  "the request's source, header checksum computed; ICMP type 0, code copied from the "
	  "request, identifier, sequence number and payload copied unchanged, ICMP checksum "
	  "computed over the whole ICMP message." },
};

#define NRULES (sizeof(rules) / sizeof(rules[0]))

const struct pl_rule *pl_rules(size_t *count)
{
	*count = NRULES;
	return rules;
}

const struct pl_rule *pl_rule_by_id(const char *id)
{
	size_t i;

	for (i = 0; i < NRULES; i++)
		if (!strcmp(rules[i].id, id))
			return &rules[i];
	return NULL;
}

static bool detail_on = true;

void pl_rules_detail(bool on)
{
	detail_on = on;
}

int pl_rule_decide(const struct pl_rule *table, struct pl_decision *d, int number, const char *fmt, ...)
{
	va_list ap;

	d->rule = &table[number - 1];
	d->action = d->rule->action;
	if (!detail_on) {
		d->detail[0] = '\0';
		return 0;
	}
	va_start(ap, fmt);
	vsnprintf(d->detail, sizeof(d->detail), fmt, ap);
	va_end(ap);
	return 0;
}

#define decide(d, number, ...) pl_rule_decide(rules, d, number, __VA_ARGS__)

static bool bad_source(uint32_t src, uint32_t our_addr, bool lab_broadcast)
{
	uint8_t first = (uint8_t)(src >> 24);

	return first == 0 || first == 127 || first >= 224 || src == our_addr ||
	       (lab_broadcast && (src >> 16) == 0x0a4d && (src & 0xff) == 0xff);
}

bool pl_rule_ip_checks(const struct pl_rule *table, const uint8_t *req, size_t len, uint32_t our_addr,
		       bool lab_broadcast, struct pl_pkt *p, struct pl_decision *d)
{
	struct pl_err perr;
	char a[16];
	size_t hl;

	memset(d, 0, sizeof(*d));
	if (pl_ipv4_parse(req, len, p, &perr))
		return !pl_rule_decide(table, d, 1, "%s", perr.msg);
	hl = (size_t)p->ip.ihl * 4;
	if (!pl_ipv4_csum_ok(req, hl))
		return !pl_rule_decide(table, d, 2, "header checksum 0x%04x, correct is 0x%04x", p->ip.checksum,
				       pl_ipv4_compute_csum(req, hl));
	if (p->ip.dst != our_addr)
		return !pl_rule_decide(table, d, 3, "destination %s", pl_ip_str(p->ip.dst, a));
	if (bad_source(p->ip.src, our_addr, lab_broadcast))
		return !pl_rule_decide(table, d, 4, "source %s", pl_ip_str(p->ip.src, a));
	if (p->ip.flags & PL_IP_FLAG_MF || p->ip.frag_offset)
		return !pl_rule_decide(table, d, 5, "%sfragment offset %u", p->ip.flags & PL_IP_FLAG_MF ? "MF, " : "",
				       p->ip.frag_offset * 8);
	return false;
}

int pl_reference_reply(const uint8_t *req, size_t len, uint32_t our_addr, uint8_t *out,
		       size_t cap, size_t *out_len, struct pl_decision *d, struct pl_err *err)
{
	struct pl_pkt p;
	struct pl_ipv4 rip;
	int n;

	*out_len = 0;
	if (pl_rule_ip_checks(rules, req, len, our_addr, false, &p, d))
		return 0;
	if (p.ip.protocol != PL_PROTO_ICMP)
		return decide(d, 6, "protocol %u (%s)", p.ip.protocol, pl_proto_name(p.ip.protocol));
	if (p.l4_len < PL_ICMP_HDR_LEN)
		return decide(d, 7, "icmp length %zu < 8", p.l4_len);
	pl_icmp_parse(p.l4, p.l4_len, &p.icmp, NULL);
	if (!pl_icmp_csum_ok(p.l4, p.l4_len))
		return decide(d, 8, "icmp checksum 0x%04x, correct is 0x%04x", p.icmp.checksum,
			      pl_icmp_compute_csum(p.l4, p.l4_len));
	if (p.icmp.type != PL_ICMP_ECHO)
		return decide(d, 9, "icmp type %u (%s)", p.icmp.type, pl_icmp_type_name(p.icmp.type));

	decide(d, 10, "echo request id 0x%04x seq %u, %zu payload bytes", p.icmp.id, p.icmp.seq,
	       p.icmp.payload_len);
	if (cap < PL_IPV4_HDR_MIN + p.l4_len)
		return pl_errf(err, -E2BIG, "reply of %zu bytes exceeds buffer of %zu",
			       PL_IPV4_HDR_MIN + p.l4_len, cap);
	memset(&rip, 0, sizeof(rip));
	rip.version = 4;
	rip.ihl = 5;
	rip.tos = p.ip.tos;
	rip.total_length = (uint16_t)(PL_IPV4_HDR_MIN + p.l4_len);
	rip.id = p.ip.id;
	rip.ttl = 64;
	rip.protocol = PL_PROTO_ICMP;
	rip.src = p.ip.dst;
	rip.dst = p.ip.src;
	/* The request's ICMP message is the reply's, with type 0 and a new checksum. When
	 * req and out overlap (reply in place) memmove inside pl_ipv4_build handles it only
	 * if they do not; callers pass separate buffers. */
	n = pl_ipv4_build(&rip, p.l4, p.l4_len, out, cap, err);
	if (n < 0)
		return n;
	pl_ipv4_fill_csum(out, PL_IPV4_HDR_MIN);
	out[PL_IPV4_HDR_MIN] = PL_ICMP_ECHOREPLY;
	pl_icmp_fill_csum(out + PL_IPV4_HDR_MIN, p.l4_len);
	*out_len = (size_t)n;
	return 0;
}
