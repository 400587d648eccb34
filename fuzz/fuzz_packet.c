/* Fuzz the IPv4/ICMP parser, the header registry (quoted datagrams included), every field
 * of the field table, the echo and host stacks' rules and the field diff on any bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "packet/diff.h"
#include "packet/field.h"
#include "packet/ipv4.h"
#include "packet/proto.h"
#include "packet/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536];
	struct pl_pkt p;
	struct pl_decision d;
	struct pl_diff df;
	struct pl_hdrs hs;
	char desc[256];
	size_t n = 0;

	pl_pkt_parse(data, size, &p, NULL);
	if (pl_hdrs_parse(data, size, &hs, NULL) == 0) {
		uint32_t v;
		uint16_t c;

		if (size <= sizeof(out)) {
			/* every field read and written back unchanged, every checksum computed */
			memcpy(out, data, size);
			for (int f = 0; f < F__COUNT; f++)
				for (int q = 0; q < 2; q++)
					if (pl_field_get(&hs, (enum pl_field)f, q, &v))
						pl_field_set(out, &hs, (enum pl_field)f, q, v);
			if (memcmp(out, data, size))
				__builtin_trap(); /* a field written with what it read changed the packet */
			for (size_t i = 0; i < hs.n; i++)
				pl_hdrs_csum(&hs, i, &c);
		}
		/* any decodable packet as the expected one equals itself (bytes beyond its total
		 * length are a difference); at the RFC level its own checksums may be wrong */
		if (hs.h[0].end == size && pl_diff(data, size, data, size, PL_STRICT_EXACT, &df) != 0)
			__builtin_trap();
		pl_diff(data, size, data, size, PL_STRICT_RFC, &df);
	}
	pl_pkt_describe(data, size, desc, sizeof(desc));
	if (pl_reference_reply(data, size, PL_RESPONDER_ADDR, out, sizeof(out), &n, &d, NULL) == 0 &&
	    d.action == PL_ACTION_REPLY) {
		/* the reference reply compared with the input and with itself */
		pl_diff(out, n, data, size, PL_STRICT_EXACT, &df);
		pl_diff(out, n, data, size, PL_STRICT_RFC, &df);
		if (pl_diff(out, n, out, n, PL_STRICT_EXACT, &df) != 0)
			__builtin_trap(); /* a reply must equal itself */
	}
	/* the host stack's rules: an answer is a well-formed packet that equals itself */
	if (pl_host_reply(data, size, PL_RESPONDER_ADDR, out, sizeof(out), &n, &d, NULL) == 0 &&
	    d.action == PL_ACTION_REPLY) {
		struct pl_hdrs ah;

		if (pl_hdrs_parse(out, n, &ah, NULL) != 0 || pl_diff(out, n, out, n, PL_STRICT_RFC, &df) != 0)
			__builtin_trap();
		/* the input judged as an answer to it, where the RFC level takes the free parts
		 * (times, ISN, window, options, quote length) from the answer */
		pl_diff(out, n, data, size, PL_STRICT_RFC, &df);
	}
	return 0;
}
