#include "packet/stack.h"

#include <string.h>

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
