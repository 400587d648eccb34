/* jsonnum.c — see jsonnum.h. */
#include "common/jsonnum.h"

#include <math.h>
#include <stdio.h>

void pl_json_add_num(cJSON *o, const char *key, double v)
{
	char buf[48];
	long long m;

	if (isnan(v) || isinf(v)) {
		snprintf(buf, sizeof(buf), "null");
	} else if (fabs(v) >= 9e12) {
		snprintf(buf, sizeof(buf), "%.0f", v);
	} else if (v == (double)(long long)v) {
		snprintf(buf, sizeof(buf), "%lld", (long long)v);
	} else {
		/* integer arithmetic: printf's %f machinery costs more than the rest */
		m = llround(fabs(v) * 1000);
		snprintf(buf, sizeof(buf), "%s%lld.%03lld", v < 0 ? "-" : "", m / 1000, m % 1000);
	}
	cJSON_AddRawToObject(o, key, buf);
}
