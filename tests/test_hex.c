/* Strict hex encode/decode. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "packet/hex.h"

Test(hex, encode_lowercase)
{
	const uint8_t b[] = { 0x45, 0x00, 0xab, 0xff, 0x0f };
	char out[11];

	cr_assert_eq(pl_hex_encode(b, 5, out, sizeof(out)), 10);
	cr_assert_str_eq(out, "4500abff0f");
}

Test(hex, encode_refuses_small_buffer)
{
	const uint8_t b[] = { 0x45, 0x00 };
	char out[4] = "xyz";

	cr_assert_eq(pl_hex_encode(b, 2, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "");
}

Test(hex, decode_mixed_case_and_whitespace)
{
	uint8_t b[8];
	size_t n = 0;

	cr_assert_eq(pl_hex_decode("45 00\n00 1C\tAb", b, sizeof(b), &n, NULL), 0);
	cr_assert_eq(n, 5);
	cr_assert_eq(b[0], 0x45);
	cr_assert_eq(b[1], 0x00);
	cr_assert_eq(b[3], 0x1c);
	cr_assert_eq(b[4], 0xab);
}

Test(hex, decode_errors_name_the_column)
{
	uint8_t b[8];
	size_t n;
	struct pl_err err;

	cr_assert_eq(pl_hex_decode("45g0", b, sizeof(b), &n, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "column 3: 'g' is not a hex digit");
	cr_assert_eq(pl_hex_decode("450", b, sizeof(b), &n, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "odd number of hex digits (1 bytes and one nibble)");
	cr_assert_eq(pl_hex_decode("4 5", b, sizeof(b), &n, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "column 2: whitespace inside a byte");
	cr_assert_eq(pl_hex_decode("000102", b, 2, &n, &err), -E2BIG);
}

Test(hex, decode_empty_is_zero_bytes)
{
	uint8_t b[1];
	size_t n = 99;

	cr_assert_eq(pl_hex_decode("  \n", b, sizeof(b), &n, NULL), 0);
	cr_assert_eq(n, 0);
}
