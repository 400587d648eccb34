/* test_lab.c — the lab topology, through build/pinglab as a user runs it.
 *
 * Every test that needs namespaces skips without root or /dev/net/tun. Each uses its own
 * random lab name, so tests run in parallel and never touch each other's labs; clean is
 * run with --name here, except in bare_clean_skips_live_labs, which gives itself a
 * private /run/netns and /run/pinglab first: a bare clean there cannot see anyone
 * else's labs (another engineer's older pinglab writes run files that look orphaned). */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <netlink/errno.h>

#include "netlab/lab.h"
#include "netlab/netns.h"
#include "netlab/sysctl.h"
#include "tests/labtest.h"

TestSuite(lab, .fini = lt_cleanup);
TestSuite(lab_netns, .fini = lt_cleanup);

static void must_up(const char *name, const char *mode)
{
	struct lt_run *r = malloc(sizeof(*r));

	cr_assert(r);
	lt_pinglab(r, NULL, "up", "--name", name, "--mode", mode, NULL);
	cr_assert_eq(r->status, 0, "pinglab up %s: exit %d\n%s%s", name, r->status, r->out,
		     r->err);
	free(r);
}

static void must_down(const char *name)
{
	struct lt_run *r = malloc(sizeof(*r));

	cr_assert(r);
	lt_pinglab(r, NULL, "down", "--name", name, NULL);
	cr_assert_eq(r->status, 0, "pinglab down %s: exit %d\n%s%s", name, r->status, r->out,
		     r->err);
	free(r);
}

static void assert_nothing_left(const char *name)
{
	char what[256];

	cr_assert(lt_nothing_left(name, what, sizeof(what)), "lab %s: %s", name, what);
}

/* ---- no root needed ------------------------------------------------------------ */

Test(lab_cli, usage_errors_exit_2)
{
	struct lt_run *r = malloc(sizeof(*r));

	cr_assert(r);
	lt_pinglab(r, NULL, "up", "--name", "Bad_Name", NULL);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "invalid lab name 'Bad_Name'"), "%s", r->err);

	lt_pinglab(r, NULL, "up", "--name", "waytoolongname", NULL);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "invalid lab name"), "%s", r->err);

	/* NAME-K is the lab of a run's model target K: not a name to give */
	lt_pinglab(r, NULL, "up", "--name", "abc-1", NULL);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "invalid lab name 'abc-1'"), "%s", r->err);
	lt_pinglab(r, NULL, "run", "--lab", "abc-1", NULL);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "--lab: invalid lab name 'abc-1'"), "%s", r->err);

	lt_pinglab(r, NULL, "up", "--mode", "bridged", NULL);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "unknown mode 'bridged'"), "%s", r->err);

	lt_pinglab(r, NULL, "frobnicate", NULL);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "unknown command 'frobnicate'"), "%s", r->err);

	lt_pinglab(r, NULL, "exec", "abc", "middle", "--", "true", NULL);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "gen or rsp"), "%s", r->err);

	lt_pinglab(r, NULL, "help", NULL);
	cr_expect_eq(r->status, 0);
	for (const char *cmd = "up\0down\0status\0clean\0exec\0"; *cmd; cmd += strlen(cmd) + 1)
		cr_expect(strstr(r->out, cmd), "help lacks %s:\n%s", cmd, r->out);
	free(r);
}

/* In the child of lt_run_with: become nobody (no groups, uid/gid 65534) for good. */
static void become_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0) {
		fprintf(stderr, "become nobody: %s\n", strerror(errno));
		_exit(126);
	}
}

