#include "scenario/import.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "packet/field.h"
#include "packet/hex.h"
#include "packet/ipv4.h"
#include "packet/rules.h"
#include "scenario/scenario.h"

#define PER_SCENARIO 16

/* Into the lab: a destination in the kernel target's network (a capture of a lab run
 * against the kernel) moves to the responder's, the scenario language's, as the builder
 * maps it back for the kernel (10.77.1.1 to 10.77.2.2, 10.77.1.x to 10.77.2.x; the
 * generator's own 10.77.1.2 stays); one
 * outside the lab moves to 10.77.2.2; any other (10.77.2.x, elsewhere in 10.77.0.0/16,
 * multicast, broadcast, 0.0.0.0) stays, so a packet not for us stays one. A source
 * outside 10.77.0.0/16 becomes 10.77.1.2. Checksums follow by RFC 1624 (a wrong one stays
 * wrong by as much). */
void pl_import_relocate(uint8_t *pkt, size_t len)
{
	uint32_t src, dst, net = PL_KERNEL_ADDR & 0xffffff00u;

	if (len < PL_IPV4_HDR_MIN || pkt[0] >> 4 != 4)
		return;
	src = pl_field_raw(pl_fdesc(F_IP_SRC), pkt);
	dst = pl_field_raw(pl_fdesc(F_IP_DST), pkt);
	if (src >> 16 != PL_GEN_ADDR >> 16)
		pl_ipv4_rewrite_addr(pkt, len, false, PL_GEN_ADDR);
	if (dst == PL_KERNEL_ADDR)
		pl_ipv4_rewrite_addr(pkt, len, true, PL_RESPONDER_ADDR);
	else if ((dst & 0xffffff00u) == net && dst != PL_GEN_ADDR)
		pl_ipv4_rewrite_addr(pkt, len, true, (PL_RESPONDER_ADDR & 0xffffff00u) | (dst & 0xff));
	else if (!pl_scn_lab_dst(dst))
		pl_ipv4_rewrite_addr(pkt, len, true, PL_RESPONDER_ADDR);
}

int pl_import_begin(struct pl_import *im, FILE *out, const char *name, const char *category, const char *source,
		    size_t n, size_t skipped, struct pl_err *err)
{
	memset(im, 0, sizeof(*im));
	if (!n)
		return pl_errf(err, -ENOENT, "%s holds no IPv4 packets (%zu other frames)", source, skipped);
	fprintf(out, "# Imported by `pinglab import` from %s: %zu IPv4 packets", source, n);
	if (skipped)
		fprintf(out, " (%zu frames that were not IPv4 skipped)", skipped);
	fprintf(out, ".\n# Addresses relocated into the lab: a source from outside 10.77.0.0/16 to 10.77.1.2,\n"
		     "# a destination from outside or the kernel target's 10.77.1.1 to 10.77.2.2, other\n"
		     "# 10.77.1.x but the generator's to 10.77.2.x; the rest kept (10.77.2.99 stays a\n"
		     "# packet not for us);\n"
		     "# expectations are what the reference rules decide. State the kernel's with\n"
		     "# expect.kernel[N] once you know it.\n");
	if (strcmp(category, "valid") && strcmp(category, "malformed") && strcmp(category, "non-icmp") &&
	    strcmp(category, "adversarial"))
		return pl_errf(err, -EINVAL, "category must be valid, malformed, non-icmp or adversarial");
	im->out = out;
	im->name = name;
	im->category = category;
	im->source = source;
	im->total = n;
	return 0;
}

void pl_import_packet(struct pl_import *im, const uint8_t *data, size_t len)
{
	size_t i = im->i++, k = i % PER_SCENARIO, rn;
	struct pl_decision d;
	char desc[200];

	if (len > sizeof(im->pkt))
		len = sizeof(im->pkt);
	if (k == 0) {
		size_t last = i + PER_SCENARIO < im->total ? i + PER_SCENARIO : im->total;

		if (im->total > PER_SCENARIO)
			fprintf(im->out, "\nscenario %s-%zu\n", im->name, i / PER_SCENARIO + 1);
		else
			fprintf(im->out, "\nscenario %s\n", im->name);
		fprintf(im->out, "  category %s\n", im->category);
		fprintf(im->out, "  description \"packets %zu-%zu of %s\"\n", i + 1, last, im->source);
		fprintf(im->out, "  reason \"captured traffic replayed\"\n");
		fprintf(im->out, "  basis \"pcap import; expectations from the reference rules\"\n");
		fprintf(im->out, "  tags imported\n");
		fprintf(im->out, "  expect.kernel either\n");
	}
	memcpy(im->pkt, data, len);
	pl_import_relocate(im->pkt, len);
	pl_hex_encode(im->pkt, len, im->hex, sizeof(im->hex));
	pl_pkt_describe(im->pkt, len, desc, sizeof(desc));
	pl_reference_reply(im->pkt, len, PL_RESPONDER_ADDR, im->rep, sizeof(im->rep), &rn, &d, NULL);
	fprintf(im->out, "  # %zu: %s\n", i + 1, desc);
	fprintf(im->out, "  send hex=%s\n", im->hex);
	fprintf(im->out, "  expect[%zu] %s   # rule %d %s\n", k + 1, d.action == PL_ACTION_REPLY ? "reply" : "drop",
		d.rule->number, d.rule->id);
}

static int scenarios(size_t n)
{
	return (int)((n + PER_SCENARIO - 1) / PER_SCENARIO);
}

int pl_import_write(FILE *out, const struct pl_capture *cap, const char *name, const char *category,
		    const char *source, struct pl_err *err)
{
	struct pl_import *im = malloc(sizeof(*im));
	size_t i;
	int rc;

	if (!im)
		return pl_errf(err, -ENOMEM, "out of memory");
	rc = pl_import_begin(im, out, name, category, source, cap->n, cap->skipped, err);
	for (i = 0; !rc && i < cap->n; i++)
		pl_import_packet(im, cap->v[i].data, cap->v[i].len);
	free(im);
	return rc ? rc : scenarios(cap->n);
}

/* Read path once: count its packets (to_write NULL), or write each to it. */
static int pass(const char *path, struct pl_import *to_write, size_t *n, size_t *skipped, struct pl_err *err)
{
	struct pl_cap_reader r;
	struct pl_cap_pkt p;
	int rc;

	if ((rc = pl_cap_open(&r, path, err)))
		return rc;
	while ((rc = pl_cap_next(&r, &p, err)) == 1)
		if (to_write)
			pl_import_packet(to_write, p.data, p.len);
	if (rc)
		pl_err_prefix(err, rc, "%s", path);
	else if (to_write && r.n != *n)
		rc = pl_errf(err, -EAGAIN, "%s: changed while it was read (%zu packets, then %zu)", path, *n, r.n);
	*n = r.n;
	*skipped = r.skipped;
	pl_cap_close(&r);
	return rc;
}

int pl_import_file(FILE *out, const char *path, const char *name, const char *category, const char *source,
		   struct pl_err *err)
{
	struct pl_import *im = malloc(sizeof(*im));
	size_t n = 0, skipped = 0;
	int rc;

	if (!im)
		return pl_errf(err, -ENOMEM, "out of memory");
	/* once to count (the header says how many, a name says whether it is one of
	 * several), once to write: memory follows one block, not the capture */
	if (!(rc = pass(path, NULL, &n, &skipped, err)) &&
	    !(rc = pl_import_begin(im, out, name, category, source, n, skipped, err)))
		rc = pass(path, im, &n, &skipped, err);
	free(im);
	return rc ? rc : scenarios(n);
}
