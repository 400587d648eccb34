#include "mockllm/strict.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void refuse(struct mock_refusal *out, unsigned status, const char *atype, const char *ocode,
		   const char *param, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void refuse(struct mock_refusal *out, unsigned status, const char *atype, const char *ocode,
		   const char *param, const char *fmt, ...)
{
	va_list ap;

	out->status = status;
	out->atype = atype;
	out->otype = "invalid_request_error";
	out->ocode = ocode;
	out->param = param;
	va_start(ap, fmt);
	vsnprintf(out->msg, sizeof(out->msg), fmt, ap);
	va_end(ap);
}

static unsigned effort_tokens(const struct mock_req *req)
{
	if (!req->has_effort || !strcmp(req->effort, "medium"))
		return MOCK_EFFORT_MEDIUM;
	if (!strcmp(req->effort, "minimal"))
		return MOCK_EFFORT_MINIMAL;
	if (!strcmp(req->effort, "low"))
		return MOCK_EFFORT_LOW;
	return MOCK_EFFORT_HIGH;
}

static bool effort_known(const char *e)
{
	return !strcmp(e, "minimal") || !strcmp(e, "low") || !strcmp(e, "medium") || !strcmp(e, "high");
}

/* what the request asks of the answer, once it is accepted */
static void knobs(const struct mock_req *req, struct mock_model *m)
{
	double lim = 0;

	if (req->format == MOCK_FMT_ANTHROPIC) {
		lim = req->has_max_tokens ? req->max_tokens : 0;
		if (req->thinking)
			m->think_tokens = req->has_budget && req->budget_tokens >= 1 ? (unsigned)(req->budget_tokens < 1e6 ? req->budget_tokens : 1e6)
										       : 1024;
	} else {
		lim = req->has_max_completion_tokens ? req->max_completion_tokens
						     : req->has_max_tokens ? req->max_tokens : 0;
		if (m->reasons)
			m->think_tokens = effort_tokens(req);
	}
	m->limit = lim >= 1 ? (unsigned)(lim < 1e9 ? lim : 1e9) : 0;
}

/* Claude 4 and later refuse temperature and top_p together; Claude 3 models take both. */
static bool claude4(const char *model)
{
	return fnmatch("claude-3*", model, 0) != 0;
}

static void anthropic(const struct mock_req *req, const struct pl_mrow *row, struct mock_refusal *out)
{
	if (req->has_temperature && (req->temperature < 0 || req->temperature > 1)) {
		refuse(out, 400, "invalid_request_error", NULL, "temperature",
		       req->temperature < 0 ? "temperature: Input should be greater than or equal to 0"
					    : "temperature: Input should be less than or equal to 1");
		return;
	}
	if (req->has_temperature && (row->temperature == PL_MT_TEMP_NO ||
				     (row->temperature == PL_MT_TEMP_DEFAULT && req->temperature != 1))) {
		refuse(out, 400, "invalid_request_error", NULL, "temperature", "`temperature` is deprecated for this model.");
		return;
	}
	if (req->has_temperature && req->has_top_p && claude4(req->model)) {
		refuse(out, 400, "invalid_request_error", NULL, "temperature",
		       "`temperature` and `top_p` cannot both be specified for this model. Please use only one.");
		return;
	}
	if (!req->thinking)
		return;
	if (row->thinking != PL_MT_THINK_BUDGET) {
		refuse(out, 400, "invalid_request_error", NULL, "thinking", "'%s' does not support thinking.", req->model);
		return;
	}
	if (!req->has_budget) {
		refuse(out, 400, "invalid_request_error", NULL, "thinking", "thinking.enabled.budget_tokens: Field required");
		return;
	}
	if (req->budget_tokens < 1024) {
		refuse(out, 400, "invalid_request_error", NULL, "thinking",
		       "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");
		return;
	}
	if (req->max_tokens <= req->budget_tokens) {
		refuse(out, 400, "invalid_request_error", NULL, "max_tokens",
		       "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at "
		       "https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size");
		return;
	}
	if (req->has_temperature && req->temperature != 1)
		refuse(out, 400, "invalid_request_error", NULL, "temperature",
		       "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at "
		       "https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking");
}

