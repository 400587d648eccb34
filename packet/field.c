#include "packet/field.h"

#include <stdio.h>
#include <string.h>

#include "packet/bytes.h"
#include "packet/ipv4.h"

#define IP PL_HDR_IPV4
#define ICMP PL_HDR_ICMP
#define UDP PL_HDR_UDP
#define TCP PL_HDR_TCP
#define NONE PL_HDR_NONE
#define A PL_FF_ALIAS

/* A width of 0 is not a number: the header's variable part (ip.opt), or bytes that are no
 * header's (payload, hex, ...). */
static const struct pl_fdesc fields[F__COUNT] = {
	/*               name          long name          hdr  off w sh bits sc fmt      dfmt        syntax       max          diff */
	[F_IP_VERSION] = { "ip.version", NULL,            IP,   0, 1, 4, 4,  1, PF_DEC,  PF_DEC,     FK_NUM,      15,          PD_EQUAL, 0 },
	[F_IP_IHL] =     { "ip.ihl",     NULL,            IP,   0, 1, 0, 4,  1, PF_DEC,  PF_DEC,     FK_LEN,      15,          PD_EXACT_ONLY, 0 },
	[F_IP_TOS] =     { "ip.tos",     NULL,            IP,   1, 1, 0, 8,  1, PF_HEX2, PF_HEX4,    FK_NUM,      255,         PD_EXACT_ONLY, 0 },
	[F_IP_LEN] =     { "ip.len",     "ip.total_length", IP, 2, 2, 0, 16, 1, PF_DEC,  PF_DEC,     FK_LEN,      65535,       PD_TOTAL_LEN, A },
	[F_IP_ID] =      { "ip.id",      NULL,            IP,   4, 2, 0, 16, 1, PF_HEX4, PF_HEX4,    FK_NUM,      65535,       PD_EXACT_ONLY, 0 },
	[F_IP_FLAGS] =   { "ip.flags",   NULL,            IP,   6, 2, 13, 3, 1, PF_HEX2, PF_IPFLAGS, FK_IPFLAGS,  7,           PD_FLAGS, 0 },
	[F_IP_DF] =      { "ip.df",      NULL,            IP,   6, 2, 14, 1, 1, PF_DEC,  PF_DEC,     FK_BOOL,     1,           PD_NONE, 0 },
	[F_IP_MF] =      { "ip.mf",      NULL,            IP,   6, 2, 13, 1, 1, PF_DEC,  PF_DEC,     FK_BOOL,     1,           PD_NONE, 0 },
	[F_IP_RF] =      { "ip.rf",      NULL,            IP,   6, 2, 15, 1, 1, PF_DEC,  PF_DEC,     FK_BOOL,     1,           PD_NONE, 0 },
	/* a byte offset in the language; a diff shows the field's own 8-byte units */
	[F_IP_FRAG] =    { "ip.frag",    "ip.frag_offset", IP,  6, 2, 0, 13, 8, PF_DEC,  PF_DEC,     FK_FRAG,     8191 * 8,    PD_EQUAL, 0 },
	[F_IP_TTL] =     { "ip.ttl",     NULL,            IP,   8, 1, 0, 8,  1, PF_DEC,  PF_DEC,     FK_NUM,      255,         PD_NONZERO, 0 },
	[F_IP_PROTO] =   { "ip.proto",   "ip.protocol",   IP,   9, 1, 0, 8,  1, PF_DEC,  PF_DEC,     FK_PROTO,    255,         PD_EQUAL, A },
	[F_IP_CSUM] =    { "ip.csum",    "ip.checksum",   IP,  10, 2, 0, 16, 1, PF_HEX4, PF_HEX4,    FK_CSUM,     65535,       PD_CSUM, A },
	[F_IP_SRC] =     { "ip.src",     NULL,            IP,  12, 4, 0, 32, 1, PF_ADDR, PF_ADDR,    FK_ADDR,     0,           PD_EQUAL, 0 },
	[F_IP_DST] =     { "ip.dst",     NULL,            IP,  16, 4, 0, 32, 1, PF_ADDR, PF_ADDR,    FK_ADDR,     0,           PD_EQUAL, 0 },
	[F_IP_OPT] =     { "ip.opt",     "ip.options",    IP,  20, 0, 0, 0,  1, PF_DEC,  PF_DEC,     FK_OPT,      0,           PD_EXACT_ONLY, A },
	[F_ICMP_TYPE] =  { "icmp.type",  NULL,            ICMP, 0, 1, 0, 8,  1, PF_DEC,  PF_DEC,     FK_ICMPTYPE, 255,         PD_EQUAL, 0 },
	[F_ICMP_CODE] =  { "icmp.code",  NULL,            ICMP, 1, 1, 0, 8,  1, PF_DEC,  PF_DEC,     FK_NUM,      255,         PD_ZERO_OR_EQUAL, 0 },
	[F_ICMP_CSUM] =  { "icmp.csum",  "icmp.checksum", ICMP, 2, 2, 0, 16, 1, PF_HEX4, PF_HEX4,    FK_CSUM,     65535,       PD_CSUM, A },
	[F_ICMP_ID] =    { "icmp.id",    NULL,            ICMP, 4, 2, 0, 16, 1, PF_HEX4, PF_HEX4,    FK_NUM,      65535,       PD_EQUAL, 0 },
	[F_ICMP_SEQ] =   { "icmp.seq",   NULL,            ICMP, 6, 2, 0, 16, 1, PF_DEC,  PF_DEC,     FK_NUM,      65535,       PD_EQUAL, 0 },
	[F_ICMP_REST] =  { "icmp.rest",  NULL,            ICMP, 4, 4, 0, 32, 1, PF_HEX8, PF_HEX8,    FK_NUM,      0xffffffffu, PD_NONE, 0 },
	[F_UDP_SPORT] =  { "udp.sport",  NULL,            UDP,  0, 2, 0, 16, 1, PF_DEC,  PF_DEC,     FK_NUM,      65535,       PD_EQUAL, 0 },
	[F_UDP_DPORT] =  { "udp.dport",  NULL,            UDP,  2, 2, 0, 16, 1, PF_DEC,  PF_DEC,     FK_NUM,      65535,       PD_EQUAL, 0 },
	[F_UDP_LEN] =    { "udp.len",    NULL,            UDP,  4, 2, 0, 16, 1, PF_DEC,  PF_DEC,     FK_LEN,      65535,       PD_EQUAL, 0 },
	[F_UDP_CSUM] =   { "udp.csum",   "udp.checksum",  UDP,  6, 2, 0, 16, 1, PF_HEX4, PF_HEX4,    FK_CSUM,     65535,       PD_CSUM, A },
	[F_TCP_SPORT] =  { "tcp.sport",  NULL,            TCP,  0, 2, 0, 16, 1, PF_DEC,  PF_DEC,     FK_NUM,      65535,       PD_EQUAL, 0 },
	[F_TCP_DPORT] =  { "tcp.dport",  NULL,            TCP,  2, 2, 0, 16, 1, PF_DEC,  PF_DEC,     FK_NUM,      65535,       PD_EQUAL, 0 },
	[F_TCP_SEQ] =    { "tcp.seq",    NULL,            TCP,  4, 4, 0, 32, 1, PF_DEC,  PF_DEC,     FK_NUM,      0xffffffffu, PD_EQUAL, 0 },
	[F_TCP_ACK] =    { "tcp.ack",    NULL,            TCP,  8, 4, 0, 32, 1, PF_DEC,  PF_DEC,     FK_NUM,      0xffffffffu, PD_EQUAL, 0 },
	[F_TCP_DOFF] =   { "tcp.doff",   NULL,            TCP, 12, 1, 4, 4,  1, PF_DEC,  PF_DEC,     FK_NUM,      15,          PD_EQUAL, 0 },
	[F_TCP_FLAGS] =  { "tcp.flags",  NULL,            TCP, 13, 1, 0, 8,  1, PF_HEX2, PF_HEX2,    FK_TCPFLAGS, 255,         PD_EQUAL, 0 },
	[F_TCP_WIN] =    { "tcp.win",    NULL,            TCP, 14, 2, 0, 16, 1, PF_DEC,  PF_DEC,     FK_NUM,      65535,       PD_EQUAL, 0 },
	[F_TCP_CSUM] =   { "tcp.csum",   "tcp.checksum",  TCP, 16, 2, 0, 16, 1, PF_HEX4, PF_HEX4,    FK_CSUM,     65535,       PD_CSUM, A },
	[F_PAYLOAD] =    { "payload",    NULL,            NONE, 0, 0, 0, 0,  1, PF_DEC,  PF_DEC,     FK_BYTES,    0,           PD_NONE, 0 },
	[F_L4] =         { "l4",         NULL,            NONE, 0, 0, 0, 0,  1, PF_DEC,  PF_DEC,     FK_BYTES,    0,           PD_NONE, 0 },
	[F_HEX] =        { "hex",        NULL,            NONE, 0, 0, 0, 0,  1, PF_DEC,  PF_DEC,     FK_HEX,      0,           PD_NONE, 0 },
	[F_TRUNCATE] =   { "truncate",   NULL,            NONE, 0, 0, 0, 0,  1, PF_DEC,  PF_DEC,     FK_NUM,      65535,       PD_NONE, 0 },
	[F_APPEND] =     { "append",     NULL,            NONE, 0, 0, 0, 0,  1, PF_DEC,  PF_DEC,     FK_BYTES,    0,           PD_NONE, 0 },
	[F_ETHERTYPE] =  { "ethertype",  NULL,            NONE, 0, 0, 0, 0,  1, PF_DEC,  PF_DEC,     FK_NUM,      65535,       PD_NONE, 0 },
};

