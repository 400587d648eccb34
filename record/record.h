/* record.h — the records that pass between pinglab's processes: one writer, one reader.
 *
 * packets.jsonl, one JSON object a line, written by the generator and read by `pinglab
 * run`'s summary, the reports and `pinglab compare`:
 *   {"type":"packet","scenario":..,"category":..,"target":..,"kind":"kernel"|"responder",
 *    "packet":N,"rep":N,"trial":N,"expect":..,"sent":HEX,"t_sent_us":..,"t_sent_kernel":B,
 *    ["delivered":B,["t_delivered_us":..,]] "reply":HEX|null,
 *    ["t_reply_us","rtt_us","rtt_at_generator",["t_tun_reply_us",]]
 *    ["extra_replies":N,] "verdict":..,"diff":[..],"note":..}
 *   {"type":"unmatched","scenario":..,"target":..,"seen_at":..,"t_us":..,"bytes":HEX}
 *   {"type":"stopped","detail":..}              (a budget guard ended the generator)
 * The responder's log, one decision a line: its "outcome" is one of pl_outcome's names,
 * its "tokens" object has the keys of pl_tok_key().
 */
#ifndef PL_RECORD_H
#define PL_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* ---- the responder's log ---------------------------------------------------------- */

enum pl_outcome {
	PL_OUT_REPLY, PL_OUT_DROP, PL_OUT_UNPARSEABLE, PL_OUT_API_ERROR, PL_OUT_TIMEOUT,
	PL_OUT_TRUNCATED, PL_OUT_REFUSED, PL_OUT__COUNT
};

const char *pl_outcome_name(enum pl_outcome o);
int pl_outcome_from_name(const char *name); /* -1 if unknown */

/* Token counts, in this order everywhere (the log's "tokens", prices, reports). */
enum { PL_TOK_INPUT, PL_TOK_OUTPUT, PL_TOK_CACHE_READ, PL_TOK_CACHE_WRITE, PL_TOK__COUNT };
const char *pl_tok_key(int k); /* "input", "output", "cache_read", "cache_write" */
/* A log line's "tokens" object into t[] (absent, negative or absurd counts as 0). */
void pl_tok_read(const cJSON *tokens, double t[PL_TOK__COUNT]);

/* ---- packets.jsonl: writing --------------------------------------------------------- */

/* A line being written: a buffer that grows to any record (two packets of 64 KiB as hex
 * and the rest); escaping as cJSON escapes, numbers as pl_json_num writes them. */
struct pl_rec_out {
	char *b;
	size_t n, cap;
	bool failed;          /* out of memory: the line is not written */
};

struct pl_rec_packet {
	const char *scenario, *category, *target, *expect;
	bool kernel;          /* "kind": the kernel target, else a responder */
	unsigned packet, rep, trial;
	const uint8_t *sent;
	size_t sent_len;
	double t_sent_us;
	bool t_sent_kernel;
	bool has_delivered, delivered;
	/* a responder target's times on tun0 (the capture's kernel stamps; 0: not seen):
	 * the request handed to the responder, its reply written back. With t_sent_us and
	 * t_reply_us they split the RTT into the way in, the responder, the way out */
	double t_delivered_us, t_tun_reply_us;
	const uint8_t *reply; /* NULL: "reply":null */
	size_t reply_len;
	double t_reply_us, rtt_us;
	bool rtt_at_generator;
	unsigned extra_replies;
	const char *verdict;
	const char (*diff)[160];
	size_t ndiff;
	const char *note;
};

int pl_rec_write_packet(struct pl_rec_out *w, FILE *f, const struct pl_rec_packet *r);
int pl_rec_write_unmatched(struct pl_rec_out *w, FILE *f, const char *scenario, const char *target,
			   const char *seen_at, double t_us, const uint8_t *bytes, size_t len);
void pl_rec_out_free(struct pl_rec_out *w);

/* One decision as the responder logs it, in this order:
 *   {"id":N,"t_recv_us":N,"in":HEX,"out":HEX|null,"outcome":..,"backend":..,
 *    [model backends: "tokens":{"input","output","cache_read","cache_write"[,"thinking"]},
 *     "prompt_sha256":..,"attempts":N,["http_status":N,]["thinking_chars":N,]
 *     ["stop_reason":..,]["model":..,]["server_ms":N,]["extracted_from":..,]
 *     ["from_cassette":true,]["attempt_log":..,]["text":..,]]
 *    "timing_us":{"queued":N[,"sent":N][,"first_byte":N][,"ttft":N],"total":N}
 *    [,"error":..]}
 * Optional strings are left out when NULL or empty, optional numbers when 0. */
struct pl_rec_decision_line {
	uint64_t id;
	double t_recv_us;
	const uint8_t *in;
	size_t in_len;
	const uint8_t *out;   /* NULL: "out":null */
	size_t out_len;
	const char *outcome, *backend;
	bool model;           /* a model backend: the model fields are written */
	double tokens[PL_TOK__COUNT], thinking_tokens;
	const char *prompt_sha256;
	int attempts;
	long http_status;
	double thinking_chars, server_ms;
	const char *stop_reason, *model_name, *extracted_from, *attempt_log, *text;
	bool from_cassette;
	double queued_us, sent_us, first_byte_us, ttft_us, total_us;
	bool has_sent, has_first_byte, has_ttft;
	const char *error;
};

