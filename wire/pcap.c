#include "wire/pcap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p, int swap)
{
	return swap ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]
		    : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t rd16(const uint8_t *p, int swap)
{
	return swap ? (uint16_t)(p[1] << 8 | p[0]) : (uint16_t)(p[0] << 8 | p[1]);
}

/* Strip the link header; returns the offset of the IPv4 packet or -1 if it is not one. */
static long ipv4_offset(uint32_t linktype, const uint8_t *d, size_t n)
{
	switch (linktype) {
	case 1: /* Ethernet, with any 802.1Q tags */
		if (n >= 14) {
			size_t off = 12;

			while (off + 4 <= n && d[off] == 0x81 && d[off + 1] == 0x00)
				off += 4;
			if (off + 2 <= n && d[off] == 0x08 && d[off + 1] == 0x00)
				return (long)off + 2;
		}
		return -1;
	case 101: case 228: case 12: case 14:
		return n >= 1 && (d[0] >> 4) == 4 ? 0 : -1;
	case 113: /* Linux cooked v1: protocol at 14 */
		return n >= 16 && d[14] == 0x08 && d[15] == 0x00 ? 16 : -1;
	case 276: /* Linux cooked v2: protocol at 0 */
		return n >= 20 && d[0] == 0x08 && d[1] == 0x00 ? 20 : -1;
	case 0: case 108: { /* BSD loopback: 4-byte AF_INET (2), either byte order */
		uint32_t fam;

		if (n < 4)
			return -1;
		fam = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
		return fam == 2 || fam == 0x02000000u ? 4 : -1;
	}
	default:
		return -1;
	}
}

static int add(struct pl_capture *c, uint32_t linktype, const uint8_t *d, size_t n, int64_t ts,
	       struct pl_err *err)
{
	long off = ipv4_offset(linktype, d, n);
	struct pl_cap_pkt *p;

	if (off < 0 || (size_t)off >= n) {
		c->skipped++;
		return 0;
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct pl_cap_pkt *nv = realloc(c->v, ncap * sizeof(*nv));

		if (!nv)
			return pl_errf(err, -ENOMEM, "out of memory");
		c->v = nv;
		c->cap = ncap;
	}
	p = &c->v[c->n];
	p->len = n - (size_t)off;
	p->data = malloc(p->len);
	if (!p->data)
		return pl_errf(err, -ENOMEM, "out of memory");
	memcpy(p->data, d + off, p->len);
	p->ts_ns = ts;
	c->n++;
	return 0;
}

static int parse_pcap(const uint8_t *b, size_t len, struct pl_capture *c, struct pl_err *err)
{
	uint32_t magic = rd32(b, 0);
	int swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	int nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	uint32_t linktype;
	size_t off = 24;

	if (len < 24)
		return pl_errf(err, -EINVAL, "offset 0: pcap header truncated (%zu bytes)", len);
	linktype = rd32(b + 20, swap) & 0x0fffffff;
	while (off < len) {
		uint32_t sec, frac, incl;
		int rc;

		if (len - off < 16)
			return pl_errf(err, -EINVAL, "offset %zu: record header truncated", off);
		sec = rd32(b + off, swap);
		frac = rd32(b + off + 4, swap);
		incl = rd32(b + off + 8, swap);
		if (incl > len - off - 16)
			return pl_errf(err, -EINVAL, "offset %zu: record of %u bytes runs past the end", off, incl);
		rc = add(c, linktype, b + off + 16, incl,
			 (int64_t)sec * 1000000000 + (int64_t)frac * (nano ? 1 : 1000), err);
		if (rc)
			return rc;
		off += 16 + incl;
	}
	return 0;
}

