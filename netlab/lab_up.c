/* lab_up.c — build the topology step by step on an undo list; undo a resource list. */
#include "netlab/lab.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "netlab/netns.h"
#include "netlab/rtnl.h"
#include "netlab/sysctl.h"
#include "netlab/tun.h"
#include "netlab/undo.h"

const char *pl_lab_mode_str(enum pl_lab_mode mode)
{
	return mode == PL_LAB_ROUTED ? "routed" : "wire";
}

int pl_lab_mode_parse(const char *s, enum pl_lab_mode *mode, struct pl_err *err)
{
	if (s && !strcmp(s, "wire"))
		*mode = PL_LAB_WIRE;
	else if (s && !strcmp(s, "routed"))
		*mode = PL_LAB_ROUTED;
	else
		return pl_errf(err, -EINVAL, "unknown mode '%s' (expected wire or routed)",
			       s ? s : "");
	return 0;
}

static bool base_ok(const char *name, size_t len)
{
	if (len < 1 || len > PL_LAB_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
			return false;
	return true;
}

int pl_lab_user_name(const char *name, struct pl_err *err)
{
	if (!name || !base_ok(name, strlen(name)))
		return pl_errf(err, -EINVAL, "invalid lab name '%s': 1 to %d characters of "
			       "[a-z0-9] (it becomes part of interface names)", name ? name : "", PL_LAB_NAME_MAX);
	return 0;
}

/* the length of the NAME of a model target's lab NAME-K, or 0 */
static size_t model_base(const char *name, size_t len)
{
	if (len >= 3 && name[len - 2] == '-' && name[len - 1] >= '1' && name[len - 1] <= '8' &&
	    base_ok(name, len - 2))
		return len - 2;
	return 0;
}

int pl_lab_names(const char *name, struct pl_lab_names *n, struct pl_err *err)
{
	size_t len = name ? strlen(name) : 0;

	if (!model_base(name, len) && pl_lab_user_name(name, err) < 0)
		return -EINVAL;
	memset(n, 0, sizeof(*n));
	memcpy(n->name, name, len);
	snprintf(n->gen_ns, sizeof(n->gen_ns), PL_LAB_NS_PREFIX "%s-gen", name);
	snprintf(n->rsp_ns, sizeof(n->rsp_ns), PL_LAB_NS_PREFIX "%s-rsp", name);
	snprintf(n->gen_dev, sizeof(n->gen_dev), PL_LAB_NS_PREFIX "%s-g", name);
	snprintf(n->rsp_dev, sizeof(n->rsp_dev), PL_LAB_NS_PREFIX "%s-r", name);
	snprintf(n->tun_dev, sizeof(n->tun_dev), "%s", PL_LAB_TUN_NAME);
	snprintf(n->runfile, sizeof(n->runfile), PL_LAB_RUN_DIR "/%s.json", name);
	return 0;
}

void pl_lab_model_name(char out[PL_LAB_ID_MAX + 1], const char *run, unsigned k)
{
	snprintf(out, PL_LAB_ID_MAX + 1, "%.*s-%c", PL_LAB_NAME_MAX, run, (char)('0' + k));
}

bool pl_lab_belongs(const char *name, const char *of)
{
	size_t len = strlen(name);

	return !strcmp(name, of) || (model_base(name, len) == strlen(of) && !strncmp(name, of, len - 2));
}

int pl_lab_random_name(char out[PL_LAB_NAME_MAX + 1], struct pl_err *err)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[6];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return pl_errf(err, -EIO, "getrandom: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(r); i++)
		out[i] = alphabet[r[i] % (sizeof(alphabet) - 1)];
	out[sizeof(r)] = '\0';
	return 0;
}

/* ---- the build ------------------------------------------------------------------ */

struct build {
	struct pl_lab *lab;
	const struct pl_lab_names *n;
	struct pl_undo_socks socks;
	struct nl_sock *gen, *rsp; /* owned by socks */
	bool detached;             /* the finished run file names no controller */
	struct pl_err *err;
};

static int push(struct build *b, enum pl_res_kind kind, const char *netns, const char *name,
		unsigned prio, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int push(struct build *b, enum pl_res_kind kind, const char *netns, const char *name,
		unsigned prio, const char *fmt, ...)
{
	struct pl_res *r;
	va_list ap;

	if (b->lab->nres >= PL_LAB_RES_MAX)
		return pl_errf(b->err, -ENOSPC, "undo list full");
	r = &b->lab->res[b->lab->nres++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	snprintf(r->netns, sizeof(r->netns), "%s", netns);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->prio = prio;
	va_start(ap, fmt);
	vsnprintf(r->what, sizeof(r->what), fmt, ap);
	va_end(ap);
	return 0;
}

static int st_ns_gen(struct build *b)
{
	int rc = pl_netns_add(b->n->gen_ns, b->err);

	return rc < 0 ? rc : push(b, PL_RES_NETNS, b->n->gen_ns, b->n->gen_ns, 0,
				  "namespace %s", b->n->gen_ns);
}

static int st_ns_rsp(struct build *b)
{
	int rc = pl_netns_add(b->n->rsp_ns, b->err);

	return rc < 0 ? rc : push(b, PL_RES_NETNS, b->n->rsp_ns, b->n->rsp_ns, 0,
				  "namespace %s", b->n->rsp_ns);
}

struct sysctl_set {
	const char *key;
	const char *value;
	bool optional; /* absent when the kernel has no IPv6: then nothing to disable */
};

/* IPv6 off before any lab link exists, so none ever sends a router solicitation or
 * gets a link-local address; "all" also covers lo. rp_filter is inherited from the
 * root namespace (devconf_inherit_init_net), so set it to 0 explicitly: scenarios send
 * from addresses the reverse path would not accept. */
static const struct sysctl_set sysctls_common[] = {
	{ "net/ipv6/conf/all/disable_ipv6", "1", true },
	{ "net/ipv6/conf/default/disable_ipv6", "1", true },
	{ "net/ipv4/conf/all/rp_filter", "0", false },
	{ "net/ipv4/conf/default/rp_filter", "0", false },
	{ NULL, NULL, false },
};

/* Replies the responder writes into tun0 are forwarded out of the veth by this
 * namespace's kernel: forwarding on, here only. ICMP error rate limiting off: the kernel
 * target answers scenario after scenario within a second, and one redirect to the
 * generator would otherwise silence the next port unreachable for a second (the per-peer
 * token bucket is shared with ip_rt_send_redirect), making verdicts depend on order. */
static const struct sysctl_set sysctls_rsp[] = {
	{ "net/ipv4/ip_forward", "1", false },
	{ "net/ipv4/icmp_ratelimit", "0", false },
	/* no ICMP redirects: Linux throttles them per peer with an exponential backoff that
	 * no per-namespace sysctl resets, so a repeated scenario would see one, then none */
	{ "net/ipv4/conf/all/send_redirects", "0", false },
	{ "net/ipv4/conf/default/send_redirects", "0", false },
	{ NULL, NULL, false },
};

static int apply_sysctls(const char *netns, const struct sysctl_set *sets[], struct pl_err *err)
{
	struct pl_netns_saved saved;
	int rc, lrc;

	rc = pl_netns_enter(netns, &saved, err);
	if (rc < 0)
		return rc;
	for (int i = 0; sets[i] && rc == 0; i++) {
		for (const struct sysctl_set *s = sets[i]; s->key && rc == 0; s++) {
			rc = pl_sysctl_write(s->key, s->value, err);
			if (rc == -ENOENT && s->optional)
				rc = 0;
		}
	}
	lrc = pl_netns_leave(&saved, rc < 0 ? NULL : err);
	return rc < 0 ? rc : lrc;
}

static int st_sysctl_gen(struct build *b)
{
	const struct sysctl_set *sets[] = { sysctls_common, NULL };

	return apply_sysctls(b->n->gen_ns, sets, b->err);
}

static int st_sysctl_rsp(struct build *b)
{
	const struct sysctl_set *sets[] = { sysctls_common, sysctls_rsp, NULL };

	return apply_sysctls(b->n->rsp_ns, sets, b->err);
}

/* Sockets opened inside each namespace stay bound to it: every later netlink
 * operation on the lab goes through these two. */
static int st_nl_gen(struct build *b)
{
	return pl_undo_sock(&b->socks, b->n->gen_ns, &b->gen, b->err);
}

static int st_nl_rsp(struct build *b)
{
	return pl_undo_sock(&b->socks, b->n->rsp_ns, &b->rsp, b->err);
}

static struct nl_sock *gen_sk(struct build *b)
{
	return b->gen;
}

static struct nl_sock *rsp_sk(struct build *b)
{
	return b->rsp;
}

static int st_lo_gen(struct build *b)
{
	return pl_rtnl_link_up(gen_sk(b), "lo", b->err);
}

static int st_lo_rsp(struct build *b)
{
	return pl_rtnl_link_up(rsp_sk(b), "lo", b->err);
}

static int st_veth(struct build *b)
{
	int fd, rc;

	fd = pl_netns_open(b->n->rsp_ns, b->err);
	if (fd < 0)
		return fd;
	rc = pl_rtnl_veth_add(gen_sk(b), b->n->gen_dev, b->n->rsp_dev, fd, b->err);
	close(fd);
	if (rc < 0)
		return rc;
	/* Deleting one end deletes the pair. */
	return push(b, PL_RES_LINK, b->n->gen_ns, b->n->gen_dev, 0,
		    "veth %s (%s) <-> %s (%s)", b->n->gen_dev, b->n->gen_ns,
		    b->n->rsp_dev, b->n->rsp_ns);
}

static int st_addr_gen(struct build *b)
{
	return pl_rtnl_addr_add(gen_sk(b), b->n->gen_dev, PL_LAB_GEN_ADDR, b->err);
}

static int st_up_gen(struct build *b)
{
	return pl_rtnl_link_up(gen_sk(b), b->n->gen_dev, b->err);
}

static int st_addr_rsp(struct build *b)
{
	return pl_rtnl_addr_add(rsp_sk(b), b->n->rsp_dev, PL_LAB_KERNEL_ADDR, b->err);
}

static int st_up_rsp(struct build *b)
{
	return pl_rtnl_link_up(rsp_sk(b), b->n->rsp_dev, b->err);
}

static int st_tun(struct build *b)
{
	struct pl_netns_saved saved;
	int rc, lrc;

	/* The TUN device is created in the namespace of whoever opens /dev/net/tun. */
	rc = pl_netns_enter(b->n->rsp_ns, &saved, b->err);
	if (rc < 0)
		return rc;
	rc = pl_tun_create_persistent(b->n->tun_dev, b->err);
	lrc = pl_netns_leave(&saved, rc < 0 ? NULL : b->err);
	if (rc == 0 && lrc < 0) {
		/* It exists: record it so the unwind removes it. */
		push(b, PL_RES_LINK, b->n->rsp_ns, b->n->tun_dev, 0, "tun %s", b->n->tun_dev);
		return lrc;
	}
	if (rc < 0)
		return rc;
	return push(b, PL_RES_LINK, b->n->rsp_ns, b->n->tun_dev, 0,
		    "tun %s (%s, persistent, no PI)", b->n->tun_dev, b->n->rsp_ns);
}

static int st_addr_tun(struct build *b)
{
	return pl_rtnl_addr_add(rsp_sk(b), b->n->tun_dev, PL_LAB_TUN_ADDR, b->err);
}

static int st_up_tun(struct build *b)
{
	/* the kernel's queue towards the responder: 500 packets by default, which a burst
	 * overflows as soon as the responder falls 500 behind (the kernel target has no
	 * such queue); 10,000 absorbs a 10,000-packet burst */
	return pl_rtnl_link_up_txqlen(rsp_sk(b), b->n->tun_dev, PL_LAB_TUN_TXQLEN, b->err);
}

static int st_route_gen(struct build *b)
{
	return pl_rtnl_route_add(gen_sk(b), PL_LAB_TUN_NET, PL_LAB_KERNEL_IP, b->n->gen_dev,
				 b->err);
}

static int st_ingress(struct build *b)
{
	int rc = pl_rtnl_ingress_add(rsp_sk(b), b->n->rsp_dev, b->err);

	return rc < 0 ? rc : push(b, PL_RES_QDISC, b->n->rsp_ns, b->n->rsp_dev, 0,
				  "ingress qdisc on %s", b->n->rsp_dev);
}

static int st_filter_pass(struct build *b)
{
	/* the whole veth subnet, not just 10.77.1.1: the kernel target's scenarios also
	 * send to its neighbours (10.77.1.x), which the kernel must route, not the responder */
	int rc = pl_rtnl_u32_pass_dst(rsp_sk(b), b->n->rsp_dev, 1, PL_LAB_KERNEL_NET, b->err);

	return rc < 0 ? rc : push(b, PL_RES_FILTER, b->n->rsp_ns, b->n->rsp_dev, 1,
				  "u32 prio 1 on %s: ip dst %s -> kernel", b->n->rsp_dev,
				  PL_LAB_KERNEL_NET);
}

static int st_filter_redirect(struct build *b)
{
	int rc = pl_rtnl_u32_redirect_ipv4(rsp_sk(b), b->n->rsp_dev, 2, b->n->tun_dev, b->err);

	return rc < 0 ? rc : push(b, PL_RES_FILTER, b->n->rsp_ns, b->n->rsp_dev, 2,
				  "u32 prio 2 on %s: other IPv4 -> mirred redirect %s",
				  b->n->rsp_dev, b->n->tun_dev);
}

static int st_runfile(struct build *b)
{
	struct pl_link_state st;
	int rc;

	rc = pl_rtnl_link_state(gen_sk(b), b->n->gen_dev, &st, b->err);
	if (rc < 0)
		return rc;
	memcpy(b->lab->gen_mac, st.mac, sizeof(b->lab->gen_mac));
	rc = pl_rtnl_link_state(rsp_sk(b), b->n->rsp_dev, &st, b->err);
	if (rc < 0)
		return rc;
	memcpy(b->lab->rsp_mac, st.mac, sizeof(b->lab->rsp_mac));
	if (b->detached) {
		b->lab->controller = 0;
		b->lab->controller_start = 0;
	}
	return pl_lab_save(b->lab, b->err);
}

struct step {
	const char *what;
	int (*fn)(struct build *b);
	bool wire_only;
};

static const struct step steps[] = {
	{ "create namespace gen", st_ns_gen, false },
	{ "create namespace rsp", st_ns_rsp, false },
	{ "sysctls in gen (IPv6 off, rp_filter 0)", st_sysctl_gen, false },
	{ "sysctls in rsp (IPv6 off, rp_filter 0, ip_forward 1, icmp_ratelimit 0, no redirects)", st_sysctl_rsp, false },
	{ "open netlink in gen", st_nl_gen, false },
	{ "open netlink in rsp", st_nl_rsp, false },
	{ "lo up in gen", st_lo_gen, false },
	{ "lo up in rsp", st_lo_rsp, false },
	{ "create veth pair", st_veth, false },
	{ "address " PL_LAB_GEN_ADDR " on gen veth", st_addr_gen, false },
	{ "gen veth up", st_up_gen, false },
	{ "address " PL_LAB_KERNEL_ADDR " on rsp veth", st_addr_rsp, false },
	{ "rsp veth up", st_up_rsp, false },
	{ "create " PL_LAB_TUN_NAME " in rsp", st_tun, false },
	{ "address " PL_LAB_TUN_ADDR " on " PL_LAB_TUN_NAME, st_addr_tun, false },
	{ PL_LAB_TUN_NAME " up", st_up_tun, false },
	{ "route " PL_LAB_TUN_NET " via " PL_LAB_KERNEL_IP " in gen", st_route_gen, false },
	{ "ingress qdisc on rsp veth", st_ingress, true },
	{ "u32 filter: " PL_LAB_KERNEL_NET " to the kernel", st_filter_pass, true },
	{ "u32 filter: IPv4 to " PL_LAB_TUN_NAME, st_filter_redirect, true },
	{ "write run file", st_runfile, false },
};

int pl_lab_step_count(enum pl_lab_mode mode)
{
	int count = 0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (!steps[i].wire_only || mode == PL_LAB_WIRE)
			count++;
	return count;
}

int pl_lab_up(const char *name, enum pl_lab_mode mode, const struct pl_lab_hooks *hooks,
	      struct pl_lab *out, struct pl_err *err)
{
	static const struct pl_lab_hooks no_hooks;
	struct pl_lab_names n;
	struct build b;
	int rc, nstep = 0, total = pl_lab_step_count(mode);

	if (!hooks)
		hooks = &no_hooks;
	rc = pl_lab_names(name, &n, err);
	if (rc < 0)
		return rc;
	if (access(n.runfile, F_OK) == 0 || pl_netns_exists(n.gen_ns) ||
	    pl_netns_exists(n.rsp_ns))
		return pl_errf(err, -EEXIST, "lab %s already exists (pinglab down --name %s, "
			       "or pinglab clean)", name, name);

	memset(out, 0, sizeof(*out));
	out->names = n;
	out->mode = mode;
	out->created = (long long)time(NULL);
	out->controller = getpid();
	out->controller_start = pl_proc_starttime(out->controller);
	memset(&b, 0, sizeof(b));
	b.lab = out;
	b.n = &out->names;
	b.detached = hooks->detached;
	b.err = err;

	/* The run file first, naming this process as the controller and nothing made
	 * yet: a bare clean meanwhile sees a lab being built, not an orphan, and if this
	 * process is killed half-way the file says whose the namespaces were. */
	rc = pl_lab_save(out, err);
	if (rc < 0)
		return pl_err_prefix(err, rc, "lab %s", name);

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *s = &steps[i];

		if (s->wire_only && mode != PL_LAB_WIRE)
			continue;
		nstep++;
		if (hooks->on_step)
			rc = hooks->on_step(hooks->arg, nstep, s->what, err);
		if (rc == 0 && hooks->cancel && *hooks->cancel)
			rc = pl_errf(err, -EINTR, "interrupted by a signal");
		if (rc == 0)
			rc = s->fn(&b);
		if (rc < 0) {
			pl_err_prefix(err, rc, "step %d/%d (%s)", nstep, total, s->what);
			break;
		}
	}
	if (rc < 0) {
		/* Unwind; the first error is the one reported, undo trouble is appended. */
		struct pl_err uerr = { "" };

		if (pl_undo_run(out->res, out->nres, &b.socks, hooks, &uerr) < 0 && err) {
			size_t used = strlen(err->msg);

			snprintf(err->msg + used, sizeof(err->msg) - used,
				 "; unwinding also failed: %s", uerr.msg);
		}
		out->nres = 0;
		unlink(out->names.runfile);
	}
	pl_undo_socks_close(&b.socks);
	return rc;
}
