/* Fuzz the IPv4/ICMP parser, the reference rules and the field diff on any bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "packet/diff.h"
#include "packet/ipv4.h"
#include "packet/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536];
	struct pl_pkt p;
	struct pl_decision d;
	struct pl_diff df;
	char desc[256];
	size_t n = 0;

	pl_pkt_parse(data, size, &p, NULL);
	pl_pkt_describe(data, size, desc, sizeof(desc));
	if (pl_reference_reply(data, size, PL_RESPONDER_ADDR, out, sizeof(out), &n, &d, NULL) == 0 &&
	    d.action == PL_ACTION_REPLY) {
		/* the reference reply compared with the input and with itself */
		pl_diff(out, n, data, size, PL_STRICT_EXACT, &df);
		pl_diff(out, n, data, size, PL_STRICT_RFC, &df);
		if (pl_diff(out, n, out, n, PL_STRICT_EXACT, &df) != 0)
			__builtin_trap(); /* a reply must equal itself */
	}
	return 0;
}
