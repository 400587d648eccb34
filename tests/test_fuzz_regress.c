/* Inputs the fuzzers found crashing (tests/fixtures/fuzz/), kept as regression tests:
 * each goes through the code path that failed. Under `make check` UBSan turns the old
 * failure (a double converted past the range of an integer) into an abort. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "model/api.h"
#include "scenario/scenario.h"
#include "tests/util.h"

Test(fuzz_regress, scenario_huge_duration)
{
	size_t len;
	char *text = tu_slurp(tu_src("tests/fixtures/fuzz/scenario-crash-1"), &len);
	struct pl_scn_set set = { 0 };
	struct pl_err err;

	cr_assert_not_null(text);
	pl_scn_parse_text(&set, "scenarios/valid/fuzz.scn", text, len, &err);
	pl_scn_set_free(&set);
	free(text);
	/* and the value itself is refused with a message */
	{
		const char *t = "scenario a\n  send\n  expect reply\n  repeat 2 interval 1e300s\n";

		cr_assert_neq(pl_scn_parse_text(&set, "valid/f.scn", t, strlen(t), &err), 0);
		cr_assert_str_eq(err.msg, "valid/f.scn:4: repeat: interval wants a duration up to 10s, e.g. 10ms");
	}
}

Test(fuzz_regress, model_huge_token_count)
{
	size_t len;
	char *data = tu_slurp(tu_src("tests/fixtures/fuzz/model-crash-1"), &len);
	struct pl_model_reply r;
	struct pl_sse s;
	const char *body = "{\"content\":[],\"usage\":{\"input_tokens\":1e300,\"output_tokens\":-5}}";

	cr_assert_not_null(data);
	cr_assert_gt(len, 1);
	pl_sse_init(&s, (enum pl_api)(data[0] & 1), &r);
	pl_sse_feed(&s, data + 1, len - 1, NULL);
	pl_sse_free(&s);
	pl_model_reply_free(&r);
	free(data);
	/* an absurd count reads as 0, not as whatever the conversion would give */
	cr_assert_eq(pl_api_parse(PL_API_ANTHROPIC, body, strlen(body), &r, NULL), 0);
	cr_assert_eq(r.usage.input, 0);
	cr_assert_eq(r.usage.output, 0);
	pl_model_reply_free(&r);
}
