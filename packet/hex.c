#include "packet/hex.h"

#include <errno.h>

int pl_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t pl_hex_encode(const uint8_t *buf, size_t len, char *out, size_t outsz)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (!outsz)
		return 0;
	if (outsz < 2 * len + 1) {
		out[0] = '\0';
		return 0;
	}
	for (i = 0; i < len; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 0xf];
	}
	out[2 * len] = '\0';
	return 2 * len;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* 1 + the digit's value; 0: not a hex digit */
#define D(c, v) [c] = (v) + 1
static const unsigned char hexv[256] = {
	D('0', 0), D('1', 1), D('2', 2), D('3', 3), D('4', 4), D('5', 5), D('6', 6), D('7', 7), D('8', 8), D('9', 9),
	D('a', 10), D('b', 11), D('c', 12), D('d', 13), D('e', 14), D('f', 15),
	D('A', 10), D('B', 11), D('C', 12), D('D', 13), D('E', 14), D('F', 15),
};
#undef D

int pl_hex_decode(const char *text, uint8_t *out, size_t cap, size_t *outlen, struct pl_err *err)
{
	size_t n = 0, col = 0;
	int hi = -1;

	/* the common case first: pairs of digits, nothing between them; the loop below
	 * takes over at the first byte that is anything else, as if it had read these */
	while (n < cap && hexv[(unsigned char)text[col]] && hexv[(unsigned char)text[col + 1]]) {
		out[n++] = (uint8_t)((hexv[(unsigned char)text[col]] - 1) << 4 | (hexv[(unsigned char)text[col + 1]] - 1));
		col += 2;
	}
	for (; text[col]; col++) {
		int v;

		if (is_space((unsigned char)text[col])) {
			if (hi >= 0)
				return pl_errf(err, -EINVAL, "column %zu: whitespace inside a byte", col + 1);
			continue;
		}
		v = pl_hex_digit((unsigned char)text[col]);
		if (v < 0)
			return pl_errf(err, -EINVAL, "column %zu: '%c' is not a hex digit", col + 1,
				       text[col] >= 0x20 && text[col] < 0x7f ? text[col] : '?');
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return pl_errf(err, -E2BIG, "more than %zu bytes of hex", cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return pl_errf(err, -EINVAL, "odd number of hex digits (%zu bytes and one nibble)", n);
	*outlen = n;
	return 0;
}
