/* scenario.h — the scenario language: parse, validate, and build packets per target.
 *
 * A scenario file holds one or more scenarios; scenarios/README.md is the user's guide.
 *
 *   scenario typical-ping
 *     description "56-byte payload, as iputils ping sends by default"
 *     reason      "the packet every ping user sends first"
 *     basis       "RFC 792 echo; iputils ping -s 56"
 *     tags        basic smoke
 *     send        icmp.id=0x1234 icmp.seq=1 payload=pattern:0xa5*56
 *     repeat      3 interval 10ms
 *     timeout     1s
 *     expect      reply
 *     expect.kernel reply rfc
 *
 * Parsing follows init/line/finish and reports "file:line: message". Nothing is sent
 * before a whole set of files parsed and validated (including a check that every
 * `expect reply`/`expect drop` agrees with the reference rules in packet/rules.c).
 */
#ifndef PL_SCENARIO_H
#define PL_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "packet/diff.h"
#include "packet/field.h"
#include "packet/stack.h"

/* Lab addresses (see DESIGN.md). */
#define PL_GEN_ADDR      0x0a4d0102u /* 10.77.1.2 */
#define PL_KERNEL_ADDR   0x0a4d0101u /* 10.77.1.1 */
/* PL_RESPONDER_ADDR (10.77.2.2) is in packet/rules.h */

enum pl_target_kind {
	PL_TARGET_RESPONDER = 0, /* the reference responder or a model, at 10.77.2.2 */
	PL_TARGET_KERNEL = 1,    /* the rsp namespace's Linux stack, at 10.77.1.1 */
};

enum pl_fmode {
	FM_UNSET = 0, /* default applies */
	FM_VALUE,     /* an explicit number/address */
	FM_AUTO,      /* computed (lengths, checksums) — same as unset, but said explicitly */
	FM_BAD,       /* checksum: the correct value plus `v` (1 unless "bad:+N") */
};

struct pl_fval {
	uint8_t mode;
	uint32_t v;
};

/* A byte source of a send line, kept as written: literal bytes (hex:, text:, ip.opt) as
 * they are, the generators (pattern:, zero:, random:) as their spec, expanded only when a
 * packet is built (pl_bytes_write), so a scenario costs what its text costs. */
enum pl_src_kind {
	PL_SRC_LIT = 0, /* data[0..len) */
	PL_SRC_PATTERN, /* data[0..dlen) repeated to len bytes */
	PL_SRC_ZERO,    /* len zero bytes */
	PL_SRC_RANDOM,  /* len bytes of the xorshift stream of seed */
};

struct pl_src {
	uint8_t kind;
	uint32_t len;   /* bytes it makes */
	uint32_t seed;  /* random */
	uint32_t dlen;  /* bytes in data (literal: len; pattern: the pattern's) */
	uint8_t *data;
};

/* The sources of one field in order (`+=` adds one); len is their total. */
struct pl_bytes {
	struct pl_src *src;
	uint32_t nsrc;
	size_t len;
};

/* Write the b->len bytes b stands for to out. */
void pl_bytes_write(const struct pl_bytes *b, uint8_t *out);

struct pl_send {
	int line;
	struct pl_fval f[F__COUNT];
	struct pl_bytes payload, l4, hex, append, opt;
};

enum pl_expect_kind {
	EXP_NONE = 0,
	EXP_REPLY,    /* the reference reply (exact or rfc), with optional field overrides */
	EXP_DROP,     /* no answer at all */
	EXP_EITHER,   /* RFCs allow both; a reply, if any, must be RFC-valid */
	EXP_MATCH,    /* some answer whose fields match (e.g. icmp.type=3 icmp.code=3) */
};

#define PL_EXPECT_MAX_FIELDS 8

struct pl_expect {
	enum pl_expect_kind kind;
	enum pl_strict strict;
	int line;
	size_t nfields;
	enum pl_field field[PL_EXPECT_MAX_FIELDS];
	uint32_t value[PL_EXPECT_MAX_FIELDS];
	/* field i is of the datagram an ICMP error quotes: icmp.quoted.ip.ttl (match only) */
	bool quoted[PL_EXPECT_MAX_FIELDS];
};

