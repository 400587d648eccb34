/* lab.h — the pinglab topology: build it, describe it, tear it down, clean up after it.
 *
 *   netns pl-NAME-gen                      netns pl-NAME-rsp
 *   pl-NAME-g 10.77.1.2/24  <-- veth -->   pl-NAME-r 10.77.1.1/24   (kernel target)
 *   route 10.77.2.0/24 via 10.77.1.1       tun0 10.77.2.1/24         (responder: 10.77.2.2)
 *                                          wire mode: ingress u32 on pl-NAME-r
 *                                            prio 1 ip dst 10.77.1.0/24 -> pass to the stack
 *                                            prio 2 any IPv4 frame      -> mirred redirect tun0
 *
 * Every resource is pushed on an undo list as it is made; a failure at any step undoes
 * them in reverse order and the error names the step. The list is saved in the run file
 * (/run/pinglab/NAME.json) so `down` undoes exactly the same things. Nothing here
 * prints; progress lines go through the optional log callback.
 */
#ifndef PL_LAB_H
#define PL_LAB_H

#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

#define PL_LAB_NAME_MAX   8    /* a name a user gives: [a-z0-9]{1,8} */
/* any lab's name: a user's, or the lab of a run's model target K, "NAME-K" (K 1..8), so
 * that everything of run NAME is pl-NAME-* and `pinglab clean --name NAME` finds it all */
#define PL_LAB_ID_MAX     (PL_LAB_NAME_MAX + 2)
#define PL_LAB_RUN_DIR    "/run/pinglab"
#define PL_LAB_NS_PREFIX  "pl-"

#define PL_LAB_GEN_ADDR   "10.77.1.2/24"
#define PL_LAB_KERNEL_ADDR "10.77.1.1/24"   /* rsp veth: the kernel target */
#define PL_LAB_KERNEL_IP   "10.77.1.1"
#define PL_LAB_TUN_ADDR   "10.77.2.1/24"
#define PL_LAB_TUN_TXQLEN 10000        /* tun0 transmit queue, packets (the kernel default is 500) */
#define PL_LAB_TUN_NET    "10.77.2.0/24"
#define PL_LAB_KERNEL_IP  "10.77.1.1"
#define PL_LAB_KERNEL_NET "10.77.1.0/24"   /* wire mode: these go to the kernel stack */
#define PL_LAB_RESPONDER_IP "10.77.2.2"
#define PL_LAB_TUN_NAME   "tun0"

enum pl_lab_mode { PL_LAB_WIRE, PL_LAB_ROUTED };

const char *pl_lab_mode_str(enum pl_lab_mode mode);
int pl_lab_mode_parse(const char *s, enum pl_lab_mode *mode, struct pl_err *err);

/* Every name derived from the lab name. */
struct pl_lab_names {
	char name[PL_LAB_ID_MAX + 1];
	char gen_ns[32];
	char rsp_ns[32];
	char gen_dev[IFNAMSIZ];
	char rsp_dev[IFNAMSIZ];
	char tun_dev[IFNAMSIZ];
	char runfile[64];
};

/* Validates name ([a-z0-9]{1,8}, or a model target's lab NAME-K) and fills n. */
int pl_lab_names(const char *name, struct pl_lab_names *n, struct pl_err *err);
/* Validates a name a user gives (pinglab up --name, run --lab): [a-z0-9]{1,8}. */
int pl_lab_user_name(const char *name, struct pl_err *err);
/* The lab of model target k (1..8) of the run in lab `run`: "RUN-K". */
void pl_lab_model_name(char out[PL_LAB_ID_MAX + 1], const char *run, unsigned k);
/* Is `name` lab `of` itself or one of its model targets' labs? */
bool pl_lab_belongs(const char *name, const char *of);
/* A fresh random name (6 characters of [a-z0-9]). */
int pl_lab_random_name(char out[PL_LAB_NAME_MAX + 1], struct pl_err *err);

enum pl_res_kind { PL_RES_NETNS, PL_RES_LINK, PL_RES_QDISC, PL_RES_FILTER };

/* One created object. Addresses, routes, link state and sysctls belong to the link or
 * namespace they were set on and go away with it. */
struct pl_res {
	enum pl_res_kind kind;
	char netns[32];   /* namespace it lives in (for NETNS: its own name) */
	char name[32];    /* namespace, link, or the device a qdisc/filter hangs on */
	unsigned prio;    /* FILTER only */
	char what[96];    /* human description: "veth pl-x-g (gen) <-> pl-x-r (rsp)" */
};

#define PL_LAB_RES_MAX  16
#define PL_LAB_PIDS_MAX 16

struct pl_lab_pid {
	pid_t pid;
	unsigned long long start; /* /proc/PID/stat starttime, guards against pid reuse */
	char role[24];
};