const struct pl_fdesc *pl_fdesc(enum pl_field f)
{
	return (unsigned)f < F__COUNT ? &fields[f] : NULL;
}

const char *pl_field_name(enum pl_field f)
{
	return (unsigned)f < F__COUNT ? fields[f].name : "?";
}

int pl_field_by_name(const char *name)
{
	for (int i = 0; i < F__COUNT; i++)
		if (!strcmp(fields[i].name, name) ||
		    (fields[i].flags & PL_FF_ALIAS && fields[i].long_name && !strcmp(fields[i].long_name, name)))
			return i;
	return -1;
}

int pl_field_value_str(enum pl_field f, uint32_t v, char *out, size_t n)
{
	char a[16];

	switch ((unsigned)f < F__COUNT ? fields[f].fmt : PF_DEC) {
	case PF_ADDR: return snprintf(out, n, "%s", pl_ip_str(v, a));
	case PF_HEX2: return snprintf(out, n, "0x%02x", v);
	case PF_HEX4: return snprintf(out, n, "0x%04x", v);
	case PF_HEX8: return snprintf(out, n, "0x%08x", v);
	default: return snprintf(out, n, "%u", v);
	}
}

static uint32_t mask(unsigned bits)
{
	return bits >= 32 ? 0xffffffffu : (1u << bits) - 1;
}

