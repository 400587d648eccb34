#include "wire/wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int64_t pl_ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

int64_t pl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return pl_ts_ns(&ts);
}

static int open_packet(struct pl_wire *w, const char *ifname, int type, struct pl_err *err)
{
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int one = 1;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (strlen(ifname) >= IFNAMSIZ)
		return pl_errf(err, -EINVAL, "interface name '%s' too long", ifname);
	w->fd = socket(AF_PACKET, type | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (w->fd < 0)
		return pl_errf(err, -errno, "AF_PACKET socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(w->fd, SIOCGIFINDEX, &ifr) < 0) {
		int e = errno;

		pl_wire_close(w);
		return pl_errf(err, -e, "interface %s: %s", ifname, strerror(e));
	}
	w->ifindex = ifr.ifr_ifindex;
	if (type == SOCK_RAW && ioctl(w->fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(w->mac, ifr.ifr_hwaddr.sa_data, 6);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = w->ifindex;
	if (bind(w->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;

		pl_wire_close(w);
		return pl_errf(err, -e, "bind to %s: %s", ifname, strerror(e));
	}
	setsockopt(w->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	{
		int size = 8 << 20;

		setsockopt(w->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	}
	return 0;
}

int pl_wire_open(struct pl_wire *w, const char *ifname, struct pl_err *err)
{
	int one = 1, rc = open_packet(w, ifname, SOCK_RAW, err);

	if (rc)
		return rc;
	w->l2 = 1;
	if (setsockopt(w->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
		int e = errno;

		pl_wire_close(w);
		return pl_errf(err, -e, "PACKET_IGNORE_OUTGOING: %s", strerror(e));
	}
	/* software TX stamps, reported alone (no copy of the frame) and keyed by send, so
	 * a late one is never taken for a later frame's; a kernel that refuses leaves the
	 * user-space send time */
	{
		int flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
			    SOF_TIMESTAMPING_OPT_TSONLY | SOF_TIMESTAMPING_OPT_ID;

		w->txts = setsockopt(w->fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) == 0;
	}
	return 0;
}

/* One message from the error queue, never waiting: 1 with *key and *ts from a software
 * TX stamp, 2 for anything else (skipped), 0 when the queue is empty. */
static int read_tx_stamp(struct pl_wire *w, uint32_t *key, struct timespec *ts)
{
	char cbuf[256];
	struct msghdr mh = { .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	bool have_ts = false, have_key = false;

	if (recvmsg(w->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return 0;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct scm_timestamping))) {
			struct scm_timestamping st;

			memcpy(&st, CMSG_DATA(c), sizeof(st));
			*ts = st.ts[0];
			have_ts = st.ts[0].tv_sec || st.ts[0].tv_nsec;
		} else if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_TX_TIMESTAMP &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct sock_extended_err))) {
			struct sock_extended_err ee;

			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			if (ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING && ee.ee_info == SCM_TSTAMP_SND) {
				*key = ee.ee_data;
				have_key = true;
			}
		}
	}
	return have_ts && have_key ? 1 : 2;
}

/* A stamp with key was read. A key beyond the count: a send that failed used one. */
static void tx_stamp_seen(struct pl_wire *w, uint32_t key)
{
	if ((int32_t)(key - w->tx_key) >= 0)
		w->tx_key = key + 1;
}

void pl_wire_drain(struct pl_wire *w)
{
	struct timespec ts;
	uint32_t key;
	int k, rc;

	for (k = 0; k < 64 && w->txts && (rc = read_tx_stamp(w, &key, &ts)); k++)
		if (rc == 1)
			tx_stamp_seen(w, key);
}

int pl_wire_open_l3(struct pl_wire *w, const char *netns_path, const char *ifname, struct pl_err *err)
{
	int self = -1, target = -1, rc;

	if (netns_path) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		target = open(netns_path, O_RDONLY | O_CLOEXEC);
		if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) < 0) {
			int e = errno;

			if (self >= 0)
				close(self);
			if (target >= 0)
				close(target);
			return pl_errf(err, -e, "enter namespace %s: %s", netns_path, strerror(e));
		}
	}
	rc = open_packet(w, ifname, SOCK_DGRAM, err);
	if (netns_path) {
		/* the socket stays bound to the namespace it was made in */
		if (setns(self, CLONE_NEWNET) < 0 && !rc) {
			pl_wire_close(w);
			rc = pl_errf(err, -errno, "return from namespace %s: %s", netns_path, strerror(errno));
		}
		close(self);
		close(target);
	}
	return rc;
}

