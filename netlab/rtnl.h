/* rtnl.h — the few rtnetlink operations the lab needs, through libnl-route.
 *
 * Every function works on the namespace its socket was opened in (pl_rtnl_open) and
 * returns 0 or a negative errno; the message carries libnl's text (nl_geterror).
 * Addresses are given as strings, e.g. "10.77.1.2/24".
 */
#ifndef PL_RTNL_H
#define PL_RTNL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

struct nl_sock;

/* A NETLINK_ROUTE socket bound to the named namespace (NULL: the caller's own). */
int pl_rtnl_open(const char *netns, struct nl_sock **out, struct pl_err *err);
void pl_rtnl_close(struct nl_sock *sk);

/* Turn a libnl error code into a negative errno (best effort) and a message. */
int pl_rtnl_err(struct pl_err *err, int nlerr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int pl_rtnl_ifindex(struct nl_sock *sk, const char *dev, int *ifindex, struct pl_err *err);

struct pl_link_state {
	int ifindex;
	unsigned int flags;   /* IFF_UP, IFF_LOWER_UP, ... */
	char mac[18];         /* "aa:bb:..." or "" */
	char kind[16];        /* "veth", "tun", ... or "" */
};
int pl_rtnl_link_state(struct nl_sock *sk, const char *dev, struct pl_link_state *st,
		       struct pl_err *err);

int pl_rtnl_link_up(struct nl_sock *sk, const char *dev, struct pl_err *err);
/* The same, also setting the transmit queue length (0: leave it). */
int pl_rtnl_link_up_txqlen(struct nl_sock *sk, const char *dev, unsigned txqlen, struct pl_err *err);

/* Wait until dev has carrier and its operstate has left DOWN (up to timeout_ms). The
 * kernel applies a carrier change (and swaps the noop qdisc that drops everything for
 * the real one) from linkwatch, which may lag up to a second when other links changed
 * recently: a TUN that just got a reader drops packets until then. -ETIMEDOUT. */
int pl_rtnl_link_wait_running(struct nl_sock *sk, const char *dev, int timeout_ms,
			      struct pl_err *err);
int pl_rtnl_link_del(struct nl_sock *sk, const char *dev, struct pl_err *err);

/* veth pair: name in the socket's namespace, peer created directly in peer_ns_fd's. */
int pl_rtnl_veth_add(struct nl_sock *sk, const char *name, const char *peer,
		     int peer_ns_fd, struct pl_err *err);

int pl_rtnl_addr_add(struct nl_sock *sk, const char *dev, const char *cidr,
		     struct pl_err *err);
int pl_rtnl_route_add(struct nl_sock *sk, const char *dst_cidr, const char *gateway,
		      const char *dev, struct pl_err *err);

/* tc: ingress qdisc (handle ffff:) and u32 filters on it. */
int pl_rtnl_ingress_add(struct nl_sock *sk, const char *dev, struct pl_err *err);
int pl_rtnl_ingress_del(struct nl_sock *sk, const char *dev, struct pl_err *err);
bool pl_rtnl_ingress_present(struct nl_sock *sk, const char *dev);
/* Number of filter prios under the ingress qdisc of dev (or -errno). */
int pl_rtnl_ingress_filter_count(struct nl_sock *sk, const char *dev, struct pl_err *err);

/* prio: u32 "protocol ip, ip dst == dst_cidr", terminal with no action: the frame
 * leaves tc (TC_ACT_OK) and continues up the stack, skipping higher prios. Works
 * without act_gact. */
int pl_rtnl_u32_pass_dst(struct nl_sock *sk, const char *dev, uint16_t prio,
			 const char *dst_cidr, struct pl_err *err);
/* prio: u32 "protocol ip, ethertype 0x0800 at -2" (reads only the MAC header, so it
 * matches IPv4 frames of any length, even truncated ones) → mirred egress redirect to
 * to_dev. */
int pl_rtnl_u32_redirect_ipv4(struct nl_sock *sk, const char *dev, uint16_t prio,
			      const char *to_dev, struct pl_err *err);
int pl_rtnl_filter_del(struct nl_sock *sk, const char *dev, uint16_t prio,
		       struct pl_err *err);

#endif
