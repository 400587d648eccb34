/* openai.h — the OpenAI chat-completions wire format (POST /v1/chat/completions,
 * GET /v1/models), as served by OpenAI, llama.cpp, Ollama and vLLM. */
#ifndef PL_MOCK_OPENAI_H
#define PL_MOCK_OPENAI_H

#include "mockllm/wire.h"

int mock_openai_parse(const char *body, size_t len, struct mock_req *req, struct pl_err *err);

/* {"error":{"message":msg,"type":type,"param":param,"code":code}} with status (NULL
 * code or param: null). */
int mock_openai_error(struct mock_reply *out, unsigned status, const char *type, const char *code,
		      const char *param, const char *msg);

/* llama.cpp's server's own error shape: {"error":{"code":status,"message":msg,"type":type}}. */
int mock_llamacpp_error(struct mock_reply *out, unsigned status, const char *type, const char *msg);

/* The completion (or its chunks when req->stream) for plan, shaped by sh. */
int mock_openai_answer(struct mock_reply *out, const struct mock_req *req,
		       const struct mock_plan *plan, const struct mock_usage *u, const struct mock_shape *sh);

/* GET /v1/models: one model, the profile's. */
int mock_openai_models(struct mock_reply *out, const char *model);

#endif