/* The line into f through w's buffer (no cJSON: a log line per packet is most of the
 * responder's instructions, bench row 7). 0, or -ENOMEM / -EIO (nothing written). */
int pl_rec_write_decision(struct pl_rec_out *w, FILE *f, const struct pl_rec_decision_line *d);


/* ---- packets.jsonl: reading --------------------------------------------------------- */

enum pl_rec_type { PL_REC_OTHER = 0, PL_REC_PACKET, PL_REC_UNMATCHED, PL_REC_STOPPED };

/* One line read back. Strings point into o (valid until pl_rec_free, or for as long as
 * the caller keeps o after taking it); a field that is absent or of the wrong type is
 * NULL / its default. */
struct pl_rec {
	cJSON *o;             /* NULL: the line is not JSON */
	enum pl_rec_type type;
	const char *scenario, *category, *target, *kind, *expect, *sent, *reply, *verdict, *note;
	const char *detail;   /* stopped */
	unsigned packet, rep, trial, extra_replies;
	double t_sent_us, t_reply_us, rtt_us; /* t_reply_us, rtt_us: -1 when absent */
	bool delivered_known, delivered;
	bool object;          /* the line is a JSON object */
	bool packet_type;     /* ... whose "type" is "packet" */
	const cJSON *diff;    /* the array, or NULL (pl_rec_parse) */
	/* pl_rec_scan: the diff's strings (in the line), and whether the line had one */
	const char *const *dstr;
	size_t ndstr;
	/* pl_rec_scan: "sent" / "reply" had no escape, so they are the line's own bytes where
	 * they stand (a reader may find them there again by their offset in the line) */
	bool sent_plain, reply_plain;
};

/* Parse one line (with or without its newline). Returns 0, or -EINVAL when it is not
 * a JSON object (r->o NULL); a packet record missing a required field (scenario, target,
 * sent, verdict) has type PL_REC_OTHER. */
int pl_rec_parse(const char *line, struct pl_rec *r);
void pl_rec_free(struct pl_rec *r);

/* The same fields without a cJSON tree, for reading packets.jsonl fast: line is one
 * NUL-terminated line (no newline needed), which is changed only on success (its strings
 * decoded and terminated in place; r's strings and dstr point into it; r->o and r->diff
 * stay NULL). Returns 0, or 1 when the line must go to pl_rec_parse instead: anything
 * this does not read exactly as cJSON would (it is not JSON, an escape other than
 * \" \\ \/ \b \f \n \r \t or \u0001..\u007f, a key with an escape, nesting deeper than
 * 32, a number of 63 characters or more, a "diff" that is not an array of strings, a
 * byte-order mark, a locale whose decimal point is not '.'), so that the two agree on
 * every line. s keeps the diff's string pointers between calls (pl_rec_scanner_free). */
struct pl_rec_scanner {
	const char **dstr;
	size_t *dlen;
	bool *desc;
	size_t cap;
};
int pl_rec_scan(char *line, struct pl_rec_scanner *s, struct pl_rec *r);
void pl_rec_scanner_free(struct pl_rec_scanner *s);

/* ---- the responder's log: reading --------------------------------------------------- */

/* What a report takes from one decision line: "in", "model", "t_recv_us",
 * "timing_us"."total" and "tokens"' counts (and "thinking"), as pl_jstr / pl_jnum give
 * them from a cJSON tree (absent or of another type: NULL, or the default: t_recv_us and
 * total -1, tokens 0). Strings point into the line (pl_rec_scan_decision) or into o. */
struct pl_rec_decision {
	cJSON *o;             /* pl_rec_parse_decision's tree, NULL otherwise */
	const char *in, *model;
	size_t in_len;
	double t_recv_us, total;
	double tok[PL_TOK__COUNT], thinking;
};

/* Without a tree: line is one NUL-terminated line, changed in place on success (its
 * strings decoded). 0, or 1 when the line must go to pl_rec_parse_decision: the same rule
 * as pl_rec_scan (anything not read exactly as cJSON reads it), and a key of "tokens" or
 * "timing_us" with an escape. */
int pl_rec_scan_decision(char *line, struct pl_rec_decision *d);
/* With cJSON: 0, or -EINVAL when the line is not a JSON object (d->in NULL). */
int pl_rec_parse_decision(const char *line, struct pl_rec_decision *d);
void pl_rec_decision_free(struct pl_rec_decision *d);

/* ---- run.json ------------------------------------------------------------------------ */

/* A run's model targets: its "models" array, or, for a run from before several models,
 * its one "model" object in an array made here (*made, for the caller to cJSON_Delete
 * after it is done with the array; it only refers to the object). NULL when neither. */
const cJSON *pl_rec_run_models(const cJSON *run, cJSON **made);

/* Read the next line of f, of any length, into *buf (grown as needed, freed by the
 * caller). Returns its length, or -1 at the end. */
long pl_rec_getline(FILE *f, char **buf, size_t *cap);

#endif
