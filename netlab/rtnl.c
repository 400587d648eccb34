#include "netlab/rtnl.h"

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/addr.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/route.h>
#include <netlink/route/tc.h>
#include <netlink/socket.h>

#include "netlab/netns.h"

#define INGRESS_HANDLE TC_H_MAKE(TC_H_INGRESS, 0) /* ffff: */

static int nl_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_EXIST:        return -EEXIST;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_NODEV:        return -ENODEV;
	case NLE_PERM:         return -EPERM;
	case NLE_NOMEM:        return -ENOMEM;
	case NLE_INVAL:        return -EINVAL;
	case NLE_BUSY:         return -EBUSY;
	case NLE_OPNOTSUPP:    return -EOPNOTSUPP;
	case NLE_NOACCESS:     return -EACCES;
	case NLE_AGAIN:        return -EAGAIN;
	case NLE_RANGE:        return -ERANGE;
	default:               return -EIO;
	}
}

int pl_rtnl_err(struct pl_err *err, int nlerr, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return pl_errf(err, nl_to_errno(nlerr), "%s: %s", what, nl_geterror(nlerr));
}

int pl_rtnl_open(const char *netns, struct nl_sock **out, struct pl_err *err)
{
	struct pl_netns_saved saved = { -1 };
	struct nl_sock *sk;
	int rc;

	*out = NULL;
	sk = nl_socket_alloc();
	if (!sk)
		return pl_errf(err, -ENOMEM, "nl_socket_alloc: out of memory");
	if (netns) {
		rc = pl_netns_enter(netns, &saved, err);
		if (rc < 0)
			goto fail;
	}
	rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc < 0)
		rc = pl_rtnl_err(err, rc, "netlink connect in %s", netns ? netns : "own namespace");
	if (netns) {
		int lrc = pl_netns_leave(&saved, rc < 0 ? NULL : err);

		if (rc == 0 && lrc < 0)
			rc = lrc;
	}
	if (rc < 0)
		goto fail;
	*out = sk;
	return 0;
fail:
	nl_socket_free(sk);
	return rc;
}

void pl_rtnl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk); /* closes the socket too */
}

static int link_get(struct nl_sock *sk, const char *dev, struct rtnl_link **link,
		    struct pl_err *err)
{
	int rc = rtnl_link_get_kernel(sk, 0, dev, link);

	if (rc < 0)
		return pl_rtnl_err(err, rc, "look up link %s", dev);
	return 0;
}

int pl_rtnl_ifindex(struct nl_sock *sk, const char *dev, int *ifindex, struct pl_err *err)
{
	struct rtnl_link *link;
	int rc = link_get(sk, dev, &link, err);

	if (rc < 0)
		return rc;
	*ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return 0;
}

int pl_rtnl_link_state(struct nl_sock *sk, const char *dev, struct pl_link_state *st,
		       struct pl_err *err)
{
	struct rtnl_link *link;
	struct nl_addr *mac;
	const char *kind;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = link_get(sk, dev, &link, err);
	if (rc < 0)
		return rc;
	st->ifindex = rtnl_link_get_ifindex(link);
	st->flags = rtnl_link_get_flags(link);
	mac = rtnl_link_get_addr(link);
	if (mac && nl_addr_get_len(mac) == 6)
		nl_addr2str(mac, st->mac, sizeof(st->mac));
	kind = rtnl_link_get_type(link);
	if (kind)
		snprintf(st->kind, sizeof(st->kind), "%s", kind);
	rtnl_link_put(link);
	return 0;
}

int pl_rtnl_link_up(struct nl_sock *sk, const char *dev, struct pl_err *err)
{
	return pl_rtnl_link_up_txqlen(sk, dev, 0, err);
}

int pl_rtnl_link_up_txqlen(struct nl_sock *sk, const char *dev, unsigned txqlen, struct pl_err *err)
{
	struct rtnl_link *link, *change;
	int rc;

	rc = link_get(sk, dev, &link, err);
	if (rc < 0)
		return rc;
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(link);
		return pl_errf(err, -ENOMEM, "set %s up: out of memory", dev);
	}
	rtnl_link_set_flags(change, IFF_UP);
	if (txqlen)
		rtnl_link_set_txqlen(change, txqlen);
	rc = rtnl_link_change(sk, link, change, 0);
	if (rc < 0)
		rc = pl_rtnl_err(err, rc, "set %s up", dev);
	rtnl_link_put(change);
	rtnl_link_put(link);
	return rc;
}

