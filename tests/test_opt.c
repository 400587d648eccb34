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
