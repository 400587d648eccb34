#include "packet/csum.h"

#include "packet/bytes.h"

uint32_t pl_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	/* Keep the accumulator within 32 bits for the next call: fold once here. */
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t pl_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t pl_csum(const void *buf, size_t len)
{
	return (uint16_t)~pl_csum_fold(pl_csum_add(0, buf, len));
}

uint16_t pl_csum_update32(uint16_t hc, uint32_t old, uint32_t new_value)
{
	uint32_t sum = (uint16_t)~hc;

	sum += (uint16_t)~(old >> 16) + (uint16_t)~(old & 0xffff);
	sum += (new_value >> 16) + (new_value & 0xffff);
	return (uint16_t)~pl_csum_fold(sum);
}

uint32_t pl_csum_add_pseudo(uint32_t sum, uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	uint8_t ph[12];

	pl_put32(ph, src);
	pl_put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	pl_put16(ph + 10, (uint32_t)len);
	return pl_csum_add(sum, ph, sizeof(ph));
}

uint16_t pl_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, const void *l4, size_t len)
{
	return (uint16_t)~pl_csum_fold(pl_csum_add(pl_csum_add_pseudo(0, src, dst, proto, len), l4, len));
}
