#include "tests/labtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "netlab/lab.h"
#include "netlab/netns.h"
#include "tests/util.h"

const char *lt_cannot_run(void)
{
	if (geteuid() != 0)
		return "needs root: network namespaces, netlink and tc";
	if (access("/dev/net/tun", R_OK | W_OK) < 0)
		return "needs /dev/net/tun";
	return NULL;
}

const char *lt_pinglab_path(void)
{
	static char path[4096];
	const char *dir = getenv("PINGLAB_BUILD");

	snprintf(path, sizeof(path), "%s/pinglab", dir && *dir ? dir : "build");
	return path;
}

/* Names handed out in this test process (Criterion runs each test in its own). */
static struct {
	char names[16][9];
	int n;
} lt_made;

void lt_cleanup(void)
{
	struct lt_run *r = malloc(sizeof(*r));

	for (int i = 0; r && i < lt_made.n; i++) {
		char what[128];

		if (lt_nothing_left(lt_made.names[i], what, sizeof(what)))
			continue;
		const char *const argv[] = { lt_pinglab_path(), "clean", "--name",
					     lt_made.names[i], NULL };
		lt_run(r, argv, NULL);
	}
	free(r);
	lt_made.n = 0;
}

void lt_name(char out[9], const char *prefix)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t plen = strlen(prefix);
	unsigned char r[8];

	cr_assert(plen >= 1 && plen <= 3);
	cr_assert_eq(getrandom(r, sizeof(r), 0), (ssize_t)sizeof(r));
	memcpy(out, prefix, plen);
	for (size_t i = plen; i < 8; i++)
		out[i] = alphabet[r[i] % (sizeof(alphabet) - 1)];
	out[8] = '\0';
	if (lt_made.n < (int)(sizeof(lt_made.names) / sizeof(lt_made.names[0])))
		memcpy(lt_made.names[lt_made.n++], out, 9);
}

static void child_exec(const char *const argv[], const char *const env[])
{
	for (size_t i = 0; env && env[i]; i++)
		putenv((char *)env[i]);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void lt_run(struct lt_run *r, const char *const argv[], const char *const env[])
{
	lt_run_with(r, argv, env, NULL);
}

void lt_run_with(struct lt_run *r, const char *const argv[], const char *const env[],
		 void (*setup)(void))
{
	int out[2], err[2];
	size_t nout = 0, nerr = 0;
	pid_t pid;

	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (setup)
			setup();
		child_exec(argv, env);
	}
	close(out[1]);
	close(err[1]);
	for (int open_fds = 2; open_fds > 0;) {
		struct pollfd p[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			char *buf = i ? r->err : r->out;
			size_t cap = i ? sizeof(r->err) : sizeof(r->out);
			size_t *n = i ? &nerr : &nout;
			char sink[512];
			ssize_t got;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (*n + 1 < cap)
				got = read(p[i].fd, buf + *n, cap - 1 - *n);
			else
				got = read(p[i].fd, sink, sizeof(sink));
			if (got <= 0) {
				close(i ? err[0] : out[0]);
				if (i)
					err[0] = -1;
				else
					out[0] = -1;
				open_fds--;
			} else if (*n + 1 < cap) {
				*n += (size_t)got;
			}
		}
	}
	r->out[nout] = '\0';
	r->err[nerr] = '\0';
	r->status = wait_status(pid);
}

