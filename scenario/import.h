/* import.h — turn captured IPv4 packets into scenario text (`pinglab import`).
 *
 * Each packet becomes a `send hex=...` line, relocated into the lab (source 10.77.1.2,
 * destination 10.77.2.2, checksums updated by RFC 1624 increments so broken ones stay
 * broken). Its expectation is what the reference rules decide for the relocated bytes;
 * the kernel's is `either` until someone states it. At most 16 packets per scenario.
 */
#ifndef PL_IMPORT_H
#define PL_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "common/err.h"
#include "wire/pcap.h"

/* A captured packet moved into the lab (in place): see pinglab import's header comment;
 * checksums follow by RFC 1624, so a broken one stays broken by as much. */
void pl_import_relocate(uint8_t *pkt, size_t len);

/* The writer, a packet at a time: begin with the number of packets to come (n) and of
 * frames skipped, then each packet. */
struct pl_import {
	FILE *out;
	const char *name, *category, *source;
	size_t total, i;
	uint8_t pkt[65536], rep[65536];
	char hex[2 * 65536 + 1];
};

int pl_import_begin(struct pl_import *im, FILE *out, const char *name, const char *category, const char *source,
		    size_t n, size_t skipped, struct pl_err *err);
void pl_import_packet(struct pl_import *im, const uint8_t *data, size_t len);

/* A capture file streamed (read twice: to count, to write), in memory that does not grow
 * with it; source is the name the comments give it. Returns the number of scenarios. */
int pl_import_file(FILE *out, const char *path, const char *name, const char *category, const char *source,
		   struct pl_err *err);

/* name: [a-z0-9._-]; category: one of the four. Returns the number of scenarios written. */
int pl_import_write(FILE *out, const struct pl_capture *cap, const char *name, const char *category,
		    const char *source, struct pl_err *err);

#endif