static uint32_t word(const uint8_t *p, unsigned width)
{
	return width == 1 ? p[0] : width == 2 ? pl_get16(p) : pl_get32(p);
}

uint32_t pl_field_raw(const struct pl_fdesc *d, const uint8_t *p)
{
	return word(p + d->off, d->width) >> d->shift & mask(d->bits);
}

void pl_field_put_raw(const struct pl_fdesc *d, uint8_t *p, uint32_t raw)
{
	uint32_t m = mask(d->bits) << d->shift, w = (word(p + d->off, d->width) & ~m) | ((raw << d->shift) & m);

	if (d->width == 1)
		p[d->off] = (uint8_t)w;
	else if (d->width == 2)
		pl_put16(p + d->off, w);
	else
		pl_put32(p + d->off, w);
}

/* the header of field d in hs, with the field's bytes inside it; NULL if there is none */
static const struct pl_hdr *where(const struct pl_hdrs *hs, const struct pl_fdesc *d, bool quoted)
{
	int i;

	if (!d || !d->width || d->hdr == PL_HDR_NONE)
		return NULL;
	i = pl_hdrs_find(hs, d->hdr, quoted);
	if (i < 0 || (size_t)d->off + d->width > hs->h[i].len)
		return NULL;
	return &hs->h[i];
}

bool pl_field_get(const struct pl_hdrs *hs, enum pl_field f, bool quoted, uint32_t *v)
{
	const struct pl_fdesc *d = pl_fdesc(f);
	const struct pl_hdr *h = where(hs, d, quoted);

	if (!h)
		return false;
	*v = pl_field_raw(d, hs->buf + h->off) * d->scale;
	return true;
}

bool pl_field_set(uint8_t *buf, const struct pl_hdrs *hs, enum pl_field f, bool quoted, uint32_t v)
{
	const struct pl_fdesc *d = pl_fdesc(f);
	const struct pl_hdr *h = where(hs, d, quoted);

	if (!h)
		return false;
	pl_field_put_raw(d, buf + h->off, v / d->scale);
	return true;
}

uint32_t pl_field_read(const uint8_t *hdr, enum pl_field f)
{
	return pl_field_raw(pl_fdesc(f), hdr) * pl_fdesc(f)->scale;
}

void pl_field_write(uint8_t *hdr, enum pl_field f, uint32_t v)
{
	pl_field_put_raw(pl_fdesc(f), hdr, v / pl_fdesc(f)->scale);
}
