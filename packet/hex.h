/* hex.h — strict hex encode/decode. The tolerant reader of model text is extract.h. */
#ifndef PL_HEX_H
#define PL_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Lowercase, no separators, NUL-terminated. out must hold 2*len+1 bytes; returns the
 * number of hex characters written, or 0 if out is too small (out is then ""). */
size_t pl_hex_encode(const uint8_t *buf, size_t len, char *out, size_t outsz);

/* Decode hex digits, ignoring ASCII whitespace between bytes. Errors: a non-hex
 * character (names its 1-based column), an odd number of digits, more than cap bytes. */
int pl_hex_decode(const char *text, uint8_t *out, size_t cap, size_t *outlen, struct pl_err *err);

/* Value of one hex digit, or -1. */
int pl_hex_digit(int c);

#endif