Test(lab_cli, not_root_is_a_skip)
{
	const char *const argv[] = { lt_pinglab_path(), "up", "--name", "x", NULL };
	struct lt_run *r = malloc(sizeof(*r));

	cr_assert(r);
	/* as root (CI), the child drops to nobody before it execs pinglab up */
	lt_run_with(r, argv, NULL, geteuid() == 0 ? become_nobody : NULL);
	cr_assert_neq(r->status, 126, "%s", r->err);
	cr_expect_eq(r->status, 4, "exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->err, "pinglab up: skipped: needs root"), "%s", r->err);
	cr_expect(!strstr(r->err, "tun"), "not root is the reason, not the device: %s", r->err);
	free(r);
}

Test(lab_cli, no_tun_device_is_a_skip)
{
	static const char *const hide[] = { "/dev/net", NULL };
	struct lt_run *r;

	if (geteuid() != 0)
		cr_skip("needs root: mounts a tmpfs over /dev/net in a private mount namespace");
	/* root, but /dev/net/tun is not there (as in a container without the device) */
	lt_private_mounts(hide);
	cr_assert(access("/dev/net/tun", F_OK) < 0 && errno == ENOENT);
	r = malloc(sizeof(*r));
	cr_assert(r);
	lt_pinglab(r, NULL, "up", "--name", "x", NULL);
	cr_expect_eq(r->status, 4, "exit %d: %s", r->status, r->err);
	cr_expect(strstr(r->err, "pinglab up: skipped: /dev/net/tun: No such file or directory"),
		  "%s", r->err);
	cr_expect(strstr(r->err, "load the tun module"), "%s", r->err);
	free(r);
}

Test(lab_names, liveness_checks_pid_and_start_time)
{
	struct pl_lab lab;
	char why[96];
	pid_t child;
	int st;

	memset(&lab, 0, sizeof(lab));
	cr_assert_eq(pl_lab_names("lv", &lab.names, NULL), 0);
	/* made by pinglab up: no controller, kept until down */
	cr_expect_eq(pl_lab_is_live(&lab, why, sizeof(why)), 1);
	cr_expect(strstr(why, "kept"), "%s", why);

	lab.controller = getpid();
	lab.controller_start = pl_proc_starttime(getpid());
	cr_assert_neq(lab.controller_start, 0ull);
	cr_expect_eq(pl_lab_is_live(&lab, why, sizeof(why)), 1);
	cr_expect(strstr(why, "live (pid "), "%s", why);
	/* the same pid with another start time is a recycled pid, not the controller */
	lab.controller_start++;
	cr_expect_eq(pl_lab_is_live(&lab, why, sizeof(why)), 0, "%s", why);
	/* an older run file without a start time: the pid alone decides */
	lab.controller_start = 0;
	cr_expect_eq(pl_lab_is_live(&lab, why, sizeof(why)), 1);

	child = fork();
	cr_assert(child >= 0);
	if (child == 0)
		_exit(0);
	cr_assert_eq(waitpid(child, &st, 0), child);
	lab.controller = child;
	cr_expect_eq(pl_lab_is_live(&lab, why, sizeof(why)), 0, "%s", why);
	cr_expect(strstr(why, "gone"), "%s", why);
}

Test(lab_names, derived_names_fit_ifnamsiz)
{
	struct pl_lab_names n;
	struct pl_err err = { "" };

	cr_assert_eq(pl_lab_names("abcd1234", &n, &err), 0, "%s", err.msg);
	cr_expect_str_eq(n.gen_ns, "pl-abcd1234-gen");
	cr_expect_str_eq(n.rsp_ns, "pl-abcd1234-rsp");
	cr_expect_str_eq(n.gen_dev, "pl-abcd1234-g");
	cr_expect_str_eq(n.rsp_dev, "pl-abcd1234-r");
	cr_expect_str_eq(n.runfile, "/run/pinglab/abcd1234.json");
	cr_expect_lt(strlen(n.gen_dev), (size_t)IFNAMSIZ);
	cr_expect_lt(pl_lab_names("abcd12345", &n, &err), 0);
	cr_expect_lt(pl_lab_names("", &n, &err), 0);
	cr_expect_lt(pl_lab_names("a-b", &n, &err), 0);
	cr_expect_lt(pl_lab_names("../x", &n, &err), 0);
}

Test(lab_names, a_model_targets_lab_is_the_runs_name_and_its_number)
{
	struct pl_lab_names n;
	struct pl_err err = { "" };
	char m[PL_LAB_ID_MAX + 1];

	/* the longest: 8 + "-8"; its veth name is 15 characters, the most IFNAMSIZ holds */
	pl_lab_model_name(m, "abcd1234", 8);
	cr_expect_str_eq(m, "abcd1234-8");
	cr_assert_eq(pl_lab_names(m, &n, &err), 0, "%s", err.msg);
	cr_expect_str_eq(n.gen_ns, "pl-abcd1234-8-gen");
	cr_expect_str_eq(n.rsp_dev, "pl-abcd1234-8-r");
	cr_expect_eq(strlen(n.rsp_dev), (size_t)IFNAMSIZ - 1);
	cr_expect_str_eq(n.runfile, "/run/pinglab/abcd1234-8.json");
	/* only 1..8 after one dash, and never as a name a user gives */
	cr_expect_lt(pl_lab_names("abcd1234-9", &n, &err), 0);
	cr_expect_lt(pl_lab_names("abcd1234-0", &n, &err), 0);
	cr_expect_lt(pl_lab_names("abcd12345-1", &n, &err), 0);
	cr_expect_lt(pl_lab_names("-1", &n, &err), 0);
	cr_expect_lt(pl_lab_names("a-1-1", &n, &err), 0);
	cr_expect_lt(pl_lab_user_name("abcd1234-1", &err), 0);
	cr_expect(strstr(err.msg, "invalid lab name 'abcd1234-1'"), "%s", err.msg);
	cr_expect_eq(pl_lab_user_name("abcd1234", &err), 0);
	/* what clean --name NAME takes with NAME */
	cr_expect(pl_lab_belongs("ab", "ab"));
	cr_expect(pl_lab_belongs("ab-3", "ab"));
	cr_expect(!pl_lab_belongs("abc", "ab"));
	cr_expect(!pl_lab_belongs("abc-3", "ab"));
	cr_expect(!pl_lab_belongs("a-3", "ab"));
	cr_expect(!pl_lab_belongs("ab", "ab-3"));
}

/* ---- namespaces ------------------------------------------------------------------ */

Test(lab_netns, named_namespace_is_seen_by_iproute2)
{
	struct lt_run *r;
	struct pl_err err = { "" };
	char name[9], ns[32];

	LT_NEED_LAB();
	r = malloc(sizeof(*r));
	cr_assert(r);
	lt_name(name, "ns");
	snprintf(ns, sizeof(ns), "pl-%s-gen", name);
	cr_assert_eq(pl_netns_add(ns, &err), 0, "%s", err.msg);
	cr_expect(pl_netns_exists(ns));
	cr_expect_eq(pl_netns_add(ns, &err), -EEXIST);

	const char *const list[] = { "ip", "netns", "list", NULL };
	lt_run(r, list, NULL);
	cr_expect(strstr(r->out, ns), "ip netns list does not show %s:\n%s", ns, r->out);

	/* ip netns exec really lands in it: only lo, and it is down. */
	const char *const exec[] = { "ip", "netns", "exec", ns, "ip", "-o", "link", NULL };
	lt_run(r, exec, NULL);
	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(strstr(r->out, "lo:") && !strstr(r->out, "eth0"), "%s", r->out);

	cr_assert_eq(pl_netns_del(ns, &err), 0, "%s", err.msg);
	cr_expect(!pl_netns_exists(ns));
	cr_expect_eq(pl_netns_del(ns, &err), -ENOENT);
	lt_run(r, list, NULL);
	cr_expect(!strstr(r->out, ns), "%s", r->out);
	free(r);
}

/* ---- up / down ----------------------------------------------------------------- */

static void up_down_cycle(const char *mode)
{
	struct lt_run *r = malloc(sizeof(*r));
	struct pl_lab lab;
	struct pl_err err = { "" };
	char name[9], *before, *after;

	cr_assert(r);
	lt_name(name, mode[0] == 'w' ? "ud" : "ur");
	before = lt_root_snapshot();

	lt_pinglab(r, NULL, "up", "--name", name, "--mode", mode, NULL);
	cr_assert_eq(r->status, 0, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "namespace pl-"), "%s", r->out);
	cr_assert_eq(pl_lab_load(name, &lab, &err), 0, "%s", err.msg);
	cr_expect_str_eq(pl_lab_mode_str(lab.mode), mode);
	cr_expect_eq(lab.nres, mode[0] == 'w' ? 7 : 4);
	cr_expect(pl_netns_exists(lab.names.gen_ns));
	cr_expect(pl_netns_exists(lab.names.rsp_ns));
	cr_expect_eq(strlen(lab.gen_mac), 17u);

	/* The root namespace did not change while the lab is up either. */
	after = lt_root_snapshot();
	cr_expect_str_eq(after, before, "root namespace changed by up");
	free(after);

	struct pl_lab_health h;
	cr_assert_eq(pl_lab_health(name, &h, &err), 0, "%s", err.msg);
	cr_expect(h.ok, "unhealthy: %s", h.problems);
	cr_expect(h.tun_present && h.tun_up && !h.tun_carrier);
	cr_expect_eq(h.ingress, mode[0] == 'w');

	lt_pinglab(r, NULL, "down", "--name", name, NULL);
	cr_assert_eq(r->status, 0, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "removed namespace pl-"), "%s", r->out);
	assert_nothing_left(name);
	after = lt_root_snapshot();
	cr_expect_str_eq(after, before, "root namespace changed by up+down");

	lt_pinglab(r, NULL, "down", "--name", name, NULL);
	cr_expect_eq(r->status, 2, "second down: %s", r->out);
	cr_expect(strstr(r->err, "no lab named"), "%s", r->err);
	free(before);
	free(after);
	free(r);
}

