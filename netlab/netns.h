/* netns.h — named network namespaces, compatible with iproute2's `ip netns`.
 *
 * A named namespace is a file under /run/netns on which the namespace's nsfs inode is
 * bind-mounted; /run/netns itself is made a shared mount point so the bind mounts
 * propagate the way `ip netns add` arranges it. `ip netns list` and `ip netns exec`
 * see namespaces made here, and the other way round.
 *
 * pl_netns_enter()/pl_netns_leave() switch the calling thread into a namespace and
 * back (iproute2's netns_switch / restore). A netlink socket, a /proc/sys/net file or a
 * /dev/net/tun fd opened while inside stays bound to that namespace after leaving.
 */
#ifndef PL_NETNS_H
#define PL_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

#define PL_NETNS_RUN_DIR "/run/netns"

/* Create the named namespace. -EEXIST (with a clear message) if the name is taken. */
int pl_netns_add(const char *name, struct pl_err *err);

/* Detach and remove the name. The namespace itself dies when nothing else holds it
 * (processes, open fds). -ENOENT if there was no such name. */
int pl_netns_del(const char *name, struct pl_err *err);

/* True if /run/netns/NAME exists and has a namespace mounted on it. */
bool pl_netns_exists(const char *name);

/* Open /run/netns/NAME read-only (O_CLOEXEC); returns the fd or -errno. */
int pl_netns_open(const char *name, struct pl_err *err);

struct pl_netns_saved {
	int fd; /* the namespace to return to, -1 when not switched */
};

/* Switch the calling thread into the named namespace; saved remembers where it was. */
int pl_netns_enter(const char *name, struct pl_netns_saved *saved, struct pl_err *err);
/* Go back to the saved namespace. Safe to call when enter failed (saved->fd == -1). */
int pl_netns_leave(struct pl_netns_saved *saved, struct pl_err *err);

/* Call fn for every process whose network namespace is the named one (the caller
 * excluded). Stops and returns fn's value when it is non-zero. */
typedef int pl_netns_pid_fn(void *arg, pid_t pid);
int pl_netns_for_each_pid(const char *name, pl_netns_pid_fn *fn, void *arg,
			  struct pl_err *err);

/* SIGKILL every process in the namespace and wait (up to timeout_ms) until they are
 * gone. *killed receives how many were signalled. */
int pl_netns_kill_all(const char *name, int timeout_ms, int *killed, struct pl_err *err);

/* Call fn for every name under /run/netns that starts with prefix (sorted). */
typedef int pl_netns_name_fn(void *arg, const char *name);
int pl_netns_list(const char *prefix, pl_netns_name_fn *fn, void *arg, struct pl_err *err);

#endif
