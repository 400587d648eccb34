/* test_lab_wire.c — what reaches tun0: byte-exact in wire mode, forwarded in routed mode.
 *
 * Frames are written with an AF_PACKET socket on the gen veth (opened inside the gen
 * namespace) and read from tun0 (attached inside the rsp namespace, as the responder
 * will). The expected bytes are the literal frames below, not something the lab made. */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "netlab/lab.h"
#include "netlab/netns.h"
#include "netlab/tun.h"
#include "tests/labtest.h"

TestSuite(lab_wire, .fini = lt_cleanup);

/* ICMP echo request 10.77.1.2 -> 10.77.2.2, TTL 64, id 0x1234 seq 1, payload "pinglab!".
 * IP header checksum deliberately wrong: the correct value is 0x776e, this says 0xbeef. */
static const unsigned char bad_csum[] = {
	0x45, 0x00, 0x00, 0x24, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x01, 0xbe, 0xef, /* csum! */
	0x0a, 0x4d, 0x01, 0x02, 0x0a, 0x4d, 0x02, 0x02,
	0x08, 0x00, 0x38, 0x77, 0x12, 0x34, 0x00, 0x01,
	'p', 'i', 'n', 'g', 'l', 'a', 'b', '!',
};

/* Same packet with the correct header checksum 0x776e (lab_wire.valid_fixture_checksum
 * checks the fixtures' arithmetic independently of packet/csum.c). */
static const unsigned char good[] = {
	0x45, 0x00, 0x00, 0x24, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x01, 0x77, 0x6e,
	0x0a, 0x4d, 0x01, 0x02, 0x0a, 0x4d, 0x02, 0x02,
	0x08, 0x00, 0x38, 0x77, 0x12, 0x34, 0x00, 0x01,
	'p', 'i', 'n', 'g', 'l', 'a', 'b', '!',
};

/* IHL 3 (12 bytes, below the minimum of 5 words); the rest as in good[]. */
static const unsigned char bad_ihl[] = {
	0x43, 0x00, 0x00, 0x24, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x01, 0x5f, 0x8f,
	0x0a, 0x4d, 0x01, 0x02, 0x0a, 0x4d, 0x02, 0x02,
	0x08, 0x00, 0x38, 0x77, 0x12, 0x34, 0x00, 0x01,
	'p', 'i', 'n', 'g', 'l', 'a', 'b', '!',
};

/* Truncated: the first 10 bytes of an IPv4 header, no addresses at all. */
static const unsigned char truncated[] = {
	0x45, 0x00, 0x00, 0x54, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01,
};

static unsigned sum16(const unsigned char *p, size_t len)
{
	unsigned s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (unsigned)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

Test(lab_wire, valid_fixture_checksum)
{
	/* One's-complement sum over a header with a correct checksum is 0xffff. */
	cr_expect_eq(sum16(good, 20), 0xffffu);
	cr_expect_neq(sum16(bad_csum, 20), 0xffffu);
	cr_expect_eq(sum16(good + 20, sizeof(good) - 20), 0xffffu, "ICMP checksum");
}

struct wire {
	struct pl_lab_names n;
	int pkt;                 /* AF_PACKET on the gen veth */
	int ifindex;
	unsigned char rsp_mac[6];
	unsigned char gen_mac[6];
	int tun;                 /* tun0, attached in rsp */
};

static void get_mac(const char *dev, unsigned char mac[6])
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	cr_assert_eq(ioctl(s, SIOCGIFHWADDR, &ifr), 0, "SIOCGIFHWADDR %s: %s", dev,
		     strerror(errno));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
}

static void wire_open(struct wire *w, const char *name)
{
	struct pl_netns_saved saved;
	struct pl_err err = { "" };

	cr_assert_eq(pl_lab_names(name, &w->n, &err), 0);
	/* Sockets and fds keep the namespace they were opened in. */
	cr_assert_eq(pl_netns_enter(w->n.gen_ns, &saved, &err), 0, "%s", err.msg);
	w->pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	cr_assert(w->pkt >= 0, "AF_PACKET: %s", strerror(errno));
	w->ifindex = (int)if_nametoindex(w->n.gen_dev);
	cr_assert(w->ifindex > 0);
	get_mac(w->n.gen_dev, w->gen_mac);
	cr_assert_eq(pl_netns_leave(&saved, &err), 0, "%s", err.msg);

	cr_assert_eq(pl_netns_enter(w->n.rsp_ns, &saved, &err), 0, "%s", err.msg);
	w->tun = pl_tun_attach(w->n.tun_dev, true, &err);
	cr_assert(w->tun >= 0, "%s", err.msg);
	get_mac(w->n.rsp_dev, w->rsp_mac);
	cr_assert_eq(pl_netns_leave(&saved, &err), 0, "%s", err.msg);
	/* Attaching turned the carrier on; the kernel applies it asynchronously. */
	cr_assert_eq(pl_lab_tun_wait_ready(name, 3000, &err), 0, "%s", err.msg);
}