#define PL_SCN_MAX_SENDS 16
#define PL_SCN_MAX_TAGS  8

struct pl_scenario {
	char id[112];            /* "category/name" */
	char category[16];       /* valid, malformed, non-icmp, adversarial */
	char name[80];
	char *file;
	int line;
	char *description, *reason, *basis;
	char tags[PL_SCN_MAX_TAGS][32];
	size_t ntags;
	struct pl_send send[PL_SCN_MAX_SENDS];
	size_t nsend;
	unsigned repeat;         /* >= 1 */
	unsigned interval_us;
	unsigned timeout_ms;
	bool timeout_set;        /* given by a timeout line (not the 1 s default) */
	/* expectations: [0] for all packets, [1 + i] overrides for packet i */
	struct pl_expect expect[1 + PL_SCN_MAX_SENDS];
	struct pl_expect expect_kernel[1 + PL_SCN_MAX_SENDS];
	/* the same under the host stack: expect.host, expect.kernel.host (see pl_scn_expect) */
	struct pl_expect expect_host[1 + PL_SCN_MAX_SENDS];
	struct pl_expect expect_kernel_host[1 + PL_SCN_MAX_SENDS];
	/* send pcap=FILE: the capture's IPv4 packets in order, relocated into the lab as
	 * pinglab import relocates them, each expected to get what the target stack's
	 * reference decides (the kernel: either, unless expect.kernel says); read when
	 * played, never held. Then nsend is 1 and send[0] has no fields. */
	char *pcap;              /* its path (relative ones from the scenario file's folder) */
	size_t pcap_n;           /* its IPv4 packets, counted when the scenario is read */
	uint64_t hash;           /* FNV-1a of the scenario's source lines */
	uint64_t src_hash;       /* ... all of them, expect.host too: what is played is what was checked */
};

struct pl_scn_set {
	struct pl_scenario *v;
	size_t n, cap;
	/* the stack the set is loaded for (zero: echo): a scenario's expectations under it
	 * must agree with its rules. The echo stack's always must, and so must the host
	 * stack's of a scenario that has an expect.host line. */
	enum pl_stack_id stack;
};

/* Load one file, or every *.scn file under a directory (sorted, recursive), appending to
 * set. Errors are "file:line: message"; on error set keeps what it had before. */
int pl_scn_load(struct pl_scn_set *set, const char *path, struct pl_err *err);
void pl_scn_set_free(struct pl_scn_set *set);

/* Like pl_scn_load, but an error in one file does not stop the others: each error
 * ("file:line: message", or a duplicate id) goes to report(ctx, msg) and that file's
 * scenarios are left out. Returns 0 when everything loaded, -EINVAL when something was
 * reported (err: "PATH: N errors"), -ENOMEM when memory ran out (nothing kept). */
int pl_scn_load_each(struct pl_scn_set *set, const char *path,
		     void (*report)(void *ctx, const char *msg), void *ctx, struct pl_err *err);

/* A library: scenario files checked once (as pl_scn_load checks them, duplicate ids
 * across files included), then replayed a scenario at a time, in the same order, without
 * holding them: what is kept per scenario is its id and a hash of its lines (a few dozen
 * bytes), so any number of scenarios loads in flat memory.
 *
 * pl_scn_lib_open checks every path (a file, or every *.scn under a directory, sorted,
 * recursive). Without report, the first error fails it (*lib NULL). With report, each
 * error goes to report(ctx, msg) and the file with it (or the duplicate) is left out:
 * then -EINVAL ("N errors") with *lib still set to what is good; -ENOMEM: nothing. */
struct pl_scn_lib;
int pl_scn_lib_open(struct pl_scn_lib **lib, char *const *paths, size_t npaths, enum pl_stack_id stack,
		    void (*report)(void *ctx, const char *msg), void *ctx, struct pl_err *err);
