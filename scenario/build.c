/* build.c — turn a parsed send line into the bytes for one target.
 *
 * Layout rules (documented in scenarios/README.md):
 * - the header is 20 bytes plus ip.opt padded to a 4-byte multiple; ip.ihl and ip.len,
 *   when given, set the fields only, so a lying header is easy to write;
 * - `auto` checksums are computed last, over the bytes as laid out; `bad` is the correct
 *   value plus one (or plus N), never a value that would verify;
 * - for the kernel target, 10.77.2.2 in ip.src/ip.dst becomes 10.77.1.1 and any other
 *   10.77.2.x destination becomes 10.77.1.x, with checksums recomputed (auto) or kept
 *   wrong by the same amount (bad, or raw hex via RFC 1624 incremental update).
 */
#include "scenario/scenario.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "packet/bytes.h"
#include "packet/csum.h"
#include "packet/field.h"
#include "packet/ipv4.h"
#include "packet/rules.h"
#include "scenario/import.h"
#include "wire/pcap.h"

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

void pl_bytes_write(const struct pl_bytes *b, uint8_t *out)
{
	uint32_t i, k;

	for (i = 0; i < b->nsrc; i++) {
		const struct pl_src *c = &b->src[i];

		switch (c->kind) {
		case PL_SRC_LIT:
			if (c->len)
				memcpy(out, c->data, c->len);
			break;
		case PL_SRC_PATTERN:
			for (k = 0; k < c->len; k++)
				out[k] = c->data[k % c->dlen];
			break;
		case PL_SRC_ZERO:
			memset(out, 0, c->len);
			break;
		case PL_SRC_RANDOM: {
			uint64_t st = 0x9e3779b97f4a7c15ull ^ c->seed;

			for (k = 0; k < c->len; k++)
				out[k] = (uint8_t)(xorshift(&st) >> 24);
			break;
		}
		}
		out += c->len;
	}
}

static uint32_t map_addr(uint32_t a, enum pl_target_kind t)
{
	if (t != PL_TARGET_KERNEL)
		return a;
	if (a == PL_RESPONDER_ADDR)
		return PL_KERNEL_ADDR;
	if ((a & 0xffffff00u) == (PL_RESPONDER_ADDR & 0xffffff00u))
		return (PL_KERNEL_ADDR & 0xffffff00u) | (a & 0xff);
	return a;
}

/* Apply a checksum field mode to the correct value. */
static uint16_t csum_apply(const struct pl_fval *f, uint16_t correct)
{
	uint32_t v;

	if (f->mode == FM_VALUE)
		return (uint16_t)f->v;
	if (f->mode != FM_BAD)
		return correct;
	v = (correct + f->v) & 0xffff;
	/* 0x0000 and 0xffff are the same one's-complement number: step past the twin */
	if ((v == 0xffff && correct == 0x0000) || (v == 0x0000 && correct == 0xffff))
		v = (v + 1) & 0xffff;
	return (uint16_t)v;
}

static int build_raw(const struct pl_send *snd, enum pl_target_kind t, uint8_t *out, size_t cap,
		     size_t *len, struct pl_err *err)
{
	size_t n = snd->hex.len;

	if (n > cap)
		return pl_errf(err, -E2BIG, "hex packet of %zu bytes is too long", n);
	pl_bytes_write(&snd->hex, out);
	*len = n;
	if (t == PL_TARGET_KERNEL && n >= 20)
		pl_ipv4_rewrite_addr(out, n, true, map_addr(pl_get32(out + 16), t));
	return 0;
}

static uint32_t fv(const struct pl_fval *f, uint32_t dflt)
{
	return f->mode == FM_VALUE ? f->v : dflt;
}

/* Header field fi of the header at hdr: v, where the field table says */
static void put(uint8_t *hdr, enum pl_field fi, uint32_t v)
{
	pl_field_write(hdr, fi, v);
}

/* ... the send line's value, else dflt */
static void put_or(uint8_t *hdr, const struct pl_fval *f, enum pl_field fi, uint32_t dflt)
{
	put(hdr, fi, fv(&f[fi], dflt));
}

size_t pl_scn_npackets(const struct pl_scenario *s)
{
	return (s->pcap ? s->pcap_n : s->nsend) * s->repeat;
}

int pl_scn_build_pcap(const struct pl_scenario *s, struct pl_cap_reader *r, enum pl_target_kind t, uint8_t *out,
		      size_t cap, size_t *len, struct pl_err *err)
{
	struct pl_cap_pkt p;
	int rc = pl_cap_next(r, &p, err);

	if (rc <= 0) {
		if (rc < 0)
			pl_err_prefix(err, rc, "%s", s->pcap);
		return rc;
	}
	if (p.len > cap)
		return pl_errf(err, -E2BIG, "%s: packet %zu of %zu bytes is too long", s->pcap, r->n, p.len);
	memcpy(out, p.data, p.len);
	pl_import_relocate(out, p.len);
	if (t == PL_TARGET_KERNEL && p.len >= 20)
		pl_ipv4_rewrite_addr(out, p.len, true, map_addr(pl_get32(out + 16), t));
	*len = p.len;
	return 1;
}

