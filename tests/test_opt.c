/* pl_opt_uint/pl_opt_ulong: whole numbers in range, everything else refused. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <limits.h>

#include "common/opt.h"

Test(opt, whole_numbers_in_range)
{
	unsigned v = 7;
	unsigned long lv = 0;

	cr_assert(pl_opt_uint("p", "n", "0", 0, 10, &v));
	cr_assert_eq(v, 0);
	cr_assert(pl_opt_uint("p", "n", "10", 0, 10, &v));
	cr_assert_eq(v, 10);
	cr_assert(pl_opt_ulong("p", "n", "18446744073709551615", 0, ULONG_MAX, &lv));
	cr_assert_eq(lv, ULONG_MAX);
}

Test(opt, anything_else_is_an_error_naming_option_and_range, .init = cr_redirect_stderr)
{
	static const char *const bad[] = { "", "abc", "3abc", "-1", " 5", "+5", "11", "18446744073709551616", "0x5" };
	unsigned v = 7;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect(!pl_opt_uint("pinglab run", "concurrency", bad[i], 1, 10, &v), "accepted '%s'", bad[i]);
		cr_expect_eq(v, 7, "'%s' changed the value", bad[i]);
	}
	fflush(stderr);
	cr_expect_stderr_eq_str("pinglab run: --concurrency wants a whole number 1..10, got ''\n"
				"pinglab run: --concurrency wants a whole number 1..10, got 'abc'\n"
				"pinglab run: --concurrency wants a whole number 1..10, got '3abc'\n"
				"pinglab run: --concurrency wants a whole number 1..10, got '-1'\n"
				"pinglab run: --concurrency wants a whole number 1..10, got ' 5'\n"
				"pinglab run: --concurrency wants a whole number 1..10, got '+5'\n"
				"pinglab run: --concurrency wants a whole number 1..10, got '11'\n"
				"pinglab run: --concurrency wants a whole number 1..10, got '18446744073709551616'\n"
				"pinglab run: --concurrency wants a whole number 1..10, got '0x5'\n");
}

Test(opt, dollars_above_zero)
{
	double v = 0;

	cr_expect(pl_opt_usd("pinglab run", "max-cost", "0.50", &v));
	cr_expect_eq(v, 0.5);
	cr_expect(pl_opt_usd("pinglab run", "max-cost", ".25", &v));
	cr_expect_eq(v, 0.25);
	cr_expect(pl_opt_usd("pinglab run", "max-cost", "12", &v));
	cr_expect_eq(v, 12.0);
}

Test(opt, dollars_anything_else_is_an_error, .init = cr_redirect_stderr)
{
	static const char *const bad[] = { "", "0", "-1", "nan", "inf", "1e7", "0.5$", " 1", "0x1p-3" };
	double v = 7;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect(!pl_opt_usd("pinglab run", "max-cost", bad[i], &v), "accepted '%s'", bad[i]);
		cr_expect_eq(v, 7, "'%s' changed the value", bad[i]);
	}
	fflush(stderr);
	cr_expect_stderr_eq_str("pinglab run: --max-cost wants US dollars above 0, e.g. 0.50, got ''\n"
				"pinglab run: --max-cost wants US dollars above 0, e.g. 0.50, got '0'\n"
				"pinglab run: --max-cost wants US dollars above 0, e.g. 0.50, got '-1'\n"
				"pinglab run: --max-cost wants US dollars above 0, e.g. 0.50, got 'nan'\n"
				"pinglab run: --max-cost wants US dollars above 0, e.g. 0.50, got 'inf'\n"
				"pinglab run: --max-cost wants US dollars above 0, e.g. 0.50, got '1e7'\n"
				"pinglab run: --max-cost wants US dollars above 0, e.g. 0.50, got '0.5$'\n"
				"pinglab run: --max-cost wants US dollars above 0, e.g. 0.50, got ' 1'\n"
				"pinglab run: --max-cost wants US dollars above 0, e.g. 0.50, got '0x1p-3'\n");
}
