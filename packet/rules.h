/* rules.h — the reference reply rules: the one place they are written down.
 *
 * prompts/system.md states the same rules to the model, word for word (a test checks
 * that every rule's text below appears there); the reference backend, the mock model
 * and the verdict engine all call pl_reference_reply(). Rules are checked in order and
 * the first that matches decides.
 */
#ifndef PL_RULES_H
#define PL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "packet/ipv4.h"

/* The responder's address in the lab: 10.77.2.2. */
#define PL_RESPONDER_ADDR 0x0a4d0202u

enum pl_action {
	PL_ACTION_DROP = 0,
	PL_ACTION_REPLY = 1,
};

struct pl_rule {
	int number;            /* 1-based, as in the prompt */
	const char *id;        /* short name used in reports, e.g. "ip-checksum" */
	enum pl_action action;
	const char *text;      /* the sentence given to the model */
};

struct pl_decision {
	enum pl_action action;
	const struct pl_rule *rule;
	char detail[160];      /* what exactly matched, e.g. "ihl 4 < 5" */
};

/* Whether decisions' detail texts are formatted: on by default; a process that never
 * shows them turns it off once (the responder: formatting it cost ~1,000 of its ~5,000
 * instructions per packet before the reply is written), and detail is then "". */
void pl_rules_detail(bool on);

/* All rules in order; *count receives how many. */
const struct pl_rule *pl_rules(size_t *count);
const struct pl_rule *pl_rule_by_id(const char *id);

/* Decide what the reference stack does with req[0..len) arriving for our_addr. On
 * PL_ACTION_REPLY the reply is written to out (cap bytes; 65535 always suffices) and its
 * length stored in *out_len. Returns 0, or a negative code if out is too small. */
int pl_reference_reply(const uint8_t *req, size_t len, uint32_t our_addr, uint8_t *out,
		       size_t cap, size_t *out_len, struct pl_decision *d, struct pl_err *err);

/* For the stacks' rule files: record in d that rule `number` of table decided, with what
 * matched in words; returns 0. */
int pl_rule_decide(const struct pl_rule *table, struct pl_decision *d, int number, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The IPv4 checks every stack starts with, as its rules 1-5 (malformed, header checksum,
 * not for us, a source that cannot be a sender, a fragment): true when one of them
 * decided (a drop, in d); else p holds the parsed packet. lab_broadcast: a 10.77.X.255
 * source is not a sender either (the host stack). */
bool pl_rule_ip_checks(const struct pl_rule *table, const uint8_t *req, size_t len, uint32_t our_addr,
		       bool lab_broadcast, struct pl_pkt *p, struct pl_decision *d);

/* The `host` stack (packet/host.c): an RFC 1122 host at our_addr, with UDP and TCP echo
 * on port 7. Same contract as pl_reference_reply. */
const struct pl_rule *pl_host_rules(size_t *count);
int pl_host_reply(const uint8_t *req, size_t len, uint32_t our_addr, uint8_t *out, size_t cap, size_t *out_len,
		  struct pl_decision *d, struct pl_err *err);

#endif