static void wire_close(struct wire *w)
{
	close(w->pkt);
	close(w->tun);
}

static void send_ipv4(struct wire *w, const unsigned char *ip, size_t len)
{
	unsigned char frame[1600];
	struct sockaddr_ll to;

	memcpy(frame, w->rsp_mac, 6);
	memcpy(frame + 6, w->gen_mac, 6);
	frame[12] = 0x08;
	frame[13] = 0x00;
	memcpy(frame + 14, ip, len);
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = w->ifindex;
	to.sll_halen = 6;
	memcpy(to.sll_addr, w->rsp_mac, 6);
	cr_assert_eq(sendto(w->pkt, frame, len + 14, 0, (struct sockaddr *)&to, sizeof(to)),
		     (ssize_t)(len + 14), "sendto: %s", strerror(errno));
}

/* Next packet from tun0 within ms; its length, or -1 on timeout. */
static ssize_t tun_read(struct wire *w, unsigned char *buf, size_t cap, int ms)
{
	struct pollfd p = { w->tun, POLLIN, 0 };

	if (poll(&p, 1, ms) <= 0)
		return -1;
	return read(w->tun, buf, cap);
}

static void hex(char *out, size_t cap, const unsigned char *p, ssize_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (ssize_t i = 0; i < len && used + 3 < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%02x", p[i]);
}

static void expect_exact(struct wire *w, const char *what, const unsigned char *ip, size_t len)
{
	unsigned char got[2048];
	char hs[512], hg[512];
	ssize_t n;

	send_ipv4(w, ip, len);
	n = tun_read(w, got, sizeof(got), 2000);
	hex(hs, sizeof(hs), ip, (ssize_t)len);
	cr_assert(n >= 0, "%s: nothing reached tun0 (sent %s)", what, hs);
	hex(hg, sizeof(hg), got, n);
	cr_expect(n == (ssize_t)len && !memcmp(got, ip, len),
		  "%s: tun0 got %s\n  sent      %s", what, hg, hs);
}

Test(lab_wire, malformed_packets_reach_tun_byte_exact, .timeout = 20)
{
	struct lt_run *r;
	struct wire w;
	char name[9];

	LT_NEED_LAB();
	r = malloc(sizeof(*r));
	cr_assert(r);
	lt_name(name, "we");
	lt_pinglab(r, NULL, "up", "--name", name, "--mode", "wire", NULL);
	cr_assert_eq(r->status, 0, "%s%s", r->out, r->err);
	wire_open(&w, name);

	expect_exact(&w, "bad IP header checksum", bad_csum, sizeof(bad_csum));
	expect_exact(&w, "valid echo request (TTL not decremented)", good, sizeof(good));
	expect_exact(&w, "IHL 3", bad_ihl, sizeof(bad_ihl));
	expect_exact(&w, "truncated 10-byte IPv4", truncated, sizeof(truncated));

	/* Nothing else showed up on tun0 (no IPv6 noise, no duplicates). */
	unsigned char extra[2048];
	cr_expect_eq(tun_read(&w, extra, sizeof(extra), 200), -1, "unexpected extra packet");

	wire_close(&w);
	lt_pinglab(r, NULL, "down", "--name", name, NULL);
	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	free(r);
}

Test(lab_wire, routed_mode_forwards_and_drops_bad_headers, .timeout = 20)
{
	unsigned char got[2048], want[sizeof(good)];
	struct lt_run *r;
	struct wire w;
	char name[9];
	ssize_t n;
	unsigned s;

	LT_NEED_LAB();
	r = malloc(sizeof(*r));
	cr_assert(r);
	lt_name(name, "wr");
	lt_pinglab(r, NULL, "up", "--name", name, "--mode", "routed", NULL);
	cr_assert_eq(r->status, 0, "%s%s", r->out, r->err);
	wire_open(&w, name);

	/* The bad checksum is dropped by the rsp kernel; the valid one sent right after it
	 * arrives. Repeat a few rounds in case the first frames race the carrier change. */
	n = -1;
	for (int round = 0; round < 10 && n < 0; round++) {
		send_ipv4(&w, bad_csum, sizeof(bad_csum));
		send_ipv4(&w, good, sizeof(good));
		n = tun_read(&w, got, sizeof(got), 300);
	}
	cr_assert_eq(n, (ssize_t)sizeof(good), "routed: got %zd bytes", n);
	/* Forwarded: TTL 64 -> 63 and the header checksum adjusted (RFC 1624). */
	memcpy(want, good, sizeof(good));
	want[8] = 63;
	want[10] = want[11] = 0;
	s = ~sum16(want, 20) & 0xffff;
	want[10] = (unsigned char)(s >> 8);
	want[11] = (unsigned char)s;
	cr_expect_arr_eq(got, want, sizeof(want), "routed mode did not forward as expected");
	cr_expect_eq(tun_read(&w, got, sizeof(got), 200), -1, "bad checksum was forwarded");

	wire_close(&w);
	lt_pinglab(r, NULL, "down", "--name", name, NULL);
	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	free(r);
}
