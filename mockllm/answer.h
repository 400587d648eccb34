/* answer.h — the text of the simulated model's answer: the careful reply, then the
 * profile's chattiness and the chosen mistake applied to it. Internal to mockllm. */
#ifndef PL_MOCK_ANSWER_H
#define PL_MOCK_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "mockllm/behave.h"
#include "mockllm/profile.h"

/* In: plan->decision, plan->mistake (reset to MOCK_M_NONE when it cannot apply to this
 * packet, so the log records what was really injected). Out: text, answer, answer_pkt.
 * req may be NULL (no packet in the prompt); ref is the reference reply when the
 * decision is to reply. base seeds the "mutate" and "style" streams. */
int mock_answer_build(const struct mock_profile *p, uint64_t base, const uint8_t *req,
		      size_t req_len, const uint8_t *ref, size_t ref_len, struct mock_plan *plan,
		      struct pl_err *err);

#endif
