/* csum.h — the Internet checksum (RFC 1071). */
#ifndef PL_CSUM_H
#define PL_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add len bytes to a running 32-bit one's-complement accumulator. Bytes are taken as
 * big-endian 16-bit words; an odd trailing byte is padded with a zero octet (RFC 1071 §1). */
uint32_t pl_csum_add(uint32_t sum, const void *buf, size_t len);

/* Fold the carries of an accumulator into 16 bits (without complementing). */
uint16_t pl_csum_fold(uint32_t sum);

/* The checksum field value for buf: ~fold(sum). Computing it over data that already
 * contains a correct checksum yields 0. */
uint16_t pl_csum(const void *buf, size_t len);

/* The checksum of a UDP or TCP segment l4[0..len) with the IPv4 pseudo header (RFC 768,
 * RFC 9293 §3.1): source, destination, zero, protocol, segment length. The checksum
 * field inside l4 is summed as it is (zero it first to compute the value to write). */
uint16_t pl_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, const void *l4, size_t len);
/* The pseudo header alone, added to an accumulator. */
uint32_t pl_csum_add_pseudo(uint32_t sum, uint32_t src, uint32_t dst, uint8_t proto, size_t len);

/* RFC 1624 eqn. 3: the checksum after a 32-bit field changed from old to new, without
 * recomputing it: HC' = ~(~HC + ~m + m'). A wrong checksum stays wrong by as much. */
uint16_t pl_csum_update32(uint16_t hc, uint32_t old, uint32_t new_value);

#endif
