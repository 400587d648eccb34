/* sha256.h — SHA-256 (FIPS 180-4), for recording which prompt and scenario files a run used. */
#ifndef PL_SHA256_H
#define PL_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct pl_sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t used;
};

void pl_sha256_init(struct pl_sha256 *s);
void pl_sha256_update(struct pl_sha256 *s, const void *data, size_t n);
void pl_sha256_final(struct pl_sha256 *s, uint8_t out[32]);
/* One-shot, as 64 lowercase hex characters + NUL. */
void pl_sha256_hex(const void *data, size_t n, char out[65]);

#endif