struct pl_lab {
	struct pl_lab_names names;
	enum pl_lab_mode mode;
	long long created;        /* unix seconds */
	/* The process that holds the lab: the one that built it (pinglab run, ping), or 0
	 * when nothing does (pinglab up: the lab is kept until down). A bare clean leaves a
	 * lab alone while its controller lives; controller_start is its /proc/PID/stat
	 * starttime, so a recycled pid is not mistaken for it (0: not recorded). */
	pid_t controller;
	unsigned long long controller_start;
	char gen_mac[18];
	char rsp_mac[18];
	struct pl_res res[PL_LAB_RES_MAX];   /* creation order */
	int nres;
	struct pl_lab_pid pids[PL_LAB_PIDS_MAX];
	int npids;
};

/* Hooks for a command: all optional. */
struct pl_lab_hooks {
	/* Called before creation step `step` (1-based); a negative return fails that step
	 * (test hook behind PINGLAB_FAIL_STEP). */
	int (*on_step)(void *arg, int step, const char *what, struct pl_err *err);
	/* One line of progress ("removed namespace pl-x-gen"). */
	void (*log)(void *arg, const char *line);
	void *arg;
	/* Checked between steps; when set, up stops and unwinds (SIGINT/SIGTERM). */
	volatile sig_atomic_t *cancel;
	/* up: the lab outlives the calling process (pinglab up). It is the controller
	 * while it builds; the finished run file names none, so a bare clean keeps it. */
	bool detached;
};

/* Build the lab. On failure everything made is undone and err reads
 * "step N (what): cause"; -EEXIST when the name is taken. */
int pl_lab_up(const char *name, enum pl_lab_mode mode, const struct pl_lab_hooks *hooks,
	      struct pl_lab *out, struct pl_err *err);

/* Number of creation steps in a mode (for tests and docs). */
int pl_lab_step_count(enum pl_lab_mode mode);

/* Undo what the run file lists, in reverse, then remove the run file. Processes in the
 * lab's namespaces are killed first. -ENOENT when there is no such lab. */
int pl_lab_down(const char *name, const struct pl_lab_hooks *hooks, struct pl_err *err);

/* Turn transmit checksum offload off on the kernel target's veth (pl-NAME-r), as
 * `ethtool -K pl-NAME-r tx off` does: the segments and datagrams Linux sends from its
 * sockets then carry their checksums, rather than the partial sum a veth hands on, so
 * the generator's capture judges what a wire would carry (the host stack's UDP and TCP
 * echo). */
int pl_lab_sw_checksums(const char *name, struct pl_err *err);

/* Remove what killed or crashed labs left: the pl-* namespaces (and their processes)
 * and run files of orphaned labs, those with no run file or whose controller has
 * died. A lab whose controller is alive (pid and start time match), or that names no
 * controller (kept by pinglab up), is skipped and logged ("lab x skipped: live (pid
 * N)"); with force, or when `only` names one lab, it is removed all the same.
 * *removed counts the things removed, *skipped the labs left alone (either may be
 * NULL). Idempotent. */
int pl_lab_clean(const char *only, bool force, const struct pl_lab_hooks *hooks,
		 int *removed, int *skipped, struct pl_err *err);

/* Why lab would survive a bare clean: 1 with why filled ("live (pid 42)", "kept
 * (made by pinglab up)"), 0 when it is an orphan. */
int pl_lab_is_live(const struct pl_lab *lab, char *why, size_t len);

/* Run file. */
int pl_lab_load(const char *name, struct pl_lab *lab, struct pl_err *err);
int pl_lab_save(const struct pl_lab *lab, struct pl_err *err);
/* Record a process started for the lab (e.g. the responder) in its run file. */
int pl_lab_add_pid(const char *name, pid_t pid, const char *role, struct pl_err *err);

/* Names of every live or leftover lab (run files and pl-NAME-{gen,rsp} namespaces). */
typedef int pl_lab_name_fn(void *arg, const char *name);
int pl_lab_list(pl_lab_name_fn *fn, void *arg, struct pl_err *err);

struct pl_lab_health {
	bool runfile;
	bool gen_ns, rsp_ns;
	bool gen_dev_up, rsp_dev_up;   /* link up with carrier */
	bool tun_present, tun_up, tun_carrier; /* carrier: a process has tun0 open */
	bool ingress;                  /* wire mode: qdisc present */
	int filters;                   /* wire mode: u32 filters on it */
	int pids, pids_alive;
	bool ok;                       /* everything the mode needs is there */
	char problems[256];            /* "" or a comma list */
};
/* lab may come from pl_lab_load, or be NULL-filled from names only (no run file). */
int pl_lab_health(const char *name, struct pl_lab_health *h, struct pl_err *err);

/* After a process attached to tun0 (TUNSETIFF): wait until the kernel has brought the
 * link to running (carrier on and the real qdisc in place; linkwatch can take up to a
 * second under load). Packets sent towards tun0 before that are silently dropped. */
int pl_lab_tun_wait_ready(const char *name, int timeout_ms, struct pl_err *err);

/* /proc/PID/stat starttime of pid; 0 if it does not exist or has exited (zombie). */
unsigned long long pl_proc_starttime(pid_t pid);

#endif