static int parse_pcapng(const uint8_t *b, size_t len, struct pl_capture *c, struct pl_err *err)
{
	uint32_t linktypes[64];
	uint64_t tsres[64];
	size_t nif = 0, off = 0;
	int swap = 0;

	while (off < len) {
		uint32_t type, blen;
		const uint8_t *p = b + off;
		int rc;

		if (len - off < 12)
			return pl_errf(err, -EINVAL, "offset %zu: block header truncated", off);
		type = rd32(p, swap);
		if (type == 0x0a0d0d0au) {
			uint32_t bom;

			if (len - off < 28)
				return pl_errf(err, -EINVAL, "offset %zu: section header truncated", off);
			bom = rd32(p + 8, 0);
			if (bom == 0x1a2b3c4du)
				swap = 0;
			else if (bom == 0x4d3c2b1au)
				swap = 1;
			else
				return pl_errf(err, -EINVAL, "offset %zu: bad byte-order magic", off);
			nif = 0; /* interfaces are per section */
		}
		blen = rd32(p + 4, swap);
		if (blen < 12 || blen % 4 || blen > len - off)
			return pl_errf(err, -EINVAL, "offset %zu: block length %u is invalid", off, blen);
		if (type == 1) { /* interface description */
			if (blen < 20)
				return pl_errf(err, -EINVAL, "offset %zu: interface block too short", off);
			if (nif < 64) {
				size_t o = 16;

				linktypes[nif] = rd16(p + 8, swap);
				tsres[nif] = 1000; /* default: microseconds */
				/* options: look for if_tsresol (9) */
				while (o + 4 <= blen - 4) {
					uint16_t code = rd16(p + o, swap), olen = rd16(p + o + 2, swap);

					if (code == 0 || o + 4 + olen > blen - 4)
						break;
					if (code == 9 && olen >= 1) {
						uint8_t r = p[o + 4];
						uint64_t units = 1;
						int k;

						if (!(r & 0x80) && r <= 9) {
							for (k = 0; k < 9 - r; k++)
								units *= 10;
							tsres[nif] = units; /* ns per tick */
						}
					}
					o += 4 + (size_t)((olen + 3) & ~3u);
				}
			}
			nif++;
		} else if (type == 6) { /* enhanced packet */
			uint32_t ifid, caplen;
			uint64_t ts;

			if (blen < 32)
				return pl_errf(err, -EINVAL, "offset %zu: packet block too short", off);
			ifid = rd32(p + 8, swap);
			ts = (uint64_t)rd32(p + 12, swap) << 32 | rd32(p + 16, swap);
			caplen = rd32(p + 20, swap);
			if (caplen > blen - 32)
				return pl_errf(err, -EINVAL, "offset %zu: captured length %u exceeds the block", off, caplen);
			if (ifid >= nif || ifid >= 64)
				return pl_errf(err, -EINVAL, "offset %zu: packet on undeclared interface %u", off, ifid);
			rc = add(c, linktypes[ifid], p + 28, caplen, (int64_t)(ts * tsres[ifid]), err);
			if (rc)
				return rc;
		} else if (type == 3) { /* simple packet: interface 0 */
			uint32_t olen;

			if (nif == 0 || blen < 16)
				return pl_errf(err, -EINVAL, "offset %zu: simple packet without an interface", off);
			olen = rd32(p + 8, swap);
			rc = add(c, linktypes[0], p + 12, olen < blen - 16 ? olen : blen - 16, 0, err);
			if (rc)
				return rc;
		}
		off += blen;
	}
	return 0;
}

int pl_cap_parse(const uint8_t *buf, size_t len, struct pl_capture *c, struct pl_err *err)
{
	uint32_t magic;
	int rc;

	memset(c, 0, sizeof(*c));
	if (len < 4)
		return pl_errf(err, -EINVAL, "offset 0: not a capture (%zu bytes)", len);
	magic = rd32(buf, 0);
	if (magic == 0x0a0d0d0au)
		rc = parse_pcapng(buf, len, c, err);
	else if (magic == 0xa1b2c3d4u || magic == 0xd4c3b2a1u || magic == 0xa1b23c4du || magic == 0x4d3cb2a1u)
		rc = parse_pcap(buf, len, c, err);
	else
		rc = pl_errf(err, -EINVAL, "offset 0: not a pcap or pcapng file (magic 0x%08x)", magic);
	if (rc)
		pl_cap_free(c);
	return rc;
}

