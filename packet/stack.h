/* stack.h — the stack profiles: which rules a target plays by.
 *
 * A profile names its rules (the reference stack in C, packet/rules.c or packet/host.c)
 * and the prompt that states them to a model, word for word. Everything that asks "what
 * does the reference do with this packet" (the responder's reference backend, the mock
 * model, the verdict, the scenario checks, import) asks the run's profile.
 *
 *   echo   answer ICMP echo requests, drop everything else (the default; prompts/system.md)
 *   host   an RFC 1122 host with UDP and TCP echo on port 7 (prompts/host.md)
 */
#ifndef PL_STACK_H
#define PL_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "packet/rules.h"

enum pl_stack_id {
	PL_STACK_ECHO = 0,
	PL_STACK_HOST = 1,
	PL_STACK__COUNT
};

struct pl_stack {
	enum pl_stack_id id;
	const char *name;        /* "echo", "host": --stack, run.json, reports */
	const char *prompt;      /* the system prompt, relative to the source tree */
	const char *summary;     /* one line for --help and reports */
	const struct pl_rule *(*rules)(size_t *count);
	/* same contract as pl_reference_reply */
	int (*reply)(const uint8_t *req, size_t len, uint32_t our_addr, uint8_t *out, size_t cap,
		     size_t *out_len, struct pl_decision *d, struct pl_err *err);
};

/* What kind of answer a packet is (reports count results per kind). */
enum pl_answer {
	PL_ANS_DROP = 0,       /* no answer */
	PL_ANS_ECHO,           /* ICMP echo reply */
	PL_ANS_TIMESTAMP,      /* ICMP timestamp reply */
	PL_ANS_UDP_ECHO,       /* UDP from port 7 */
	PL_ANS_PORT_UNREACH,   /* ICMP 3/3 */
	PL_ANS_PROTO_UNREACH,  /* ICMP 3/2 */
	PL_ANS_RST,            /* TCP with RST */
	PL_ANS_SYN_ACK,        /* TCP with SYN and ACK */
	PL_ANS_OTHER,
	PL_ANS__COUNT
};

/* The kind of answer pkt is (NULL or len 0: PL_ANS_DROP); "echo", "timestamp",
 * "udp-echo", "port-unreachable", "protocol-unreachable", "rst", "syn-ack", "other",
 * "drop" by pl_answer_name. */
enum pl_answer pl_answer_of(const uint8_t *pkt, size_t len);
const char *pl_answer_name(enum pl_answer a);

const struct pl_stack *pl_stack(enum pl_stack_id id);
/* NULL when name is not a profile */
const struct pl_stack *pl_stack_by_name(const char *name);
/* "echo, host" */
const char *pl_stack_names(void);

#endif
