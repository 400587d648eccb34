#include "packet/diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "packet/ipv4.h"

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

static void num(struct pl_diff *d, const char *field, unsigned e, unsigned g)
{
	if (e != g)
		add(d, "%s: expected %u, got %u", field, e, g);
}

static void hex16(struct pl_diff *d, const char *field, unsigned e, unsigned g)
{
	if (e != g)
		add(d, "%s: expected 0x%04x, got 0x%04x", field, e, g);
}

static void addr(struct pl_diff *d, const char *field, uint32_t e, uint32_t g)
{
	char a[16], b[16];

	if (e != g)
		add(d, "%s: expected %s, got %s", field, pl_ip_str(e, a), pl_ip_str(g, b));
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

size_t pl_diff(const uint8_t *exp, size_t exp_len, const uint8_t *got, size_t got_len,
	       enum pl_strict strict, struct pl_diff *d)
{
	struct pl_pkt e, g;
	struct pl_err err;
	char fa[16], fb[16];
	bool rfc = strict == PL_STRICT_RFC;

	memset(d, 0, sizeof(*d));
	if (pl_pkt_parse(exp, exp_len, &e, &err)) {
		add(d, "expected packet: unparseable (%s)", err.msg);
		return d->count;
	}
	if (pl_pkt_parse(got, got_len, &g, &err)) {
		add(d, "ip: unparseable (%s)", err.msg);
		bytes(d, "bytes", exp, exp_len, got, got_len);
		return d->count;
	}

	num(d, "ip.version", e.ip.version, g.ip.version);
	if (!rfc) {
		num(d, "ip.ihl", e.ip.ihl, g.ip.ihl);
		hex16(d, "ip.tos", e.ip.tos, g.ip.tos);
	}
	num(d, "ip.total_length", rfc ? g.ip.ihl * 4u + e.ip.total_length - e.ip.ihl * 4u
				     : e.ip.total_length, g.ip.total_length);
	if (!rfc)
		hex16(d, "ip.id", e.ip.id, g.ip.id);
	if (rfc) {
		if (g.ip.flags & (PL_IP_FLAG_RF | PL_IP_FLAG_MF))
			add(d, "ip.flags: expected no RF/MF, got %s", flag_str(g.ip.flags, fb));
	} else if (e.ip.flags != g.ip.flags) {
		add(d, "ip.flags: expected %s, got %s", flag_str(e.ip.flags, fa), flag_str(g.ip.flags, fb));
	}
	num(d, "ip.frag_offset", e.ip.frag_offset, g.ip.frag_offset);
	if (!rfc)
		num(d, "ip.ttl", e.ip.ttl, g.ip.ttl);
	else if (g.ip.ttl == 0)
		add(d, "ip.ttl: expected > 0, got 0");
	num(d, "ip.protocol", e.ip.protocol, g.ip.protocol);
	if (rfc)
		csum_valid(d, "ip.checksum", g.ip.checksum, pl_ipv4_compute_csum(got, g.ip.ihl * 4u));
	else
		hex16(d, "ip.checksum", e.ip.checksum, g.ip.checksum);
	addr(d, "ip.src", e.ip.src, g.ip.src);
	addr(d, "ip.dst", e.ip.dst, g.ip.dst);
	if (!rfc)
		bytes(d, "ip.options", e.ip.options, e.ip.options_len, g.ip.options, g.ip.options_len);

	if (e.is_icmp && g.is_icmp) {
		num(d, "icmp.type", e.icmp.type, g.icmp.type);
		if (!rfc || g.icmp.code != 0)
			num(d, "icmp.code", e.icmp.code, g.icmp.code);
		if (rfc)
			csum_valid(d, "icmp.checksum", g.icmp.checksum, pl_icmp_compute_csum(g.l4, g.l4_len));
		else
			hex16(d, "icmp.checksum", e.icmp.checksum, g.icmp.checksum);
		hex16(d, "icmp.id", e.icmp.id, g.icmp.id);
		num(d, "icmp.seq", e.icmp.seq, g.icmp.seq);
		bytes(d, "icmp.payload", e.icmp.payload, e.icmp.payload_len, g.icmp.payload,
		      g.icmp.payload_len);
	} else if (e.is_icmp) {
		add(d, "icmp: expected an ICMP message, got %zu bytes of %s%s", g.l4_len,
		    pl_proto_name(g.ip.protocol), g.ip.flags & PL_IP_FLAG_MF || g.ip.frag_offset ? " fragment" : "");
	} else {
		bytes(d, "ip.payload", e.l4, e.l4_len, g.l4, g.l4_len);
	}
	if (g.trailing)
		add(d, "length: expected %zu bytes, got %zu (%zu bytes beyond total length)",
		    (size_t)g.ip.total_length, got_len, g.trailing);
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