void lt_pinglab(struct lt_run *r, const char *const env[], ...)
{
	const char *argv[32];
	size_t n = 0;
	va_list ap;

	argv[n++] = lt_pinglab_path();
	va_start(ap, env);
	while (n < 31 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	lt_run(r, argv, env);
	/* a lab that came up: remember its namespaces for lt_nothing_left */
	if (n >= 4 && !strcmp(argv[1], "up") && r->status == 0)
		for (size_t i = 2; i + 1 < n; i++)
			if (!strcmp(argv[i], "--name"))
				lt_note_lab(argv[i + 1]);
}

void lt_stop(pid_t pid, int sig)
{
	int st = 0;

	kill(pid, sig);
	cr_assert_eq(waitpid(pid, &st, 0), pid, "waitpid %d: %s", (int)pid, strerror(errno));
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "pid %d after signal %d: %s %d", (int)pid, sig,
		  WIFEXITED(st) ? "exit" : "killed by", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

pid_t lt_spawn(const char *const argv[], const char *const env[])
{
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		child_exec(argv, env);
	}
	return pid;
}

/* Append the output of argv to buf; with drop_lifetimes, cut "valid_lft ..." tails
 * (DHCP lifetimes count down between two snapshots). */
static void append_cmd(char **buf, size_t *len, const char *const argv[], bool drop_lifetimes)
{
	struct lt_run *r = malloc(sizeof(*r));
	size_t add;

	cr_assert(r);
	lt_run(r, argv, NULL);
	cr_assert_eq(r->status, 0, "%s failed: %s", argv[0], r->err);
	if (drop_lifetimes) {
		char *p;

		while ((p = strstr(r->out, "valid_lft"))) {
			char *eol = strchr(p, '\n');

			memmove(p, eol ? eol : p + strlen(p), strlen(eol ? eol : p + strlen(p)) + 1);
		}
	}
	add = strlen(argv[0]) + strlen(r->out) + 8;
	*buf = realloc(*buf, *len + add);
	cr_assert(*buf);
	*len += (size_t)snprintf(*buf + *len, add, "## %s\n%s", argv[0], r->out);
	free(r);
}

char *lt_root_snapshot(void)
{
	static const char *const sysctls[] = {
		"/proc/sys/net/ipv4/ip_forward",
		"/proc/sys/net/ipv4/conf/all/rp_filter",
		"/proc/sys/net/ipv4/conf/default/rp_filter",
		"/proc/sys/net/ipv6/conf/all/disable_ipv6",
		"/proc/sys/net/ipv6/conf/default/disable_ipv6",
		"/proc/sys/net/ipv4/conf/all/forwarding",
		NULL,
	};
	const char *const link[] = { "ip", "-o", "link", "show", NULL };
	const char *const addr[] = { "ip", "-o", "addr", "show", NULL };
	const char *const route[] = { "ip", "route", "show", "table", "all", NULL };
	const char *const qdisc[] = { "tc", "qdisc", "show", NULL };
	char *buf = calloc(1, 1);
	size_t len = 0;

	cr_assert(buf);
	append_cmd(&buf, &len, link, false);
	append_cmd(&buf, &len, addr, true);
	append_cmd(&buf, &len, route, false);
	append_cmd(&buf, &len, qdisc, false);
	for (size_t i = 0; sysctls[i]; i++) {
		char val[64] = "absent";
		FILE *f = fopen(sysctls[i], "r");

		if (f) {
			if (!fgets(val, sizeof(val), f))
				snprintf(val, sizeof(val), "unreadable\n");
			fclose(f);
		}
		buf = realloc(buf, len + strlen(sysctls[i]) + strlen(val) + 8);
		cr_assert(buf);
		len += (size_t)sprintf(buf + len, "%s = %s", sysctls[i], val);
	}
	return buf;
}

/* The namespaces of labs seen up in this test process, by nsfs identity, so a process
 * still inside one is found after down has removed the names. */
static struct {
	char name[9];
	char side[4];
	dev_t dev;
	ino_t ino;
} lt_seen[32];
static int lt_nseen;

void lt_note_lab(const char *name)
{
	static const char *const sides[] = { "gen", "rsp" };

	for (int i = 0; i < 2; i++) {
		char path[128];
		struct stat st;

		snprintf(path, sizeof(path), "/run/netns/pl-%s-%s", name, sides[i]);
		if (stat(path, &st) < 0 || lt_nseen >= (int)(sizeof(lt_seen) / sizeof(lt_seen[0])))
			continue;
		snprintf(lt_seen[lt_nseen].name, sizeof(lt_seen[0].name), "%s", name);
		snprintf(lt_seen[lt_nseen].side, sizeof(lt_seen[0].side), "%s", sides[i]);
		lt_seen[lt_nseen].dev = st.st_dev;
		lt_seen[lt_nseen].ino = st.st_ino;
		lt_nseen++;
	}
}

/* Is (dev, ino) the namespace some name under /run/netns stands for right now? Then it
 * is not a lab namespace whose name down removed: the kernel reused the inode number. */
static bool named_now(dev_t dev, ino_t ino)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		char path[300];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		found = stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
	}
	if (d)
		closedir(d);
	return found;
}

/* Does the network namespace of pid hold a link of lab name (pl-NAME-g, pl-NAME-r)? */
static bool netns_has_lab_link(pid_t pid, const char *name)
{
	char path[64], line[256], g[32], r[32];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	snprintf(g, sizeof(g), "pl-%s-g:", name);
	snprintf(r, sizeof(r), "pl-%s-r:", name);
	f = fopen(path, "r");
	while (f && !found && fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " ");

		found = !strncmp(p, g, strlen(g)) || !strncmp(p, r, strlen(r));
	}
	if (f)
		fclose(f);
	return found;
}

/* A process (not this one) in one of lab name's namespaces: one noted while the lab was
 * up, or any that holds the lab's veth. Namespaces already looked at are skipped. */
static bool process_left(const char *name, char *what, size_t len)
{
	struct { dev_t dev; ino_t ino; } done[64];
	int ndone = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		char path[64];
		struct stat st;
		bool seen = false;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		if (stat(path, &st) < 0)
			continue; /* gone meanwhile, or a kernel thread */
		for (int i = 0; i < ndone && !seen; i++)
			seen = done[i].dev == st.st_dev && done[i].ino == st.st_ino;
		if (seen)
			continue;
		if (ndone < (int)(sizeof(done) / sizeof(done[0]))) {
			done[ndone].dev = st.st_dev;
			done[ndone].ino = st.st_ino;
			ndone++;
		}
		for (int i = 0; i < lt_nseen && !found; i++) {
			if (strcmp(lt_seen[i].name, name) || lt_seen[i].dev != st.st_dev ||
			    lt_seen[i].ino != st.st_ino || named_now(st.st_dev, st.st_ino))
				continue;
			snprintf(what, len, "process %d is still in lab %s's %s namespace (netns "
				 "inode %lu)", (int)pid, name, lt_seen[i].side, (unsigned long)st.st_ino);
			found = true;
		}
		if (!found && netns_has_lab_link(pid, name)) {
			snprintf(what, len, "process %d is still in a namespace holding lab %s's "
				 "veth", (int)pid, name);
			found = true;
		}
	}
	if (d)
		closedir(d);
	return found;
}

