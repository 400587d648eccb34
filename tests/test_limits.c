/* Resource limits of the responder, on a real lab: a model answer of 10 MB is cut at
 * 1 MiB and killed, and packets arriving faster than a slow model answers wait in a
 * bounded queue whose overflow is counted and logged, never buffered without end. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netlab/lab.h"
#include "tests/labtest.h"
#include "tests/util.h"

TestSuite(limits, .fini = lt_cleanup);

/* Start a responder with extra args on a fresh lab; returns its pid. */
static pid_t lab_with_responder(char name[9], const char *prefix, const char *log, const char *const *extra)
{
	char ns[64];
	const char *argv[32];
	struct lt_run r;
	struct pl_err err;
	int n = 0;
	pid_t pid;

	lt_name(name, prefix);
	lt_pinglab(&r, NULL, "up", "--name", name, NULL);
	cr_assert_eq(r.status, 0, "up: %s", r.err);
	snprintf(ns, sizeof(ns), "/run/netns/pl-%s-rsp", name);
	argv[n++] = tu_bin("pinglab-responder");
	argv[n++] = "--netns";
	argv[n++] = ns;
	argv[n++] = "--log";
	argv[n++] = log;
	while (*extra && n < 30)
		argv[n++] = *extra++;
	argv[n] = NULL;
	pid = lt_spawn(argv, NULL);
	cr_assert_eq(pl_lab_add_pid(name, pid, "responder", &err), 0, "%s", err.msg);
	cr_assert_eq(pl_lab_tun_wait_ready(name, 5000, &err), 0, "%s", err.msg);
	return pid;
}

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
	rsp = lab_with_responder(name, "l", log, extra);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", "ping", "-c", "1", "-W", "5",
				       "10.77.2.2", NULL };

		lt_run(&r, argv, NULL);
	}
	kill(rsp, SIGTERM);
	waitpid(rsp, NULL, 0);
	cr_expect_eq(count_lines(log, "\"outcome\":\"api-error\""), 1);
	cr_expect_eq(count_lines(log, "command wrote more than 1048576 bytes: killed"), 1);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	unlink(log);
}

Test(limits, slow_model_bounded_queue_counts_drops, .timeout = 90)
{
	char name[9], log[] = "/tmp/pl-lim-XXXXXX";
	/* one request at a time, each killed after 100 ms; at most 20 waiting */
	const char *extra[] = { "--backend", "exec", "--concurrency", "1", "--queue", "20", "--timeout", "100", "--",
				"/bin/sh", "-c", "cat >/dev/null; sleep 5", NULL };
	struct lt_run r;
	pid_t rsp;
	unsigned full, timeouts;
	int fd = mkstemp(log);

	LT_NEED_LAB();
	close(fd);
	rsp = lab_with_responder(name, "q", log, extra);
	play(name, tu_src("tests/fixtures/scenarios-burst"), "4000");
	kill(rsp, SIGTERM);
	waitpid(rsp, NULL, 0);
	full = count_lines(log, "queue full");
	timeouts = count_lines(log, "\"outcome\":\"timeout\"");
	/* every packet is accounted for: answered (timed out) or counted as dropped */
	cr_expect_geq(full, 400, "%u queue-full drops", full);
	cr_expect_leq(timeouts, 21 + 40, "%u timeouts: the queue was not bounded", timeouts);
	cr_expect_gt(timeouts, 0);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	unlink(log);
}
