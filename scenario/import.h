/* import.h — turn captured IPv4 packets into scenario text (`pinglab import`).
 *
 * Each packet becomes a `send hex=...` line, relocated into the lab (source 10.77.1.2,
 * destination 10.77.2.2, checksums updated by RFC 1624 increments so broken ones stay
 * broken). Its expectation is what the reference rules decide for the relocated bytes;
 * the kernel's is `either` until someone states it. At most 16 packets per scenario.
 */
#ifndef PL_IMPORT_H
#define PL_IMPORT_H

#include <stdio.h>

#include "common/err.h"
#include "wire/pcap.h"

/* name: [a-z0-9._-]; category: one of the four. Returns the number of scenarios written. */
int pl_import_write(FILE *out, const struct pl_capture *cap, const char *name, const char *category,
		    const char *source, struct pl_err *err);

#endif
