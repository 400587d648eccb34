/* Fuzz the Anthropic/OpenAI response, error and SSE parsers on arbitrary bodies. */
#include <stddef.h>
#include <stdint.h>

#include "model/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

/* Every input here frees hundreds of cJSON nodes and strings of many sizes. ASan holds
 * freed memory in its quarantine (256 MB by default) and, once released, keeps each size
 * class's pages, so this target's RSS settled at 518 MB (443 MB once the reply text grew
 * by doubling) with nothing leaked: with quarantine_size_mb=0 it stays at 43 MB. A 64 MB
 * quarantine still catches a use after free for the next ~64 MB of frees, well beyond one
 * input, and keeps the target under fuzz-smoke's -rss_limit_mb=512. */
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=64";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_model_reply r;
	struct pl_sse s;
	char t[64], m[128];
	int api;

	if (size < 1)
		return 0;
	api = data[0] & 1;
	data++, size--;
	if (pl_api_parse((enum pl_api)api, (const char *)data, size, &r, NULL) == 0)
		pl_model_reply_free(&r);
	pl_api_parse_error((const char *)data, size, t, sizeof(t), m, sizeof(m));
	pl_sse_init(&s, (enum pl_api)api, &r);
	pl_sse_feed(&s, (const char *)data, size, NULL);
	pl_sse_free(&s);
	pl_model_reply_free(&r);
	return 0;
}
