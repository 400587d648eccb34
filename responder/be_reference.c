/* The reference backend: the rules of the --stack (packet/rules.c, packet/host.c) in C. Ground truth, and the
 * baseline for the harness's own overhead. */
#include <stdlib.h>
#include <string.h>

#include "packet/rules.h"
#include "responder/rsp.h"

static int ref_init(struct rsp_ctx *c, struct pl_err *err)
{
	(void)c;
	(void)err;
	pl_rules_detail(false); /* a decision's detail is not logged */
	return 0;
}

static void ref_start(struct rsp_ctx *c, struct rsp_job *j)
{
	static uint8_t out[65536];
	struct pl_decision d;
	size_t n = 0;

	if (c->cfg.stack->reply(j->pkt, j->len, c->cfg.our_addr, out, sizeof(out), &n, &d, NULL) == 0 &&
	    d.action == PL_ACTION_REPLY && (j->reply = malloc(n))) {
		memcpy(j->reply, out, n);
		j->reply_len = n;
		j->outcome = RSP_REPLY;
	} else {
		j->outcome = RSP_DROP;
	}
	rsp_finish(c, j);
}

const struct rsp_backend_ops rsp_reference_ops = {
	.name = "reference",
	.is_model = false,
	.init = ref_init,
	.start = ref_start,
};
