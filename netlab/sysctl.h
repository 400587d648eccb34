/* sysctl.h — read and write /proc/sys values of the calling thread's namespace.
 *
 * /proc/sys/net files belong to the network namespace of whoever opens them, so call
 * these between pl_netns_enter() and pl_netns_leave() to touch a lab namespace.
 * key is the path below /proc/sys with slashes, e.g. "net/ipv4/ip_forward".
 */
#ifndef PL_SYSCTL_H
#define PL_SYSCTL_H

#include <stddef.h>

#include "common/err.h"

int pl_sysctl_write(const char *key, const char *value, struct pl_err *err);
/* Reads the value without its trailing newline. */
int pl_sysctl_read(const char *key, char *buf, size_t len, struct pl_err *err);

#endif
