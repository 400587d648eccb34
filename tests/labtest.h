/* labtest.h — helpers for the namespace tests: run build/pinglab, snapshot the root
 * namespace, look for leftovers. Observing with the ip/tc binaries is fine here; only
 * the product must not shell out. */
#ifndef PL_TESTS_LABTEST_H
#define PL_TESTS_LABTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Skip the calling test (cr_skip) unless it runs as root with /dev/net/tun. */
#define LT_NEED_LAB()                                                                   \
	do {                                                                            \
		const char *lt_why_ = lt_cannot_run();                                  \
		if (lt_why_)                                                            \
			cr_skip("%s", lt_why_);                                         \
	} while (0)

/* NULL when lab tests can run, else the reason ("needs root: ..."). */
const char *lt_cannot_run(void);

/* Absolute path of build/pinglab ($PINGLAB_BUILD/pinglab, else ./build/pinglab). */
const char *lt_pinglab_path(void);

/* A lab name for this test: prefix (1-3 chars) + random [a-z0-9], 8 chars in all. The
 * name is remembered so lt_cleanup can remove the lab if the test fails half-way. */
void lt_name(char out[9], const char *prefix);

/* Suite .fini: `pinglab clean --name` every lab this test process named that left
 * anything behind (a failed assertion skips the test's own down). */
void lt_cleanup(void);

struct lt_run {
	int status;      /* exit code, or 128 + signal */
	char out[16384]; /* stdout, NUL-terminated, truncated if longer */
	char err[8192];  /* stderr */
};

/* Run argv (argv[0] searched in PATH) with extra environment entries "K=V" (may be
 * NULL), wait for it, capture its output. */
void lt_run(struct lt_run *r, const char *const argv[], const char *const env[]);

/* lt_run, with setup() called in the child just before exec (drop privileges, ...);
 * setup prints why and _exits 126 if it cannot do its part. */
void lt_run_with(struct lt_run *r, const char *const argv[], const char *const env[],
		 void (*setup)(void));

/* Run `pinglab ARGS...` (NULL-terminated varargs). */
void lt_pinglab(struct lt_run *r, const char *const env[], ...) __attribute__((sentinel));

/* Start argv in the background with stdio on /dev/null; returns its pid. */
pid_t lt_spawn(const char *const argv[], const char *const env[]);

/* Send sig to a pinglab program started with lt_spawn, reap it, and expect exit 0 (the
 * responder's and the mock's answer to SIGTERM and SIGINT). */
void lt_stop(pid_t pid, int sig);

/* Build lab `name` (lt_name(name, prefix)) and start pinglab-responder on its tun0 with
 * --log log (if not NULL) and the extra arguments (NULL-terminated, may be NULL);
 * returns once tun0 runs. The responder is recorded in the lab's run file. */
pid_t lt_lab_with_responder(char name[9], const char *prefix, const char *log, const char *const *extra);

/* Root-namespace state that neither up nor down may change: links, addresses (without
 * lifetimes), routes, qdiscs, a few sysctls. malloc'd. */
char *lt_root_snapshot(void);

/* Anything of lab `name` left: namespaces under /run/netns or in `ip netns list`, run
 * files, a process in one of the lab's namespaces (those lt_note_lab saw, or any
 * namespace still holding the lab's veth). Returns false and describes the first
 * leftover in what, or true when clean. */
bool lt_nothing_left(const char *name, char *what, size_t len);

/* Remember the nsfs identity of lab name's namespaces while they exist, for
 * lt_nothing_left (lt_pinglab does it after every successful `up --name`). */
void lt_note_lab(const char *name);

/* True when the programs run under ASan (make check) or valgrind (make valgrind), whose
 * own memory makes resident-size bounds meaningless. */
bool lt_memory_tool(void);

/* The value of one field of /proc/PID/status ("VmHWM", "CapEff", "Uid"; pid 0 = this
 * process), without the name and leading blanks, into out; NULL if there is none. */
const char *lt_proc_status(pid_t pid, const char *field, char *out, size_t n);

/* Give this test process (and what it starts) a private mount namespace, / made a
 * slave so nothing mounted here reaches the host, and an empty tmpfs over each of dirs
 * (NULL-terminated): over /run/netns and /run/pinglab, only this test's labs exist as
 * far as pinglab can see; over /dev/net, there is no /dev/net/tun. */
void lt_private_mounts(const char *const dirs[]);

/* True if some process other than the caller is in the named namespace. */
bool lt_netns_has_process(const char *netns);

#endif
