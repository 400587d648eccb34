/* pcap.h — read pcap and pcapng files (for `pinglab import`); write pcapng (reports).
 *
 * The reader returns the IPv4 packets of a capture whatever its link type: Ethernet
 * (1), raw IP (101, 228), Linux cooked (113, 276) and BSD loopback (0). It never reads
 * past a block and reports "FILE: offset N: what" for damaged files.
 */
#ifndef PL_PCAP_H
#define PL_PCAP_H

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

/* Parse a whole capture held in memory. */
int pl_cap_parse(const uint8_t *buf, size_t len, struct pl_capture *c, struct pl_err *err);
int pl_cap_read_file(const char *path, struct pl_capture *c, struct pl_err *err);
void pl_cap_free(struct pl_capture *c);

/* pcapng writer: one interface of link type raw IPv4 (228), nanosecond timestamps,
 * optional per-packet comment. */
int pl_pcapng_begin(FILE *f, const char *interface_name, const char *comment);
int pl_pcapng_packet(FILE *f, int64_t ts_ns, const uint8_t *pkt, size_t len, const char *comment);

#endif
