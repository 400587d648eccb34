#include "packet/proto.h"

#include <errno.h>
#include <string.h>

#include "packet/bytes.h"
#include "packet/csum.h"
#include "packet/ipv4.h"

/* ---- per protocol ------------------------------------------------------------------ */

static int ipv4_len(const uint8_t *p, size_t avail, size_t *len, struct pl_err *err)
{
	size_t hl = (size_t)(p[0] & 0xf) * 4;

	if (p[0] >> 4 != 4)
		return pl_errf(err, -EINVAL, "version %u != 4", p[0] >> 4);
	if (hl < PL_IPV4_HDR_MIN)
		return pl_errf(err, -EINVAL, "ihl %u < 5", p[0] & 0xf);
	if (hl > avail)
		return pl_errf(err, -EINVAL, "header length %zu (ihl %u) > captured %zu", hl, p[0] & 0xf, avail);
	*len = hl;
	return 0;
}

static int fixed8(const uint8_t *p, size_t avail, size_t *len, struct pl_err *err)
{
	(void)p;
	(void)avail;
	(void)err;
	*len = 8;
	return 0;
}

/* the data offset when it is one (20..60 and within what is there), else the fixed 20:
 * a lying data offset still leaves the fixed fields readable */
static int tcp_len(const uint8_t *p, size_t avail, size_t *len, struct pl_err *err)
{
	size_t doff = avail >= 13 ? (size_t)(p[12] >> 4) * 4 : 0;

	(void)err;
	*len = doff >= 20 && doff <= avail ? doff : 20;
	return 0;
}

static uint16_t ipv4_csum(const struct pl_hdrs *hs, size_t i)
{
	return pl_ipv4_compute_csum(hs->buf + hs->h[i].off, hs->h[i].len);
}

static uint16_t icmp_csum(const struct pl_hdrs *hs, size_t i)
{
	const struct pl_hdr *h = &hs->h[i];

	return pl_icmp_compute_csum(hs->buf + h->off, h->end - h->off);
}

/* UDP and TCP: the segment with its checksum field zeroed, under the pseudo header of
 * the IPv4 header before it */
static uint16_t pseudo_csum(const struct pl_hdrs *hs, size_t i, int at)
{
	const struct pl_hdr *h = &hs->h[i], *ip = &hs->h[i - 1];
	const uint8_t *s = hs->buf + h->off;
	size_t n = h->end - h->off;
	uint8_t zero[2] = { 0, 0 };
	uint32_t sum;

	sum = pl_csum_add_pseudo(0, pl_get32(hs->buf + ip->off + 12), pl_get32(hs->buf + ip->off + 16),
				 hs->buf[ip->off + 9], n);
	sum = pl_csum_add(sum, s, (size_t)at);
	sum = pl_csum_add(sum, zero, 2);
	sum = pl_csum_add(sum, s + at + 2, n - (size_t)at - 2);
	return (uint16_t)~pl_csum_fold(sum);
}

static uint16_t udp_csum(const struct pl_hdrs *hs, size_t i)
{
	uint16_t c = pseudo_csum(hs, i, 6);

	return c ? c : 0xffff; /* RFC 768: a computed 0 is sent as all ones */
}

static uint16_t tcp_csum(const struct pl_hdrs *hs, size_t i)
{
	return pseudo_csum(hs, i, 16);
}

static const struct pl_proto protos[PL_HDR__COUNT] = {
	[PL_HDR_IPV4] = { PL_HDR_IPV4, "ip", 0, PL_IPV4_HDR_MIN, ipv4_len, 10, ipv4_csum },
	[PL_HDR_ICMP] = { PL_HDR_ICMP, "icmp", PL_PROTO_ICMP, PL_ICMP_HDR_LEN, fixed8, 2, icmp_csum },
	[PL_HDR_UDP] = { PL_HDR_UDP, "udp", PL_PROTO_UDP, 8, fixed8, 6, udp_csum },
	[PL_HDR_TCP] = { PL_HDR_TCP, "tcp", PL_PROTO_TCP, 20, tcp_len, 16, tcp_csum },
};

const struct pl_proto *pl_proto(enum pl_hdr_type t)
{
	return t < PL_HDR__COUNT ? &protos[t] : NULL;
}

