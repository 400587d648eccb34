/* pinglab ping: the real iputils ping against the responder in a routed lab, the seed
 * experiment's view; and a missing key for a real backend is a skip (exit 4). */
#include <criterion/criterion.h>
#include <sys/stat.h>
#include <string.h>

#include "tests/labtest.h"

Test(ping, reference_answers_iputils_ping, .timeout = 60)
{
	struct lt_run r;

	LT_NEED_LAB();
	lt_pinglab(&r, NULL, "ping", "-c", "3", "-i", "0.2", NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.out, "3 packets transmitted, 3 received") != NULL, "%s", r.out);
	/* routed mode: the reply crossed the rsp kernel once (TTL 64 -> 63) */
	cr_expect(strstr(r.out, "ttl=63") != NULL, "%s", r.out);
}

/* Size of a file, -1 when there is none. */
static long long file_size(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -1 : (long long)st.st_size;
}

Test(ping, simulated_model_answers_iputils_ping, .timeout = 60)
{
	/* its files live in a directory of its own that it removes: nothing is written
	 * to fixed names in /tmp, where anyone could have planted a symlink for root */
	static const char *const fixed[] = { "/tmp/events.jsonl", "/tmp/mockllm.jsonl", "/tmp/responder.jsonl" };
	long long before[3];
	struct lt_run r;
	int i;

	LT_NEED_LAB();
	for (i = 0; i < 3; i++)
		before[i] = file_size(fixed[i]);
	lt_pinglab(&r, NULL, "ping", "-c", "2", "-i", "0.2", "--backend", "mock", "--profile", "sim-perfect",
		   "--scale", "0", NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.out, "2 packets transmitted, 2 received") != NULL, "%s", r.out);
	for (i = 0; i < 3; i++)
		cr_expect_eq(file_size(fixed[i]), before[i], "pinglab ping wrote %s", fixed[i]);
}

Test(ping, real_backend_without_key_is_a_skip)
{
	struct lt_run r;
	const char *env[] = { "ANTHROPIC_API_KEY=", NULL };

	lt_pinglab(&r, env, "run", "--backend", "anthropic", "--tag", "smoke", NULL);
	cr_expect_eq(r.status, 4, "exit %d: %s", r.status, r.err);
	cr_expect(strstr(r.err, "needs ANTHROPIC_API_KEY") != NULL, "%s", r.err);
}