bool lt_nothing_left(const char *name, char *what, size_t len)
{
	const char *const list[] = { "ip", "netns", "list", NULL };
	char paths[4][128], prefix[32];
	struct lt_run *r;
	bool clean = true;

	snprintf(paths[0], sizeof(paths[0]), "/run/netns/pl-%s-gen", name);
	snprintf(paths[1], sizeof(paths[1]), "/run/netns/pl-%s-rsp", name);
	snprintf(paths[2], sizeof(paths[2]), "/run/pinglab/%s.json", name);
	snprintf(paths[3], sizeof(paths[3]), "/run/pinglab/%s.json.tmp", name);
	for (size_t i = 0; i < 4; i++) {
		if (access(paths[i], F_OK) == 0) {
			snprintf(what, len, "%s still exists", paths[i]);
			return false;
		}
	}
	for (int k = 1; k <= 8; k++) {
		/* the labs of the run's model targets, NAME-K (their namespaces are pl-NAME-K-*,
		 * which the listing below sees under pl-NAME-) */
		snprintf(paths[2], sizeof(paths[2]), "/run/pinglab/%s-%d.json", name, k);
		if (access(paths[2], F_OK) == 0) {
			snprintf(what, len, "%s still exists", paths[2]);
			return false;
		}
	}
	/* as iproute2 sees it */
	r = malloc(sizeof(*r));
	cr_assert(r);
	lt_run(r, list, NULL);
	snprintf(prefix, sizeof(prefix), "pl-%s-", name);
	if (r->status != 0) {
		snprintf(what, len, "ip netns list failed: %s", r->err);
		clean = false;
	} else if (strstr(r->out, prefix)) {
		char *line = strstr(r->out, prefix);

		line[strcspn(line, "\n")] = '\0';
		snprintf(what, len, "ip netns list still shows %s", line);
		clean = false;
	}
	free(r);
	if (!clean || process_left(name, what, len))
		return false;
	what[0] = '\0';
	return true;
}

void lt_private_mounts(const char *const dirs[])
{
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare(CLONE_NEWNS): %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL), 0, "make / rslave: %s",
		     strerror(errno));
	for (size_t i = 0; dirs[i]; i++) {
		cr_assert(mkdir(dirs[i], 0755) == 0 || errno == EEXIST, "mkdir %s: %s", dirs[i],
			  strerror(errno));
		cr_assert_eq(mount("tmpfs", dirs[i], "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"), 0,
			     "tmpfs on %s: %s", dirs[i], strerror(errno));
	}
}

static int found_one(void *arg, pid_t pid)
{
	(void)pid;
	*(bool *)arg = true;
	return 1;
}

bool lt_netns_has_process(const char *netns)
{
	bool found = false;

	if (!pl_netns_exists(netns))
		return false;
	pl_netns_for_each_pid(netns, found_one, &found, NULL);
	return found;
}

bool lt_memory_tool(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return true;
#else
	return getenv("PINGLAB_VALGRIND") != NULL;
#endif
}

const char *lt_proc_status(pid_t pid, const char *field, char *out, size_t n)
{
	char path[64], line[512];
	size_t fl = strlen(field);
	const char *found = NULL;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "r");
	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, fl) && line[fl] == ':') {
			snprintf(out, n, "%s", line + fl + 1 + strspn(line + fl + 1, " \t"));
			out[strcspn(out, "\n")] = '\0';
			found = out;
		}
	fclose(f);
	return found;
}

pid_t lt_lab_with_responder(char name[9], const char *prefix, const char *log, const char *const *extra)
{
	char ns[64];
	const char *argv[32];
	struct lt_run r;
	struct pl_err err;
	int n = 0;
	pid_t pid;

	lt_name(name, prefix);
	lt_pinglab(&r, NULL, "up", "--name", name, NULL);
	cr_assert_eq(r.status, 0, "up: %s", r.err);
	snprintf(ns, sizeof(ns), "/run/netns/pl-%s-rsp", name);
	argv[n++] = tu_bin("pinglab-responder");
	argv[n++] = "--netns";
	argv[n++] = ns;
	if (log) {
		argv[n++] = "--log";
		argv[n++] = log;
	}
	while (extra && *extra && n < 30)
		argv[n++] = *extra++;
	argv[n] = NULL;
	pid = lt_spawn(argv, NULL);
	cr_assert_eq(pl_lab_add_pid(name, pid, "responder", &err), 0, "%s", err.msg);
	cr_assert_eq(pl_lab_tun_wait_ready(name, 5000, &err), 0, "%s", err.msg);
	return pid;
}