Test(lab, up_down_wire_leaves_nothing, .timeout = 20)
{
	LT_NEED_LAB();
	up_down_cycle("wire");
}

Test(lab, up_down_routed_leaves_nothing, .timeout = 20)
{
	LT_NEED_LAB();
	up_down_cycle("routed");
}

Test(lab, two_labs_coexist_and_names_are_unique, .timeout = 20)
{
	struct lt_run *r;
	char a[9], b[9];

	LT_NEED_LAB();
	r = malloc(sizeof(*r));
	cr_assert(r);
	lt_name(a, "ca");
	lt_name(b, "cb");
	must_up(a, "wire");
	must_up(b, "routed");

	lt_pinglab(r, NULL, "up", "--name", a, "--mode", "routed", NULL);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "already exists"), "%s", r->err);
	/* The failed attempt left the first lab intact. */
	struct pl_lab_health h;
	struct pl_err err = { "" };
	cr_assert_eq(pl_lab_health(a, &h, &err), 0, "%s", err.msg);
	cr_expect(h.ok, "lab %s damaged by the duplicate up: %s", a, h.problems);

	lt_pinglab(r, NULL, "status", NULL);
	cr_expect(strstr(r->out, a) && strstr(r->out, b), "%s", r->out);

	/* Both answer pings independently. */
	lt_pinglab(r, NULL, "exec", a, "gen", "--", "ping", "-c1", "-W2", "10.77.1.1", NULL);
	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	must_down(a);
	lt_pinglab(r, NULL, "exec", b, "gen", "--", "ping", "-c1", "-W2", "10.77.1.1", NULL);
	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	must_down(b);
	assert_nothing_left(a);
	assert_nothing_left(b);
	free(r);
}

