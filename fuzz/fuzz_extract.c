/* Fuzz the tolerant extractor on arbitrary model text. */
#include <stddef.h>
#include <stdint.h>

#include "packet/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536];
	struct pl_extract x;

	if (pl_extract((const char *)data, size, out, sizeof(out), &x, NULL) == 0 &&
	    x.kind == PL_EXTRACT_PACKET && (x.len < 20 || x.len > sizeof(out)))
		__builtin_trap(); /* a candidate is at least 20 bytes and fits */
	return 0;
}