int pl_rtnl_link_wait_running(struct nl_sock *sk, const char *dev, int timeout_ms,
			      struct pl_err *err)
{
	struct timespec nap = { 0, 2 * 1000 * 1000 };
	uint8_t oper = IF_OPER_UNKNOWN;
	unsigned int flags = 0;

	for (int waited = 0;; waited += 2) {
		struct rtnl_link *link;
		int rc = link_get(sk, dev, &link, err);

		if (rc < 0)
			return rc;
		flags = rtnl_link_get_flags(link);
		oper = rtnl_link_get_operstate(link);
		rtnl_link_put(link);
		if ((flags & IFF_UP) && (flags & IFF_LOWER_UP) &&
		    (oper == IF_OPER_UP || oper == IF_OPER_UNKNOWN))
			return 0;
		if (waited >= timeout_ms)
			break;
		nanosleep(&nap, NULL);
	}
	return pl_errf(err, -ETIMEDOUT, "%s not running after %d ms (flags %#x, operstate %u)",
		       dev, timeout_ms, flags, (unsigned)oper);
}

int pl_rtnl_link_del(struct nl_sock *sk, const char *dev, struct pl_err *err)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int rc;

	if (!link)
		return pl_errf(err, -ENOMEM, "delete %s: out of memory", dev);
	rtnl_link_set_name(link, dev);
	rc = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	if (rc < 0)
		return pl_rtnl_err(err, rc, "delete link %s", dev);
	return 0;
}

int pl_rtnl_veth_add(struct nl_sock *sk, const char *name, const char *peer_name,
		     int peer_ns_fd, struct pl_err *err)
{
	struct rtnl_link *link, *peer;
	int rc;

	link = rtnl_link_veth_alloc();
	if (!link)
		return pl_errf(err, -ENOMEM, "veth %s: out of memory", name);
	rtnl_link_set_name(link, name);
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(peer, peer_name);
	/* IFLA_NET_NS_FD in the peer's nested ifinfo: the kernel creates the peer directly
	 * in that namespace, so neither end is ever visible in ours. */
	rtnl_link_set_ns_fd(peer, peer_ns_fd);
	rtnl_link_put(peer);
	rc = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	if (rc < 0)
		return pl_rtnl_err(err, rc, "create veth %s/%s", name, peer_name);
	return 0;
}

static int parse_addr(const char *s, struct nl_addr **out, struct pl_err *err)
{
	int rc = nl_addr_parse(s, AF_INET, out);

	if (rc < 0)
		return pl_rtnl_err(err, rc, "parse address %s", s);
	return 0;
}

int pl_rtnl_addr_add(struct nl_sock *sk, const char *dev, const char *cidr,
		     struct pl_err *err)
{
	struct rtnl_addr *addr = NULL;
	struct nl_addr *local = NULL;
	int ifindex, rc;

	rc = pl_rtnl_ifindex(sk, dev, &ifindex, err);
	if (rc < 0)
		return rc;
	rc = parse_addr(cidr, &local, err);
	if (rc < 0)
		return rc;
	addr = rtnl_addr_alloc();
	if (!addr) {
		rc = pl_errf(err, -ENOMEM, "address %s: out of memory", cidr);
		goto out;
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_family(addr, AF_INET);
	rc = rtnl_addr_set_local(addr, local);
	if (rc == 0)
		rc = rtnl_addr_add(sk, addr, NLM_F_EXCL);
	if (rc < 0)
		rc = pl_rtnl_err(err, rc, "add address %s to %s", cidr, dev);
out:
	if (addr)
		rtnl_addr_put(addr);
	nl_addr_put(local);
	return rc;
}

int pl_rtnl_route_add(struct nl_sock *sk, const char *dst_cidr, const char *gateway,
		      const char *dev, struct pl_err *err)
{
	struct nl_addr *dst = NULL, *gw = NULL;
	struct rtnl_route *route = NULL;
	struct rtnl_nexthop *nh;
	int ifindex, rc;

	rc = pl_rtnl_ifindex(sk, dev, &ifindex, err);
	if (rc < 0)
		return rc;
	rc = parse_addr(dst_cidr, &dst, err);
	if (rc == 0)
		rc = parse_addr(gateway, &gw, err);
	if (rc < 0)
		goto out;
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!route || !nh) {
		if (nh)
			rtnl_route_nh_free(nh);
		rc = pl_errf(err, -ENOMEM, "route %s: out of memory", dst_cidr);
		goto out;
	}
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_type(route, RTN_UNICAST);
	rc = rtnl_route_set_dst(route, dst);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(route, nh); /* the route owns nh from here */
	if (rc == 0)
		rc = rtnl_route_add(sk, route, NLM_F_EXCL);
	if (rc < 0)
		rc = pl_rtnl_err(err, rc, "add route %s via %s dev %s", dst_cidr, gateway, dev);
out:
	if (route)
		rtnl_route_put(route);
	nl_addr_put(dst);
	nl_addr_put(gw);
	return rc;
}

