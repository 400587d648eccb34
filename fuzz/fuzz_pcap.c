/* Fuzz the pcap/pcapng reader and the importer that turns captures into scenarios. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "scenario/import.h"
#include "wire/pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_capture c;

	if (pl_cap_parse(data, size, &c, NULL) == 0) {
		FILE *f = fopen("/dev/null", "w");

		if (f) {
			pl_import_write(f, &c, "fuzz", "valid", "fuzz.pcap", NULL);
			fclose(f);
		}
		pl_cap_free(&c);
	}
	return 0;
}
