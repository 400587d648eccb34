/* pl_json_add_num: the printed text, checked against hand-written JSON, and read back. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "common/jsonnum.h"

Test(jsonnum, integers_three_decimals_and_null)
{
	cJSON *o = cJSON_CreateObject(), *back;
	char *txt;

	pl_json_add_num(o, "zero", 0);
	pl_json_add_num(o, "int", 42);
	pl_json_add_num(o, "neg", -3);
	pl_json_add_num(o, "us", 17.8564);
	pl_json_add_num(o, "round_up", 2.9996);
	pl_json_add_num(o, "neg_frac", -0.25);
	pl_json_add_num(o, "epoch_us", 1795481302973267.0);
	pl_json_add_num(o, "nan", NAN);
	pl_json_add_num(o, "inf", INFINITY);
	txt = cJSON_PrintUnformatted(o);
	cr_assert_str_eq(txt, "{\"zero\":0,\"int\":42,\"neg\":-3,\"us\":17.856,\"round_up\":3.000,\"neg_frac\":-0.250,"
			      "\"epoch_us\":1795481302973267,\"nan\":null,\"inf\":null}");
	back = cJSON_Parse(txt);
	cr_assert_not_null(back, "not JSON");
	cr_assert_float_eq(cJSON_GetObjectItem(back, "us")->valuedouble, 17.856, 1e-9);
	cr_assert_float_eq(cJSON_GetObjectItem(back, "epoch_us")->valuedouble, 1795481302973267.0, 0.5);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(back, "nan")));
	cJSON_Delete(back);
	free(txt);
	cJSON_Delete(o);
}

/* The edges of the hand-written formatter, each against the text printf gives (written
 * out here): the sign of a value that rounds to zero, -0, large integers, a fraction
 * above 9e12 (printf's %.0f, round half to even), beyond long long, truncation. */
Test(jsonnum, edges_written_by_hand)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{ -0.0, "0" },
		{ -0.0001, "-0.000" },
		{ 0.0005, "0.001" },   /* llround: half away from zero */
		{ 0.9995, "1.000" },
		{ 999999.9999, "1000000.000" },
		{ 8999999999999.0, "8999999999999" },
		{ -9e12, "-9000000000000" },
		{ 9500000000000.5, "9500000000000" }, /* %.0f: half to even */
		{ 9500000000001.5, "9500000000002" },
		{ 9007199254740992.0, "9007199254740992" },
		{ 1e19, "10000000000000000000" },
	};
	char buf[48];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_str_eq(pl_json_num(buf, sizeof(buf), cases[i].v), cases[i].text, "case %zu", i);
	/* like snprintf: at most n - 1 characters and the terminator */
	cr_expect_str_eq(pl_json_num(buf, 4, 123456.0), "123");
	cr_expect_str_eq(pl_json_num(buf, 4, -1.5), "-1.");
}
