/* profile.h — behaviour profiles of the simulated model, read from `key = value` files.
 *
 * A profile says how slow the simulated model is, how often it makes each kind of
 * mistake and how often the transport fails. Every key is documented in
 * mockllm/README.md. The parser follows init / line / finish and reports
 * "file:line: what is wrong"; it never crashes on any input.
 */
#ifndef PL_MOCK_PROFILE_H
#define PL_MOCK_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

/* Mistakes in the answer text. The names (mock_mistake_name) appear in profiles as
 * `mistake.<name>` and in the JSONL log as "injected"; they are a stable interface.
 * Under the host stack the field mistakes fall on the answer's own fields:
 *   icmp_checksum  the answer's last checksum: UDP's or TCP's (a wrong UDP checksum)
 *   no_swap        a UDP or TCP answer's ports not swapped (addresses still are)
 *   id_seq         UDP echo: the checksum without the pseudo header; an ICMP error: a
 *                  quote 8 bytes short of the rules' (or 4 short of IP header + 8); a
 *                  reset or SYN+ACK: the sequence or acknowledgment number off by one;
 *                  a timestamp reply: the originate timestamp changed */
enum mock_mistake {
	MOCK_M_NONE = 0,
	MOCK_M_FLIP_DIGIT,     /* one hex digit of the reply changed */
	MOCK_M_IP_CHECKSUM,    /* wrong IPv4 header checksum */
	MOCK_M_ICMP_CHECKSUM,  /* wrong ICMP checksum */
	MOCK_M_TTL,            /* TTL copied from the request (or 255) instead of 64 */
	MOCK_M_NO_SWAP,        /* source and destination not swapped */
	MOCK_M_ID_SEQ,         /* ICMP identifier or sequence number changed */
	MOCK_M_TRUNCATE,       /* last bytes of the reply missing */
	MOCK_M_FENCES,         /* formatting only: prose and a code fence, no REPLY line */
	MOCK_M_REFUSE,         /* neither a packet nor a drop decision */
	MOCK_M_FALSE_REPLY,    /* answers a packet that must be dropped */
	MOCK_M_WRONG_DROP,     /* says DROP for a packet that must be answered */
	MOCK_M_FOLLOW_PAYLOAD, /* obeys an instruction written in the payload */
	MOCK_M_COUNT,
};

/* Transport faults, `fault.<name>` in profiles. */
enum mock_fault {
	MOCK_F_NONE = 0,
	MOCK_F_RATE_LIMIT,     /* 429 with retry-after */
	MOCK_F_SPEND_LIMIT,    /* 429 without retry-after */
	MOCK_F_OVERLOADED,     /* 529 (anthropic) / 503 (openai) */
	MOCK_F_SERVER_ERROR,   /* 500 */
	MOCK_F_MALFORMED_JSON, /* 200 with a cut-off JSON body */
	MOCK_F_STALL,          /* sleeps stall_ms before answering */
	MOCK_F_RESET,          /* connection closed with RST, no response */
	/* answer shapes: a 200 whose body is unusual but valid (stream_error: broken) */
	MOCK_F_THINKING,       /* the answer comes after a thinking block / reasoning_content */
	MOCK_F_MULTI_TEXT,     /* the (anthropic) answer in two text blocks */
	MOCK_F_STREAM_ERROR,   /* a stream that breaks off with the service's error event */
	MOCK_F_NULL_CONTENT,   /* a refusal: content null / stop_reason refusal */
	MOCK_F_MAX_TOKENS,     /* the answer cut at about half: max_tokens / length */
	MOCK_F_COUNT,
};

/* Which model names a server takes: the model table's (refusing what it says each
 * refuses), or any name with any parameter (a local server). */
enum mock_models { MOCK_MODELS_TABLE = 0, MOCK_MODELS_ANY };

/* What kind of server: the hosted APIs, or a llama.cpp server (no key, no cache,
 * "timings" in its OpenAI answers). */
enum mock_server_kind { MOCK_SERVER_API = 0, MOCK_SERVER_LLAMACPP };

enum mock_latency {
	MOCK_LAT_FIXED = 0,    /* a ms */
	MOCK_LAT_UNIFORM,      /* a..b ms */
	MOCK_LAT_LOGNORMAL,    /* median a ms, sigma b */
};

struct mock_profile {
	char name[64];
	char model[64];        /* model id when the request names none, and in /v1/models */
	enum mock_latency latency;
	double lat_a, lat_b;
	double latency_max_ms; /* cap on a drawn latency (0 = none) */
	double ttft_ms;        /* time to first token */
	double per_token_ms;   /* per output token */
	double chatty;         /* probability of reasoning prose before the REPLY line */
	double mistake[MOCK_M_COUNT];
	double fault[MOCK_F_COUNT];
	unsigned stall_ms;     /* not scaled: a stall must outlast the client's timeout */
	unsigned retry_after_s;
	unsigned fault_attempts; /* faults only on a packet's first N attempts (0 = on all) */
	bool prompt_cache;
	enum mock_models models;
	enum mock_server_kind server;
};

const char *mock_mistake_name(enum mock_mistake m);
const char *mock_fault_name(enum mock_fault f);
const char *mock_models_name(enum mock_models m);
const char *mock_server_name(enum mock_server_kind k);

/* Parser state: one line at a time, so a fuzzer can drive it. */
struct mock_profile_parser {
	struct mock_profile *p;
	const char *file;      /* for messages */
	unsigned line;
	unsigned seen_line[64];/* line where each key was set (duplicate detection) */
};

void mock_profile_init(struct mock_profile_parser *ps, struct mock_profile *p, const char *file);
/* One line without its newline. Errors are "file:line: message". */
int mock_profile_line(struct mock_profile_parser *ps, const char *line, size_t len, struct pl_err *err);
/* Cross-key checks (probability sums). */
int mock_profile_finish(struct mock_profile_parser *ps, struct pl_err *err);

/* Read a whole file; the profile name defaults to the file's base name. */
int mock_profile_load(const char *path, struct mock_profile *p, struct pl_err *err);

/* NAME → $PINGLAB_PROFILES/NAME, else the first <dir of exe>/..{,/..,/../..}/mockllm/profiles/NAME
 * that exists (build/ and build/san/ are both below the source tree); anything
 * containing a '/' is a file path as given. */
int mock_profile_resolve(const char *arg, const char *exe_dir, char *out, size_t outsz,
			 struct pl_err *err);

#endif
