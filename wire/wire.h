/* wire.h — raw frames on a link: AF_PACKET send and capture with kernel timestamps.
 *
 * The generator sends scenario frames on its veth byte for byte (malformed IPv4 leaves
 * exactly as written) and captures everything that comes back; a second, receive-only
 * socket on the responder's tun0 (opened inside the rsp namespace) sees each request as
 * delivered (PACKET_OUTGOING) and the exact bytes the responder wrote (PACKET_HOST).
 */
#ifndef PL_WIRE_H
#define PL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"

struct pl_wire {
	int fd;
	int ifindex;
	int l2;                /* 1: Ethernet frames (veth); 0: bare IP packets (tun) */
	uint8_t mac[6];
	uint8_t peer[6];
	/* kernel software TX timestamps (SO_TIMESTAMPING, OPT_ID keys), pl_wire_open only */
	bool txts;             /* the option took */
	uint32_t tx_key;       /* the key the kernel gives the next send */
};

struct pl_frame {
	uint8_t data[65536 + 64];
	size_t len;            /* IP packet length (link header stripped) */
	uint16_t ethertype;
	uint8_t pkttype;       /* PACKET_HOST, PACKET_OUTGOING, ... */
	struct timespec ts;    /* kernel receive timestamp, CLOCK_REALTIME */
};

/* Ethernet interface in the current namespace: send + capture (own sends not captured),
 * with kernel TX timestamps where the kernel gives them. */
int pl_wire_open(struct pl_wire *w, const char *ifname, struct pl_err *err);

/* Capture-only socket on an L3 device (tun) inside the namespace at netns_path (e.g.
 * /run/netns/pl-x-rsp; NULL = current). Sees both directions. */
int pl_wire_open_l3(struct pl_wire *w, const char *netns_path, const char *ifname, struct pl_err *err);

/* Resolve peer_ip's MAC with ARP (our_ip as sender); fills w->peer. */
int pl_wire_resolve(struct pl_wire *w, uint32_t our_ip, uint32_t peer_ip, int timeout_ms,
		    struct pl_err *err);

/* Send one IPv4 (or other ethertype) packet as a frame to w->peer. *ts = the kernel's
 * software TX timestamp of the frame (taken by the driver, veth's skb_tx_timestamp(),
 * CLOCK_REALTIME like the receive stamps), read back from the error queue without
 * waiting; when there is none (option refused, stamp not queued yet), the time just
 * before send(). *kernel_ts (may be NULL) says which it is. */
int pl_wire_send(struct pl_wire *w, uint16_t ethertype, const uint8_t *pkt, size_t len,
		 struct timespec *ts, bool *kernel_ts, struct pl_err *err);

/* Read off the TX stamps no send waits for any more (a late one, a second stamp of a
 * frame a later device stamped again), a bounded number without waiting. Call it when
 * poll() reports POLLERR on w->fd: the error queue is not empty, and poll() would keep
 * saying so. pl_wire_recv does it for its own waits. */
void pl_wire_drain(struct pl_wire *w);

/* Wait up to timeout_ms for one frame. Returns 1 with f filled, 0 on timeout, <0 error. */
int pl_wire_recv(struct pl_wire *w, struct pl_frame *f, int timeout_ms);

void pl_wire_close(struct pl_wire *w);

int64_t pl_ts_ns(const struct timespec *ts);
int64_t pl_now_ns(void);

#endif