Test(lab, kernel_answers_ping_in_both_modes, .timeout = 20)
{
	struct lt_run *r;
	char name[9];

	LT_NEED_LAB();
	r = malloc(sizeof(*r));
	cr_assert(r);
	for (int i = 0; i < 2; i++) {
		const char *mode = i ? "routed" : "wire";

		lt_name(name, "pg");
		must_up(name, mode);
		/* In wire mode this goes through tc: the prio 1 filter must let it pass. */
		lt_pinglab(r, NULL, "exec", name, "gen", "--", "ping", "-n", "-c1", "-W2",
			   "10.77.1.1", NULL);
		cr_expect_eq(r->status, 0, "%s mode: %s%s", mode, r->out, r->err);
		cr_expect(strstr(r->out, "1 received"), "%s", r->out);
		cr_expect(strstr(r->out, "from 10.77.1.1"), "%s", r->out);
		must_down(name);
	}
	free(r);
}

Test(lab, ipv6_is_off_on_every_lab_interface, .timeout = 20)
{
	struct pl_netns_saved saved;
	struct pl_err err = { "" };
	struct pl_lab_names n;
	char name[9], key[96], val[16];

	LT_NEED_LAB();
	lt_name(name, "v6");
	must_up(name, "wire");
	pl_lab_names(name, &n, &err);
	const char *gen_devs[] = { "lo", n.gen_dev, NULL };
	const char *rsp_devs[] = { "lo", n.rsp_dev, n.tun_dev, NULL };
	for (int side = 0; side < 2; side++) {
		const char **devs = side ? rsp_devs : gen_devs;

		cr_assert_eq(pl_netns_enter(side ? n.rsp_ns : n.gen_ns, &saved, &err), 0, "%s",
			     err.msg);
		for (int i = 0; devs[i]; i++) {
			snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", devs[i]);
			if (pl_sysctl_read(key, val, sizeof(val), &err) == -ENOENT)
				continue; /* no IPv6 in this kernel at all */
			cr_expect_str_eq(val, "1", "%s in %s", key, side ? n.rsp_ns : n.gen_ns);
		}
		cr_expect_eq(pl_sysctl_read("net/ipv4/ip_forward", val, sizeof(val), &err), 0);
		cr_expect_str_eq(val, side ? "1" : "0", "ip_forward in %s", side ? "rsp" : "gen");
		cr_expect_eq(pl_sysctl_read("net/ipv4/conf/all/rp_filter", val, sizeof(val), &err), 0);
		cr_expect_str_eq(val, "0");
		pl_netns_leave(&saved, &err);
	}
	must_down(name);
}