static struct rtnl_qdisc *ingress_alloc(int ifindex)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();

	if (!q)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_INGRESS);
	rtnl_tc_set_handle(TC_CAST(q), INGRESS_HANDLE);
	if (rtnl_tc_set_kind(TC_CAST(q), "ingress") < 0) {
		rtnl_qdisc_put(q);
		return NULL;
	}
	return q;
}

int pl_rtnl_ingress_add(struct nl_sock *sk, const char *dev, struct pl_err *err)
{
	struct rtnl_qdisc *q;
	int ifindex, rc;

	rc = pl_rtnl_ifindex(sk, dev, &ifindex, err);
	if (rc < 0)
		return rc;
	q = ingress_alloc(ifindex);
	if (!q)
		return pl_errf(err, -ENOMEM, "ingress qdisc on %s: out of memory", dev);
	rc = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_qdisc_put(q);
	if (rc < 0)
		return pl_rtnl_err(err, rc, "add ingress qdisc on %s", dev);
	return 0;
}

int pl_rtnl_ingress_del(struct nl_sock *sk, const char *dev, struct pl_err *err)
{
	struct rtnl_qdisc *q;
	int ifindex, rc;

	rc = pl_rtnl_ifindex(sk, dev, &ifindex, err);
	if (rc < 0)
		return rc;
	q = ingress_alloc(ifindex);
	if (!q)
		return pl_errf(err, -ENOMEM, "ingress qdisc on %s: out of memory", dev);
	rc = rtnl_qdisc_delete(sk, q);
	rtnl_qdisc_put(q);
	if (rc < 0)
		return pl_rtnl_err(err, rc, "delete ingress qdisc on %s", dev);
	return 0;
}

bool pl_rtnl_ingress_present(struct nl_sock *sk, const char *dev)
{
	struct nl_cache *cache = NULL;
	struct rtnl_qdisc *q;
	int ifindex;
	bool found = false;

	if (pl_rtnl_ifindex(sk, dev, &ifindex, NULL) < 0)
		return false;
	if (rtnl_qdisc_alloc_cache(sk, &cache) < 0)
		return false;
	q = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_INGRESS);
	if (q) {
		const char *kind = rtnl_tc_get_kind(TC_CAST(q));

		found = kind && !strcmp(kind, "ingress");
		rtnl_qdisc_put(q);
	}
	nl_cache_free(cache);
	return found;
}

struct prio_set {
	uint16_t prio[16];
	int n;
};

static void note_prio(struct nl_object *obj, void *arg)
{
	struct prio_set *set = arg;
	uint16_t prio = rtnl_cls_get_prio((struct rtnl_cls *)obj);

	for (int i = 0; i < set->n; i++)
		if (set->prio[i] == prio)
			return;
	if (set->n < (int)(sizeof(set->prio) / sizeof(set->prio[0])))
		set->prio[set->n++] = prio;
}

int pl_rtnl_ingress_filter_count(struct nl_sock *sk, const char *dev, struct pl_err *err)
{
	struct nl_cache *cache = NULL;
	struct prio_set set = { { 0 }, 0 };
	int ifindex, rc;

	rc = pl_rtnl_ifindex(sk, dev, &ifindex, err);
	if (rc < 0)
		return rc;
	rc = rtnl_cls_alloc_cache(sk, ifindex, INGRESS_HANDLE, &cache);
	if (rc < 0)
		return pl_rtnl_err(err, rc, "list filters on %s", dev);
	/* A u32 dump lists each prio's hash table as well as its rules: count prios. */
	nl_cache_foreach(cache, note_prio, &set);
	nl_cache_free(cache);
	return set.n;
}

static struct rtnl_cls *u32_alloc(int ifindex, uint16_t prio)
{
	struct rtnl_cls *cls = rtnl_cls_alloc();

	if (!cls)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(cls), ifindex);
	rtnl_tc_set_parent(TC_CAST(cls), INGRESS_HANDLE);
	rtnl_cls_set_prio(cls, prio);
	rtnl_cls_set_protocol(cls, ETH_P_IP);
	if (rtnl_tc_set_kind(TC_CAST(cls), "u32") < 0) {
		rtnl_cls_put(cls);
		return NULL;
	}
	return cls;
}

