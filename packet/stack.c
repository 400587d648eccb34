#include "packet/stack.h"

#include <string.h>

#include "packet/proto.h"

static const struct pl_stack stacks[PL_STACK__COUNT] = {
	[PL_STACK_ECHO] = { PL_STACK_ECHO, "echo", "prompts/system.md",
			    "answer ICMP echo requests, drop everything else", pl_rules, pl_reference_reply },
	[PL_STACK_HOST] = { PL_STACK_HOST, "host", "prompts/host.md",
			    "an RFC 1122 host: ICMP echo and timestamp, UDP and TCP echo on port 7, ICMP errors, TCP resets",
			    pl_host_rules, pl_host_reply },
};

const struct pl_stack *pl_stack(enum pl_stack_id id)
{
	return (unsigned)id < PL_STACK__COUNT ? &stacks[id] : &stacks[PL_STACK_ECHO];
}

const struct pl_stack *pl_stack_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < PL_STACK__COUNT; i++)
		if (name && !strcmp(stacks[i].name, name))
			return &stacks[i];
	return NULL;
}

const char *pl_stack_names(void)
{
	return "echo, host";
}

enum pl_answer pl_answer_of(const uint8_t *pkt, size_t len)
{
	struct pl_hdrs hs;
	const uint8_t *l4;

	if (!pkt || !len)
		return PL_ANS_DROP;
	if (pl_hdrs_parse(pkt, len, &hs, NULL) || hs.n < 2)
		return PL_ANS_OTHER;
	l4 = pkt + hs.h[1].off;
	switch (hs.h[1].type) {
	case PL_HDR_ICMP:
		if (l4[0] == 0)
			return PL_ANS_ECHO;
		if (l4[0] == 14)
			return PL_ANS_TIMESTAMP;
		if (l4[0] == 3 && l4[1] == 3)
			return PL_ANS_PORT_UNREACH;
		if (l4[0] == 3 && l4[1] == 2)
			return PL_ANS_PROTO_UNREACH;
		return PL_ANS_OTHER;
	case PL_HDR_UDP:
		return l4[0] == 0 && l4[1] == 7 ? PL_ANS_UDP_ECHO : PL_ANS_OTHER;
	case PL_HDR_TCP:
		if (l4[13] & 0x04)
			return PL_ANS_RST;
		return (l4[13] & 0x12) == 0x12 ? PL_ANS_SYN_ACK : PL_ANS_OTHER;
	default:
		return PL_ANS_OTHER;
	}
}

const char *pl_answer_name(enum pl_answer a)
{
	static const char *const names[PL_ANS__COUNT] = {
		"drop", "echo", "timestamp", "udp-echo", "port-unreachable", "protocol-unreachable", "rst", "syn-ack", "other",
	};

	return (unsigned)a < PL_ANS__COUNT ? names[a] : "other";
}