/* Pull one frame; returns 1, or 0 when nothing is queued. */
static int read_frame(struct pl_wire *w, struct pl_frame *f)
{
	uint8_t raw[sizeof(f->data) + 14];
	char cbuf[256];
	struct sockaddr_ll from;
	struct iovec iov = { raw, sizeof(raw) };
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n = recvmsg(w->fd, &mh, MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	f->pkttype = from.sll_pkttype;
	f->ethertype = ntohs(from.sll_protocol);
	clock_gettime(CLOCK_REALTIME, &f->ts);
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(&f->ts, CMSG_DATA(c), sizeof(f->ts));
	if (w->l2) {
		if (n < 14)
			return 0;
		f->ethertype = (uint16_t)(raw[12] << 8 | raw[13]);
		f->len = (size_t)n - 14;
		memcpy(f->data, raw + 14, f->len);
	} else {
		f->len = (size_t)n;
		memcpy(f->data, raw, f->len);
	}
	return 1;
}

int pl_wire_recv(struct pl_wire *w, struct pl_frame *f, int timeout_ms)
{
	int64_t deadline = pl_now_ns() + (int64_t)timeout_ms * 1000000;

	for (;;) {
		struct pollfd p = { .fd = w->fd, .events = POLLIN };
		int64_t left = deadline - pl_now_ns();
		int rc = read_frame(w, f);

		if (rc)
			return rc;
		if (left <= 0)
			return 0;
		rc = poll(&p, 1, (int)((left + 999999) / 1000000));
		if (rc < 0 && errno != EINTR)
			return -errno;
		if (rc > 0 && (p.revents & POLLERR))
			pl_wire_drain(w);
	}
}

int pl_wire_send(struct pl_wire *w, uint16_t ethertype, const uint8_t *pkt, size_t len,
		 struct timespec *ts, bool *kernel_ts, struct pl_err *err)
{
	uint8_t frame[sizeof(((struct pl_frame *)0)->data) + 14];
	struct timespec kts;
	uint32_t want, key;
	ssize_t n;
	int k, rc;

	if (len + 14 > sizeof(frame))
		return pl_errf(err, -E2BIG, "frame of %zu bytes too long", len);
	memcpy(frame, w->peer, 6);
	memcpy(frame + 6, w->mac, 6);
	frame[12] = (uint8_t)(ethertype >> 8);
	frame[13] = (uint8_t)ethertype;
	memcpy(frame + 14, pkt, len);
	if (kernel_ts)
		*kernel_ts = false;
	clock_gettime(CLOCK_REALTIME, ts);
	n = send(w->fd, frame, len + 14, 0);
	if (n < 0)
		return pl_errf(err, -errno, "send %zu-byte frame: %s", len + 14, strerror(errno));
	if (!w->txts)
		return 0;
	want = w->tx_key++;
	/* veth stamps in its xmit, inside send(): the stamp is queued by now unless a qdisc
	 * held the frame back. Older keys first: a stamp its send gave up on, or a second
	 * one of an earlier frame (a frame redirected into tun0 keeps its socket, and tun's
	 * xmit stamps it again). Never wait */
	for (k = 0; k < 64 && (rc = read_tx_stamp(w, &key, &kts)); k++) {
		if (rc != 1)
			continue;
		tx_stamp_seen(w, key);
		if ((int32_t)(key - want) >= 0) {
			*ts = kts;
			if (kernel_ts)
				*kernel_ts = true;
			break;
		}
	}
	return 0;
}

int pl_wire_resolve(struct pl_wire *w, uint32_t our_ip, uint32_t peer_ip, int timeout_ms,
		    struct pl_err *err)
{
	uint8_t arp[28];
	int64_t deadline = pl_now_ns() + (int64_t)timeout_ms * 1000000;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct pl_frame *f = NULL;
	int attempt;

	/* RFC 826 request: htype 1, ptype 0x0800, hlen 6, plen 4, op 1 */
	memcpy(arp, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	memcpy(arp + 8, w->mac, 6);
	arp[14] = (uint8_t)(our_ip >> 24), arp[15] = (uint8_t)(our_ip >> 16);
	arp[16] = (uint8_t)(our_ip >> 8), arp[17] = (uint8_t)our_ip;
	memset(arp + 18, 0, 6);
	arp[24] = (uint8_t)(peer_ip >> 24), arp[25] = (uint8_t)(peer_ip >> 16);
	arp[26] = (uint8_t)(peer_ip >> 8), arp[27] = (uint8_t)peer_ip;
	memcpy(w->peer, bcast, 6);
	f = malloc(sizeof(*f));
	if (!f)
		return pl_errf(err, -ENOMEM, "out of memory");
	for (attempt = 0; pl_now_ns() < deadline; attempt++) {
		struct timespec ts;
		int64_t retry = pl_now_ns() + 200000000;

		if (pl_wire_send(w, 0x0806, arp, sizeof(arp), &ts, NULL, err)) {
			free(f);
			return -EIO;
		}
		while (pl_now_ns() < retry && pl_now_ns() < deadline) {
			int rc = pl_wire_recv(w, f, 50);

			if (rc < 0) {
				free(f);
				return pl_errf(err, rc, "ARP receive: %s", strerror(-rc));
			}
			if (rc == 1 && f->ethertype == 0x0806 && f->len >= 28 && f->data[7] == 2 &&
			    !memcmp(f->data + 14, arp + 24, 4)) {
				memcpy(w->peer, f->data + 8, 6);
				free(f);
				return 0;
			}
		}
	}
	free(f);
	return pl_errf(err, -EHOSTUNREACH, "no ARP reply for %u.%u.%u.%u within %d ms",
		       peer_ip >> 24, (peer_ip >> 16) & 0xff, (peer_ip >> 8) & 0xff, peer_ip & 0xff, timeout_ms);
}

void pl_wire_close(struct pl_wire *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
