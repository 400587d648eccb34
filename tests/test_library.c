/* The scenario library under scenarios/: it loads (so every `expect reply`/`expect drop`
 * agrees with the reference rules), it is big enough, every scenario says why it exists
 * and what it rests on, and every packet builds for both targets. Tests run from the
 * repository root. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "scenario/scenario.h"

static struct pl_scn_set lib;

static void load_library(void)
{
	struct pl_err err = { "" };
	int rc = pl_scn_load(&lib, "scenarios", &err);

	cr_assert_eq(rc, 0, "loading scenarios/ failed: %s", err.msg);
}

static void free_library(void)
{
	pl_scn_set_free(&lib);
}

TestSuite(library, .init = load_library, .fini = free_library);

static bool has_text(const char *s)
{
	return s && *s;
}

Test(library, size_and_categories)
{
	static const char *const cats[] = { "valid", "malformed", "non-icmp", "adversarial" };
	size_t count[4] = { 0 }, i, k;

	cr_assert_geq(lib.n, 60, "only %zu scenarios, want at least 60", lib.n);
	for (i = 0; i < lib.n; i++) {
		for (k = 0; k < 4; k++)
			if (!strcmp(lib.v[i].category, cats[k]))
				count[k]++;
	}
	for (k = 0; k < 4; k++)
		cr_expect_geq(count[k], 8, "category %s has %zu scenarios, want at least 8", cats[k], count[k]);
	cr_assert_eq(count[0] + count[1] + count[2] + count[3], lib.n, "a scenario outside the four categories");
}

Test(library, every_scenario_is_explained)
{
	size_t i;

	for (i = 0; i < lib.n; i++) {
		const struct pl_scenario *s = &lib.v[i];

		cr_expect(has_text(s->description), "%s (%s:%d): no description", s->id, s->file, s->line);
		cr_expect(has_text(s->reason), "%s (%s:%d): no reason", s->id, s->file, s->line);
		cr_expect(has_text(s->basis), "%s (%s:%d): no basis", s->id, s->file, s->line);
	}
}

Test(library, ids_are_unique)
{
	size_t i, j;

	for (i = 0; i < lib.n; i++)
		for (j = i + 1; j < lib.n; j++)
			cr_expect_str_neq(lib.v[i].id, lib.v[j].id, "%s defined twice (%s:%d and %s:%d)", lib.v[i].id,
					  lib.v[i].file, lib.v[i].line, lib.v[j].file, lib.v[j].line);
}

Test(library, smoke_subset_exists_and_is_small)
{
	size_t i, n = 0;

	for (i = 0; i < lib.n; i++)
		n += pl_scn_has_tag(&lib.v[i], "smoke");
	cr_assert_geq(n, 1, "no scenario is tagged smoke");
	cr_expect_leq(n, 12, "%zu smoke scenarios: the smoke set should stay small", n);
}

Test(library, every_packet_builds_for_both_targets)
{
	static uint8_t pkt[65536 + 64];
	size_t i, k;
	int t;

	for (i = 0; i < lib.n; i++) {
		const struct pl_scenario *s = &lib.v[i];

		cr_expect_geq(s->nsend, 1, "%s sends nothing", s->id);
		for (k = 0; k < s->nsend; k++)
			for (t = 0; t < 2; t++) {
				struct pl_err err = { "" };
				size_t len = 0;
				uint16_t et = 0;
				int rc = pl_scn_build(s, k, s->repeat - 1, (enum pl_target_kind)t, pkt, sizeof(pkt), &len,
						      &et, &err);

				cr_expect_eq(rc, 0, "%s packet %zu (%s): %s", s->id, k + 1,
					     t == PL_TARGET_KERNEL ? "kernel" : "responder", err.msg);
				cr_expect_gt(len, 0, "%s packet %zu builds an empty frame", s->id, k + 1);
			}
	}
}

Test(library, every_packet_has_an_expectation_for_both_targets)
{
	size_t i, k;

	for (i = 0; i < lib.n; i++)
		for (k = 0; k < lib.v[i].nsend; k++) {
			cr_expect_neq(pl_scn_expect(&lib.v[i], k, PL_TARGET_RESPONDER, PL_STACK_ECHO)->kind, EXP_NONE, "%s packet %zu",
				      lib.v[i].id, k + 1);
			cr_expect_neq(pl_scn_expect(&lib.v[i], k, PL_TARGET_KERNEL, PL_STACK_ECHO)->kind, EXP_NONE, "%s packet %zu",
				      lib.v[i].id, k + 1);
		}
}

/* The library loads for the host stack too (every expectation agrees with the host rules
 * there), and at least 40 scenarios in each of the four categories' folders are the host
 * stack's own (tag host). */
Test(library, loads_for_the_host_stack_with_40_host_scenarios)
{
	struct pl_scn_set hl = { .stack = PL_STACK_HOST };
	struct pl_err err = { "" };
	size_t i, host = 0, cat[4] = { 0 };
	static const char *const cats[] = { "valid", "malformed", "non-icmp", "adversarial" };

	cr_assert_eq(pl_scn_load(&hl, "scenarios", &err), 0, "%s", err.msg);
	for (i = 0; i < hl.n; i++) {
		size_t k;

		if (!pl_scn_has_tag(&hl.v[i], "host"))
			continue;
		host++;
		for (k = 0; k < 4; k++)
			cat[k] += !strcmp(hl.v[i].category, cats[k]);
	}
	cr_expect_geq(host, 40);
	for (i = 0; i < 4; i++)
		cr_expect_gt(cat[i], 0, "no host scenario in %s", cats[i]);
	pl_scn_set_free(&hl);
}