/* ---- killed labs and clean -------------------------------------------------------- */

static bool wait_for(bool (*cond)(const char *), const char *arg, int ms)
{
	struct timespec nap = { 0, 5 * 1000 * 1000 };

	for (int waited = 0; waited < ms; waited += 5) {
		if (cond(arg))
			return true;
		nanosleep(&nap, NULL);
	}
	return cond(arg);
}

/* A child that builds lab name in-process, as pinglab run does (so it is the lab's
 * controller), then holds it until it is killed. Returns once the lab is up. */
static pid_t hold_lab(const char *name, enum pl_lab_mode mode)
{
	int fds[2];
	char ok = 0;
	pid_t pid;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct pl_err err = { "" };
		struct pl_lab lab;

		close(fds[0]);
		ok = pl_lab_up(name, mode, NULL, &lab, &err) == 0 ? 'y' : 'n';
		if (ok != 'y')
			fprintf(stderr, "hold_lab %s: %s\n", name, err.msg);
		if (write(fds[1], &ok, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], &ok, 1), 1);
	close(fds[0]);
	cr_assert_eq(ok, 'y', "the child could not build lab %s", name);
	lt_note_lab(name);
	return pid;
}

Test(lab, clean_after_kill_leaves_nothing, .timeout = 20)
{
	struct lt_run *r;
	char name[9], rsp_ns[32], runfile[64], *before, *after;
	pid_t controller;
	int st;

	LT_NEED_LAB();
	r = malloc(sizeof(*r));
	cr_assert(r);
	before = lt_root_snapshot();
	lt_name(name, "kc");
	snprintf(rsp_ns, sizeof(rsp_ns), "pl-%s-rsp", name);
	snprintf(runfile, sizeof(runfile), "/run/pinglab/%s.json", name);
	/* the lab's controller, as pinglab run would be */
	controller = hold_lab(name, PL_LAB_WIRE);

	/* A process holding the lab, as a responder would; then the controller is killed
	 * with SIGKILL: nothing takes the lab down but clean. */
	const char *const argv[] = { lt_pinglab_path(), "exec", name, "rsp", "--", "sleep", "1000",
				     NULL };
	pid_t holder = lt_spawn(argv, NULL);
	cr_assert(wait_for(lt_netns_has_process, rsp_ns, 3000), "sleep never entered %s",
		  rsp_ns);
	cr_assert_eq(kill(controller, SIGKILL), 0);
	cr_assert_eq(waitpid(controller, &st, 0), controller);
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "controller status %#x", st);
	cr_expect(access(runfile, F_OK) == 0 && lt_netns_has_process(rsp_ns),
		  "the killed controller's lab went away by itself?");

	lt_pinglab(r, NULL, "clean", "--name", name, NULL);
	cr_assert_eq(r->status, 0, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "killed 1 process"), "%s", r->out);
	cr_expect(strstr(r->out, "removed run file"), "%s", r->out);
	cr_assert_eq(waitpid(holder, &st, 0), holder);
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "holder status %#x", st);
	assert_nothing_left(name);
	after = lt_root_snapshot();
	cr_expect_str_eq(after, before);

	/* Idempotent. */
	lt_pinglab(r, NULL, "clean", "--name", name, NULL);
	cr_expect_eq(r->status, 0);
	cr_expect(strstr(r->out, "nothing to clean"), "%s", r->out);
	free(before);
	free(after);
	free(r);
}