int pl_rtnl_u32_pass_dst(struct nl_sock *sk, const char *dev, uint16_t prio,
			 const char *dst_cidr, struct pl_err *err)
{
	struct nl_addr *dst = NULL;
	struct rtnl_cls *cls = NULL;
	int ifindex, rc;

	rc = pl_rtnl_ifindex(sk, dev, &ifindex, err);
	if (rc < 0)
		return rc;
	rc = parse_addr(dst_cidr, &dst, err);
	if (rc < 0)
		return rc;
	cls = u32_alloc(ifindex, prio);
	if (!cls) {
		rc = pl_errf(err, -ENOMEM, "u32 filter on %s: out of memory", dev);
		goto out;
	}
	/* IPv4 destination address: offset 16 of the IP header. */
	rc = rtnl_u32_add_key_in_addr(cls, nl_addr_get_binary_addr(dst),
				      (uint8_t)nl_addr_get_prefixlen(dst), 16, 0);
	/* Terminal: a match ends the classification with the (empty) action list's
	 * verdict TC_ACT_OK, so the frame goes on to the IP stack. */
	if (rc == 0)
		rc = rtnl_u32_set_cls_terminal(cls);
	if (rc == 0)
		rc = rtnl_cls_add(sk, cls, NLM_F_CREATE | NLM_F_EXCL);
	if (rc < 0)
		rc = pl_rtnl_err(err, rc, "add u32 filter prio %u (ip dst %s: pass) on %s",
				 prio, dst_cidr, dev);
out:
	if (cls)
		rtnl_cls_put(cls);
	nl_addr_put(dst);
	return rc;
}

int pl_rtnl_u32_redirect_ipv4(struct nl_sock *sk, const char *dev, uint16_t prio,
			      const char *to_dev, struct pl_err *err)
{
	struct rtnl_cls *cls = NULL;
	struct rtnl_act *act = NULL;
	int ifindex, to_ifindex, rc;

	rc = pl_rtnl_ifindex(sk, dev, &ifindex, err);
	if (rc == 0)
		rc = pl_rtnl_ifindex(sk, to_dev, &to_ifindex, err);
	if (rc < 0)
		return rc;
	cls = u32_alloc(ifindex, prio);
	act = rtnl_act_alloc();
	if (!cls || !act) {
		rc = pl_errf(err, -ENOMEM, "u32 filter on %s: out of memory", dev);
		goto out;
	}
	rc = rtnl_tc_set_kind(TC_CAST(act), "mirred");
	if (rc == 0)
		rc = rtnl_mirred_set_action(act, TCA_EGRESS_REDIR);
	if (rc == 0)
		rc = rtnl_mirred_set_policy(act, TC_ACT_STOLEN);
	if (rc == 0)
		rc = rtnl_mirred_set_ifindex(act, (uint32_t)to_ifindex);
	/* Ethertype 0x0800, the last two bytes of the MAC header (offset -2 from the IP
	 * header). Unlike "u32 0 0 at 0" it reads nothing of the IP packet, so frames with
	 * fewer than 4 bytes of IP data still match. */
	if (rc == 0)
		rc = rtnl_u32_add_key_uint16(cls, ETH_P_IP, 0xffff, -2, 0);
	if (rc == 0)
		rc = rtnl_u32_set_cls_terminal(cls);
	if (rc == 0)
		rc = rtnl_u32_add_action(cls, act);
	if (rc == 0)
		rc = rtnl_cls_add(sk, cls, NLM_F_CREATE | NLM_F_EXCL);
	if (rc < 0)
		rc = pl_rtnl_err(err, rc, "add u32 filter prio %u (ipv4 → mirred redirect %s) "
				 "on %s", prio, to_dev, dev);
out:
	if (act)
		rtnl_act_put(act);
	if (cls)
		rtnl_cls_put(cls);
	return rc;
}

int pl_rtnl_filter_del(struct nl_sock *sk, const char *dev, uint16_t prio,
		       struct pl_err *err)
{
	struct rtnl_cls *cls;
	int ifindex, rc;

	rc = pl_rtnl_ifindex(sk, dev, &ifindex, err);
	if (rc < 0)
		return rc;
	cls = u32_alloc(ifindex, prio);
	if (!cls)
		return pl_errf(err, -ENOMEM, "filter on %s: out of memory", dev);
	rc = rtnl_cls_delete(sk, cls, 0);
	rtnl_cls_put(cls);
	if (rc < 0)
		return pl_rtnl_err(err, rc, "delete filter prio %u on %s", prio, dev);
	return 0;
}
