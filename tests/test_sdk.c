/* The official SDKs against pinglab-mockllm: tests/sdk/conformance.mjs runs the pinned
 * @anthropic-ai/sdk and openai packages (tests/sdk/node_modules, installed by setup.sh
 * from tests/sdk/package-lock.json) against the mock, one run per SDK, and fails on
 * anything an SDK cannot parse or classifies differently from what the mock meant.
 *
 * Without node or the installed SDKs each test skips with the reason, except with
 * PINGLAB_REQUIRE_SDK=1 (make ci sets it), where that is a failure: CI never skips them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/util.h"

/* The node side stops each case after 60 s (600 s under valgrind); the whole run gets
 * this long before it is killed. */
#define RUN_LIMIT_S 900

TestSuite(sdk, .timeout = RUN_LIMIT_S + 60);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* node from $PINGLAB_NODE, else the first executable node on PATH. */
static bool find_node(char *out, size_t n)
{
	const char *env = getenv("PINGLAB_NODE"), *path = getenv("PATH");
	char *copy, *save = NULL, *dir;
	bool found = false;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return access(out, X_OK) == 0;
	}
	copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	cr_assert_not_null(copy);
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, n, "%s/node", *dir ? dir : ".");
		found = access(out, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* The SDKs cannot run here: a skip with the reason, or a failure when they must. */
static void unavailable(const char *why)
{
	const char *req = getenv("PINGLAB_REQUIRE_SDK");

	if (req && !strcmp(req, "1"))
		cr_assert_fail("PINGLAB_REQUIRE_SDK=1, but the SDK conformance suite cannot run: %s", why);
	/* Criterion shows a skip's reason only with --verbose: say it in any case */
	fprintf(stderr, "sdk: skipped: %s\n", why);
	cr_skip_test("%s", why);
}

/* The lines of out that start with prefix, joined by newlines (malloc'd). */
static char *lines_with(const char *out, const char *prefix)
{
	size_t cap = strlen(out) + 1, len = 0, pl = strlen(prefix);
	char *res = calloc(1, cap);
	const char *p = out;

	cr_assert_not_null(res);
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l >= pl && !strncmp(p, prefix, pl)) {
			memcpy(res + len, p, l);
			len += l;
			res[len++] = '\n';
		}
		p += l + (e ? 1 : 0);
	}
	res[len] = '\0';
	return res;
}

static void run_sdk(const char *sdk)
{
	char node[PATH_MAX], dir[] = "/tmp/pl-sdk-test-XXXXXX", outfile[64], why[1024], shown[16384];
	char *out, *fails, *summary, *skip;
	bool ok;
	const char *script = tu_src("tests/sdk/conformance.mjs");
	int status = 0;
	double t0;
	pid_t pid;

	if (!find_node(node, sizeof(node)))
		unavailable("node is not installed (./setup.sh installs Debian's nodejs where there is none)");
	if (access(tu_src("tests/sdk/node_modules/@anthropic-ai/sdk/package.json"), R_OK) ||
	    access(tu_src("tests/sdk/node_modules/openai/package.json"), R_OK))
		unavailable("the SDKs are not installed in tests/sdk/node_modules (./setup.sh runs npm ci there)");

	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	snprintf(outfile, sizeof(outfile), "%s/out", dir);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int fd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		/* its own process group: the mocks it starts go with it if it has to be killed */
		setpgid(0, 0);
		if (fd < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(node, node, script, "--sdk", sdk, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	t0 = now();
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now() - t0 > RUN_LIMIT_S) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(20000);
	}
	kill(-pid, SIGKILL); /* anything of the run still alive (normally nothing) */
	out = tu_slurp(outfile, NULL);
	unlink(outfile);
	rmdir(dir);
	cr_assert_not_null(out, "no output from %s %s", node, script);
	/* what the assertions show, copied so that nothing is left allocated when one fails */
	fails = lines_with(out, "FAIL ");
	summary = lines_with(out, "sdk: ");
	skip = lines_with(out, "skip: ");
	skip[strcspn(skip, "\n")] = '\0';
	snprintf(why, sizeof(why), "%s", skip[0] ? skip + 6 : out);
	snprintf(shown, sizeof(shown), "%s%s", fails[0] ? fails : out, fails[0] ? summary : "");
	ok = strstr(out, " passed, 0 failed\n") != NULL;
	free(skip);
	free(summary);
	free(fails);
	free(out);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		unavailable(why);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0 && ok, "%s %s --sdk %s: %s after %.0f s\n%s",
		  node, script, sdk, WIFEXITED(status) ? "failed" : "killed", now() - t0, shown);
}

Test(sdk, anthropic_sdk_parses_every_answer_of_the_mock)
{
	run_sdk("anthropic");
}

Test(sdk, openai_sdk_parses_every_answer_of_the_mock)
{
	run_sdk("openai");
}