static void openai(const struct mock_req *req, const struct pl_mrow *row, struct mock_refusal *out)
{
	if (req->has_max_tokens && row->max_field == PL_MT_MAX_COMPLETION_TOKENS) {
		refuse(out, 400, "invalid_request_error", "unsupported_parameter", "max_tokens",
		       "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.");
		return;
	}
	if ((req->has_max_tokens && req->max_tokens < 1) ||
	    (req->has_max_completion_tokens && req->max_completion_tokens < 1)) {
		bool mt = req->has_max_tokens && req->max_tokens < 1;

		refuse(out, 400, "invalid_request_error", "integer_below_min_value", mt ? "max_tokens" : "max_completion_tokens",
		       "Invalid '%s': integer below minimum value. Expected a value >= 1, but got %.0f instead.",
		       mt ? "max_tokens" : "max_completion_tokens", mt ? req->max_tokens : req->max_completion_tokens);
		return;
	}
	if (req->has_temperature && (req->temperature < 0 || req->temperature > 2)) {
		bool above = req->temperature > 2;

		refuse(out, 400, "invalid_request_error", above ? "decimal_above_max_value" : "decimal_below_min_value",
		       "temperature", "Invalid 'temperature': decimal %s value. Expected a value %s, but got %g instead.",
		       above ? "above maximum" : "below minimum", above ? "<= 2" : ">= 0", req->temperature);
		return;
	}
	if (req->has_temperature && row->temperature == PL_MT_TEMP_NO) {
		refuse(out, 400, "invalid_request_error", "unsupported_parameter", "temperature",
		       "Unsupported parameter: 'temperature' is not supported with this model.");
		return;
	}
	if (req->has_temperature && row->temperature == PL_MT_TEMP_DEFAULT && req->temperature != 1) {
		refuse(out, 400, "invalid_request_error", "unsupported_value", "temperature",
		       "Unsupported value: 'temperature' does not support %g with this model. Only the default (1) value is supported.",
		       req->temperature);
		return;
	}
	if (req->has_effort && row->thinking != PL_MT_THINK_EFFORT) {
		/* a model that does not reason does not know the parameter at all */
		refuse(out, 400, "invalid_request_error", NULL, NULL, "Unrecognized request argument supplied: reasoning_effort");
		return;
	}
	if (req->has_effort && !effort_known(req->effort))
		refuse(out, 400, "invalid_request_error", "unsupported_value", "reasoning_effort",
		       "Unsupported value: 'reasoning_effort' does not support '%.24s' with this model. "
		       "Supported values are: 'minimal', 'low', 'medium', and 'high'.", req->effort);
}

void mock_strict(const struct mock_profile *p, const struct pl_mtab *t, struct mock_req *req,
		 struct mock_model *m, struct mock_refusal *out)
{
	bool oa = req->format == MOCK_FMT_OPENAI;
	const struct pl_mrow *row;

	memset(m, 0, sizeof(*m));
	memset(out, 0, sizeof(*out));
	m->min_cache = -1;
	if (p->models == MOCK_MODELS_ANY) {
		/* a local server: any name, any parameter; no name is the profile's model */
		if (!req->model[0])
			snprintf(req->model, sizeof(req->model), "%s", p->model);
		m->lenient = true;
		knobs(req, m);
		return;
	}
	row = req->has_model ? pl_mtab_find(t, req->model) : NULL;
	if (row && row->api != PL_MT_API_ANY && row->api != (oa ? PL_MT_API_OPENAI : PL_MT_API_ANTHROPIC))
		row = NULL; /* the other service's model: unknown here */
	if (!row && req->has_model && !strcmp(req->model, p->model)) {
		/* the server's own model (the one /v1/models lists): served, takes any parameter */
		m->lenient = true;
		knobs(req, m);
		return;
	}
	if (req->unknown[0]) {
		if (oa)
			refuse(out, 400, NULL, NULL, NULL, "Unrecognized request argument supplied: %s", req->unknown);
		else
			refuse(out, 400, "invalid_request_error", NULL, NULL, "%s: Extra inputs are not permitted", req->unknown);
		return;
	}
	if (!req->has_model) {
		if (oa)
			refuse(out, 400, NULL, NULL, NULL, "you must provide a model parameter");
		else
			refuse(out, 400, "invalid_request_error", NULL, NULL, "model: Field required");
		return;
	}
	if (!oa && !req->has_max_tokens) {
		refuse(out, 400, "invalid_request_error", NULL, NULL, "max_tokens: Field required");
		return;
	}
	if (!oa && req->max_tokens < 1) {
		refuse(out, 400, "invalid_request_error", NULL, NULL, "max_tokens: Input should be greater than or equal to 1");
		return;
	}
	if (!row) {
		if (oa)
			refuse(out, 404, NULL, "model_not_found", NULL,
			       "The model `%.100s` does not exist or you do not have access to it.", req->model);
		else
			refuse(out, 404, "not_found_error", NULL, NULL, "model: %.100s", req->model);
		return;
	}
	m->row = row;
	m->min_cache = row->min_cache;
	m->reasons = oa && row->thinking == PL_MT_THINK_EFFORT;
	if (oa)
		openai(req, row, out);
	else
		anthropic(req, row, out);
	if (!out->status)
		knobs(req, m);
}
