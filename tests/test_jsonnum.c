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
