/* undo.h — undo created lab resources in reverse order (used by up's unwind and down).
 *
 * Netlink sockets are opened lazily, one per namespace, and cached in pl_undo_socks.
 */
#ifndef PL_UNDO_H
#define PL_UNDO_H

#include "common/err.h"
#include "netlab/lab.h"

struct nl_sock;

#define PL_UNDO_SOCKS 2

struct pl_undo_socks {
	char ns[PL_UNDO_SOCKS][32];
	struct nl_sock *sk[PL_UNDO_SOCKS];
};

/* The cached socket for netns, opened on first use. */
int pl_undo_sock(struct pl_undo_socks *socks, const char *netns, struct nl_sock **sk,
		 struct pl_err *err);
void pl_undo_socks_close(struct pl_undo_socks *socks);

/* Undo one resource; an object that is already gone counts as undone. */
int pl_undo_one(const struct pl_res *r, struct pl_undo_socks *socks, struct pl_err *err);

/* Undo res[n-1] .. res[0]. Links, qdiscs and filters inside a namespace that the list
 * also removes are left to the namespace's teardown (one batch, asynchronous) instead of
 * being deleted one by one. Keeps going after a failure; returns the first error. Each
 * resource is reported through hooks->log (hooks may be NULL). */
int pl_undo_run(const struct pl_res *res, int n, struct pl_undo_socks *socks,
		const struct pl_lab_hooks *hooks, struct pl_err *err);

#endif
