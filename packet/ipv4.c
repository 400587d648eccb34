#include "packet/ipv4.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "packet/bytes.h"
#include "packet/csum.h"

int pl_ipv4_parse(const uint8_t *buf, size_t len, struct pl_pkt *pkt, struct pl_err *err)
{
	struct pl_ipv4 *ip = &pkt->ip;
	size_t hl;

	memset(pkt, 0, sizeof(*pkt));
	if (len == 0)
		return pl_errf(err, -EINVAL, "empty packet");
	ip->version = buf[0] >> 4;
	ip->ihl = buf[0] & 0xf;
	if (ip->version != 4)
		return pl_errf(err, -EINVAL, "version %u != 4", ip->version);
	if (len < PL_IPV4_HDR_MIN)
		return pl_errf(err, -EINVAL, "captured length %zu < 20 (minimum IPv4 header)", len);
	if (ip->ihl < 5)
		return pl_errf(err, -EINVAL, "ihl %u < 5", ip->ihl);
	hl = (size_t)ip->ihl * 4;
	if (hl > len)
		return pl_errf(err, -EINVAL, "header length %zu (ihl %u) > captured %zu", hl, ip->ihl, len);

	ip->tos = buf[1];
	ip->total_length = pl_get16(buf + 2);
	ip->id = pl_get16(buf + 4);
	ip->flags = buf[6] >> 5;
	ip->frag_offset = pl_get16(buf + 6) & 0x1fff;
	ip->ttl = buf[8];
	ip->protocol = buf[9];
	ip->checksum = pl_get16(buf + 10);
	ip->src = pl_get32(buf + 12);
	ip->dst = pl_get32(buf + 16);
	ip->options_len = hl - PL_IPV4_HDR_MIN;
	memcpy(ip->options, buf + PL_IPV4_HDR_MIN, ip->options_len);

	if (ip->total_length < hl)
		return pl_errf(err, -EINVAL, "total length %u < header length %zu", ip->total_length, hl);
	if (ip->total_length > len)
		return pl_errf(err, -EINVAL, "total length %u > captured %zu", ip->total_length, len);
	pkt->l4 = buf + hl;
	pkt->l4_len = ip->total_length - hl;
	pkt->trailing = len - ip->total_length;
	return 0;
}

int pl_icmp_parse(const uint8_t *buf, size_t len, struct pl_icmp *icmp, struct pl_err *err)
{
	memset(icmp, 0, sizeof(*icmp));
	if (len < PL_ICMP_HDR_LEN)
		return pl_errf(err, -EINVAL, "icmp length %zu < 8", len);
	icmp->type = buf[0];
	icmp->code = buf[1];
	icmp->checksum = pl_get16(buf + 2);
	icmp->id = pl_get16(buf + 4);
	icmp->seq = pl_get16(buf + 6);
	icmp->payload = buf + PL_ICMP_HDR_LEN;
	icmp->payload_len = len - PL_ICMP_HDR_LEN;
	return 0;
}

int pl_pkt_parse(const uint8_t *buf, size_t len, struct pl_pkt *pkt, struct pl_err *err)
{
	int rc = pl_ipv4_parse(buf, len, pkt, err);

	if (rc)
		return rc;
	if (pkt->ip.protocol == PL_PROTO_ICMP && !(pkt->ip.flags & PL_IP_FLAG_MF) &&
	    pkt->ip.frag_offset == 0 && pkt->l4_len >= PL_ICMP_HDR_LEN) {
		pl_icmp_parse(pkt->l4, pkt->l4_len, &pkt->icmp, NULL);
		pkt->is_icmp = true;
	}
	return 0;
}

int pl_ipv4_build(const struct pl_ipv4 *ip, const uint8_t *l4, size_t l4_len,
		  uint8_t *out, size_t cap, struct pl_err *err)
{
	size_t hl = (size_t)(ip->ihl & 0xf) * 4;
	size_t opt = ip->options_len;

	/* A deliberately short ihl (< 5) still writes the 20 fixed bytes: scenarios use
	 * that to send malformed headers. Options fill what the ihl leaves. */
	if (hl < PL_IPV4_HDR_MIN)
		hl = PL_IPV4_HDR_MIN;
	if (opt > hl - PL_IPV4_HDR_MIN)
		return pl_errf(err, -EINVAL, "%zu option bytes do not fit ihl %u (%zu bytes)",
			       opt, ip->ihl, hl - PL_IPV4_HDR_MIN);
	if (hl + l4_len > cap || hl + l4_len > PL_IPV4_MAX)
		return pl_errf(err, -E2BIG, "packet of %zu bytes exceeds %zu", hl + l4_len,
			       cap < PL_IPV4_MAX ? cap : (size_t)PL_IPV4_MAX);
	out[0] = (uint8_t)((ip->version & 0xf) << 4 | (ip->ihl & 0xf));
	out[1] = ip->tos;
	pl_put16(out + 2, ip->total_length);
	pl_put16(out + 4, ip->id);
	pl_put16(out + 6, (uint16_t)((ip->flags & 0x7) << 13 | (ip->frag_offset & 0x1fff)));
	out[8] = ip->ttl;
	out[9] = ip->protocol;
	pl_put16(out + 10, ip->checksum);
	pl_put32(out + 12, ip->src);
	pl_put32(out + 16, ip->dst);
	memcpy(out + PL_IPV4_HDR_MIN, ip->options, opt);
	memset(out + PL_IPV4_HDR_MIN + opt, 0, hl - PL_IPV4_HDR_MIN - opt); /* EOL padding */
	if (l4_len)
		memcpy(out + hl, l4, l4_len);
	return (int)(hl + l4_len);
}