const struct pl_proto *pl_proto_by_ipproto(uint8_t p)
{
	for (size_t i = PL_HDR_IPV4 + 1; i < PL_HDR__COUNT; i++)
		if (protos[i].ipproto == p)
			return &protos[i];
	return NULL;
}

bool pl_icmp_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* ---- the stack ---------------------------------------------------------------------- */

static void push(struct pl_hdrs *hs, enum pl_hdr_type t, size_t off, size_t len, size_t full, size_t end,
		 bool quoted)
{
	if (hs->n < PL_HDRS_MAX)
		hs->h[hs->n++] = (struct pl_hdr){ t, off, len, full, end, quoted };
}

/* The transport header of the IPv4 header at hs->h[ip]: whole (top level), or as much
 * as a quote holds (at least 8 bytes: ports, or ICMP type to sequence). */
static void transport(struct pl_hdrs *hs, size_t ip, bool quoted)
{
	const struct pl_hdr *h = &hs->h[ip];
	const uint8_t *b = hs->buf + h->off;
	uint16_t frag = pl_get16(b + 6);
	const struct pl_proto *pr = pl_proto_by_ipproto(b[9]);
	size_t at = h->off + h->len, avail = h->end - at, full;

	/* ICMP only unfragmented (its checksum covers the whole message); UDP and TCP in a
	 * first fragment too: their ports are there */
	if (!pr || (frag & 0x1fff) || (pr->type == PL_HDR_ICMP && (frag & 0x2000)))
		return;
	if (avail < (quoted ? 8 : pr->min_len))
		return;
	pr->hdr_len(hs->buf + at, avail, &full, NULL);
	push(hs, pr->type, at, full <= avail ? full : avail, full, h->end, quoted);
}

int pl_hdrs_parse(const uint8_t *buf, size_t len, struct pl_hdrs *hs, struct pl_err *err)
{
	struct pl_pkt p;
	size_t icmp, qoff, qlen, qend;
	int rc;

	memset(hs, 0, sizeof(*hs));
	hs->buf = buf;
	hs->len = len;
	rc = pl_ipv4_parse(buf, len, &p, err);
	if (rc)
		return rc;
	push(hs, PL_HDR_IPV4, 0, (size_t)p.ip.ihl * 4, (size_t)p.ip.ihl * 4, p.ip.total_length, false);
	transport(hs, 0, false);
	if (hs->n != 2 || hs->h[1].type != PL_HDR_ICMP || !pl_icmp_is_error(buf[hs->h[1].off]))
		return 0;
	/* the quoted datagram: its IPv4 header must be whole; its total length is what it
	 * was, the quote usually shorter */
	icmp = 1;
	qoff = hs->h[icmp].off + PL_ICMP_HDR_LEN;
	if (hs->h[icmp].end - qoff < PL_IPV4_HDR_MIN || ipv4_len(buf + qoff, hs->h[icmp].end - qoff, &qlen, NULL))
		return 0;
	qend = qoff + pl_get16(buf + qoff + 2);
	if (qend > hs->h[icmp].end)
		qend = hs->h[icmp].end;
	if (qend < qoff + qlen)
		qend = qoff + qlen;
	push(hs, PL_HDR_IPV4, qoff, qlen, qlen, qend, true);
	transport(hs, hs->n - 1, true);
	return 0;
}

int pl_hdrs_find(const struct pl_hdrs *hs, enum pl_hdr_type t, bool quoted)
{
	for (size_t i = 0; i < hs->n; i++)
		if (hs->h[i].type == t && hs->h[i].quoted == quoted)
			return (int)i;
	return -1;
}

bool pl_hdrs_csum(const struct pl_hdrs *hs, size_t i, uint16_t *correct)
{
	const struct pl_proto *pr = pl_proto(hs->h[i].type);

	if (!pr || pr->csum_at < 0 || hs->h[i].quoted || hs->h[i].len < hs->h[i].full)
		return false;
	*correct = pr->csum(hs, i);
	return true;
}

bool pl_hdrs_fill_csum(uint8_t *buf, const struct pl_hdrs *hs, size_t i)
{
	uint16_t c;

	if (!pl_hdrs_csum(hs, i, &c))
		return false;
	pl_put16(buf + hs->h[i].off + pl_proto(hs->h[i].type)->csum_at, c);
	return true;
}
