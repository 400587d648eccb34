#include "wire/pcap.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/types.h>
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

/* ---- reading, a record or block at a time ----------------------------------------- */

/* Bytes [off, off + n) of the capture, *got of them there (fewer at the end of it). A
 * file is read through a window that holds the current block only. */
static const uint8_t *at(struct pl_cap_reader *r, size_t off, size_t n, size_t *got)
{
	if (!r->f) {
		*got = off < r->mem_len ? (n < r->mem_len - off ? n : r->mem_len - off) : 0;
		return r->mem + off;
	}
	if (off < r->win_off) {
		*got = 0; /* never: blocks are read in order */
		return NULL;
	}
	if (off + n > r->win_off + r->win_len && !r->eof) {
		/* keep nothing before off; grow to n; read what is missing */
		size_t keep = r->win_off + r->win_len > off ? r->win_off + r->win_len - off : 0;

		if (keep)
			memmove(r->win, r->win + (off - r->win_off), keep);
		else if (off > r->win_off + r->win_len &&
			 fseeko(r->f, (off_t)off, SEEK_SET) != 0) /* past a block not read */
			r->eof = true;
		r->win_off = off;
		r->win_len = keep;
		if (n > r->win_cap) {
			size_t cap = r->win_cap ? r->win_cap : 65536;
			uint8_t *w;

			while (cap < n)
				cap *= 2;
			if (!(w = realloc(r->win, cap))) {
				r->oom = true;
				*got = 0;
				return NULL;
			}
			r->win = w;
			r->win_cap = cap;
		}
		while (r->win_len < n && !r->eof) {
			size_t k = fread(r->win + r->win_len, 1, r->win_cap - r->win_len, r->f);

			r->win_len += k;
			if (!k)
				r->eof = true;
		}
	}
	if (off - r->win_off >= r->win_len) {
		*got = 0;
		return r->win;
	}
	*got = r->win_len - (off - r->win_off);
	if (*got > n)
		*got = n;
	return r->win + (off - r->win_off);
}

