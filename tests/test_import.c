/* pcap import: the dumpcap fixture becomes a scenario that parses, with the packets
 * relocated into the lab and expectations from the reference rules. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/import.h"
#include "scenario/scenario.h"
#include "tests/util.h"

Test(import, kernel_capture_becomes_a_valid_scenario)
{
	struct pl_capture cap;
	struct pl_scn_set set = { 0 };
	struct pl_err err = { "" };
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);
	uint8_t b[128];
	size_t n;
	uint16_t et;

	cr_assert_eq(pl_cap_read_file(tu_src("tests/fixtures/kernel-echo.pcap"), &cap, &err), 0, "%s", err.msg);
	cr_assert_eq(pl_import_write(f, &cap, "kernel-echo", "valid", "kernel-echo.pcap", &err), 1, "%s", err.msg);
	fclose(f);
	pl_cap_free(&cap);
	cr_assert_eq(pl_scn_parse_text(&set, "x.scn", text, len, &err), 0, "%s\n%s", err.msg, text);
	cr_assert_eq(set.n, 1);
	cr_assert_eq(set.v[0].nsend, 8);
	for (i = 0; i < 8; i++)
		cr_assert_eq(pl_scn_expect(&set.v[0], i, PL_TARGET_RESPONDER, PL_STACK_ECHO)->kind, i % 2 ? EXP_DROP : EXP_REPLY,
			     "packet %zu", i + 1);
	/* packet 1 relocated to 10.77.2.2: header checksum 0x2d4b becomes 0x2c4a (Python) */
	cr_assert_eq(pl_scn_build(&set.v[0], 0, 0, PL_TARGET_RESPONDER, b, sizeof(b), &n, &et, NULL), 0);
	cr_assert_eq(n, 84);
	cr_assert_eq(b[10] << 8 | b[11], 0x2c4a);
	cr_assert_eq(b[16], 10);
	cr_assert_eq(b[18], 2);
	cr_assert_eq(b[19], 2);
	pl_scn_set_free(&set);
	free(text);
}

Test(import, raw_hex_outside_the_lab_is_refused)
{
	struct pl_scn_set set = { 0 };
	struct pl_err err;
	/* destination 8.8.8.8 */
	const char *t = "scenario x\n  send hex=4500001c000000004001000008080808080808080800f7ff00000000\n  expect drop\n";

	cr_assert_neq(pl_scn_parse_text(&set, "valid/x.scn", t, strlen(t), &err), 0);
	cr_assert_str_eq(err.msg, "valid/x.scn:2: hex= packet's destination 8.8.8.8 is outside the lab (10.77.0.0/16, multicast, broadcast or 0.0.0.0 only)");
}

/* A packet already inside the lab keeps its addresses: one to 10.77.2.99 is not for us
 * and stays a drop (it became an echo request to 10.77.2.2 before), one from 10.77.2.2
 * (our own address) stays a bad source; one from outside is moved in. */
Test(import, addresses_inside_the_lab_are_kept)
{
	/* echo requests with no payload: ICMP checksum ~0x0800 = 0xf7ff; the header
	 * checksum is summed below */
	static const uint8_t to99[] = { 0x45, 0, 0, 0x1c, 0, 0, 0, 0, 0x40, 1, 0, 0, 10, 77, 1, 2, 10, 77, 2, 99,
					8, 0, 0xf7, 0xff, 0, 0, 0, 0 };
	static const uint8_t from_us[] = { 0x45, 0, 0, 0x1c, 0, 0, 0, 0, 0x40, 1, 0, 0, 10, 77, 2, 2, 10, 77, 2, 2,
					   8, 0, 0xf7, 0xff, 0, 0, 0, 0 };
	static const uint8_t outside[] = { 0x45, 0, 0, 0x1c, 0, 0, 0, 0, 0x40, 1, 0, 0, 192, 168, 0, 1, 192, 168, 0, 2,
					   8, 0, 0xf7, 0xff, 0, 0, 0, 0 };
	static uint8_t bufs[3][28];
	struct pl_cap_pkt v[3] = { { 0 } };
	struct pl_capture cap = { v, 3, 3, 0 };
	struct pl_scn_set set = { 0 };
	struct pl_err err = { "" };
	char *text = NULL;
	size_t len = 0, n, i;
	FILE *f = open_memstream(&text, &len);
	uint8_t b[64];
	uint16_t et;
	const uint8_t *pk[3] = { to99, from_us, outside };

	for (i = 0; i < 3; i++) {
		v[i].data = bufs[i];
		memcpy(v[i].data, pk[i], 28);
		v[i].len = 28;
		/* a correct header checksum, so that only the addresses decide */
		{
			uint32_t sum = 0;

			v[i].data[10] = v[i].data[11] = 0;
			for (size_t k = 0; k < 20; k += 2)
				sum += (uint32_t)(v[i].data[k] << 8 | v[i].data[k + 1]);
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			v[i].data[10] = (uint8_t)(~sum >> 8);
			v[i].data[11] = (uint8_t)~sum;
		}
	}
	cr_assert_eq(pl_import_write(f, &cap, "kept", "adversarial", "test", &err), 1, "%s", err.msg);
	fclose(f);
	cr_assert_eq(pl_scn_parse_text(&set, "x.scn", text, len, &err), 0, "%s\n%s", err.msg, text);
	cr_expect(strstr(text, "expect[1] drop   # rule 3 not-for-us"), "%s", text);
	cr_expect(strstr(text, "expect[2] drop   # rule 4 bad-source"), "%s", text);
	cr_expect(strstr(text, "expect[3] reply"), "%s", text);
	cr_assert_eq(pl_scn_build(&set.v[0], 0, 0, PL_TARGET_RESPONDER, b, sizeof(b), &n, &et, NULL), 0);
	cr_expect(b[18] == 2 && b[19] == 99, "destination kept");
	cr_assert_eq(pl_scn_build(&set.v[0], 2, 0, PL_TARGET_RESPONDER, b, sizeof(b), &n, &et, NULL), 0);
	cr_expect(b[12] == 10 && b[13] == 77 && b[14] == 1 && b[15] == 2, "source moved to 10.77.1.2");
	cr_expect(b[16] == 10 && b[17] == 77 && b[18] == 2 && b[19] == 2, "destination moved to 10.77.2.2");
	pl_scn_set_free(&set);
	free(text);
}
