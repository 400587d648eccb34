/* verdict.h — judge what a target did with one packet against the scenario's expectation.
 *
 * The verdict judges the exact bytes the target answered with (for the responder: as
 * captured on the TUN side). The kernel target is always judged at the RFC-valid level:
 * its IP identification is its own and never predictable.
 */
#ifndef PL_VERDICT_H
#define PL_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "packet/diff.h"
#include "packet/stack.h"
#include "scenario/scenario.h"

enum pl_verdict {
	V_PASS = 0,
	V_WRONG_REPLY,
	V_MISSED_REPLY,
	V_FALSE_REPLY,
	V_UNPARSEABLE,
	V_API_ERROR,
	V_TIMEOUT,
	V_TRUNCATED,      /* the model's answer hit its token limit before it ended */
	V_REFUSED,        /* the model refused to answer */
	V__COUNT
};

/* What the backend reported for this packet (model targets; OK for kernel/reference). */
enum pl_backend_status {
	BS_OK = 0,
	BS_UNPARSEABLE,   /* the model's text held no usable packet or decision */
	BS_API_ERROR,     /* the API failed after all retries */
	BS_TIMEOUT,       /* no answer within the per-request timeout */
	BS_UNDECIDED,     /* the packet reached the responder, which logged no decision in time */
	BS_TRUNCATED,     /* the answer hit its token limit (max_tokens / length) */
	BS_REFUSED,       /* the model refused (stop_reason refusal, message.refusal) */
};

struct pl_observation {
	const uint8_t *sent;
	size_t sent_len;
	const uint8_t *reply;  /* NULL: nothing came back */
	size_t reply_len;
	enum pl_backend_status backend;
};

struct pl_judgement {
	enum pl_verdict verdict;
	struct pl_diff diff;
	char note[200];
};

const char *pl_verdict_name(enum pl_verdict v);
int pl_verdict_from_name(const char *name); /* -1 if unknown */

/* Judge one packet under stack st (whose rules give the reference reply). Returns the
 * verdict (also in j->verdict). */
enum pl_verdict pl_judge(const struct pl_expect *e, enum pl_target_kind t, const struct pl_stack *st,
			 const struct pl_observation *o, struct pl_judgement *j);

/* The reply the expectation asks for (st's reference reply with the expectation's field
 * overrides applied, checksums recomputed unless overridden). Returns its length, 0 when
 * st's rules drop the packet. */
size_t pl_expected_reply(const struct pl_expect *e, enum pl_target_kind t, const struct pl_stack *st,
			 const uint8_t *sent, size_t sent_len, uint8_t *out, size_t cap);

#endif
