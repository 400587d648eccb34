/* Resource limits of the responder, on a real lab: a model answer of 10 MB is cut at
 * 1 MiB and killed; an HTTP server that sends a body without end is cut off at 4 MiB
 * with bounded memory; a slowloris server that dribbles its headers is given up at the
 * request timeout; and packets arriving faster than a slow model answers wait in a
 * bounded queue whose overflow is counted and logged, never buffered without end
 * (10,000 packets, every one accounted for). */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/labtest.h"
#include "tests/util.h"

TestSuite(limits, .fini = lt_cleanup);

static void play(const char *name, const char *scenarios, const char *max_wait)
{
	char rsp_ns[64], gen_if[32];
	struct lt_run r;

	snprintf(rsp_ns, sizeof(rsp_ns), "/run/netns/pl-%s-rsp", name);
	snprintf(gen_if, sizeof(gen_if), "pl-%s-g", name);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", tu_bin("pinglab-gen"), "--iface", gen_if,
				       "--target", "slow:responder", "--tun-netns", rsp_ns, "--max-wait", max_wait,
				       scenarios, NULL };

		lt_run(&r, argv, NULL);
	}
}

static unsigned count_lines(const char *log, const char *needle)
{
	size_t len;
	char *text = tu_slurp(log, &len), *p;
	unsigned n = 0;

	if (!text)
		return 0;
	for (p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	free(text);
	return n;
}

Test(limits, ten_megabyte_answer_is_cut_and_killed, .timeout = 60)
{
	char name[9], log[] = "/tmp/pl-lim-XXXXXX";
	const char *extra[] = { "--backend", "exec", "--timeout", "10000", "--", "/bin/sh", "-c",
				"cat >/dev/null; head -c 10000000 /dev/zero | tr '\\000' 'a'", NULL };
	struct lt_run r;
	pid_t rsp;
	int fd = mkstemp(log);

	LT_NEED_LAB();
	close(fd);
	rsp = lt_lab_with_responder(name, "l", log, extra);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", "ping", "-c", "1", "-W", "5",
				       "10.77.2.2", NULL };

		lt_run(&r, argv, NULL);
	}
	lt_stop(rsp, SIGTERM);
	cr_expect_eq(count_lines(log, "\"outcome\":\"api-error\""), 1);
	cr_expect_eq(count_lines(log, "command wrote more than 1048576 bytes: killed"), 1);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	unlink(log);
}

static long peak_rss_kb(pid_t pid);

/* Packets the rsp kernel dropped on tun0's way out (its queue to the responder was
 * full), from `ip -s -j link`; -1 if unknown. */
static long tun_tx_dropped(const char *name)
{
	char ns[32];
	struct lt_run r;
	cJSON *o, *tx;
	long v = -1;

	snprintf(ns, sizeof(ns), "pl-%s-rsp", name);
	{
		const char *argv[] = { "ip", "-n", ns, "-s", "-j", "link", "show", "dev", "tun0", NULL };

		lt_run(&r, argv, NULL);
	}
	o = cJSON_Parse(r.out);
	tx = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(o, 0), "stats64"), "tx"), "dropped");
	if (cJSON_IsNumber(tx))
		v = (long)tx->valuedouble;
	cJSON_Delete(o);
	return v;
}

Test(limits, slow_model_bounded_queue_counts_drops, .timeout = 90)
{
	char name[9], log[] = "/tmp/pl-lim-XXXXXX";
	/* one request at a time, each killed after 100 ms; at most 20 waiting */
	const char *extra[] = { "--backend", "exec", "--concurrency", "1", "--queue", "20", "--timeout", "100", "--",
				"/bin/sh", "-c", "cat >/dev/null; sleep 5", NULL };
	struct lt_run r;
	pid_t rsp;
	unsigned full, timeouts, logged;
	unsigned long seen;
	long rss, tun_dropped;
	int fd = mkstemp(log);

	struct timespec t0, t1;
	double busy_s;

	LT_NEED_LAB();
	close(fd);
	rsp = lt_lab_with_responder(name, "q", log, extra);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	play(name, tu_src("tests/fixtures/scenarios-burst"), "4000");
	/* let the responder read what still waits on tun0 (a slow build, e.g. under
	 * valgrind, lags): until its log and the drops stop growing */
	for (fd = 0, seen = 0; fd < 100; fd++) {
		unsigned long now = count_lines(log, "\"outcome\"") + (unsigned long)tun_tx_dropped(name);

		if (now == seen)
			break;
		seen = now;
		usleep(300000);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	busy_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	rss = peak_rss_kb(rsp);
	tun_dropped = tun_tx_dropped(name);
	lt_stop(rsp, SIGTERM);
	logged = count_lines(log, "\"outcome\"");
	full = count_lines(log, "queue full");
	timeouts = count_lines(log, "\"outcome\":\"timeout\"");
	/* every one of the 10,000 packets is accounted for: logged by the responder (timed
	 * out, or counted as a queue-full drop) or dropped by the kernel on tun0 before the
	 * responder could read it */
	cr_expect_eq(logged + (unsigned long)tun_dropped, 10000, "%u logged + %ld dropped on tun0", logged, tun_dropped);
	cr_expect_gt(full, 1000, "%u queue-full drops", full);
	if (!lt_memory_tool())
		cr_expect_lt(rss, 48 * 1024, "responder peak RSS %ld kB with 10,000 packets", rss);
	/* one request at a time, each cut at 100 ms: at most one timeout per 100 ms the
	 * responder was busy, plus the 20 queued and the one in flight at the end (a slower
	 * run, e.g. under valgrind, is busy longer and times out more; an unbounded queue
	 * shows as no queue-full drops above) */
	cr_expect_leq(timeouts, 21 + (unsigned)(busy_s / 0.1) + 10, "%u timeouts in %.1f s: more than one per 100 ms",
		      timeouts, busy_s);
	cr_expect_gt(timeouts, 0);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	unlink(log);
}

enum evil { EVIL_ENDLESS_BODY, EVIL_SLOWLORIS };

/* A hostile HTTP server on 127.0.0.1 (a forked child, killed by the caller): reads
 * each request, then either answers 200 with a JSON body that never ends, or sends
 * its status line one byte every 200 ms. Returns its pid; *port is where it listens. */
static pid_t evil_server(enum evil how, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	pid_t pid;

	cr_assert_geq(s, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s, 8), 0);
	cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid)
		return close(s), pid;
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int c = accept(s, NULL, NULL);
		char req[8192];
		static char junk[65536];
		const char *status = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"id\":\"";
		size_t i;

		if (c < 0)
			continue;
		if (read(c, req, sizeof(req)) <= 0) {
			close(c);
			continue;
		}
		if (how == EVIL_ENDLESS_BODY) {
			memset(junk, 'a', sizeof(junk));
			if (write(c, status, strlen(status)) < 0)
				_exit(0);
			while (write(c, junk, sizeof(junk)) > 0)
				;
		} else {
			for (i = 0; status[i] && write(c, status + i, 1) == 1; i++)
				usleep(200000);
		}
		close(c);
	}
}

