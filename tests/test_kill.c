/* Fault injection: kill -9 of the controller, the responder, the generator or the
 * simulated model server at a random point of a run, then `pinglab clean`: nothing of
 * the lab is left (namespace, run file, process, FIFO) and the root namespace is as it
 * was. And a responder killed mid-run is reported, while the run still finishes. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/labtest.h"
#include "tests/util.h"

TestSuite(kill, .fini = lt_cleanup);

/* pids whose command line contains needle */
static int find_pids(const char *needle, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) && n < max) {
		char path[64], buf[4096];
		FILE *f;
		size_t k, i;
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		k = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		for (i = 0; i < k; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[k] = '\0';
		if (strstr(buf, needle))
			out[n++] = pid;
	}
	if (d)
		closedir(d);
	return n;
}

Test(kill, kill9_anything_then_clean_leaves_nothing, .timeout = 240)
{
	static const char *const victims[] = { "pinglab run", "pinglab-responder", "pinglab-gen", "pinglab-mockllm" };
	char *before = NULL, *after;
	int trial, survived = 0;

	LT_NEED_LAB();
	srand((unsigned)time(NULL));
	before = lt_root_snapshot();
	for (trial = 0; trial < 20; trial++) {
		char name[9], dir[] = "/tmp/pl-kill-XXXXXX", what[256], needle[96];
		const char *victim = victims[trial % 4];
		struct lt_run r;
		pid_t run, pids[16];
		int n, waited, status;
		useconds_t delay = (useconds_t)(200000 + rand() % 2500000);

		lt_name(name, "k");
		cr_assert_not_null(mkdtemp(dir));
		{
			const char *argv[] = { lt_pinglab_path(), "run", "--lab", name, "--tag", "smoke", "--scale", "0.2",
					       "--out", dir, NULL };

			run = lt_spawn(argv, NULL);
		}
		usleep(delay);
		/* the victim of this run: its command line names this run's lab or directory */
		snprintf(needle, sizeof(needle), "%s", !strcmp(victim, "pinglab run") ? name
			 : !strcmp(victim, "pinglab-mockllm") ? dir : name);
		n = 0;
		{
			pid_t all[64];
			int k, m = find_pids(victim, all, 64);

			for (k = 0; k < m; k++) {
				pid_t mine[64];
				int j, c = find_pids(needle, mine, 64);

				for (j = 0; j < c; j++)
					if (mine[j] == all[k] && n < 16)
						pids[n++] = all[k];
			}
		}
		for (int k = 0; k < n; k++)
			kill(pids[k], SIGKILL);
		/* the controller either finishes (its child died) or was the one killed */
		for (waited = 0; waited < 300 && waitpid(run, &status, WNOHANG) == 0; waited++)
			usleep(100000);
		if (waited == 300) {
			kill(run, SIGKILL);
			waitpid(run, &status, 0);
		}
		survived += n == 0; /* the run ended before the victim existed or after it left */
		lt_pinglab(&r, NULL, "clean", "--name", name, NULL);
		cr_expect_eq(r.status, 0, "trial %d (%s): clean: %s", trial, victim, r.err);
		cr_expect(lt_nothing_left(name, what, sizeof(what)), "trial %d (%s after %u ms): %s", trial, victim,
			  (unsigned)(delay / 1000), what);
		n = find_pids(name, pids, 16);
		n += find_pids(dir, pids + n, 16 - n);
		cr_expect_eq(n, 0, "trial %d (%s): %d processes of the run left (pid %d)", trial, victim, n,
			     n ? (int)pids[0] : 0);
		{
			char fifo[96];

			snprintf(fifo, sizeof(fifo), "%s/agent.cmd", dir);
			cr_expect(access(fifo, F_OK) != 0, "FIFO left");
		}
		{
			const char *rm[] = { "rm", "-rf", dir, NULL };

			lt_run(&r, rm, NULL);
		}
	}
	after = lt_root_snapshot();
	cr_expect_str_eq(after, before, "the root namespace changed");
	cr_log_info("kill -9 trials: 20, %d without a victim alive at the kill time", survived);
	free(before);
	free(after);
}

/* In the background: `pinglab run` of the smoke scenarios against the simulated model
 * only, at full latency so that its model phase lasts long enough to be caught in it,
 * on lab `name` (named here) with its report in dir (a mkdtemp template). */
