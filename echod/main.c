/* pinglab-echod — RFC 862 echo on UDP and TCP port 7 for the kernel target of a `host`
 * stack lab (the kernel is then a host with the same services as the host rules'
 * responder at 10.77.2.2).
 *
 *   pinglab-echod [--addr 10.77.1.1] [--port 7]
 *
 * Started by pinglab run inside the lab's rsp namespace; prints "ready" once both
 * sockets listen, then echoes until SIGTERM: every UDP datagram back to its sender,
 * every TCP connection's bytes back until the peer closes. At most 64 connections at a
 * time; a connection that is not read from is closed rather than buffered (its writes
 * would block). Only ever bound to the lab address given.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONN 64

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int bound(int type, const struct sockaddr_in *a)
{
	int one = 1, fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)a, sizeof(*a)) < 0 || (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' }, { "port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7) };
	struct pollfd pf[2 + MAX_CONN];
	static uint8_t buf[65536];
	const char *addr = "10.77.1.1";
	struct sigaction sa;
	int c, nconn = 0, i;
	long port;

	while ((c = getopt_long(argc, argv, "a:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': addr = optarg; break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			if (port < 1 || port > 65535) {
				fprintf(stderr, "pinglab-echod: --port %s: want 1..65535\n", optarg);
				return 2;
			}
			a.sin_port = htons((uint16_t)port);
			break;
		case 'h':
			printf("usage: pinglab-echod [--addr A (default 10.77.1.1)] [--port P (default 7)]\n");
			return 0;
		default:
			fprintf(stderr, "usage: pinglab-echod [--addr A] [--port P]\n");
			return 2;
		}
	}
	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "pinglab-echod: --addr %s: not an IPv4 address\n", addr);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pf[0].fd = bound(SOCK_DGRAM, &a);
	pf[1].fd = pf[0].fd < 0 ? -1 : bound(SOCK_STREAM, &a);
	if (pf[0].fd < 0 || pf[1].fd < 0) {
		fprintf(stderr, "pinglab-echod: bind %s:%u: %s\n", addr, ntohs(a.sin_port), strerror(errno));
		return 1;
	}
	pf[0].events = pf[1].events = POLLIN;
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		if (poll(pf, (nfds_t)(2 + nconn), 1000) < 0) {
			if (errno == EINTR)
				continue;
			perror("pinglab-echod: poll");
			return 1;
		}
		if (pf[0].revents & POLLIN) {
			struct sockaddr_in from;
			socklen_t fl;
			ssize_t n;

			/* a burst: as many datagrams as are queued */
			for (;;) {
				fl = sizeof(from);
				n = recvfrom(pf[0].fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
				if (n < 0)
					break;
				sendto(pf[0].fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
			}
		}
		if (pf[1].revents & POLLIN) {
			int fd;

			while ((fd = accept4(pf[1].fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				if (nconn == MAX_CONN) {
					close(fd);
					continue;
				}
				pf[2 + nconn].fd = fd;
				pf[2 + nconn].events = POLLIN;
				pf[2 + nconn].revents = 0;
				nconn++;
			}
		}
		for (i = 0; i < nconn; i++) {
			struct pollfd *p = &pf[2 + i];
			ssize_t n;

			if (!p->revents)
				continue;
			if (p->revents & POLLIN) {
				n = read(p->fd, buf, sizeof(buf));
				if (n < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				if (n > 0 && write(p->fd, buf, (size_t)n) == n)
					continue;
			}
			/* the peer closed, reset, or does not read what is echoed */
			close(p->fd);
			pf[2 + i] = pf[2 + --nconn];
			i--;
		}
	}
	for (i = 0; i < 2 + nconn; i++)
		close(pf[i].fd);
	return 0;
}