size_t pl_scn_lib_count(const struct pl_scn_lib *lib);   /* scenarios kept */
size_t pl_scn_lib_packets(const struct pl_scn_lib *lib); /* their packets per target */
/* Read the files again and call fn(ctx, s) for each scenario kept, in order (s is valid
 * until fn returns; fn may move it out and zero it). fn returns 0 to go on, > 0 to stop
 * (returned), < 0 an error (returned). A file that changed since it was checked is an
 * error (-ESTALE, "file:line: the file changed since it was checked ...") before
 * anything of the change reaches fn; every pass sees the same scenarios. */
int pl_scn_lib_each(struct pl_scn_lib *lib, int (*fn)(void *ctx, struct pl_scenario *s, struct pl_err *err),
		    void *ctx, struct pl_err *err);
void pl_scn_lib_free(struct pl_scn_lib *lib);

/* Line-level interface (for tests and fuzzers): parse text as if it were file `name`
 * (its category taken from the parent folder name when it is one of the four). */
int pl_scn_parse_text(struct pl_scn_set *set, const char *name, const char *text, size_t len,
		      struct pl_err *err);

/* May a scenario send to address a: inside the lab (10.77.0.0/16), multicast, broadcast
 * or 0.0.0.0 (nothing leaves the lab's namespaces). */
bool pl_scn_lab_dst(uint32_t a);

bool pl_scn_has_tag(const struct pl_scenario *s, const char *tag);

/* Packets a scenario sends to each target: its send lines (or its capture's packets)
 * times repeat. */
size_t pl_scn_npackets(const struct pl_scenario *s);

/* A send pcap= scenario's next packet for a target from r (opened on s->pcap): relocated
 * into the lab, then addressed as pl_scn_build addresses a hex= packet. 1, 0 at the
 * capture's end, or a negative code. */
struct pl_cap_reader;
int pl_scn_build_pcap(const struct pl_scenario *s, struct pl_cap_reader *r, enum pl_target_kind t, uint8_t *out,
		      size_t cap, size_t *len, struct pl_err *err);

/* What a send pcap= packet (the bytes built for t) is expected to get under stack:
 * for a responder the reference's decision (reply or drop); for the kernel the
 * scenario's expect.kernel when it has one, else either. */
void pl_scn_pcap_expect(const struct pl_scenario *s, enum pl_target_kind t, const struct pl_stack *stack,
			const uint8_t *pkt, size_t len, struct pl_expect *e);

/* Build packet `idx` of repetition `rep` for a target. Writes the IPv4 bytes (whatever
 * they are, malformed included) and the frame's ethertype. rep increments icmp.seq. */
int pl_scn_build(const struct pl_scenario *s, size_t idx, unsigned rep, enum pl_target_kind t,
		 uint8_t *out, size_t cap, size_t *len, uint16_t *ethertype, struct pl_err *err);

/* The expectation for packet idx at a target under a stack: the most specific line given,
 * packet [N] before the scenario's, in this order:
 *   echo, responder: expect
 *   echo, kernel:    expect.kernel, expect
 *   host, responder: expect.host, expect
 *   host, kernel:    expect.kernel.host, expect.host, expect.kernel, expect
 * (under host the kernel is held to the host stack's answer where one is given).
 * idx PL_SCN_ALL: the scenario-wide lines only. */
#define PL_SCN_ALL ((size_t)-1)
const struct pl_expect *pl_scn_expect(const struct pl_scenario *s, size_t idx, enum pl_target_kind t,
				      enum pl_stack_id stack);
/* Does the scenario say anything of its own for the host stack (an expect.host line)? */
bool pl_scn_has_host(const struct pl_scenario *s);

const char *pl_expect_kind_name(enum pl_expect_kind k);
/* "reply", "reply rfc", "drop", "either", "match icmp.type=3 icmp.code=3 ip.src=10.77.1.1" */
void pl_expect_describe(const struct pl_expect *e, char *out, size_t outsz);

#endif
