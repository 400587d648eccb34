/* Model target specs (model/spec.h): BACKEND:MODEL[@URL][+KEY=VALUE]... */
#include <criterion/criterion.h>
#include <string.h>

#include "model/spec.h"

Test(spec, the_examples_of_the_issue)
{
	struct pl_spec s;
	struct pl_err err;

	cr_assert_eq(pl_spec_parse("anthropic:claude-haiku-4-5", &s, &err), 0, "%s", err.msg);
	cr_assert_str_eq(s.backend, "anthropic");
	cr_assert_str_eq(s.model, "claude-haiku-4-5");
	cr_assert_str_eq(s.name, "anthropic:claude-haiku-4-5");
	cr_assert_str_eq(s.url, "");

	cr_assert_eq(pl_spec_parse("anthropic:claude-haiku-4-5+thinking=4000", &s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.thinking, 4000);
	cr_assert_str_eq(s.name, "anthropic:claude-haiku-4-5+thinking=4000", "thinking changes the answers: in the name");

	cr_assert_eq(pl_spec_parse("openai:qwen2.5@http://127.0.0.1:8080/v1", &s, &err), 0, "%s", err.msg);
	cr_assert_str_eq(s.model, "qwen2.5");
	cr_assert_str_eq(s.url, "http://127.0.0.1:8080/v1");
	cr_assert_str_eq(s.name, "openai:qwen2.5");

	cr_assert_eq(pl_spec_parse("mock:sim-sloppy+name=sloppy+concurrency=4+timeout=5000+retries=0+max-cost=0.5+"
				   "price=1.00/5.00+model=claude-opus-4-7+scale=0.02+stream=yes", &s, &err), 0, "%s", err.msg);
	cr_assert_str_eq(s.name, "sloppy");
	cr_assert_eq(s.concurrency, 4);
	cr_assert_eq(s.timeout_ms, 5000);
	cr_assert(s.retries_set && s.retries == 0);
	cr_assert_eq(s.max_cost, 0.5);
	cr_assert(s.price_in == 1 && s.price_out == 5);
	cr_assert_str_eq(s.mock_model, "claude-opus-4-7");
	cr_assert_str_eq(s.scale, "0.02");
	cr_assert_eq(s.stream, 1);

	cr_assert_eq(pl_spec_parse("exec:claude", &s, &err), 0, "%s", err.msg);
	cr_assert(pl_spec_is("exec:claude") && pl_spec_is("mock:x") && !pl_spec_is("kernel") && !pl_spec_is("llm"));
}

Test(spec, errors_name_the_part_that_is_wrong)
{
	static const char *const bad[][2] = {
		{ "gemini:pro", "target 'gemini:pro': gemini: unknown backend" },
		{ "anthropic", "backend: a model target is BACKEND:MODEL" },
		{ "anthropic:", "model: missing" },
		{ "openai:qwen@ftp://x", "URL: wants http:// or https://" },
		{ "mock:sim@http://127.0.0.1:1", "URL: only anthropic and openai" },
		{ "anthropic:m+thinking=100", "thinking: wants a budget of 1024" },
		{ "openai:m+thinking=2048", "thinking: is Anthropic extended thinking" },
		{ "anthropic:m+reasoning-effort=low", "reasoning-effort: is for openai targets" },
		{ "openai:m+reasoning-effort=max", "reasoning-effort: wants minimal, low, medium or high" },
		{ "anthropic:m+temperature=hot", "temperature: wants none or a number 0..2" },
		{ "anthropic:m+colour=red", "colour: unknown knob" },
		{ "anthropic:m+name", "name: a knob is KEY=VALUE" },
		{ "anthropic:m+name=a b", "name: wants a word" },
		{ "anthropic:m+", "knobs: a '+' wants KEY=VALUE" },
		{ "anthropic:m+price=1", "price: wants IN/OUT" },
		{ "anthropic:m+max-cost=0", "max-cost: wants US dollars above 0" },
		{ "anthropic:m+model=x", "model: is for mock targets" },
		{ "anthropic:m+concurrency=0", "concurrency: wants 1..1024" },
	};
	struct pl_spec s;
	struct pl_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(pl_spec_parse(bad[i][0], &s, &err), -22, "%s parsed", bad[i][0]);
		cr_expect(strstr(err.msg, bad[i][1]) && strstr(err.msg, "target '"), "%s: %s", bad[i][0], err.msg);
	}
}