Test(lab, bare_clean_skips_live_labs, .timeout = 30)
{
	static const char *const private_dirs[] = { PL_NETNS_RUN_DIR, PL_LAB_RUN_DIR, NULL };
	char live[9], orphan[9], kept[9], want[128];
	struct pl_lab_health h;
	struct pl_err err = { "" };
	struct lt_run *r;
	pid_t holder, dead;
	int st;

	LT_NEED_LAB();
	lt_private_mounts(private_dirs);
	r = malloc(sizeof(*r));
	cr_assert(r);
	lt_name(live, "cl");
	lt_name(orphan, "co");
	lt_name(kept, "ck");
	holder = hold_lab(live, PL_LAB_ROUTED);
	dead = hold_lab(orphan, PL_LAB_WIRE);
	kill(dead, SIGKILL);
	cr_assert_eq(waitpid(dead, &st, 0), dead);
	must_up(kept, "routed");

	lt_pinglab(r, NULL, "clean", NULL);
	cr_assert_eq(r->status, 0, "%s%s", r->out, r->err);
	snprintf(want, sizeof(want), "lab %s skipped: live (pid %d)", live, (int)holder);
	cr_expect(strstr(r->out, want), "no '%s' in:\n%s", want, r->out);
	snprintf(want, sizeof(want), "lab %s skipped: kept", kept);
	cr_expect(strstr(r->out, want), "no '%s' in:\n%s", want, r->out);
	snprintf(want, sizeof(want), "removed namespace pl-%s-gen", orphan);
	cr_expect(strstr(r->out, want), "no '%s' in:\n%s", want, r->out);
	snprintf(want, sizeof(want), "removed run file /run/pinglab/%s.json", orphan);
	cr_expect(strstr(r->out, want), "no '%s' in:\n%s", want, r->out);
	cr_expect(strstr(r->out, "skipped 2 live labs"), "%s", r->out);
	assert_nothing_left(orphan);
	for (int i = 0; i < 2; i++) {
		const char *name = i ? kept : live;

		snprintf(want, sizeof(want), "pl-%s-", name);
		cr_expect(!strstr(r->out, want), "clean touched %s:\n%s", name, r->out);
		cr_assert_eq(pl_lab_health(name, &h, &err), 0, "%s", err.msg);
		cr_expect(h.ok, "lab %s damaged by a bare clean: %s", name, h.problems);
	}

	/* again: nothing to clean, the two still skipped */
	lt_pinglab(r, NULL, "clean", NULL);
	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "nothing to clean") && strstr(r->out, "skipped 2 live labs"),
		  "%s", r->out);

	/* --force takes the live ones too; the holder itself is not the lab's to kill */
	lt_pinglab(r, NULL, "clean", "--force", NULL);
	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	cr_expect(!strstr(r->out, "skipped"), "%s", r->out);
	assert_nothing_left(live);
	assert_nothing_left(kept);
	cr_expect_eq(waitpid(holder, &st, WNOHANG), 0, "the controller was killed");
	kill(holder, SIGKILL);
	waitpid(holder, &st, 0);
	free(r);
}

Test(lab, up_killed_mid_build_then_clean, .timeout = 30)
{
	struct lt_run *r;
	char name[9], step[8], *before, *after;

	LT_NEED_LAB();
	r = malloc(sizeof(*r));
	cr_assert(r);
	before = lt_root_snapshot();
	/* Hang just before the run file is written: everything else exists. */
	snprintf(step, sizeof(step), "%d", pl_lab_step_count(PL_LAB_WIRE));
	for (int round = 0; round < 2; round++) {
		char env_step[32], line[256] = "";
		int errpipe[2], st;
		pid_t pid;

		lt_name(name, "kx");
		snprintf(env_step, sizeof(env_step), "PINGLAB_FAIL_STEP=%s", round ? "10" : step);
		cr_assert_eq(pipe(errpipe), 0);
		pid = fork();
		cr_assert(pid >= 0);
		if (pid == 0) {
			dup2(errpipe[1], 2);
			close(errpipe[0]);
			putenv(env_step);
			putenv((char *)"PINGLAB_FAIL_ACTION=hang");
			execl(lt_pinglab_path(), "pinglab", "up", "--name", name, (char *)NULL);
			_exit(127);
		}
		close(errpipe[1]);
		FILE *f = fdopen(errpipe[0], "r");
		cr_assert(f);
		cr_assert(fgets(line, sizeof(line), f), "up never reached its hang point");
		cr_expect(strstr(line, "hanging at step"), "%s", line);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fclose(f);

		char ns[32];
		snprintf(ns, sizeof(ns), "pl-%s-gen", name);
		cr_expect(pl_netns_exists(ns), "the killed up left nothing to clean?");
		lt_pinglab(r, NULL, "clean", "--name", name, NULL);
		cr_assert_eq(r->status, 0, "%s%s", r->out, r->err);
		cr_expect(strstr(r->out, "removed namespace"), "%s", r->out);
		assert_nothing_left(name);
	}
	after = lt_root_snapshot();
	cr_expect_str_eq(after, before);
	free(before);
	free(after);
	free(r);
}

