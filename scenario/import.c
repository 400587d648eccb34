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
static void relocate(uint8_t *pkt, size_t len)
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

int pl_import_write(FILE *out, const struct pl_capture *cap, const char *name, const char *category,
		    const char *source, struct pl_err *err)
{
	static uint8_t pkt[65536], rep[65536];
	char *hex = malloc(2 * 65536 + 1);
	size_t i, nscn = (cap->n + PER_SCENARIO - 1) / PER_SCENARIO;

	if (!hex)
		return pl_errf(err, -ENOMEM, "out of memory");
	if (!cap->n) {
		free(hex);
		return pl_errf(err, -ENOENT, "%s holds no IPv4 packets (%zu other frames)", source, cap->skipped);
	}
	fprintf(out, "# Imported by `pinglab import` from %s: %zu IPv4 packets", source, cap->n);
	if (cap->skipped)
		fprintf(out, " (%zu frames that were not IPv4 skipped)", cap->skipped);
	fprintf(out, ".\n# Addresses relocated into the lab: a source from outside 10.77.0.0/16 to 10.77.1.2,\n"
		     "# a destination from outside or the kernel target's 10.77.1.1 to 10.77.2.2, other\n"
		     "# 10.77.1.x but the generator's to 10.77.2.x; the rest kept (10.77.2.99 stays a\n"
		     "# packet not for us);\n"
		     "# expectations are what the reference rules decide. State the kernel's with\n"
		     "# expect.kernel[N] once you know it.\n");
	if (strcmp(category, "valid") && strcmp(category, "malformed") && strcmp(category, "non-icmp") &&
	    strcmp(category, "adversarial")) {
		free(hex);
		return pl_errf(err, -EINVAL, "category must be valid, malformed, non-icmp or adversarial");
	}
	for (i = 0; i < cap->n; i++) {
		size_t k = i % PER_SCENARIO, len = cap->v[i].len < sizeof(pkt) ? cap->v[i].len : sizeof(pkt), rn;
		struct pl_decision d;
		char desc[200];

		if (k == 0) {
			size_t last = i + PER_SCENARIO < cap->n ? i + PER_SCENARIO : cap->n;

			if (nscn > 1)
				fprintf(out, "\nscenario %s-%zu\n", name, i / PER_SCENARIO + 1);
			else
				fprintf(out, "\nscenario %s\n", name);
			fprintf(out, "  category %s\n", category);
			fprintf(out, "  description \"packets %zu-%zu of %s\"\n", i + 1, last, source);
			fprintf(out, "  reason \"captured traffic replayed\"\n");
			fprintf(out, "  basis \"pcap import; expectations from the reference rules\"\n");
			fprintf(out, "  tags imported\n");
			fprintf(out, "  expect.kernel either\n");
		}
		memcpy(pkt, cap->v[i].data, len);
		relocate(pkt, len);
		pl_hex_encode(pkt, len, hex, 2 * 65536 + 1);
		pl_pkt_describe(pkt, len, desc, sizeof(desc));
		pl_reference_reply(pkt, len, PL_RESPONDER_ADDR, rep, sizeof(rep), &rn, &d, NULL);
		fprintf(out, "  # %zu: %s\n", i + 1, desc);
		fprintf(out, "  send hex=%s\n", hex);
		fprintf(out, "  expect[%zu] %s   # rule %d %s\n", k + 1,
			d.action == PL_ACTION_REPLY ? "reply" : "drop", d.rule->number, d.rule->id);
	}
	free(hex);
	return (int)nscn;
}