void pl_scn_pcap_expect(const struct pl_scenario *s, enum pl_target_kind t, const struct pl_stack *stack,
			const uint8_t *pkt, size_t len, struct pl_expect *e)
{
	static uint8_t rep[65536];
	struct pl_decision d;
	size_t n;

	memset(e, 0, sizeof(*e));
	if (t == PL_TARGET_KERNEL) {
		const struct pl_expect *k = stack->id == PL_STACK_HOST && s->expect_kernel_host[0].kind
						    ? &s->expect_kernel_host[0] : &s->expect_kernel[0];

		if (k->kind)
			*e = *k;
		else
			e->kind = EXP_EITHER;
		return;
	}
	e->kind = stack->reply(pkt, len, PL_RESPONDER_ADDR, rep, sizeof(rep), &n, &d, NULL) == 0 &&
			  d.action == PL_ACTION_REPLY
		  ? EXP_REPLY : EXP_DROP;
}

int pl_scn_build(const struct pl_scenario *s, size_t idx, unsigned rep, enum pl_target_kind t,
		 uint8_t *out, size_t cap, size_t *len, uint16_t *ethertype, struct pl_err *err)
{
	const struct pl_send *snd = &s->send[idx];
	const struct pl_fval *f = snd->f;
	uint8_t l4[65536 + 64];
	size_t l4len = 0, optpad, hl, n = 0;
	uint8_t proto;
	uint32_t src, dst, flags;
	struct pl_ipv4 ip;
	int rc;

	*ethertype = (uint16_t)fv(&f[F_ETHERTYPE], 0x0800);
	if (snd->hex.nsrc || f[F_HEX].mode) {
		rc = build_raw(snd, t, out, cap, &n, err);
		if (rc)
			return rc;
		goto tail;
	}

	src = map_addr(fv(&f[F_IP_SRC], PL_GEN_ADDR), t);
	dst = f[F_IP_DST].mode ? map_addr(f[F_IP_DST].v, t)
			       : t == PL_TARGET_KERNEL ? PL_KERNEL_ADDR : PL_RESPONDER_ADDR;

	if (f[F_IP_PROTO].mode)
		proto = (uint8_t)f[F_IP_PROTO].v;
	else if (f[F_UDP_SPORT].mode || f[F_UDP_DPORT].mode || f[F_UDP_LEN].mode || f[F_UDP_CSUM].mode)
		proto = PL_PROTO_UDP;
	else if (f[F_TCP_SPORT].mode || f[F_TCP_DPORT].mode || f[F_TCP_SEQ].mode || f[F_TCP_ACK].mode ||
		 f[F_TCP_FLAGS].mode || f[F_TCP_WIN].mode || f[F_TCP_CSUM].mode)
		proto = PL_PROTO_TCP;
	else
		proto = PL_PROTO_ICMP;

	/* layer 4 */
	if (snd->l4.nsrc || f[F_L4].mode) {
		pl_bytes_write(&snd->l4, l4);
		l4len = snd->l4.len;
	} else if (proto == PL_PROTO_ICMP) {
		uint16_t id = (uint16_t)(s->hash >> 16), seq;

		if (8 + snd->payload.len > 65515)
			return pl_errf(err, -E2BIG, "payload of %zu bytes does not fit an IPv4 packet (at most 65507 bytes after the 20-byte IPv4 and 8-byte ICMP headers)",
				       snd->payload.len);
		memset(l4, 0, PL_ICMP_HDR_LEN);
		put_or(l4, f, F_ICMP_TYPE, PL_ICMP_ECHO);
		put_or(l4, f, F_ICMP_CODE, 0);
		if (f[F_ICMP_REST].mode) {
			put(l4, F_ICMP_REST, f[F_ICMP_REST].v);
		} else {
			seq = (uint16_t)(fv(&f[F_ICMP_SEQ], 1) + rep);
			put_or(l4, f, F_ICMP_ID, id);
			put(l4, F_ICMP_SEQ, seq);
		}
		pl_bytes_write(&snd->payload, l4 + PL_ICMP_HDR_LEN);
		l4len = PL_ICMP_HDR_LEN + snd->payload.len;
		put(l4, F_ICMP_CSUM, csum_apply(&f[F_ICMP_CSUM], pl_csum(l4, l4len)));
	} else if (proto == PL_PROTO_UDP) {
		if (8 + snd->payload.len > 65515)
			return pl_errf(err, -E2BIG, "payload of %zu bytes does not fit an IPv4 packet (at most 65507 bytes after the 20-byte IPv4 and 8-byte UDP headers)",
				       snd->payload.len);
		memset(l4, 0, 8);
		put_or(l4, f, F_UDP_SPORT, 40000 + (uint16_t)(s->hash & 0xfff));
		put_or(l4, f, F_UDP_DPORT, 33434);
		put_or(l4, f, F_UDP_LEN, (uint32_t)(8 + snd->payload.len));
		pl_bytes_write(&snd->payload, l4 + 8);
		l4len = 8 + snd->payload.len;
		{
			uint16_t c = pl_csum_pseudo(src, dst, PL_PROTO_UDP, l4, l4len);

			put(l4, F_UDP_CSUM, csum_apply(&f[F_UDP_CSUM], c ? c : 0xffff)); /* RFC 768 */
		}
	} else if (proto == PL_PROTO_TCP) {
		if (20 + snd->payload.len > 65515)
			return pl_errf(err, -E2BIG, "payload of %zu bytes does not fit an IPv4 packet (at most 65495 bytes after the 20-byte IPv4 and 20-byte TCP headers)",
				       snd->payload.len);
		memset(l4, 0, 20);
		put_or(l4, f, F_TCP_SPORT, 40000 + (uint16_t)(s->hash & 0xfff));
		put_or(l4, f, F_TCP_DPORT, 9); /* discard: closed in the lab */
		put_or(l4, f, F_TCP_SEQ, 1);
		put_or(l4, f, F_TCP_ACK, 0);
		put_or(l4, f, F_TCP_DOFF, 5);
		put_or(l4, f, F_TCP_FLAGS, 0x02 /* SYN */);
		put_or(l4, f, F_TCP_WIN, 64240);
		pl_bytes_write(&snd->payload, l4 + 20);
		l4len = 20 + snd->payload.len;
		put(l4, F_TCP_CSUM, csum_apply(&f[F_TCP_CSUM], pl_csum_pseudo(src, dst, PL_PROTO_TCP, l4, l4len)));
	} else {
		pl_bytes_write(&snd->payload, l4);
		l4len = snd->payload.len;
	}

	/* IPv4 header: layout from the options, fields as given */
	optpad = (snd->opt.len + 3) / 4 * 4;
	hl = PL_IPV4_HDR_MIN + optpad;
	if (hl + l4len > 65535 || hl + l4len > cap)
		return pl_errf(err, -E2BIG, "packet of %zu bytes exceeds 65535", hl + l4len);
	if (f[F_IP_FLAGS].mode)
		flags = f[F_IP_FLAGS].v;
	else
		flags = (fv(&f[F_IP_RF], 0) ? PL_IP_FLAG_RF : 0) | (fv(&f[F_IP_DF], 0) ? PL_IP_FLAG_DF : 0) |
			(fv(&f[F_IP_MF], 0) ? PL_IP_FLAG_MF : 0);
	memset(&ip, 0, sizeof(ip));
	ip.version = (uint8_t)fv(&f[F_IP_VERSION], 4);
	ip.ihl = (uint8_t)(hl / 4);
	ip.tos = (uint8_t)fv(&f[F_IP_TOS], 0);
	ip.total_length = (uint16_t)fv(&f[F_IP_LEN], (uint32_t)(hl + l4len));
	ip.id = (uint16_t)fv(&f[F_IP_ID], (uint32_t)(s->hash >> 32) & 0xffff);
	ip.flags = (uint8_t)flags;
	ip.frag_offset = (uint16_t)(fv(&f[F_IP_FRAG], 0) / 8);
	ip.ttl = (uint8_t)fv(&f[F_IP_TTL], 64);
	ip.protocol = proto;
	ip.src = src;
	ip.dst = dst;
	pl_bytes_write(&snd->opt, ip.options);
	ip.options_len = snd->opt.len;
	rc = pl_ipv4_build(&ip, l4, l4len, out, cap, err);
	if (rc < 0)
		return rc;
	n = (size_t)rc;
	if (f[F_IP_IHL].mode == FM_VALUE) {
		put(out, F_IP_IHL, f[F_IP_IHL].v);
		/* the checksum covers the header the ihl claims, as far as the packet goes,
		 * so "ihl lies, checksum right" can be written */
		if (f[F_IP_IHL].v * 4 >= PL_IPV4_HDR_MIN)
			hl = f[F_IP_IHL].v * 4 <= n ? f[F_IP_IHL].v * 4 : n & ~(size_t)1;
	}
	put(out, F_IP_CSUM, csum_apply(&f[F_IP_CSUM], pl_ipv4_compute_csum(out, hl)));

tail:
	if (f[F_TRUNCATE].mode) {
		if (f[F_TRUNCATE].v > n)
			return pl_errf(err, -EINVAL, "truncate=%u is longer than the %zu-byte packet", f[F_TRUNCATE].v, n);
		n = f[F_TRUNCATE].v;
	}
	if (snd->append.len) {
		if (n + snd->append.len > cap)
			return pl_errf(err, -E2BIG, "append makes the frame longer than %zu bytes", cap);
		pl_bytes_write(&snd->append, out + n);
		n += snd->append.len;
	}
	if (n == 0)
		return pl_errf(err, -EINVAL, "the frame is empty");
	*len = n;
	return 0;
}