static pid_t start_model_run(char name[9], const char *prefix, char *dir)
{
	lt_name(name, prefix);
	cr_assert_not_null(mkdtemp(dir));
	{
		const char *argv[] = { lt_pinglab_path(), "run", "--lab", name, "--targets", "llm", "--tag", "smoke",
				       "--scale", "1", "--out", dir, NULL };

		return lt_spawn(argv, NULL);
	}
}

Test(kill, responder_crash_is_reported_and_the_run_finishes, .timeout = 120)
{
	char name[9], dir[] = "/tmp/pl-crash-XXXXXX", path[128], *runjson;
	struct lt_run r;
	pid_t run, pids[8];
	int n = 0, tries, status;
	size_t len;

	LT_NEED_LAB();
	run = start_model_run(name, "c", dir);
	for (tries = 0; tries < 100 && n == 0; tries++) {
		usleep(100000);
		n = find_pids("pinglab-responder", pids, 8);
		if (n) {
			pid_t mine[8];
			int c = find_pids(name, mine, 8), j, k, m = 0;

			for (k = 0; k < n; k++)
				for (j = 0; j < c; j++)
					if (pids[k] == mine[j])
						pids[m++] = pids[k];
			n = m;
		}
	}
	cr_assert_gt(n, 0, "no responder of this run appeared");
	usleep(1500000);
	kill(pids[0], SIGKILL);
	waitpid(run, &status, 0);
	cr_expect(WIFEXITED(status), "run did not finish by itself");
	snprintf(path, sizeof(path), "%s/run.json", dir);
	runjson = tu_slurp(path, &len);
	cr_assert_not_null(runjson);
	cr_expect(strstr(runjson, "\"incident\"") && strstr(runjson, "the model responder crashed during the run (signal 9)"),
		  "%s", runjson);
	cr_expect(strstr(runjson, "\"ended\"") != NULL, "the run did not finish: %s", runjson);
	free(runjson);
	{
		/* and its timeline says when, naming the pid that was killed */
		char want[128], *ev;

		snprintf(path, sizeof(path), "%s/events.jsonl", dir);
		ev = tu_slurp(path, &len);
		cr_assert_not_null(ev, "no events.jsonl");
		snprintf(want, sizeof(want), "\"event\":\"incident\",\"detail\":\"the model responder crashed during the run (signal 9)\",\"pid\":%d", (int)pids[0]);
		cr_expect(strstr(ev, want) != NULL, "%s", ev);
		cr_expect(strstr(ev, "\"event\":\"run-end\"") != NULL, "%s", ev);
		free(ev);
	}
	lt_pinglab(&r, NULL, "clean", "--name", name, NULL);
	{
		const char *rm[] = { "rm", "-rf", dir, NULL };

		lt_run(&r, rm, NULL);
	}
}

/* kill -9 of the controller alone, no pinglab clean: its helpers (the responder, the
 * simulated model, the generator) die with it (parent-death signal), also a responder
 * that has become nobody. */
Test(kill, controller_killed_takes_its_helpers, .timeout = 60)
{
	char name[9], dir[] = "/tmp/pl-orph-XXXXXX";
	struct lt_run r;
	pid_t run, pids[16];
	int n = 0, tries;

	LT_NEED_LAB();
	run = start_model_run(name, "o", dir);
	/* wait until the model phase runs: its responder and the mock exist */
	for (tries = 0; tries < 100; tries++) {
		usleep(100000);
		if (find_pids(name, pids, 16) > 0 && find_pids(dir, pids, 16) >= 2)
			break;
	}
	cr_assert_lt(tries, 100, "the run's helpers never appeared");
	kill(run, SIGKILL);
	waitpid(run, NULL, 0);
	for (tries = 0; tries < 100; tries++) {
		n = find_pids(name, pids, 16);
		n += find_pids(dir, pids + n, 16 - n);
		if (!n)
			break;
		usleep(100000);
	}
	cr_expect_eq(n, 0, "%d helpers outlived the controller (pid %d)", n, n ? (int)pids[0] : 0);
	lt_pinglab(&r, NULL, "clean", "--name", name, NULL);
	{
		const char *rm[] = { "rm", "-rf", dir, NULL };

		lt_run(&r, rm, NULL);
	}
}