/* Peak resident memory of a live process in kB (VmHWM), 0 if unknown. */
static long peak_rss_kb(pid_t pid)
{
	char v[64];

	return lt_proc_status(pid, "VmHWM", v, sizeof(v)) ? strtol(v, NULL, 10) : 0;
}

/* One ping through an openai backend pointed at an evil server; the responder's single
 * log line comes back in *o (caller frees), its peak RSS in *rss_kb. */
static cJSON *ping_evil(enum evil how, const char *timeout_ms, long *rss_kb)
{
	char name[9], log[] = "/tmp/pl-lim-XXXXXX", url[64];
	const char *extra[] = { "--backend", "openai", "--model", "evil", "--base-url", url, "--retries", "0",
				"--timeout", timeout_ms, NULL };
	struct lt_run r;
	pid_t rsp, srv;
	int port, fd = mkstemp(log);
	size_t len;
	char *text;
	cJSON *o;

	close(fd);
	srv = evil_server(how, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", port);
	rsp = lt_lab_with_responder(name, "e", log, extra);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", "ping", "-c", "1", "-W", "1",
				       "10.77.2.2", NULL };

		lt_run(&r, argv, NULL);
	}
	/* the request ends at the latest after its timeout: wait for the log line */
	for (fd = 0; fd < 300 && count_lines(log, "\"outcome\"") == 0; fd++)
		usleep(50000);
	*rss_kb = peak_rss_kb(rsp);
	lt_stop(rsp, SIGTERM);
	kill(srv, SIGKILL);
	waitpid(srv, NULL, 0);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	text = tu_slurp(log, &len);
	unlink(log);
	cr_assert_not_null(text);
	o = cJSON_Parse(text);
	free(text);
	cr_assert_not_null(o, "no log line from the responder");
	return o;
}

Test(limits, endless_http_body_is_cut_at_4_mib, .timeout = 90)
{
	long rss = 0;
	cJSON *o;

	LT_NEED_LAB();
	o = ping_evil(EVIL_ENDLESS_BODY, "20000", &rss);
	cr_expect_str_eq(cJSON_GetObjectItem(o, "outcome")->valuestring, "api-error");
	cr_expect(cJSON_IsString(cJSON_GetObjectItem(o, "error")) &&
		  strstr(cJSON_GetObjectItem(o, "error")->valuestring, "over 4 MiB"), "%s", cJSON_PrintUnformatted(o));
	/* the body is cut, not buffered: peak memory stays far below an endless stream */
	cr_expect_gt(rss, 0);
	if (!lt_memory_tool()) /* ASan's shadow or valgrind's own memory would count */
		cr_expect_lt(rss, 48 * 1024, "responder peak RSS %ld kB", rss);
	cJSON_Delete(o);
}

Test(limits, slowloris_server_is_given_up_at_the_timeout, .timeout = 90)
{
	long rss = 0;
	double total_ms;
	cJSON *o;

	LT_NEED_LAB();
	o = ping_evil(EVIL_SLOWLORIS, "1500", &rss);
	cr_expect_str_eq(cJSON_GetObjectItem(o, "outcome")->valuestring, "timeout", "%s", cJSON_PrintUnformatted(o));
	/* the status line takes 200 ms a byte, 12 s in all: the request must end at its
	 * 1.5 s timeout, not when the server is done */
	total_ms = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "timing_us"), "total")->valuedouble / 1e3;
	cr_expect_geq(total_ms, 1400, "gave up after %.0f ms, before the timeout", total_ms);
	cr_expect_lt(total_ms, 6000, "took %.0f ms with a 1500 ms timeout", total_ms);
	cJSON_Delete(o);
}
