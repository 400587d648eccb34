#include "packet/diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "packet/bytes.h"
#include "packet/field.h"
#include "packet/ipv4.h"
#include "packet/proto.h"

static void add(struct pl_diff *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct pl_diff *d, const char *fmt, ...)
{
	va_list ap;

	if (d->count < PL_DIFF_MAX_LINES) {
		va_start(ap, fmt);
		vsnprintf(d->lines[d->count], sizeof(d->lines[0]), fmt, ap);
		va_end(ap);
	}
	d->count++;
}

static void bytes(struct pl_diff *d, const char *field, const uint8_t *e, size_t el,
		  const uint8_t *g, size_t gl)
{
	size_t i, n = el < gl ? el : gl;

	for (i = 0; i < n && e[i] == g[i]; i++)
		;
	if (el != gl && i == n)
		add(d, "%s: expected %zu bytes, got %zu", field, el, gl);
	else if (el != gl)
		add(d, "%s: expected %zu bytes, got %zu, first difference at offset %zu: expected 0x%02x, got 0x%02x",
		    field, el, gl, i, e[i], g[i]);
	else if (i < n)
		add(d, "%s: first difference at offset %zu of %zu: expected 0x%02x, got 0x%02x",
		    field, i, n, e[i], g[i]);
}

static const char *flag_str(unsigned f, char buf[16])
{
	snprintf(buf, 16, "%s%s%s%s", f & PL_IP_FLAG_RF ? "RF," : "", f & PL_IP_FLAG_DF ? "DF," : "",
		 f & PL_IP_FLAG_MF ? "MF," : "", f ? "" : "none");
	if (f)
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

static void csum_valid(struct pl_diff *d, const char *field, uint16_t got, uint16_t correct)
{
	if (got != correct)
		add(d, "%s: expected 0x%04x (valid for the bytes sent), got 0x%04x", field, correct, got);
}

static void value(char *out, size_t n, enum pl_ffmt f, uint32_t v)
{
	char a[16];

	switch (f) {
	case PF_ADDR: snprintf(out, n, "%s", pl_ip_str(v, a)); break;
	case PF_IPFLAGS: flag_str(v, out); break;
	case PF_HEX2: case PF_HEX4: snprintf(out, n, "0x%04x", v); break;
	case PF_HEX8: snprintf(out, n, "0x%08x", v); break;
	default: snprintf(out, n, "%u", v); break;
	}
}

static void equal(struct pl_diff *d, const char *field, enum pl_ffmt f, uint32_t e, uint32_t g)
{
	char a[24], b[24];

	if (e == g)
		return;
	value(a, sizeof(a), f, e);
	value(b, sizeof(b), f, g);
	add(d, "%s: expected %s, got %s", field, a, b);
}

/* The fields of header ei of e against header gi of g, as the table says. A quoted header
 * is the datagram that was sent, so every field of it must be what was sent. */
static void diff_header(struct pl_diff *d, const struct pl_hdrs *e, size_t ei, const struct pl_hdrs *g,
			size_t gi, bool rfc)
{
	const struct pl_hdr *eh = &e->h[ei], *gh = &g->h[gi];
	const uint8_t *ep = e->buf + eh->off, *gp = g->buf + gh->off;
	bool quoted = eh->quoted;
	int f;

	for (f = 0; f < F__COUNT; f++) {
		const struct pl_fdesc *fd = pl_fdesc((enum pl_field)f);
		enum pl_fdiff pol = fd->diff;
		char qname[64];
		const char *name = fd->long_name ? fd->long_name : fd->name;
		uint32_t ev, gv;
		uint16_t ok;

		if (fd->hdr != eh->type || pol == PD_NONE)
			continue;
		/* the name as it is unless quoted: formatting it for every field of every
		 * packet was a third of the generator's instructions per packet (bench row 7) */
		if (quoted) {
			snprintf(qname, sizeof(qname), "%s%s", PL_QUOTED_PREFIX, name);
			name = qname;
		}
		if (!fd->width) {
			/* the header's variable part (options) */
			if (!rfc || pol != PD_EXACT_ONLY || quoted)
				bytes(d, name, ep + pl_proto(eh->type)->min_len, eh->len - pl_proto(eh->type)->min_len,
				      gp + pl_proto(gh->type)->min_len, gh->len - pl_proto(gh->type)->min_len);
			continue;
		}
		if ((size_t)fd->off + fd->width > eh->len)
			continue;
		if ((size_t)fd->off + fd->width > gh->len) {
			add(d, "%s: expected a value, got a header cut short at %zu bytes", name, gh->len);
			continue;
		}
		ev = pl_field_raw(fd, ep);
		gv = pl_field_raw(fd, gp);
		if (!rfc || quoted) {
			equal(d, name, fd->dfmt, ev, gv);
			continue;
		}
		switch (pol) {
		case PD_EXACT_ONLY:
			break;
		case PD_CSUM:
			if (pl_hdrs_csum(g, gi, &ok))
				csum_valid(d, name, (uint16_t)gv, ok);
			break;
		case PD_TOTAL_LEN:
			equal(d, name, fd->dfmt, (uint32_t)(gh->len + ev - eh->len), gv);
			break;
		case PD_FLAGS:
			if (gv & (PL_IP_FLAG_RF | PL_IP_FLAG_MF)) {
				char fb[16];

				add(d, "%s: expected no RF/MF, got %s", name, flag_str(gv, fb));
			}
			break;
		case PD_NONZERO:
			if (gv == 0)
				add(d, "%s: expected > 0, got 0", name);
			break;
		case PD_ZERO_OR_EQUAL:
			if (gv != 0)
				equal(d, name, fd->dfmt, ev, gv);
			break;
		default:
			equal(d, name, fd->dfmt, ev, gv);
			break;
		}
	}
}

static const char *what(enum pl_hdr_type t)
{
	switch (t) {
	case PL_HDR_ICMP: return "an ICMP message";
	case PL_HDR_UDP: return "a UDP datagram";
	case PL_HDR_TCP: return "a TCP segment";
	default: return "an IPv4 header";
	}
}

/* What the RFCs leave to the answering host, taken from the answer at the RFC level:
 * a timestamp reply's receive and transmit times (RFC 792), a SYN+ACK's initial sequence
 * number, window, data offset and options (RFC 9293 §3.4.1, §3.7.1), and how much of the
 * offending datagram an ICMP error quotes: any prefix of at least its IP header and 8
 * bytes (RFC 1122 §3.2.2) — the expected error quotes the most 576 bytes allow
 * (RFC 1812 §4.3.2.3), so an answer may quote less, never more. Writes the expected
 * packet with those parts taken from the answer to out (checksums still to fill) and
 * returns its length; 0 when nothing is free (e is then compared as it is). */
#define ADOPT_CAP 1600

static size_t adopt(const uint8_t *exp, size_t el, const struct pl_hdrs *e, const uint8_t *got,
		    const struct pl_hdrs *g, uint8_t *out)
{
	const struct pl_hdr *ei, *gi;
	size_t n;

	if (e->n < 2 || g->n < 2 || e->h[1].type != g->h[1].type || el > ADOPT_CAP)
		return 0;
	ei = &e->h[1];
	gi = &g->h[1];
	if (ei->type == PL_HDR_ICMP) {
		const uint8_t *ie = exp + ei->off, *ig = got + gi->off;
		size_t qe = ei->end - ei->off - 8, qg = gi->end - gi->off - 8, least;

		if (ie[0] != ig[0])
			return 0;
		if (ie[0] == 14 /* timestamp reply */ && qe == 12 && qg == 12) {
			memcpy(out, exp, el);
			memcpy(out + ei->off + 12, ig + 12, 8);
			return el;
		}
		if (!pl_icmp_is_error(ie[0]) || e->n < 3 || !e->h[2].quoted || qg >= qe)
			return 0;
		least = e->h[2].len + 8;
		if (qg < (qe < least ? qe : least))
			return 0;
		n = ei->off + 8 + qg;
		memcpy(out, exp, n);
		pl_put16(out + 2, (uint16_t)n);
		return n;
	}
	if (ei->type == PL_HDR_TCP && (exp[ei->off + 13] & 0x12) == 0x12 && (got[gi->off + 13] & 0x02)) {
		size_t data = ei->end - ei->off - ei->len;
		uint8_t *t = out + ei->off;

		n = ei->off + gi->len + data;
		if (n > ADOPT_CAP || n > 0xffff)
			return 0;
		memcpy(out, exp, ei->off);
		memcpy(t, got + gi->off, gi->len);
		memcpy(t + gi->len, exp + ei->off + ei->len, data);
		memcpy(t, exp + ei->off, 4);            /* ports */
		memcpy(t + 8, exp + ei->off + 8, 4);    /* acknowledgment */
		t[13] = exp[ei->off + 13];              /* flags */
		memcpy(t + 18, exp + ei->off + 18, 2);  /* urgent pointer */
		pl_put16(out + 2, (uint16_t)n);
		return n;
	}
	return 0;
}

size_t pl_diff(const uint8_t *exp, size_t exp_len, const uint8_t *got, size_t got_len,
	       enum pl_strict strict, struct pl_diff *d)
{
	uint8_t free_parts[ADOPT_CAP];
	struct pl_hdrs e, g;
	struct pl_err err;
	size_t i, trailing;

	memset(d, 0, sizeof(*d));
	if (pl_hdrs_parse(exp, exp_len, &e, &err)) {
		add(d, "expected packet: unparseable (%s)", err.msg);
		return d->count;
	}
	if (pl_hdrs_parse(got, got_len, &g, &err)) {
		add(d, "ip: unparseable (%s)", err.msg);
		bytes(d, "bytes", exp, exp_len, got, got_len);
		return d->count;
	}
	if (strict == PL_STRICT_RFC) {
		size_t n = adopt(exp, exp_len, &e, got, &g, free_parts);

		if (n && !pl_hdrs_parse(free_parts, n, &e, NULL)) {
			for (i = e.n; i-- > 0;)
				if (!e.h[i].quoted)
					pl_hdrs_fill_csum(free_parts, &e, i);
			exp = free_parts;
			exp_len = n;
		} else if (n) {
			pl_hdrs_parse(exp, exp_len, &e, NULL);
		}
	}
	/* header by header while both have the same one, then what the last one carries */
	for (i = 0; i < e.n; i++) {
		const struct pl_hdr *last;
		char name[48];

		if (i >= g.n || g.h[i].type != e.h[i].type || g.h[i].quoted != e.h[i].quoted) {
			const struct pl_hdr *up = &g.h[i - 1];
			const uint8_t *ip = got + g.h[0].off;

			add(d, "%s%s: expected %s, got %zu bytes of %s%s", e.h[i].quoted ? PL_QUOTED_PREFIX : "",
			    pl_proto(e.h[i].type)->name, what(e.h[i].type), up->end - up->off - up->len,
			    i >= g.n || up->type == PL_HDR_IPV4 ? pl_proto_name(ip[9]) : pl_proto(g.h[i].type)->name,
			    pl_get16(ip + 6) & 0x3fff ? " fragment" : "");
			break;
		}
		diff_header(d, &e, i, &g, i, strict == PL_STRICT_RFC);
		if (i + 1 < e.n)
			continue;
		last = &e.h[i];
		snprintf(name, sizeof(name), "%s%s.payload", last->quoted ? PL_QUOTED_PREFIX : "", pl_proto(last->type)->name);
		bytes(d, name, exp + last->off + last->len, last->end - last->off - last->len,
		      got + g.h[i].off + g.h[i].len, g.h[i].end - g.h[i].off - g.h[i].len);
	}
	trailing = got_len - g.h[0].end;
	if (trailing)
		add(d, "length: expected %zu bytes, got %zu (%zu bytes beyond total length)", g.h[0].end, got_len, trailing);
	return d->count;
}

void pl_diff_join(const struct pl_diff *d, char *out, size_t outsz)
{
	size_t i, n = d->count < PL_DIFF_MAX_LINES ? d->count : PL_DIFF_MAX_LINES, used = 0;

	if (!outsz)
		return;
	out[0] = '\0';
	for (i = 0; i < n && used + 1 < outsz; i++) {
		int w = snprintf(out + used, outsz - used, "%s%s", i ? "; " : "", d->lines[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (d->count > n && used + 1 < outsz)
		snprintf(out + used, outsz - used, "; ... %zu more", d->count - n);
}
