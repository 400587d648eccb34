#include "scenario/import.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "packet/hex.h"
#include "packet/ipv4.h"
#include "packet/rules.h"
#include "scenario/scenario.h"

#define PER_SCENARIO 16

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
	fprintf(out, ".\n# Addresses relocated into the lab (source 10.77.1.2, destination 10.77.2.2);\n"
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
		pl_ipv4_rewrite_addr(pkt, len, false, PL_GEN_ADDR);
		pl_ipv4_rewrite_addr(pkt, len, true, PL_RESPONDER_ADDR);
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