static void reader_init(struct pl_cap_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void pl_cap_open_mem(struct pl_cap_reader *r, const uint8_t *buf, size_t len)
{
	reader_init(r);
	r->mem = buf;
	r->mem_len = len;
}

int pl_cap_open(struct pl_cap_reader *r, const char *path, struct pl_err *err)
{
	reader_init(r);
	if (!(r->f = fopen(path, "rb")))
		return pl_errf(err, -errno, "%s: %s", path, strerror(errno));
	return 0;
}

void pl_cap_close(struct pl_cap_reader *r)
{
	if (r->f)
		fclose(r->f);
	free(r->win);
	reader_init(r);
}

/* The file's header: which format, byte order, time units. */
static int start(struct pl_cap_reader *r, struct pl_err *err)
{
	size_t got;
	const uint8_t *b = at(r, 0, 24, &got);
	uint32_t magic;

	if (got < 4)
		return pl_errf(err, -EINVAL, "offset 0: not a capture (%zu bytes)", got);
	magic = rd32(b, 0);
	if (magic == 0x0a0d0d0au) {
		r->kind = 2;
		return 0;
	}
	if (magic != 0xa1b2c3d4u && magic != 0xd4c3b2a1u && magic != 0xa1b23c4du && magic != 0x4d3cb2a1u)
		return pl_errf(err, -EINVAL, "offset 0: not a pcap or pcapng file (magic 0x%08x)", magic);
	r->kind = 1;
	r->swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	r->nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	if (got < 24)
		return pl_errf(err, -EINVAL, "offset 0: pcap header truncated (%zu bytes)", got);
	r->linktype = rd32(b + 20, r->swap) & 0x0fffffff;
	r->off = 24;
	return 0;
}

/* A frame of linktype: the IPv4 packet in it into *p (1), or counted as skipped (0). */
static int frame(struct pl_cap_reader *r, uint32_t linktype, const uint8_t *d, size_t n, int64_t ts,
		 struct pl_cap_pkt *p)
{
	long off = ipv4_offset(linktype, d, n);

	if (off < 0 || (size_t)off >= n) {
		r->skipped++;
		return 0;
	}
	p->data = (uint8_t *)d + off;
	p->len = n - (size_t)off;
	p->ts_ns = ts;
	r->n++;
	return 1;
}

static int next_pcap(struct pl_cap_reader *r, struct pl_cap_pkt *p, struct pl_err *err)
{
	for (;;) {
		size_t off = r->off, got;
		const uint8_t *h = at(r, off, 16, &got), *d;
		uint32_t sec, frac, incl;

		if (!got)
			return r->oom ? pl_errf(err, -ENOMEM, "out of memory") : 0;
		if (got < 16)
			return pl_errf(err, -EINVAL, "offset %zu: record header truncated", off);
		sec = rd32(h, r->swap);
		frac = rd32(h + 4, r->swap);
		incl = rd32(h + 8, r->swap);
		if (r->f && incl > PL_CAP_BLOCK_MAX)
			return pl_errf(err, -EFBIG, "offset %zu: record of %u bytes is larger than %u MiB", off, incl,
				       PL_CAP_BLOCK_MAX >> 20);
		d = at(r, off, 16 + (size_t)incl, &got);
		if (got < 16 + (size_t)incl)
			return r->oom ? pl_errf(err, -ENOMEM, "out of memory")
				      : pl_errf(err, -EINVAL, "offset %zu: record of %u bytes runs past the end", off, incl);
		r->off = off + 16 + incl;
		if (frame(r, r->linktype, d + 16, incl,
			  (int64_t)sec * 1000000000 + (int64_t)frac * (r->nano ? 1 : 1000), p))
			return 1;
	}
}

static int next_pcapng(struct pl_cap_reader *r, struct pl_cap_pkt *p, struct pl_err *err)
{
	for (;;) {
		size_t off = r->off, got;
		const uint8_t *q = at(r, off, 28, &got);
		uint32_t type, blen;

		if (!got)
			return r->oom ? pl_errf(err, -ENOMEM, "out of memory") : 0;
		if (got < 12)
			return pl_errf(err, -EINVAL, "offset %zu: block header truncated", off);
		type = rd32(q, r->swap);
		if (type == 0x0a0d0d0au) {
			uint32_t bom;

			if (got < 28)
				return pl_errf(err, -EINVAL, "offset %zu: section header truncated", off);
			bom = rd32(q + 8, 0);
			if (bom == 0x1a2b3c4du)
				r->swap = 0;
			else if (bom == 0x4d3c2b1au)
				r->swap = 1;
			else
				return pl_errf(err, -EINVAL, "offset %zu: bad byte-order magic", off);
			r->nif = 0; /* interfaces are per section */
		}
		blen = rd32(q + 4, r->swap);
		if (r->f && blen > PL_CAP_BLOCK_MAX)
			return pl_errf(err, -EFBIG, "offset %zu: block of %u bytes is larger than %u MiB", off, blen,
				       PL_CAP_BLOCK_MAX >> 20);
		q = blen >= 12 ? at(r, off, blen, &got) : q;
		if (blen < 12 || blen % 4 || got < blen)
			return r->oom ? pl_errf(err, -ENOMEM, "out of memory")
				      : pl_errf(err, -EINVAL, "offset %zu: block length %u is invalid", off, blen);
		r->off = off + blen;
		if (type == 1) { /* interface description */
			if (blen < 20)
				return pl_errf(err, -EINVAL, "offset %zu: interface block too short", off);
			if (r->nif < 64) {
				size_t o = 16;

				r->linktypes[r->nif] = rd16(q + 8, r->swap);
				r->tsres[r->nif] = 1000; /* default: microseconds */
				/* options: look for if_tsresol (9) */
				while (o + 4 <= blen - 4) {
					uint16_t code = rd16(q + o, r->swap), olen = rd16(q + o + 2, r->swap);

					if (code == 0 || o + 4 + olen > blen - 4)
						break;
					if (code == 9 && olen >= 1) {
						uint8_t res = q[o + 4];
						uint64_t units = 1;
						int k;

						if (!(res & 0x80) && res <= 9) {
							for (k = 0; k < 9 - res; k++)
								units *= 10;
							r->tsres[r->nif] = units; /* ns per tick */
						}
					}
					o += 4 + (size_t)((olen + 3) & ~3u);
				}
			}
			r->nif++;
		} else if (type == 6) { /* enhanced packet */
			uint32_t ifid, caplen;
			uint64_t ts;

			if (blen < 32)
				return pl_errf(err, -EINVAL, "offset %zu: packet block too short", off);
			ifid = rd32(q + 8, r->swap);
			ts = (uint64_t)rd32(q + 12, r->swap) << 32 | rd32(q + 16, r->swap);
			caplen = rd32(q + 20, r->swap);
			if (caplen > blen - 32)
				return pl_errf(err, -EINVAL, "offset %zu: captured length %u exceeds the block", off, caplen);
			if (ifid >= r->nif || ifid >= 64)
				return pl_errf(err, -EINVAL, "offset %zu: packet on undeclared interface %u", off, ifid);
			if (frame(r, r->linktypes[ifid], q + 28, caplen, (int64_t)(ts * r->tsres[ifid]), p))
				return 1;
		} else if (type == 3) { /* simple packet: interface 0 */
			uint32_t olen;

			if (r->nif == 0 || blen < 16)
				return pl_errf(err, -EINVAL, "offset %zu: simple packet without an interface", off);
			olen = rd32(q + 8, r->swap);
			if (frame(r, r->linktypes[0], q + 12, olen < blen - 16 ? olen : blen - 16, 0, p))
				return 1;
		}
	}
}

int pl_cap_next(struct pl_cap_reader *r, struct pl_cap_pkt *p, struct pl_err *err)
{
	int rc;

	if (!r->kind && (rc = start(r, err)))
		return rc;
	return r->kind == 1 ? next_pcap(r, p, err) : next_pcapng(r, p, err);
}

/* ---- a whole capture in memory ------------------------------------------------------ */

static int collect(struct pl_cap_reader *r, struct pl_capture *c, struct pl_err *err)
{
	struct pl_cap_pkt p;
	int rc;

	memset(c, 0, sizeof(*c));
	while ((rc = pl_cap_next(r, &p, err)) == 1) {
		struct pl_cap_pkt *q;

		if (c->n == c->cap) {
			size_t ncap = c->cap ? c->cap * 2 : 64;
			struct pl_cap_pkt *nv = realloc(c->v, ncap * sizeof(*nv));

			if (!nv) {
				rc = pl_errf(err, -ENOMEM, "out of memory");
				break;
			}
			c->v = nv;
			c->cap = ncap;
		}
		q = &c->v[c->n];
		if (!(q->data = malloc(p.len))) {
			rc = pl_errf(err, -ENOMEM, "out of memory");
			break;
		}
		memcpy(q->data, p.data, p.len);
		q->len = p.len;
		q->ts_ns = p.ts_ns;
		c->n++;
	}
	c->skipped = r->skipped;
	if (rc)
		pl_cap_free(c);
	return rc;
}

int pl_cap_parse(const uint8_t *buf, size_t len, struct pl_capture *c, struct pl_err *err)
{
	struct pl_cap_reader r;
	int rc;

	pl_cap_open_mem(&r, buf, len);
	rc = collect(&r, c, err);
	pl_cap_close(&r);
	return rc;
}

int pl_cap_read_file(const char *path, struct pl_capture *c, struct pl_err *err)
{
	struct pl_cap_reader r;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = pl_cap_open(&r, path, err)))
		return rc;
	rc = collect(&r, c, err);
	pl_cap_close(&r);
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
