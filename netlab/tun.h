/* tun.h — TUN devices (IFF_TUN | IFF_NO_PI: each read/write is one bare IP packet).
 *
 * A TUN device lives in the network namespace of the process that opened /dev/net/tun,
 * so call these inside the lab namespace (pl_netns_enter) to create or attach there.
 */
#ifndef PL_TUN_H
#define PL_TUN_H

#include <stdbool.h>

#include "common/err.h"

#define PL_TUN_DEV "/dev/net/tun"

/* Create a persistent TUN device named name (survives this process). */
int pl_tun_create_persistent(const char *name, struct pl_err *err);

/* Attach to the TUN device name (created if missing, e.g. for tests) and return the fd
 * (O_CLOEXEC; O_NONBLOCK if nonblock) or -errno. */
int pl_tun_attach(const char *name, bool nonblock, struct pl_err *err);

#endif
