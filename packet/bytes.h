/* bytes.h — network byte order reads and writes of 16- and 32-bit fields. */
#ifndef PL_BYTES_H
#define PL_BYTES_H

#include <stdint.h>

static inline uint16_t pl_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t pl_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void pl_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pl_put32(uint8_t *p, uint32_t v)
{
	pl_put16(p, v >> 16);
	pl_put16(p + 2, v);
}

#endif