Test(lab, failure_at_every_step_unwinds, .timeout = 90)
{
	static const struct { const char *name; enum pl_lab_mode mode; } modes[] = {
		{ "wire", PL_LAB_WIRE },
		{ "routed", PL_LAB_ROUTED },
	};
	struct lt_run *r;
	char name[9], env[32], *before, *after;
	int n;

	LT_NEED_LAB();
	r = malloc(sizeof(*r));
	cr_assert(r);
	before = lt_root_snapshot();
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		const char *mode = modes[m].name;
		int total = pl_lab_step_count(modes[m].mode);

		lt_name(name, m ? "fr" : "fw");
		for (n = 1; n < 64; n++) {
			char want[48];
			const char *const e[] = { env, NULL };

			snprintf(env, sizeof(env), "PINGLAB_FAIL_STEP=%d", n);
			lt_pinglab(r, e, "up", "--name", name, "--mode", mode, NULL);
			if (r->status == 0)
				break; /* n is past the last step */
			cr_assert_eq(r->status, 2, "%s step %d: exit %d\n%s", mode, n, r->status,
				     r->err);
			snprintf(want, sizeof(want), "step %d/%d ", n, total);
			cr_expect(strstr(r->err, want) && strstr(r->err, "injected failure"),
				  "%s step %d: %s", mode, n, r->err);
			assert_nothing_left(name);
		}
		cr_expect_eq(n - 1, total, "%s: up succeeded at N=%d", mode, n);
		must_down(name);
		assert_nothing_left(name);
	}
	after = lt_root_snapshot();
	cr_expect_str_eq(after, before);
	free(before);
	free(after);
	free(r);
}

/* pinglab up stopped just before step `step` (PINGLAB_FAIL_ACTION=stop); while it is
 * stopped, `ip -n NS ...` (prep) makes the step's object first; then up goes on and
 * meets the kernel's refusal. Returns up's exit status, its output in r->err. */
