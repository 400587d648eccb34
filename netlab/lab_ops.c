/* lab_ops.c — take a lab down, clean up after killed labs, check a lab's health. */
#include "netlab/lab.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netlab/netns.h"
#include "netlab/rtnl.h"
#include "netlab/undo.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

static void logf_(const struct pl_lab_hooks *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logf_(const struct pl_lab_hooks *h, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!h || !h->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	h->log(h->arg, line);
}

static bool pid_is(const struct pl_lab_pid *p)
{
	unsigned long long start = pl_proc_starttime(p->pid);

	/* A recycled pid has a different start time; 0 recorded means "unknown". */
	return start && (!p->start || p->start == start);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* SIGTERM the processes recorded for the lab, give them grace_ms, then SIGKILL. */
static void stop_pids(const struct pl_lab *lab, int grace_ms, const struct pl_lab_hooks *h)
{
	int alive = 0;

	for (int i = 0; i < lab->npids; i++) {
		if (pid_is(&lab->pids[i]) && kill(lab->pids[i].pid, grace_ms ? SIGTERM : SIGKILL) == 0)
			alive++;
	}
	for (int waited = 0; alive && waited < grace_ms; waited += 5) {
		sleep_ms(5);
		alive = 0;
		for (int i = 0; i < lab->npids; i++)
			alive += pid_is(&lab->pids[i]);
	}
	for (int i = 0; i < lab->npids; i++) {
		const struct pl_lab_pid *p = &lab->pids[i];

		if (pid_is(p)) {
			kill(p->pid, SIGKILL);
			logf_(h, "killed pid %d (%s)", (int)p->pid, p->role);
		} else if (p->start) {
			logf_(h, "stopped pid %d (%s)", (int)p->pid, p->role);
		}
	}
}

static bool ns_file_exists(const char *ns)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s", PL_NETNS_RUN_DIR, ns);
	return access(path, F_OK) == 0;
}

int pl_lab_down(const char *name, const struct pl_lab_hooks *hooks, struct pl_err *err)
{
	struct pl_undo_socks socks;
	struct pl_lab lab;
	struct pl_err lerr = { "" };
	int rc;

	rc = pl_lab_load(name, &lab, &lerr);
	if (rc == -ENOENT) {
		struct pl_lab_names n;
		int removed = 0;

		rc = pl_lab_names(name, &n, err);
		if (rc < 0)
			return rc;
		if (!ns_file_exists(n.gen_ns) && !ns_file_exists(n.rsp_ns))
			return pl_errf(err, -ENOENT, "no lab named %s", name);
		logf_(hooks, "no run file for lab %s: removing its namespaces as clean does", name);
		return pl_lab_clean(name, true, hooks, &removed, NULL, err);
	}
	if (rc < 0)
		return pl_errf(err, rc, "%s (pinglab clean --name %s removes the lab anyway)",
			       lerr.msg, name);

	stop_pids(&lab, 1000, hooks);
	memset(&socks, 0, sizeof(socks));
	rc = pl_undo_run(lab.res, lab.nres, &socks, hooks, err);
	pl_undo_socks_close(&socks);
	if (rc < 0)
		return pl_err_prefix(err, rc, "down %s (run file kept; pinglab clean --name %s "
				     "removes the rest)", name, name);
	if (unlink(lab.names.runfile) < 0 && errno != ENOENT)
		return pl_errf(err, -errno, "unlink %s: %s", lab.names.runfile, strerror(errno));
	logf_(hooks, "removed run file %s", lab.names.runfile);
	/* a run file written before the build finished (its process was killed) lists
	 * less than was made: whatever namespace is left goes as clean would remove it */
	if (ns_file_exists(lab.names.gen_ns) || ns_file_exists(lab.names.rsp_ns)) {
		int removed = 0;

		return pl_lab_clean(name, true, hooks, &removed, NULL, err);
	}
	return 0;
}

/* ---- clean ---------------------------------------------------------------------- */

int pl_lab_is_live(const struct pl_lab *lab, char *why, size_t len)
{
	struct pl_lab_pid c = { lab->controller, lab->controller_start, "" };

	if (lab->controller <= 0) {
		snprintf(why, len, "kept (made by pinglab up; pinglab down --name %s)",
			 lab->names.name);
		return 1;
	}
	/* no start time recorded (a run file from before it was): the pid alone decides */
	if (pid_is(&c)) {
		snprintf(why, len, "live (pid %d)", (int)lab->controller);
		return 1;
	}
	snprintf(why, len, "controller pid %d gone", (int)lab->controller);
	return 0;
}

#define CLEAN_SKIP_MAX 64

struct clean_ctx {
	const struct pl_lab_hooks *hooks;
	const char *only;
	bool force;
	int removed;
	int first_err;
	struct pl_err *err;
	char skip[CLEAN_SKIP_MAX][PL_LAB_ID_MAX + 1]; /* live labs: left alone */
	int nskip;
};

static void clean_fail(struct clean_ctx *c, int rc, const char *msg)
{
	logf_(c->hooks, "FAILED: %s", msg);
	if (!c->first_err) {
		c->first_err = rc;
		pl_errf(c->err, rc, "%s", msg);
	}
}

static bool skipped(const struct clean_ctx *c, const char *name, size_t len)
{
	for (int i = 0; i < c->nskip; i++)
		if (strlen(c->skip[i]) == len && !strncmp(c->skip[i], name, len))
			return true;
	return false;
}

/* Is lab `name` one this clean removes? (--name NAME: NAME and its model targets' labs) */
static bool wanted(const struct clean_ctx *c, const char *name)
{
	if (c->only)
		return pl_lab_belongs(name, c->only);
	return !skipped(c, name, strlen(name));
}

/* Bare clean without force: decide, once, which labs are live. */
static int clean_classify(void *arg, const char *name)
{
	struct clean_ctx *c = arg;
	struct pl_lab lab;
	char why[96];

	if (pl_lab_load(name, &lab, NULL) < 0 || !pl_lab_is_live(&lab, why, sizeof(why)))
		return 0; /* no (readable) run file, or a dead controller: an orphan */
	if (c->nskip >= CLEAN_SKIP_MAX) {
		clean_fail(c, -ENOSPC, "too many live labs to keep track of");
		return -ENOSPC;
	}
	memcpy(c->skip[c->nskip++], name, strlen(name) + 1);
	logf_(c->hooks, "lab %s skipped: %s", name, why);
	return 0;
}

static int clean_pids(void *arg, const char *name)
{
	struct clean_ctx *c = arg;
	struct pl_lab lab;

	if (!wanted(c, name))
		return 0;
	if (pl_lab_load(name, &lab, NULL) == 0)
		stop_pids(&lab, 0, c->hooks);
	return 0;
}

static int clean_ns(void *arg, const char *ns)
{
	struct clean_ctx *c = arg;
	struct pl_err e = { "" };
	size_t len = strlen(ns), plen = strlen(PL_LAB_NS_PREFIX);
	int killed = 0, rc = 0;

	/* pl-NAME-gen / pl-NAME-rsp of a live lab stays; any other pl-* name has no run
	 * file that could claim it */
	if (len > plen + 4 && (!strcmp(ns + len - 4, "-gen") || !strcmp(ns + len - 4, "-rsp")) &&
	    skipped(c, ns + plen, len - plen - 4))
		return 0;
	if (pl_netns_exists(ns))
		rc = pl_netns_kill_all(ns, 2000, &killed, &e);
	if (rc == 0)
		rc = pl_netns_del(ns, &e);
	if (rc == -ENOENT)
		return 0; /* removed meanwhile */
	if (rc < 0) {
		clean_fail(c, rc, e.msg);
		return 0;
	}
	c->removed++;
	if (killed)
		logf_(c->hooks, "removed namespace %s (killed %d process%s in it)", ns, killed,
		      killed == 1 ? "" : "es");
	else
		logf_(c->hooks, "removed namespace %s", ns);
	return 0;
}

static int clean_runfile(void *arg, const char *name)
{
	struct clean_ctx *c = arg;
	struct pl_lab_names n;
	char tmp[96];

	if (!wanted(c, name) || pl_lab_names(name, &n, NULL) < 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", n.runfile);
	unlink(tmp);
	if (unlink(n.runfile) == 0) {
		c->removed++;
		logf_(c->hooks, "removed run file %s", n.runfile);
	} else if (errno != ENOENT) {
		char msg[256];

		snprintf(msg, sizeof(msg), "unlink %s: %s", n.runfile, strerror(errno));
		clean_fail(c, -errno, msg);
	}
	return 0;
}

int pl_lab_clean(const char *only, bool force, const struct pl_lab_hooks *hooks,
		 int *removed, int *nskipped, struct pl_err *err)
{
	struct clean_ctx *c;
	char prefix[32];
	int rc = 0;

	if (removed)
		*removed = 0;
	if (nskipped)
		*nskipped = 0;
	if (only) {
		struct pl_lab_names n;

		rc = pl_lab_names(only, &n, err);
		if (rc < 0)
			return rc;
		snprintf(prefix, sizeof(prefix), PL_LAB_NS_PREFIX "%s-", only);
	} else {
		snprintf(prefix, sizeof(prefix), "%s", PL_LAB_NS_PREFIX);
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return pl_errf(err, -ENOMEM, "out of memory");
	c->hooks = hooks;
	c->only = only;
	c->force = force;
	c->err = err;
	/* Which labs are live, then the processes the orphans' run files name (they may
	 * hold a namespace from outside), then every orphaned namespace with whatever
	 * runs in it, then the orphans' run files. */
	if (!only && !force)
		rc = pl_lab_list(clean_classify, c, err);
	if (rc == 0)
		rc = pl_lab_list(clean_pids, c, err);
	if (rc == 0)
		rc = pl_netns_list(prefix, clean_ns, c, err);
	if (rc == 0)
		rc = pl_lab_list(clean_runfile, c, err);
	if (removed)
		*removed = c->removed;
	if (nskipped)
		*nskipped = c->nskip;
	rc = rc < 0 ? rc : c->first_err;
	free(c);
	return rc;
}

/* ---- health --------------------------------------------------------------------- */

static void problem(struct pl_lab_health *h, const char *what)
{
	size_t used = strlen(h->problems);

	snprintf(h->problems + used, sizeof(h->problems) - used, "%s%s", used ? ", " : "", what);
}

static bool link_ok(struct nl_sock *sk, const char *dev, struct pl_link_state *st)
{
	if (!sk || pl_rtnl_link_state(sk, dev, st, NULL) < 0)
		return false;
	return (st->flags & IFF_UP) && (st->flags & IFF_LOWER_UP);
}

int pl_lab_health(const char *name, struct pl_lab_health *h, struct pl_err *err)
{
	struct nl_sock *gen = NULL, *rsp = NULL;
	struct pl_link_state st;
	struct pl_lab lab;
	int rc;

	memset(h, 0, sizeof(*h));
	rc = pl_lab_names(name, &lab.names, err);
	if (rc < 0)
		return rc;
	h->runfile = pl_lab_load(name, &lab, NULL) == 0;
	if (!h->runfile) {
		pl_lab_names(name, &lab.names, NULL);
		lab.mode = PL_LAB_WIRE;
		lab.npids = 0;
		problem(h, "no run file");
	}
	h->gen_ns = pl_netns_exists(lab.names.gen_ns);
	h->rsp_ns = pl_netns_exists(lab.names.rsp_ns);
	if (!h->gen_ns)
		problem(h, "no gen namespace");
	if (!h->rsp_ns)
		problem(h, "no rsp namespace");
	if (h->gen_ns)
		pl_rtnl_open(lab.names.gen_ns, &gen, NULL);
	if (h->rsp_ns)
		pl_rtnl_open(lab.names.rsp_ns, &rsp, NULL);

	h->gen_dev_up = link_ok(gen, lab.names.gen_dev, &st);
	h->rsp_dev_up = link_ok(rsp, lab.names.rsp_dev, &st);
	if (!h->gen_dev_up)
		problem(h, "gen veth down or missing");
	if (!h->rsp_dev_up)
		problem(h, "rsp veth down or missing");
	if (rsp && pl_rtnl_link_state(rsp, lab.names.tun_dev, &st, NULL) == 0) {
		h->tun_present = true;
		h->tun_up = st.flags & IFF_UP;
		h->tun_carrier = st.flags & IFF_LOWER_UP;
	}
	if (!h->tun_present)
		problem(h, "no tun0");
	else if (!h->tun_up)
		problem(h, "tun0 down");
	if (lab.mode == PL_LAB_WIRE && rsp) {
		h->ingress = pl_rtnl_ingress_present(rsp, lab.names.rsp_dev);
		rc = pl_rtnl_ingress_filter_count(rsp, lab.names.rsp_dev, NULL);
		h->filters = rc < 0 ? 0 : rc;
		if (!h->ingress)
			problem(h, "no ingress qdisc");
		else if (h->filters < 2)
			problem(h, "tc filters missing");
	}
	h->pids = lab.npids;
	for (int i = 0; i < lab.npids; i++)
		h->pids_alive += pid_is(&lab.pids[i]);
	if (h->pids_alive < h->pids)
		problem(h, "recorded process gone");
	pl_rtnl_close(gen);
	pl_rtnl_close(rsp);
	h->ok = !h->problems[0];
	return 0;
}

int pl_lab_tun_wait_ready(const char *name, int timeout_ms, struct pl_err *err)
{
	struct pl_lab_names n;
	struct nl_sock *sk;
	int rc;

	rc = pl_lab_names(name, &n, err);
	if (rc < 0)
		return rc;
	rc = pl_rtnl_open(n.rsp_ns, &sk, err);
	if (rc < 0)
		return rc;
	rc = pl_rtnl_link_wait_running(sk, n.tun_dev, timeout_ms, err);
	pl_rtnl_close(sk);
	return rc;
}

int pl_lab_sw_checksums(const char *name, struct pl_err *err)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct pl_lab_names n;
	struct pl_netns_saved saved;
	struct ifreq ifr;
	int rc, fd, lrc;

	rc = pl_lab_names(name, &n, err);
	if (rc < 0)
		return rc;
	rc = pl_netns_enter(n.rsp_ns, &saved, err);
	if (rc < 0)
		return rc;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", n.rsp_dev);
	ifr.ifr_data = (char *)&ev;
	if (fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		rc = pl_errf(err, -errno, "%s: turn transmit checksum offload off: %s", n.rsp_dev, strerror(errno));
	if (fd >= 0)
		close(fd);
	lrc = pl_netns_leave(&saved, rc < 0 ? NULL : err);
	return rc < 0 ? rc : lrc;
}
