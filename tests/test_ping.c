/* pinglab ping: the real iputils ping against the responder in a routed lab, the seed
 * experiment's view; and a missing key for a real backend is a skip (exit 4). */
#include <criterion/criterion.h>
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

Test(ping, simulated_model_answers_iputils_ping, .timeout = 60)
{
	struct lt_run r;

	LT_NEED_LAB();
	lt_pinglab(&r, NULL, "ping", "-c", "2", "-i", "0.2", "--backend", "mock", "--profile", "sim-perfect",
		   "--scale", "0", NULL);
	cr_expect_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_expect(strstr(r.out, "2 packets transmitted, 2 received") != NULL, "%s", r.out);
}

Test(ping, real_backend_without_key_is_a_skip)
{
	struct lt_run r;
	const char *env[] = { "ANTHROPIC_API_KEY=", NULL };

	lt_pinglab(&r, env, "run", "--backend", "anthropic", "--tag", "smoke", NULL);
	cr_expect_eq(r.status, 4, "exit %d: %s", r.status, r.err);
	cr_expect(strstr(r.err, "needs ANTHROPIC_API_KEY") != NULL, "%s", r.err);
}