static int up_against(struct lt_run *r, const char *name, const char *mode, int step,
		      const char *const prep[])
{
	char env_step[32], path[] = "/tmp/pl-nlerr-XXXXXX";
	struct lt_run *ip = malloc(sizeof(*ip));
	int fd, st;
	ssize_t n;
	pid_t pid;

	cr_assert(ip);
	snprintf(env_step, sizeof(env_step), "PINGLAB_FAIL_STEP=%d", step);
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	unlink(path);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		putenv(env_step);
		putenv((char *)"PINGLAB_FAIL_ACTION=stop");
		execl(lt_pinglab_path(), "pinglab", "up", "--name", name, "--mode", mode,
		      (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &st, WUNTRACED), pid);
	cr_assert(WIFSTOPPED(st), "up did not stop at step %d: status %#x", step, st);
	lt_run(ip, prep, NULL);
	kill(pid, SIGCONT);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect_eq(ip->status, 0, "%s: %s", prep[0], ip->err);
	n = pread(fd, r->err, sizeof(r->err) - 1, 0);
	r->err[n > 0 ? n : 0] = '\0';
	close(fd);
	free(ip);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(lab, netlink_errors_reach_the_user_with_libnl_text, .timeout = 20)
{
	char name[9], ns[32], dev[16], want[96];
	struct lt_run *r;
	int st;

	LT_NEED_LAB();
	r = malloc(sizeof(*r));
	cr_assert(r);

	/* a link already named like the gen end of the veth: RTM_NEWLINK says EEXIST */
	lt_name(name, "ne");
	snprintf(ns, sizeof(ns), "pl-%s-gen", name);
	snprintf(dev, sizeof(dev), "pl-%s-g", name);
	const char *const veth[] = { "ip", "-n", ns, "link", "add", dev, "type", "veth", "peer",
				     "name", "nlerr0", NULL };
	st = up_against(r, name, "wire", 9, veth);
	cr_expect_eq(st, 2, "exit %d: %s", st, r->err);
	snprintf(want, sizeof(want), "step 9/%d (create veth pair): create veth %s/pl-%s-r: %s",
		 pl_lab_step_count(PL_LAB_WIRE), dev, name, nl_geterror(NLE_EXIST));
	cr_expect(strstr(r->err, want), "no '%s' in:\n%s", want, r->err);
	cr_expect(strstr(r->err, "removed namespace"), "no unwind in:\n%s", r->err);
	assert_nothing_left(name);

	/* routed mode: the gen route is there already */
	lt_name(name, "nr");
	snprintf(ns, sizeof(ns), "pl-%s-gen", name);
	const char *const route[] = { "ip", "-n", ns, "route", "add", "blackhole", PL_LAB_TUN_NET,
				      NULL };
	st = up_against(r, name, "routed", 17, route);
	cr_expect_eq(st, 2, "exit %d: %s", st, r->err);
	snprintf(want, sizeof(want), "step 17/%d (route %s via %s in gen): ",
		 pl_lab_step_count(PL_LAB_ROUTED), PL_LAB_TUN_NET, PL_LAB_KERNEL_IP);
	cr_expect(strstr(r->err, want), "no '%s' in:\n%s", want, r->err);
	cr_expect(strstr(r->err, nl_geterror(NLE_EXIST)), "no libnl text in:\n%s", r->err);
	assert_nothing_left(name);
	free(r);
}

Test(lab, sigterm_during_up_unwinds, .timeout = 20)
{
	const char *const e[] = { "PINGLAB_FAIL_STEP=12", "PINGLAB_FAIL_ACTION=signal", NULL };
	struct lt_run *r;
	char name[9];

	LT_NEED_LAB();
	r = malloc(sizeof(*r));
	cr_assert(r);
	lt_name(name, "sg");
	lt_pinglab(r, e, "up", "--name", name, NULL);
	cr_expect_eq(r->status, 2, "%s", r->err);
	cr_expect(strstr(r->err, "interrupted by a signal"), "%s", r->err);
	cr_expect(strstr(r->err, "removed veth"), "%s", r->err);
	assert_nothing_left(name);
	free(r);
}

/* lt_nothing_left itself: a process still inside a lab namespace whose name is gone
 * (down skipped, the names removed by hand) is a leftover. */
Test(lab, nothing_left_sees_a_process_in_a_removed_namespace, .timeout = 20)
{
	struct pl_err err = { "" };
	struct pl_lab_names n;
	char name[9], what[256], want[96];
	pid_t child;
	int st;

	LT_NEED_LAB();
	lt_name(name, "nl");
	must_up(name, "routed");
	pl_lab_names(name, &n, &err);
	child = fork();
	cr_assert(child >= 0);
	if (child == 0) {
		struct pl_netns_saved saved;

		if (pl_netns_enter(n.rsp_ns, &saved, &err) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	cr_assert(wait_for(lt_netns_has_process, n.rsp_ns, 3000), "child never entered %s",
		  n.rsp_ns);
	cr_assert(!lt_nothing_left(name, what, sizeof(what)));
	cr_assert_eq(pl_netns_del(n.gen_ns, &err), 0, "%s", err.msg);
	cr_assert_eq(pl_netns_del(n.rsp_ns, &err), 0, "%s", err.msg);
	cr_assert_eq(unlink(n.runfile), 0);
	cr_expect(!lt_nothing_left(name, what, sizeof(what)), "the process in %s went unseen",
		  n.rsp_ns);
	snprintf(want, sizeof(want), "process %d is still in lab %s's rsp namespace",
		 (int)child, name);
	cr_expect(strstr(what, want), "%s", what);
	kill(child, SIGKILL);
	cr_assert_eq(waitpid(child, &st, 0), child);
	cr_expect(lt_nothing_left(name, what, sizeof(what)), "%s", what);
}

Test(lab, down_stops_recorded_processes, .timeout = 20)
{
	struct pl_lab_health h;
	struct pl_err err = { "" };
	char name[9];
	pid_t pid;
	int st;

	LT_NEED_LAB();
	lt_name(name, "dp");
	must_up(name, "wire");
	/* Like the responder: runs in the root namespace, recorded in the run file. */
	const char *const argv[] = { "sleep", "1000", NULL };
	pid = lt_spawn(argv, NULL);
	cr_assert_eq(pl_lab_add_pid(name, pid, "responder", &err), 0, "%s", err.msg);
	cr_assert_eq(pl_lab_health(name, &h, &err), 0, "%s", err.msg);
	cr_expect_eq(h.pids, 1);
	cr_expect_eq(h.pids_alive, 1);
	must_down(name);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %#x", st);
	assert_nothing_left(name);
}
