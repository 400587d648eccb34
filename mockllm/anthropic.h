/* anthropic.h — the Anthropic Messages wire format (POST /v1/messages). */
#ifndef PL_MOCK_ANTHROPIC_H
#define PL_MOCK_ANTHROPIC_H

#include "mockllm/wire.h"

/* Parse a request body (v2026: for anthropic-version 2026-10-21); errors name what is
 * wrong, for a 400 invalid_request_error. */
int mock_anthropic_parse(const char *body, size_t len, bool v2026, struct mock_req *req, struct pl_err *err);

/* {"type":"error","error":{"type":type,"message":msg},"request_id":request_id} with
 * status (no request_id when it is NULL). */
int mock_anthropic_error(struct mock_reply *out, unsigned status, const char *type, const char *msg,
			 const char *request_id);

/* The message (or its SSE stream when req->stream) for plan, shaped by sh. */
int mock_anthropic_answer(struct mock_reply *out, const struct mock_req *req,
			  const struct mock_plan *plan, const struct mock_usage *u, const struct mock_shape *sh);

#endif
