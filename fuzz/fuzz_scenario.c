/* Fuzz the scenario parser (and, for what parses, the per-target builder). */
#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536 + 64];
	struct pl_scn_set set = { 0 };
	size_t i, k, n;
	uint16_t et;

	if (pl_scn_parse_text(&set, "scenarios/valid/fuzz.scn", (const char *)data, size, NULL) == 0)
		for (i = 0; i < set.n; i++)
			for (k = 0; k < set.v[i].nsend; k++) {
				pl_scn_build(&set.v[i], k, 1, PL_TARGET_RESPONDER, out, sizeof(out), &n, &et, NULL);
				pl_scn_build(&set.v[i], k, 0, PL_TARGET_KERNEL, out, sizeof(out), &n, &et, NULL);
			}
	pl_scn_set_free(&set);
	return 0;
}