int pl_cap_read_file(const char *path, struct pl_capture *c, struct pl_err *err)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!f)
		return pl_errf(err, -errno, "%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > (256L << 20) || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return pl_errf(err, -EFBIG, "%s: unreadable or larger than 256 MiB", path);
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return pl_errf(err, -EIO, "%s: cannot read", path);
	}
	fclose(f);
	rc = pl_cap_parse(buf, (size_t)n, c, err);
	free(buf);
	if (rc)
		pl_err_prefix(err, rc, "%s", path);
	return rc;
}

void pl_cap_free(struct pl_capture *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].data);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* ---- pcapng writer (host byte order, as the format allows) ------------------------- */

static int put_option(FILE *f, uint16_t code, const void *val, uint16_t len)
{
	static const uint8_t pad[4];
	uint16_t hdr[2] = { code, len };

	size_t npad = (4 - len % 4) % 4;

	return fwrite(hdr, 4, 1, f) == 1 && (!len || fwrite(val, len, 1, f) == 1) &&
	       (!npad || fwrite(pad, npad, 1, f) == 1) ? 0 : -EIO;
}

static size_t opt_size(size_t len)
{
	return 4 + (len + 3) / 4 * 4;
}

int pl_pcapng_begin(FILE *f, const char *ifname, const char *comment)
{
	uint32_t shb[6], idb[4], end = 0, total;
	size_t clen = comment ? strlen(comment) : 0, nlen = ifname ? strlen(ifname) : 0;
	uint8_t tsresol = 9;

	if (clen > 60000 || nlen > 200)
		return -EINVAL;
	total = 28 + (clen ? (uint32_t)opt_size(clen) + 4 : 0);
	shb[0] = 0x0a0d0d0a;
	shb[1] = total;
	shb[2] = 0x1a2b3c4d;
	shb[3] = 1;                  /* version 1.0 */
	shb[4] = 0xffffffff;         /* section length unknown */
	shb[5] = 0xffffffff;
	if (fwrite(shb, sizeof(shb), 1, f) != 1)
		return -EIO;
	if (clen && (put_option(f, 1, comment, (uint16_t)clen) || fwrite(&end, 4, 1, f) != 1))
		return -EIO;
	if (fwrite(&total, 4, 1, f) != 1)
		return -EIO;
	total = 20 + (uint32_t)opt_size(1) + (nlen ? (uint32_t)opt_size(nlen) : 0) + 4;
	idb[0] = 1;
	idb[1] = total;
	idb[2] = 228;                /* LINKTYPE_IPV4 */
	idb[3] = 0;                  /* snaplen: unlimited */
	if (fwrite(idb, sizeof(idb), 1, f) != 1 || (nlen && put_option(f, 2, ifname, (uint16_t)nlen)) ||
	    put_option(f, 9, &tsresol, 1) || fwrite(&end, 4, 1, f) != 1 || fwrite(&total, 4, 1, f) != 1)
		return -EIO;
	return 0;
}

int pl_pcapng_packet(FILE *f, int64_t ts_ns, const uint8_t *pkt, size_t len, const char *comment)
{
	static const uint8_t pad[4];
	uint32_t h[7], end = 0, total;
	size_t clen = comment ? strlen(comment) : 0;
	uint64_t ts = (uint64_t)ts_ns;

	if (len > 0xffff || clen > 60000)
		return -EINVAL;
	total = 32 + (uint32_t)((len + 3) / 4 * 4) + (clen ? (uint32_t)opt_size(clen) + 4 : 0);
	h[0] = 6;
	h[1] = total;
	h[2] = 0;
	h[3] = (uint32_t)(ts >> 32);
	h[4] = (uint32_t)ts;
	h[5] = (uint32_t)len;
	h[6] = (uint32_t)len;
	if (fwrite(h, sizeof(h), 1, f) != 1 || (len && fwrite(pkt, len, 1, f) != 1) ||
	    (len % 4 && fwrite(pad, 4 - len % 4, 1, f) != 1))
		return -EIO;
	if (clen && (put_option(f, 1, comment, (uint16_t)clen) || fwrite(&end, 4, 1, f) != 1))
		return -EIO;
	return fwrite(&total, 4, 1, f) == 1 ? 0 : -EIO;
}
