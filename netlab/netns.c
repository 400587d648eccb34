#include "netlab/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

#define SELF_NETNS "/proc/thread-self/ns/net"

static int netns_path(char *buf, size_t len, const char *name, struct pl_err *err)
{
	int n;

	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return pl_errf(err, -EINVAL, "invalid namespace name '%s'", name ? name : "");
	n = snprintf(buf, len, "%s/%s", PL_NETNS_RUN_DIR, name);
	if (n < 0 || (size_t)n >= len)
		return pl_errf(err, -ENAMETOOLONG, "namespace name too long: %s", name);
	return 0;
}

/* As iproute2's netns_add(): /run/netns must be a shared mount point so that the bind
 * mounts made on its files propagate to every mount namespace that sees /run/netns. The
 * first mount() succeeds when it already is a mount point; otherwise bind it onto itself
 * once and retry. */
static int netns_run_dir_setup(struct pl_err *err)
{
	bool made = false;

	if (mkdir(PL_NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return pl_errf(err, -errno, "mkdir %s: %s", PL_NETNS_RUN_DIR, strerror(errno));
	while (mount("", PL_NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || made)
			return pl_errf(err, -errno, "mount --make-rshared %s: %s",
				       PL_NETNS_RUN_DIR, strerror(errno));
		if (mount(PL_NETNS_RUN_DIR, PL_NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			return pl_errf(err, -errno, "mount --rbind %s %s: %s", PL_NETNS_RUN_DIR,
				       PL_NETNS_RUN_DIR, strerror(errno));
		made = true;
	}
	return 0;
}

int pl_netns_add(const char *name, struct pl_err *err)
{
	char path[PATH_MAX];
	int fd, saved, rc;

	rc = netns_path(path, sizeof(path), name, err);
	if (rc < 0)
		return rc;
	rc = netns_run_dir_setup(err);
	if (rc < 0)
		return rc;

	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == EEXIST)
			return pl_errf(err, -EEXIST, "namespace %s already exists", name);
		return pl_errf(err, -errno, "create %s: %s", path, strerror(errno));
	}
	close(fd);

	/* iproute2 unshares in the `ip` process itself, which then exits. We do the same
	 * but come back: the bind mount is what keeps the new namespace alive. */
	saved = open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		rc = pl_errf(err, -errno, "open %s: %s", SELF_NETNS, strerror(errno));
		unlink(path);
		return rc;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		rc = pl_errf(err, -errno, "unshare(CLONE_NEWNET): %s", strerror(errno));
		goto out_unlink;
	}
	if (mount(SELF_NETNS, path, "none", MS_BIND, NULL) < 0) {
		rc = pl_errf(err, -errno, "bind mount %s on %s: %s", SELF_NETNS, path,
			     strerror(errno));
		goto out_restore;
	}
	if (setns(saved, CLONE_NEWNET) < 0) {
		rc = pl_errf(err, -errno, "setns back to the original namespace: %s",
			     strerror(errno));
		umount2(path, MNT_DETACH);
		goto out_unlink;
	}
	close(saved);
	return 0;

out_restore:
	if (setns(saved, CLONE_NEWNET) < 0)
		pl_err_prefix(err, rc, "(and could not return to the original namespace)");
out_unlink:
	close(saved);
	unlink(path);
	return rc;
}

int pl_netns_del(const char *name, struct pl_err *err)
{
	char path[PATH_MAX];
	bool mounted, present;
	int rc;

	rc = netns_path(path, sizeof(path), name, err);
	if (rc < 0)
		return rc;
	mounted = umount2(path, MNT_DETACH) == 0;
	if (!mounted && errno != EINVAL && errno != ENOENT)
		return pl_errf(err, -errno, "umount %s: %s", path, strerror(errno));
	present = unlink(path) == 0;
	if (!present && errno != ENOENT)
		return pl_errf(err, -errno, "unlink %s: %s", path, strerror(errno));
	if (!mounted && !present)
		return pl_errf(err, -ENOENT, "no namespace named %s", name);
	return 0;
}

bool pl_netns_exists(const char *name)
{
	char path[PATH_MAX];
	struct statfs sfs;

	if (netns_path(path, sizeof(path), name, NULL) < 0)
		return false;
	return statfs(path, &sfs) == 0 && sfs.f_type == NSFS_MAGIC;
}

int pl_netns_open(const char *name, struct pl_err *err)
{
	char path[PATH_MAX];
	int fd, rc;

	rc = netns_path(path, sizeof(path), name, err);
	if (rc < 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pl_errf(err, -errno, "open namespace %s: %s", name, strerror(errno));
	return fd;
}

int pl_netns_enter(const char *name, struct pl_netns_saved *saved, struct pl_err *err)
{
	int fd, rc;

	saved->fd = -1;
	fd = pl_netns_open(name, err);
	if (fd < 0)
		return fd;
	saved->fd = open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
	if (saved->fd < 0) {
		rc = pl_errf(err, -errno, "open %s: %s", SELF_NETNS, strerror(errno));
		close(fd);
		return rc;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		rc = pl_errf(err, -errno, "setns into %s: %s", name, strerror(errno));
		close(fd);
		close(saved->fd);
		saved->fd = -1;
		return rc;
	}
	close(fd);
	return 0;
}

int pl_netns_leave(struct pl_netns_saved *saved, struct pl_err *err)
{
	int rc = 0;

	if (saved->fd < 0)
		return 0;
	if (setns(saved->fd, CLONE_NEWNET) < 0)
		rc = pl_errf(err, -errno, "setns back to the original namespace: %s",
			     strerror(errno));
	close(saved->fd);
	saved->fd = -1;
	return rc;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int pl_netns_for_each_pid(const char *name, pl_netns_pid_fn *fn, void *arg,
			  struct pl_err *err)
{
	char path[PATH_MAX], nspath[64];
	struct stat target, st;
	struct dirent *de;
	pid_t self = getpid();
	DIR *proc;
	int rc;

	rc = netns_path(path, sizeof(path), name, err);
	if (rc < 0)
		return rc;
	if (!pl_netns_exists(name))
		return pl_errf(err, -ENOENT, "no namespace named %s", name);
	if (stat(path, &target) < 0)
		return pl_errf(err, -errno, "stat %s: %s", path, strerror(errno));
	proc = opendir("/proc");
	if (!proc)
		return pl_errf(err, -errno, "opendir /proc: %s", strerror(errno));
	rc = 0;
	while ((de = readdir(proc))) {
		pid_t pid;

		if (!all_digits(de->d_name))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (pid == self)
			continue;
		snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
		if (stat(nspath, &st) < 0)
			continue; /* gone, a zombie or a kernel thread */
		if (st.st_dev != target.st_dev || st.st_ino != target.st_ino)
			continue;
		rc = fn(arg, pid);
		if (rc)
			break;
	}
	closedir(proc);
	return rc;
}

struct kill_ctx {
	int signalled;
	int found;
};

static int kill_one(void *arg, pid_t pid)
{
	struct kill_ctx *k = arg;

	k->found++;
	if (kill(pid, SIGKILL) == 0)
		k->signalled++;
	return 0;
}

static int count_one(void *arg, pid_t pid)
{
	(void)pid;
	((struct kill_ctx *)arg)->found++;
	return 0;
}

int pl_netns_kill_all(const char *name, int timeout_ms, int *killed, struct pl_err *err)
{
	struct kill_ctx k = { 0, 0 };
	struct timespec nap = { 0, 2 * 1000 * 1000 };
	int waited = 0, rc;

	if (killed)
		*killed = 0;
	rc = pl_netns_for_each_pid(name, kill_one, &k, err);
	if (rc < 0)
		return rc;
	if (killed)
		*killed = k.signalled;
	if (!k.found)
		return 0;
	/* A killed process keeps the namespace until it has exited; wait for that. Its
	 * ns link vanishes once it is a zombie, so this does not depend on its parent. */
	for (;;) {
		struct kill_ctx again = { 0, 0 };

		rc = pl_netns_for_each_pid(name, count_one, &again, err);
		if (rc < 0)
			return rc;
		if (!again.found)
			return 0;
		if (waited >= timeout_ms) {
			return pl_errf(err, -EBUSY, "%d process(es) in %s still alive after "
				       "SIGKILL and %d ms", again.found, name, timeout_ms);
		}
		/* New arrivals (a process forked in the meantime) get the signal too. */
		pl_netns_for_each_pid(name, kill_one, &again, NULL);
		nanosleep(&nap, NULL);
		waited += 2;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pl_netns_list(const char *prefix, pl_netns_name_fn *fn, void *arg, struct pl_err *err)
{
	char **names = NULL;
	size_t n = 0, cap = 0, plen = prefix ? strlen(prefix) : 0;
	struct dirent *de;
	DIR *dir;
	int rc = 0;

	dir = opendir(PL_NETNS_RUN_DIR);
	if (!dir) {
		if (errno == ENOENT)
			return 0;
		return pl_errf(err, -errno, "opendir %s: %s", PL_NETNS_RUN_DIR, strerror(errno));
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (plen && strncmp(de->d_name, prefix, plen))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (!nn) {
				rc = pl_errf(err, -ENOMEM, "out of memory listing %s",
					     PL_NETNS_RUN_DIR);
				goto out;
			}
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			rc = pl_errf(err, -ENOMEM, "out of memory listing %s", PL_NETNS_RUN_DIR);
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && !rc; i++)
		rc = fn(arg, names[i]);
out:
	closedir(dir);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
