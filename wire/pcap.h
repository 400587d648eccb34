/* pcap.h — read pcap and pcapng files (for `pinglab import`); write pcapng (reports).
 *
 * The reader returns the IPv4 packets of a capture whatever its link type: Ethernet
 * (1), raw IP (101, 228), Linux cooked (113, 276) and BSD loopback (0). It never reads
 * past a block and reports "FILE: offset N: what" for damaged files.
 */
#ifndef PL_PCAP_H
#define PL_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

struct pl_cap_pkt {
	uint8_t *data;      /* the IPv4 packet, link header removed */
	size_t len;
	int64_t ts_ns;
};

struct pl_capture {
	struct pl_cap_pkt *v;
	size_t n, cap;
	size_t skipped;     /* frames that were not IPv4 */
};

/* A capture read a record (pcap) or block (pcapng) at a time: memory follows the largest
 * block, not the file. A file's block larger than PL_CAP_BLOCK_MAX is an error. */
#define PL_CAP_BLOCK_MAX (64u << 20)

struct pl_cap_reader {
	FILE *f;                      /* a file, or NULL: mem */
	const uint8_t *mem;
	size_t mem_len;
	uint8_t *win;                 /* the file's bytes [win_off, win_off + win_len) */
	size_t win_off, win_len, win_cap;
	bool eof, oom;
	int kind;                     /* 0 before the header, 1 pcap, 2 pcapng */
	int swap, nano;
	uint32_t linktype;            /* pcap */
	uint32_t linktypes[64];       /* pcapng: per interface of the section */
	uint64_t tsres[64];
	size_t nif;
	size_t off;                   /* of the next record or block */
	size_t n, skipped;            /* IPv4 packets returned; frames that were not IPv4 */
};

int pl_cap_open(struct pl_cap_reader *r, const char *path, struct pl_err *err);
void pl_cap_open_mem(struct pl_cap_reader *r, const uint8_t *buf, size_t len);
/* The next IPv4 packet into *p (data valid until the next call): 1, 0 at the end, or a
 * negative code with "offset N: what" (the caller adds the file's name). */
int pl_cap_next(struct pl_cap_reader *r, struct pl_cap_pkt *p, struct pl_err *err);
void pl_cap_close(struct pl_cap_reader *r);

/* Parse a whole capture held in memory. */
int pl_cap_parse(const uint8_t *buf, size_t len, struct pl_capture *c, struct pl_err *err);
int pl_cap_read_file(const char *path, struct pl_capture *c, struct pl_err *err);
void pl_cap_free(struct pl_capture *c);

/* pcapng writer: one interface of link type raw IPv4 (228), nanosecond timestamps,
 * optional per-packet comment. */
int pl_pcapng_begin(FILE *f, const char *interface_name, const char *comment);
int pl_pcapng_packet(FILE *f, int64_t ts_ns, const uint8_t *pkt, size_t len, const char *comment);

#endif
