/* jsonnum.c — see jsonnum.h. */
#include "common/jsonnum.h"

#include <math.h>
#include <stdio.h>

char *pl_json_num(char *buf, size_t n, double v)
{
	long long m;

	if (isnan(v) || isinf(v)) {
		snprintf(buf, n, "null");
	} else if (fabs(v) >= 9e12) {
		snprintf(buf, n, "%.0f", v);
	} else if (v == (double)(long long)v) {
		snprintf(buf, n, "%lld", (long long)v);
	} else {
		/* integer arithmetic: printf's %f machinery costs more than the rest */
		m = llround(fabs(v) * 1000);
		snprintf(buf, n, "%s%lld.%03lld", v < 0 ? "-" : "", m / 1000, m % 1000);
	}
	return buf;
}

void pl_json_add_num(cJSON *o, const char *key, double v)
{
	char buf[48];

	cJSON_AddRawToObject(o, key, pl_json_num(buf, sizeof(buf), v));
}

const char *pl_jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

double pl_jnum(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}