int pl_icmp_build(const struct pl_icmp *icmp, uint8_t *out, size_t cap, struct pl_err *err)
{
	size_t n = PL_ICMP_HDR_LEN + icmp->payload_len;

	if (n > cap)
		return pl_errf(err, -E2BIG, "icmp message of %zu bytes exceeds %zu", n, cap);
	out[0] = icmp->type;
	out[1] = icmp->code;
	pl_put16(out + 2, icmp->checksum);
	pl_put16(out + 4, icmp->id);
	pl_put16(out + 6, icmp->seq);
	if (icmp->payload_len)
		memmove(out + PL_ICMP_HDR_LEN, icmp->payload, icmp->payload_len);
	return (int)n;
}

uint16_t pl_ipv4_compute_csum(const uint8_t *hdr, size_t hdr_len)
{
	uint32_t sum = pl_csum_add(0, hdr, 10);

	sum = pl_csum_add(sum, hdr + 12, hdr_len - 12);
	return (uint16_t)~pl_csum_fold(sum);
}

void pl_ipv4_fill_csum(uint8_t *hdr, size_t hdr_len)
{
	pl_put16(hdr + 10, pl_ipv4_compute_csum(hdr, hdr_len));
}

bool pl_ipv4_csum_ok(const uint8_t *hdr, size_t hdr_len)
{
	return pl_csum(hdr, hdr_len) == 0;
}

uint16_t pl_icmp_compute_csum(const uint8_t *icmp, size_t len)
{
	uint32_t sum = pl_csum_add(0, icmp, 2);

	sum = pl_csum_add(sum, icmp + 4, len - 4);
	return (uint16_t)~pl_csum_fold(sum);
}

void pl_icmp_fill_csum(uint8_t *icmp, size_t len)
{
	pl_put16(icmp + 2, pl_icmp_compute_csum(icmp, len));
}

bool pl_icmp_csum_ok(const uint8_t *icmp, size_t len)
{
	return pl_csum(icmp, len) == 0;
}

int pl_ipv4_rewrite_addr(uint8_t *pkt, size_t len, bool is_dst, uint32_t addr)
{
	size_t at = is_dst ? 16 : 12, hl, off;
	uint32_t old;

	if (len < PL_IPV4_HDR_MIN || pkt[0] >> 4 != 4)
		return 0;
	old = pl_get32(pkt + at);
	if (old == addr)
		return 0;
	pl_put32(pkt + at, addr);
	pl_put16(pkt + 10, pl_csum_update32(pl_get16(pkt + 10), old, addr));
	hl = (size_t)(pkt[0] & 0xf) * 4;
	if (hl < PL_IPV4_HDR_MIN || (pl_get16(pkt + 6) & 0x1fff))
		return 1;
	off = pkt[9] == PL_PROTO_UDP ? 6 : pkt[9] == PL_PROTO_TCP ? 16 : 0;
	/* UDP checksum 0 means "none" (RFC 768): leave it */
	if (off && hl + off + 2 <= len && !(pkt[9] == PL_PROTO_UDP && !pl_get16(pkt + hl + 6)))
		pl_put16(pkt + hl + off, pl_csum_update32(pl_get16(pkt + hl + off), old, addr));
	return 1;
}

char *pl_ip_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

int pl_ip_parse(const char *s, uint32_t *addr)
{
	uint32_t a = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return -EINVAL;
		a = a << 8 | v;
		if (part < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	*addr = a;
	return 0;
}

const char *pl_icmp_type_name(uint8_t type)
{
	switch (type) {
	case 0: return "echo-reply";
	case 3: return "dest-unreachable";
	case 4: return "source-quench";
	case 5: return "redirect";
	case 8: return "echo-request";
	case 9: return "router-advertisement";
	case 10: return "router-solicitation";
	case 11: return "time-exceeded";
	case 12: return "parameter-problem";
	case 13: return "timestamp-request";
	case 14: return "timestamp-reply";
	case 15: return "info-request";
	case 16: return "info-reply";
	case 17: return "address-mask-request";
	case 18: return "address-mask-reply";
	default: return "unknown";
	}
}

const char *pl_proto_name(uint8_t proto)
{
	switch (proto) {
	case PL_PROTO_ICMP: return "icmp";
	case 2: return "igmp";
	case PL_PROTO_TCP: return "tcp";
	case PL_PROTO_UDP: return "udp";
	case 47: return "gre";
	case 50: return "esp";
	case 132: return "sctp";
	default: return "proto";
	}
}

void pl_pkt_describe(const uint8_t *buf, size_t len, char *out, size_t outsz)
{
	struct pl_pkt p;
	struct pl_err err;
	char s[16], d[16];

	if (pl_pkt_parse(buf, len, &p, &err)) {
		snprintf(out, outsz, "unparseable (%s), %zu bytes", err.msg, len);
		return;
	}
	pl_ip_str(p.ip.src, s);
	pl_ip_str(p.ip.dst, d);
	if (p.is_icmp)
		snprintf(out, outsz, "%s > %s icmp %s code %u id 0x%04x seq %u len %u", s, d,
			 pl_icmp_type_name(p.icmp.type), p.icmp.code, p.icmp.id, p.icmp.seq,
			 p.ip.total_length);
	else if (p.ip.flags & PL_IP_FLAG_MF || p.ip.frag_offset)
		snprintf(out, outsz, "%s > %s %s fragment offset %u%s len %u", s, d,
			 pl_proto_name(p.ip.protocol), p.ip.frag_offset * 8,
			 p.ip.flags & PL_IP_FLAG_MF ? " +MF" : "", p.ip.total_length);
	else
		snprintf(out, outsz, "%s > %s %s %u len %u", s, d, pl_proto_name(p.ip.protocol),
			 p.ip.protocol, p.ip.total_length);
}
