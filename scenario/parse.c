#include "scenario/scenario.h"
#include "scenario/fparse.h"
#include "wire/pcap.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "packet/bytes.h"
#include "packet/hex.h"
#include "packet/ipv4.h"
#include "packet/proto.h"
#include "packet/rules.h"

#define MAX_TOKENS FP_MAX_TOKENS
#define MAX_BYTES  65535

static const char *const categories[] = { "valid", "malformed", "non-icmp", "adversarial" };

/* ---- small helpers ---------------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);

			cur[j] = del < ins ? del : ins;
			if (sub < cur[j])
				cur[j] = sub;
		}
		memcpy(prev, cur, sizeof(cur));
	}
	return prev[lb];
}

/* The field named name (or by an accepted long name), with its index in *f; NULL and the
 * closest name within two edits in *suggest */
static const struct pl_fdesc *find_field(const char *name, enum pl_field *f, const char **suggest)
{
	size_t i, best = 99;
	char lower[64];
	int k = pl_field_by_name(name);

	*suggest = NULL;
	if (k >= 0) {
		*f = (enum pl_field)k;
		return pl_fdesc(*f);
	}
	/* suggestions compare in lower case: IP.TTL is ip.ttl */
	for (i = 0; name[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	for (i = 0; i < F__COUNT; i++) {
		size_t d = edit_distance(lower, pl_field_name((enum pl_field)i));

		if (d < best && d <= 2) {
			best = d;
			*suggest = pl_field_name((enum pl_field)i);
		}
	}
	return NULL;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || (s[0] == '0' && isdigit((unsigned char)s[1])))
		return -EINVAL; /* no octal surprises: 010 is an error, not 8 */
	if (v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* Durations: 500us, 10ms, 2s, 1.5s. */
static int parse_duration_us(const char *s, uint64_t *us)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	/* NaN, infinities and absurd values never reach the integer conversions below */
	if (errno || end == s || !(v >= 0 && v <= 1e9))
		return -EINVAL;
	/* rounded, so 4.35s is 4350000us and not 4349999 */
	if (!strcmp(end, "us"))
		*us = (uint64_t)(v + 0.5);
	else if (!strcmp(end, "ms"))
		*us = (uint64_t)(v * 1e3 + 0.5);
	else if (!strcmp(end, "s"))
		*us = (uint64_t)(v * 1e6 + 0.5);
	else
		return -EINVAL;
	return 0;
}

/* Bytes being decoded (a string, hex), counted from base: the bytes of the field before
 * them, so the limit is the field's whole length */
struct raw {
	uint8_t *data;
	size_t len, base;
};

static int raw_append(struct raw *b, const uint8_t *src, size_t n)
{
	uint8_t *nd;

	if (b->base + b->len + n > MAX_BYTES)
		return -E2BIG;
	nd = realloc(b->data, b->len + n + 1);
	if (!nd)
		return -ENOMEM;
	b->data = nd;
	if (n)
		memcpy(b->data + b->len, src, n);
	b->len += n;
	return 0;
}

/* One more source for b; takes data (freed on failure). */
static int src_add(struct pl_bytes *b, uint8_t kind, uint32_t len, uint32_t seed, uint8_t *data, uint32_t dlen)
{
	struct pl_src *nv = realloc(b->src, (b->nsrc + 1) * sizeof(*nv));

	if (!nv) {
		free(data);
		return -ENOMEM;
	}
	b->src = nv;
	b->src[b->nsrc++] = (struct pl_src){ .kind = kind, .len = len, .seed = seed, .dlen = dlen, .data = data };
	b->len += len;
	return 0;
}

static int src_add_raw(struct pl_bytes *b, struct raw *r)
{
	return src_add(b, PL_SRC_LIT, (uint32_t)r->len, 0, r->data, (uint32_t)r->len);
}

static void bytes_free(struct pl_bytes *b)
{
	uint32_t i;

	for (i = 0; i < b->nsrc; i++)
		free(b->src[i].data);
	free(b->src);
	memset(b, 0, sizeof(*b));
}

/* Unescape a "quoted" string: \n \t \r \0 \\ \" \xNN. */
static int unquote(const char *s, struct raw *out, struct pl_err *err)
{
	size_t n = strlen(s), i;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return pl_errf(err, -EINVAL, "expected a \"quoted string\"");
	for (i = 1; i + 1 < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c == '\\') {
			if (i + 2 >= n)
				return pl_errf(err, -EINVAL, "dangling backslash in string");
			c = (uint8_t)s[++i];
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '0': c = 0; break;
			case '\\': case '"': break;
			case 'x':
				if (i + 3 >= n || pl_hex_digit((unsigned char)s[i + 1]) < 0 ||
				    pl_hex_digit((unsigned char)s[i + 2]) < 0)
					return pl_errf(err, -EINVAL, "\\x needs two hex digits");
				c = (uint8_t)(pl_hex_digit((unsigned char)s[i + 1]) << 4 |
					      pl_hex_digit((unsigned char)s[i + 2]));
				i += 2;
				break;
			default:
				return pl_errf(err, -EINVAL, "unknown escape \\%c", c);
			}
		}
		if (raw_append(out, &c, 1))
			return pl_errf(err, -E2BIG, "string longer than %d bytes", MAX_BYTES);
	}
	return 0;
}

static int hex_value(const char *s, struct raw *out, struct pl_err *err)
{
	uint8_t *buf = malloc(strlen(s) / 2 + 1);
	size_t n = 0;
	struct pl_err herr;
	int rc;

	if (!buf)
		return pl_errf(err, -ENOMEM, "out of memory");
	rc = pl_hex_decode(s, buf, strlen(s) / 2 + 1, &n, &herr);
	if (!rc && raw_append(out, buf, n))
		rc = pl_errf(&herr, -E2BIG, "more than %d bytes", MAX_BYTES);
	free(buf);
	if (rc)
		return pl_errf(err, rc, "bad hex: %s", herr.msg);
	return 0;
}

/* Literal bytes decoded by fn (unquote, hex_value) appended to out */
static int lit_value(int (*fn)(const char *, struct raw *, struct pl_err *), const char *v,
		     struct pl_bytes *out, struct pl_err *err)
{
	struct raw r = { .base = out->len };
	int rc = fn(v, &r, err);

	if (rc) {
		free(r.data);
		return rc;
	}
	return src_add_raw(out, &r) ? pl_errf(err, -ENOMEM, "out of memory") : 0;
}

/* pattern:0xa5*56 | text:"..." | random:seed=7,len=1400 | hex:0011 | zero:N
 * The generators (pattern, zero, random) are kept as their spec; pl_bytes_write makes
 * their bytes when a packet is built. */
static int bytes_value(const char *v, struct pl_bytes *out, struct pl_err *err)
{
	uint32_t n;

	if (!strncmp(v, "pattern:", 8)) {
		const char *star = strrchr(v + 8, '*');
		struct raw pat = { 0 };
		char pbuf[2 * 1024 + 8];
		size_t plen = star ? (size_t)(star - v - 8) : 0;
		int rc;

		if (!star || plen < 3 || plen >= sizeof(pbuf) || strncmp(v + 8, "0x", 2))
			return pl_errf(err, -EINVAL, "pattern wants 0xBYTES*COUNT, e.g. pattern:0xa5*56");
		memcpy(pbuf, v + 10, plen - 2);
		pbuf[plen - 2] = '\0';
		if (hex_value(pbuf, &pat, err)) {
			free(pat.data);
			return -EINVAL;
		}
		rc = parse_u32(star + 1, MAX_BYTES, &n);
		if (rc || pat.len == 0 || out->len + n > MAX_BYTES || n == 0) {
			free(pat.data);
			if (rc || pat.len == 0)
				return pl_errf(err, -EINVAL, "pattern count '%s' is not a number up to %d", star + 1, MAX_BYTES);
			return n ? pl_errf(err, -E2BIG, "payload longer than %d bytes", MAX_BYTES) : 0;
		}
		return src_add(out, PL_SRC_PATTERN, n, 0, pat.data, (uint32_t)pat.len) ? pl_errf(err, -ENOMEM, "out of memory") : 0;
	}
	if (!strncmp(v, "text:", 5))
		return lit_value(unquote, v + 5, out, err);
	if (!strncmp(v, "hex:", 4))
		return lit_value(hex_value, v + 4, out, err);
	if (!strncmp(v, "zero:", 5)) {
		if (parse_u32(v + 5, MAX_BYTES, &n))
			return pl_errf(err, -EINVAL, "zero:N wants a byte count up to %d", MAX_BYTES);
		if (out->len + n > MAX_BYTES)
			return pl_errf(err, -E2BIG, "payload longer than %d bytes", MAX_BYTES);
		if (n == 0)
			return 0;
		return src_add(out, PL_SRC_ZERO, n, 0, NULL, 0) ? pl_errf(err, -ENOMEM, "out of memory") : 0;
	}
	if (!strncmp(v, "random:", 7)) {
		uint32_t seed, len;

		if (sscanf(v + 7, "seed=%u,len=%u", &seed, &len) != 2 || len > MAX_BYTES ||
		    strchr(v + 7, '-'))
			return pl_errf(err, -EINVAL, "random wants seed=N,len=N (len up to %d)", MAX_BYTES);
		if (out->len + len > MAX_BYTES)
			return pl_errf(err, -E2BIG, "payload longer than %d bytes", MAX_BYTES);
		if (len == 0)
			return 0;
		return src_add(out, PL_SRC_RANDOM, len, seed, NULL, 0) ? pl_errf(err, -ENOMEM, "out of memory") : 0;
	}
	return pl_errf(err, -EINVAL, "unknown byte source '%.20s' (pattern:, text:, random:, hex:, zero:)", v);
}

/* rr:N (record route, N address slots), ts:N (timestamp, N slots), ra (router alert),
 * nop, eol, hex:... */
static int opt_value(const char *v, struct pl_bytes *out, struct pl_err *err)
{
	uint8_t o[40];
	uint32_t n;
	size_t len;

	memset(o, 0, sizeof(o));
	if (!strncmp(v, "rr:", 3) || !strncmp(v, "ts:", 3)) {
		bool rr = v[0] == 'r';

		if (parse_u32(v + 3, 9, &n) || n == 0)
			return pl_errf(err, -EINVAL, "%s wants 1..9 slots", rr ? "rr" : "ts");
		if (rr) {
			/* RFC 791: type 7, length 3+4N, pointer 4 */
			o[0] = 7, o[1] = (uint8_t)(3 + 4 * n), o[2] = 4;
		} else {
			/* RFC 791: type 68, length 4+4N, pointer 5, overflow 0 flag 0 (stamps only) */
			o[0] = 68, o[1] = (uint8_t)(4 + 4 * n), o[2] = 5, o[3] = 0;
		}
		len = o[1];
	} else if (!strcmp(v, "ra")) {
		o[0] = 148, o[1] = 4; /* RFC 2113 router alert, value 0 */
		len = 4;
	} else if (!strcmp(v, "nop")) {
		o[0] = 1;
		len = 1;
	} else if (!strcmp(v, "eol")) {
		len = 1;
	} else if (!strncmp(v, "hex:", 4)) {
		return lit_value(hex_value, v + 4, out, err);
	} else {
		return pl_errf(err, -EINVAL, "unknown option '%s' (rr:N, ts:N, ra, nop, eol, hex:...)", v);
	}
	{
		struct raw r = { .base = out->len };

		if (raw_append(&r, o, len))
			return pl_errf(err, -E2BIG, "options too long");
		return src_add_raw(out, &r) ? pl_errf(err, -ENOMEM, "out of memory") : 0;
	}
}

static const struct { const char *name; uint8_t v; } protos[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 }, { "ipv6", 41 },
	{ "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "sctp", 132 },
};

static const struct { const char *name; uint8_t v; } icmp_types[] = {
	{ "echo-reply", 0 }, { "dest-unreachable", 3 }, { "source-quench", 4 }, { "redirect", 5 },
	{ "echo-request", 8 }, { "router-advertisement", 9 }, { "router-solicitation", 10 },
	{ "time-exceeded", 11 }, { "parameter-problem", 12 }, { "timestamp-request", 13 },
	{ "timestamp-reply", 14 }, { "info-request", 15 }, { "info-reply", 16 },
	{ "address-mask-request", 17 }, { "address-mask-reply", 18 },
};

/* icmp.type=echo-requset: the closest name, or the list of names */
static int name_error(const struct pl_fdesc *fd, const char *val, struct pl_err *err)
{
	bool proto = fd->syntax == FK_PROTO;
	size_t n = proto ? sizeof(protos) / sizeof(protos[0]) : sizeof(icmp_types) / sizeof(icmp_types[0]);
	size_t i, best = 99, used;
	const char *close = NULL;
	char list[400];

	for (i = 0; i < n; i++) {
		const char *name = proto ? protos[i].name : icmp_types[i].name;
		size_t d = edit_distance(val, name);

		if (d < best && d <= (strlen(name) > 6 ? 3u : 1u)) {
			best = d;
			close = name;
		}
	}
	if (close)
		return pl_errf(err, -EINVAL, "%s=%s: unknown name (did you mean %s?)", fd->name, val, close);
	used = 0;
	list[0] = '\0';
	for (i = 0; i < n && used < sizeof(list); i++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
				 proto ? protos[i].name : icmp_types[i].name);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return pl_errf(err, -EINVAL, "%s=%s: want 0..255 or a name: %s", fd->name, val, list);
}

static int flags_value(const char *v, bool tcp, uint32_t *out)
{
	uint32_t f = 0;

	if (!parse_u32(v, tcp ? 255 : 7, out))
		return 0;
	if (!strcmp(v, "none")) {
		*out = 0;
		return 0;
	}
	if (tcp) {
		/* letters: F S R P A U E C */
		static const char letters[] = "FSRPAUEC";

		for (; *v; v++) {
			const char *p = strchr(letters, *v);

			if (!p || !*v)
				return -EINVAL;
			f |= 1u << (p - letters);
		}
	} else {
		char buf[32], *tok, *save = NULL;

		if (strlen(v) >= sizeof(buf))
			return -EINVAL;
		strcpy(buf, v);
		for (tok = strtok_r(buf, "|,", &save); tok; tok = strtok_r(NULL, "|,", &save)) {
			if (!strcmp(tok, "DF"))
				f |= PL_IP_FLAG_DF;
			else if (!strcmp(tok, "MF"))
				f |= PL_IP_FLAG_MF;
			else if (!strcmp(tok, "RF"))
				f |= PL_IP_FLAG_RF;
			else
				return -EINVAL;
		}
	}
	*out = f;
	return 0;
}

/* Lab destinations only: frames leave on the generator's veth and nowhere else, but the
 * controller still refuses addresses outside the lab (and broadcast/multicast forms). */
bool pl_scn_lab_dst(uint32_t a)
{
	return (a >> 16) == 0x0a4d || (a >> 28) == 0xe || a == 0xffffffffu || a == 0;
}

/* Parse one "field=value" (or "field+=value") of a send line. */
static int set_field(struct pl_send *snd, const char *tok, struct pl_err *err)
{
	char name[48];
	const char *eq = strchr(tok, '='), *val, *suggest;
	const struct pl_fdesc *fd;
	enum pl_field fi;
	struct pl_fval *fv;
	bool append = false;
	size_t nlen;
	int rc = 0;

	if (!eq || eq == tok)
		return pl_errf(err, -EINVAL, "expected field=value, got '%s'", tok);
	nlen = (size_t)(eq - tok);
	if (eq[-1] == '+') {
		append = true;
		nlen--;
	}
	if (nlen >= sizeof(name))
		return pl_errf(err, -EINVAL, "unknown field '%.*s'", (int)nlen, tok);
	memcpy(name, tok, nlen);
	name[nlen] = '\0';
	val = eq + 1;
	fd = find_field(name, &fi, &suggest);
	if (!fd) {
		if (suggest)
			return pl_errf(err, -EINVAL, "unknown field '%s' (did you mean %s?)", name, suggest);
		return pl_errf(err, -EINVAL, "unknown field '%s'", name);
	}
	fv = &snd->f[fi];
	if (append && fd->syntax != FK_BYTES && fd->syntax != FK_OPT)
		return pl_errf(err, -EINVAL, "%s: += only appends to payload, l4, append and ip.opt", fd->name);
	if (fv->mode != FM_UNSET && !append)
		return pl_errf(err, -EINVAL, "%s is set twice", fd->name);
	if (!*val)
		return pl_errf(err, -EINVAL, "%s: empty value", fd->name);

	switch (fd->syntax) {
	case FK_NUM:
		rc = parse_u32(val, fd->max, &fv->v);
		if (rc == -ERANGE)
			return pl_errf(err, rc, "%s=%s: out of range 0..%u", fd->name, val, fd->max);
		if (!rc && fi == F_TRUNCATE && fv->v == 0)
			return pl_errf(err, -EINVAL, "truncate=0 leaves an empty frame (truncate wants 1..%u bytes)", fd->max);
		break;
	case FK_LEN:
		if (!strcmp(val, "auto")) {
			fv->mode = FM_AUTO;
			return 0;
		}
		rc = parse_u32(val, fd->max, &fv->v);
		if (rc == -ERANGE)
			return pl_errf(err, rc, "%s=%s: out of range 0..%u", fd->name, val, fd->max);
		break;
	case FK_CSUM:
		if (!strcmp(val, "auto")) {
			fv->mode = FM_AUTO;
			return 0;
		}
		if (!strncmp(val, "bad", 3)) {
			fv->mode = FM_BAD;
			fv->v = 1;
			if (val[3] == '\0')
				return 0;
			if (val[3] == ':' && val[4] == '+' && !parse_u32(val + 5, 0xfffe, &fv->v) && fv->v)
				return 0;
			return pl_errf(err, -EINVAL, "%s=%s: bad checksum wants bad or bad:+N (1..65534)", fd->name, val);
		}
		rc = parse_u32(val, fd->max, &fv->v);
		if (rc)
			return pl_errf(err, -EINVAL, "%s=%s: want auto, bad, bad:+N or a 16-bit number", fd->name, val);
		break;
	case FK_ADDR:
		if (pl_ip_parse(val, &fv->v))
			return pl_errf(err, -EINVAL, "%s=%s: not an IPv4 address", fd->name, val);
		if (fi == F_IP_DST && !pl_scn_lab_dst(fv->v))
			return pl_errf(err, -EINVAL, "ip.dst=%s is outside the lab (10.77.0.0/16, multicast, broadcast or 0.0.0.0 only)", val);
		break;
	case FK_IPFLAGS:
	case FK_TCPFLAGS:
		if (flags_value(val, fd->syntax == FK_TCPFLAGS, &fv->v))
			return pl_errf(err, -EINVAL, "%s=%s: %s", fd->name, val,
				       fd->syntax == FK_TCPFLAGS ? "want letters of FSRPAUEC or a number"
							       : "want DF, MF, RF joined by |, none, or 0..7");
		break;
	case FK_BOOL:
		if (parse_u32(val, 1, &fv->v))
			return pl_errf(err, -EINVAL, "%s=%s: want 0 or 1", fd->name, val);
		break;
	case FK_FRAG:
		rc = parse_u32(val, fd->max, &fv->v);
		if (!rc && fv->v % 8)
			return pl_errf(err, -EINVAL, "ip.frag=%s: fragment offsets are multiples of 8 bytes", val);
		if (rc)
			return pl_errf(err, -EINVAL, "ip.frag=%s: want a byte offset 0..%u, multiple of 8", val, fd->max);
		break;
	case FK_PROTO:
	case FK_ICMPTYPE: {
		size_t i;
		bool found = false;

		if (fd->syntax == FK_PROTO) {
			for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
				if (!strcmp(val, protos[i].name))
					fv->v = protos[i].v, found = true;
		} else {
			for (i = 0; i < sizeof(icmp_types) / sizeof(icmp_types[0]); i++)
				if (!strcmp(val, icmp_types[i].name))
					fv->v = icmp_types[i].v, found = true;
		}
		if (!found)
			rc = parse_u32(val, 255, &fv->v);
		if (rc)
			return name_error(fd, val, err);
		break;
	}
	case FK_BYTES:
	case FK_OPT:
	case FK_HEX: {
		struct pl_bytes *b = fi == F_PAYLOAD ? &snd->payload : fi == F_L4 ? &snd->l4
				   : fi == F_APPEND ? &snd->append : fi == F_HEX ? &snd->hex : &snd->opt;
		struct pl_err verr;

		rc = fd->syntax == FK_BYTES ? bytes_value(val, b, &verr)
		   : fd->syntax == FK_OPT ? opt_value(val, b, &verr) : lit_value(hex_value, val, b, &verr);
		if (rc)
			return pl_errf(err, rc, "%s: %s", fd->name, verr.msg);
		if (fi == F_IP_OPT && b->len > PL_IPV4_OPT_MAX)
			return pl_errf(err, -E2BIG, "ip.opt: %zu bytes of options exceed 40", b->len);
		break;
	}
	}
	if (rc)
		return pl_errf(err, -EINVAL, "%s=%s: not a number", fd->name, val);
	fv->mode = FM_VALUE;
	return 0;
}

/* ---- tokenizer -------------------------------------------------------------------- */

/* Split a line into tokens in place: whitespace separates, "..." keeps spaces, # starts
 * a comment outside quotes. Returns the count or -1 for an unterminated string. */
static int tokenize(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;

	while (*p) {
		char *start, *w;
		bool q = false;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			break;
		if (n == max)
			return -2;
		start = w = p;
		while (*p && (q || !isspace((unsigned char)*p))) {
			if (*p == '"')
				q = !q;
			if (*p == '\\' && q && p[1])
				*w++ = *p++;
			*w++ = *p++;
		}
		if (q)
			return -1;
		if (*p)
			p++;
		*w = '\0';
		tok[n++] = start;
	}
	return n;
}

/* ---- scenario-level parsing ------------------------------------------------------- */

/* the parser is the file parser's state (scenario/fparse.h) */
#define parser fparse

void pl_scn_free(struct pl_scenario *s)
{
	size_t i;

	for (i = 0; i < s->nsend; i++) {
		bytes_free(&s->send[i].payload);
		bytes_free(&s->send[i].l4);
		bytes_free(&s->send[i].hex);
		bytes_free(&s->send[i].append);
		bytes_free(&s->send[i].opt);
	}
	free(s->file);
	free(s->pcap);
	free(s->description);
	free(s->reason);
	free(s->basis);
	memset(s, 0, sizeof(*s));
}

void pl_scn_set_free(struct pl_scn_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		pl_scn_free(&set->v[i]);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static int perr(struct parser *p, struct pl_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int perr(struct parser *p, struct pl_err *err, int code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pl_errf(err, code, "%s:%d: %s", p->file, p->line, msg);
}

static bool valid_name(const char *s)
{
	size_t i;

	if (!*s || strlen(s) >= 80 || !isalnum((unsigned char)s[0]))
		return false;
	for (i = 0; s[i]; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

static int text_arg(struct parser *p, char **dst, int ntok, char **tok, const char *what,
		    struct pl_err *err)
{
	struct raw b = { 0 };
	struct pl_err verr;

	if (ntok != 2 || tok[1][0] != '"')
		return perr(p, err, -EINVAL, "%s wants one \"quoted string\"", what);
	if (*dst)
		return perr(p, err, -EINVAL, "%s given twice", what);
	if (unquote(tok[1], &b, &verr)) {
		free(b.data);
		return perr(p, err, -EINVAL, "%s: %s", what, verr.msg);
	}
	if (raw_append(&b, (const uint8_t *)"", 1) || !b.data) {
		free(b.data);
		return perr(p, err, -ENOMEM, "out of memory");
	}
	*dst = (char *)b.data;
	return 0;
}

/* expect FORM: reply [rfc|exact] [F=V...] | drop | either | match F=V...
 * host: a line of the host stack, whose replies may be UDP or TCP too (which header the
 * reply has is checked against the host rules at the end of the scenario) */
static int parse_expect(struct parser *p, struct pl_expect *e, bool host, int ntok, char **tok, struct pl_err *err)
{
	const char *form = ntok > 1 ? tok[1] : "";
	int i = 2;

	if (e->kind != EXP_NONE)
		return perr(p, err, -EINVAL, "%s given twice (first on line %d)", tok[0], e->line);
	memset(e, 0, sizeof(*e));
	e->line = p->line;
	if (!strcmp(form, "reply"))
		e->kind = EXP_REPLY;
	else if (!strcmp(form, "drop"))
		e->kind = EXP_DROP;
	else if (!strcmp(form, "either"))
		e->kind = EXP_EITHER;
	else if (!strcmp(form, "match"))
		e->kind = EXP_MATCH;
	else
		return perr(p, err, -EINVAL, "%s: unknown expectation '%s' (reply, drop, either, match)", tok[0], form);
	if (e->kind == EXP_REPLY && i < ntok && (!strcmp(tok[i], "rfc") || !strcmp(tok[i], "exact"))) {
		e->strict = tok[i][0] == 'r' ? PL_STRICT_RFC : PL_STRICT_EXACT;
		i++;
	}
	if ((e->kind == EXP_DROP || e->kind == EXP_EITHER) && i < ntok)
		return perr(p, err, -EINVAL, "%s %s takes no fields, got '%s'", tok[0], form, tok[i]);
	for (; i < ntok; i++) {
		struct pl_send tmp;
		struct pl_err ferr;
		size_t k;
		int rc;

		const char *ftok = tok[i];
		bool quoted = false;

		memset(&tmp, 0, sizeof(tmp));
		/* icmp.quoted.F: field F of the datagram an ICMP error quotes */
		if (!strncmp(ftok, PL_QUOTED_PREFIX, strlen(PL_QUOTED_PREFIX))) {
			quoted = true;
			ftok += strlen(PL_QUOTED_PREFIX);
		}
		rc = set_field(&tmp, ftok, &ferr);
		for (k = 0; k < F__COUNT && !rc; k++) {
			if (tmp.f[k].mode == FM_UNSET)
				continue;
			if (!pl_fdesc((enum pl_field)k)->width || tmp.f[k].mode != FM_VALUE) {
				rc = pl_errf(&ferr, -EINVAL, "%s cannot be expected (numbers and addresses of ip.*, icmp.*, udp.*, tcp.* only)",
					     pl_field_name((enum pl_field)k));
				break;
			}
			if (e->kind == EXP_REPLY && !host && pl_fdesc((enum pl_field)k)->hdr != PL_HDR_IPV4 &&
			    pl_fdesc((enum pl_field)k)->hdr != PL_HDR_ICMP) {
				rc = pl_errf(&ferr, -EINVAL, "%s is not a field of an echo reply (expect reply overrides ip.* and icmp.* fields; expect match checks other answers)",
					     pl_field_name((enum pl_field)k));
				break;
			}
			if (quoted && e->kind != EXP_MATCH) {
				rc = pl_errf(&ferr, -EINVAL, "%s%s: quoted fields are for expect match",
					     PL_QUOTED_PREFIX, pl_field_name((enum pl_field)k));
				break;
			}
			if (e->nfields == PL_EXPECT_MAX_FIELDS) {
				rc = pl_errf(&ferr, -E2BIG, "more than %d expected fields", PL_EXPECT_MAX_FIELDS);
				break;
			}
			e->field[e->nfields] = (enum pl_field)k;
			e->quoted[e->nfields] = quoted;
			e->value[e->nfields++] = tmp.f[k].v;
		}
		bytes_free(&tmp.payload);
		bytes_free(&tmp.l4);
		bytes_free(&tmp.hex);
		bytes_free(&tmp.append);
		bytes_free(&tmp.opt);
		if (rc)
			return perr(p, err, rc, "%s: %s", tok[0], ferr.msg);
	}
	if (e->kind == EXP_MATCH && e->nfields == 0)
		return perr(p, err, -EINVAL, "%s match needs at least one field, e.g. icmp.type=3", tok[0]);
	return 0;
}

/* "expect", "expect.kernel", "expect.host", "expect.kernel.host", each with an optional
 * packet selector "[2]" */
static int expect_slot(struct parser *p, const char *word, struct pl_expect **slot, bool *host, struct pl_err *err)
{
	static const struct {
		const char *prefix;
		bool kernel, host;
	} forms[] = {
		{ "expect.kernel.host", true, true },
		{ "expect.kernel", true, false },
		{ "expect.host", false, true },
		{ "expect", false, false },
	};
	struct pl_scenario *s = &p->cur;
	const char *rest = NULL;
	bool kernel = false;
	uint32_t idx = 0;
	size_t f;

	for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		size_t n = strlen(forms[f].prefix);

		if (!strncmp(word, forms[f].prefix, n) && (word[n] == '\0' || word[n] == '[')) {
			rest = word + n;
			kernel = forms[f].kernel;
			*host = forms[f].host;
			break;
		}
	}
	if (!rest)
		return perr(p, err, -EINVAL, "unknown directive '%s' (expect, expect.kernel, expect.host, expect.kernel.host)", word);
	if (*rest == '[') {
		char num[8];
		size_t n = strcspn(rest + 1, "]");

		if (rest[1 + n] != ']' || rest[2 + n] || n == 0 || n >= sizeof(num))
			return perr(p, err, -EINVAL, "bad packet selector in '%s' (want e.g. expect[2])", word);
		memcpy(num, rest + 1, n);
		num[n] = '\0';
		if (parse_u32(num, PL_SCN_MAX_SENDS, &idx) || idx == 0)
			return perr(p, err, -EINVAL, "'%s': packet number must be 1..%d", word, PL_SCN_MAX_SENDS);
	}
	if (*host)
		*slot = kernel ? &s->expect_kernel_host[idx] : &s->expect_host[idx];
	else
		*slot = kernel ? &s->expect_kernel[idx] : &s->expect[idx];
	return 0;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ull;
	}
	return h ^ '\n';
}

static int start_scenario(struct parser *p, int ntok, char **tok, struct pl_err *err)
{
	struct pl_scenario *s = &p->cur;
	const char *first;
	int fline;

	if (ntok != 2 || !valid_name(tok[1]))
		return perr(p, err, -EINVAL, "scenario wants one name of a-z, 0-9, '-', '_', '.' (at most 79 characters)");
	pl_scn_free(s);
	p->have = true;
	snprintf(s->name, sizeof(s->name), "%s", tok[1]);
	snprintf(s->category, sizeof(s->category), "%s", p->category);
	s->file = strdup(p->file);
	s->line = p->line;
	s->repeat = 1;
	s->timeout_ms = 1000;
	s->hash = 0xcbf29ce484222325ull;
	s->src_hash = 0xcbf29ce484222325ull;
	if (s->category[0] && p->defined &&
	    (first = p->defined(p->ctx, s->category, s->name, p->file, s->line, &fline)))
		return perr(p, err, -EEXIST, "scenario %s/%s already defined at %s:%d", s->category,
			    s->name, first, fline);
	return s->file ? 0 : perr(p, err, -ENOMEM, "out of memory");
}

/* send pcap=FILE: the capture, relative to the scenario file's folder unless absolute,
 * read through once now to count its IPv4 packets (and find damage: the scenario is
 * refused, naming the line, the capture and the offset) */
static int send_pcap(struct parser *p, struct pl_scenario *s, int ntok, char **tok, struct pl_err *err)
{
	const char *file = tok[1] + 5, *slash = strrchr(p->file, '/');
	struct pl_cap_reader r;
	struct pl_cap_pkt pk;
	struct pl_err cerr;
	char *path;
	int rc;

	if (ntok != 2 || !file[0])
		return perr(p, err, -EINVAL, "send pcap=FILE takes the capture's path and nothing else");
	if (s->pcap || s->nsend)
		return perr(p, err, -EINVAL, "a scenario with send pcap= sends only its capture (one send line)");
	if (file[0] == '/' || !slash)
		path = strdup(file);
	else if (asprintf(&path, "%.*s/%s", (int)(slash - p->file), p->file, file) < 0)
		path = NULL;
	if (!path)
		return perr(p, err, -ENOMEM, "out of memory");
	if ((rc = pl_cap_open(&r, path, &cerr))) {
		free(path);
		return perr(p, err, rc, "send pcap=%s: %s", file, cerr.msg);
	}
	while ((rc = pl_cap_next(&r, &pk, &cerr)) == 1)
		;
	s->pcap_n = r.n;
	pl_cap_close(&r);
	if (rc) {
		free(path);
		return perr(p, err, rc, "send pcap=%s: %s", file, cerr.msg);
	}
	if (!s->pcap_n) {
		free(path);
		return perr(p, err, -ENOENT, "send pcap=%s: no IPv4 packets in it", file);
	}
	s->pcap = path;
	memset(&s->send[0], 0, sizeof(s->send[0]));
	s->send[0].line = p->line;
	s->nsend = 1;
	return 0;
}

static int scenario_line(struct parser *p, int ntok, char **tok, struct pl_err *err)
{
	struct pl_scenario *s = p->have ? &p->cur : NULL;
	const char *d = tok[0];
	int i;

	if (!strcmp(d, "scenario"))
		return start_scenario(p, ntok, tok, err);
	if (!s)
		return perr(p, err, -EINVAL, "'%s' before the first 'scenario NAME' line", d);

	if (!strcmp(d, "category")) {
		size_t k;

		if (ntok != 2)
			return perr(p, err, -EINVAL, "category wants one of valid, malformed, non-icmp, adversarial");
		for (k = 0; k < 4; k++)
			if (!strcmp(tok[1], categories[k]))
				break;
		if (k == 4)
			return perr(p, err, -EINVAL, "unknown category '%s' (valid, malformed, non-icmp, adversarial)", tok[1]);
		if (s->category[0] && strcmp(s->category, tok[1]))
			return perr(p, err, -EINVAL, "category %s contradicts the folder %s", tok[1], s->category);
		snprintf(s->category, sizeof(s->category), "%s", tok[1]);
		return 0;
	}
	if (!strcmp(d, "description") || !strcmp(d, "desc"))
		return text_arg(p, &s->description, ntok, tok, "description", err);
	if (!strcmp(d, "reason"))
		return text_arg(p, &s->reason, ntok, tok, "reason", err);
	if (!strcmp(d, "basis"))
		return text_arg(p, &s->basis, ntok, tok, "basis", err);
	if (!strcmp(d, "tags")) {
		if (ntok < 2)
			return perr(p, err, -EINVAL, "tags wants at least one tag");
		for (i = 1; i < ntok; i++) {
			char *t, *save = NULL;

			for (t = strtok_r(tok[i], ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				if (!valid_name(t) || strlen(t) >= sizeof(s->tags[0]))
					return perr(p, err, -EINVAL, "tag '%s': a-z, 0-9, '-', '_', '.', at most 31 characters", t);
				if (s->ntags == PL_SCN_MAX_TAGS)
					return perr(p, err, -E2BIG, "more than %d tags", PL_SCN_MAX_TAGS);
				snprintf(s->tags[s->ntags++], sizeof(s->tags[0]), "%s", t);
			}
		}
		return 0;
	}
	if (!strcmp(d, "send")) {
		struct pl_send *snd;
		struct pl_err ferr;

		if (ntok >= 2 && !strncmp(tok[1], "pcap=", 5))
			return send_pcap(p, s, ntok, tok, err);
		if (s->pcap)
			return perr(p, err, -EINVAL, "a scenario with send pcap= sends only its capture (one send line)");
		if (s->nsend == PL_SCN_MAX_SENDS)
			return perr(p, err, -E2BIG, "more than %d send lines in one scenario", PL_SCN_MAX_SENDS);
		snd = &s->send[s->nsend++];
		memset(snd, 0, sizeof(*snd));
		snd->line = p->line;
		for (i = 1; i < ntok; i++)
			if (set_field(snd, tok[i], &ferr))
				return perr(p, err, -EINVAL, "%s", ferr.msg);
		return 0;
	}
	if (!strcmp(d, "repeat")) {
		uint32_t n;
		uint64_t us = 0;

		if ((ntok != 2 && ntok != 4) || parse_u32(tok[1], 100000, &n) || n == 0)
			return perr(p, err, -EINVAL, "repeat wants a count 1..100000 [interval DURATION]");
		if (ntok == 4 && (strcmp(tok[2], "interval") || parse_duration_us(tok[3], &us) || us > 10000000))
			return perr(p, err, -EINVAL, "repeat: interval wants a duration up to 10s, e.g. 10ms");
		s->repeat = n;
		s->interval_us = (unsigned)us;
		return 0;
	}
	if (!strcmp(d, "timeout")) {
		uint64_t us;

		if (ntok != 2 || parse_duration_us(tok[1], &us))
			return perr(p, err, -EINVAL, "timeout wants a duration from 1ms to 600s, e.g. 2s");
		/* the wait is kept in whole milliseconds */
		if (us < 1000 || us > 600000000)
			return perr(p, err, -ERANGE, "timeout %s is %s (timeouts go from 1ms to 600s, e.g. 2s)", tok[1],
				    us < 1000 ? "below the minimum of 1ms" : "above the maximum of 600s");
		if (us % 1000)
			return perr(p, err, -EINVAL, "timeout %s is not a whole number of milliseconds (timeouts go from 1ms to 600s in steps of 1ms)", tok[1]);
		s->timeout_ms = (unsigned)(us / 1000);
		s->timeout_set = true;
		return 0;
	}
	if (!strncmp(d, "expect", 6)) {
		struct pl_expect *slot = NULL;
		bool host = false;
		int rc = expect_slot(p, d, &slot, &host, err);

		return rc ? rc : parse_expect(p, slot, host, ntok, tok, err);
	}
	return perr(p, err, -EINVAL, "unknown directive '%s'", d);
}

/* ---- validation at the end of a file ---------------------------------------------- */

static int check_send(struct parser *p, const struct pl_send *snd, struct pl_err *err)
{
	const struct pl_fval *f = snd->f;
	const struct pl_proto *used = NULL;
	size_t k;

	p->line = snd->line;
	if (f[F_HEX].mode) {
		for (k = 0; k < F__COUNT; k++)
			if (k != F_HEX && k != F_ETHERTYPE && k != F_TRUNCATE && k != F_APPEND && f[k].mode)
				return perr(p, err, -EINVAL, "hex= gives the whole packet; it cannot be combined with %s",
					    pl_field_name((enum pl_field)k));
		if (snd->hex.len >= 20 && snd->hex.src[0].data[0] >> 4 == 4) {
			/* hex= is one literal source (it takes no +=) */
			uint32_t dst = pl_get32(snd->hex.src[0].data + 16);
			char a[16];

			if (!pl_scn_lab_dst(dst))
				return perr(p, err, -EINVAL, "hex= packet's destination %s is outside the lab (10.77.0.0/16, multicast, broadcast or 0.0.0.0 only)",
					    pl_ip_str(dst, a));
		}
		return 0;
	}
	/* fields of one transport header only, and the protocol it is */
	for (k = 0; k < F__COUNT; k++) {
		const struct pl_proto *pr = pl_proto(pl_fdesc((enum pl_field)k)->hdr);

		if (!f[k].mode || !pr || pr->type == PL_HDR_IPV4)
			continue;
		if (used && used != pr)
			return perr(p, err, -EINVAL, "%s and %s fields in one packet", used->name, pr->name);
		used = pr;
	}
	if (used && f[F_IP_PROTO].mode == FM_VALUE && f[F_IP_PROTO].v != used->ipproto)
		return perr(p, err, -EINVAL, "%s fields given but ip.proto is %u", used->name, f[F_IP_PROTO].v);
	if (used && f[F_L4].mode)
		return perr(p, err, -EINVAL, "l4= gives the whole layer-4 part; it cannot be combined with %s fields",
			    used->name);
	if (f[F_L4].mode && f[F_PAYLOAD].mode)
		return perr(p, err, -EINVAL, "l4= and payload= in one packet (l4 already holds everything after the IP header)");
	if (f[F_ICMP_REST].mode && (f[F_ICMP_ID].mode || f[F_ICMP_SEQ].mode))
		return perr(p, err, -EINVAL, "icmp.rest covers icmp.id and icmp.seq; give one or the other");
	if (f[F_IP_FLAGS].mode && (f[F_IP_DF].mode || f[F_IP_MF].mode || f[F_IP_RF].mode))
		return perr(p, err, -EINVAL, "ip.flags and ip.df/ip.mf/ip.rf in one packet");
	if (f[F_IP_IHL].mode == FM_VALUE && snd->opt.len &&
	    f[F_IP_IHL].v * 4 < PL_IPV4_HDR_MIN + snd->opt.len)
		return perr(p, err, -EINVAL, "ip.ihl=%u leaves no room for %zu option bytes", f[F_IP_IHL].v, snd->opt.len);
	return 0;
}

static void describe_decision(const struct pl_decision *d, char *out, size_t n)
{
	snprintf(out, n, "rule %d %s: %s", d->rule->number, d->rule->id, d->detail);
}

/* The expectation of packet i under stack st (responder target) against st's rules:
 * `reply` for a packet they drop, or `drop` for one they answer, is an error, and so is
 * an override of a field the reply does not have. */
static int check_expect(struct parser *p, const struct pl_scenario *s, size_t i, const struct pl_stack *st,
			const uint8_t *pkt, size_t len, struct pl_err *err)
{
	static uint8_t rep[MAX_BYTES + 64];
	const struct pl_expect *e = pl_scn_expect(s, i, PL_TARGET_RESPONDER, st->id);
	bool own = st->id == PL_STACK_ECHO || e == &s->expect_host[0] || e == &s->expect_host[i + 1];
	const char *under = st->id == PL_STACK_ECHO ? "" : own ? " (host stack)" : " (under the host stack; expect.host gives its own)";
	const char *whose = st->id == PL_STACK_ECHO ? "reference" : st->name;
	struct pl_decision d;
	struct pl_hdrs hs;
	size_t rl, k;
	char why[240];

	st->reply(pkt, len, PL_RESPONDER_ADDR, rep, sizeof(rep), &rl, &d, NULL);
	describe_decision(&d, why, sizeof(why));
	p->line = e->line;
	if (e->kind == EXP_REPLY && d.action == PL_ACTION_DROP)
		return perr(p, err, -EINVAL, "expect reply%s, but the %s rules drop packet %zu (%s)", under, whose, i + 1, why);
	if (e->kind == EXP_DROP && d.action == PL_ACTION_REPLY)
		return perr(p, err, -EINVAL, "expect drop%s, but the %s rules answer packet %zu (%s)", under, whose, i + 1, why);
	if (e->kind != EXP_REPLY || pl_hdrs_parse(rep, rl, &hs, NULL))
		return 0;
	for (k = 0; k < e->nfields; k++)
		if (pl_hdrs_find(&hs, pl_fdesc(e->field[k])->hdr, false) < 0)
			return perr(p, err, -EINVAL, "expect reply %s: the %s rules' answer to packet %zu has no such field (%s)",
				    pl_field_name(e->field[k]), st->name, i + 1, why);
	return 0;
}

/* Every packet must build for both targets, and `expect reply`/`expect drop` must agree
 * with the stacks' rules for the responder target. */
static int check_scenario(struct parser *p, struct pl_scenario *s, struct pl_err *err)
{
	static uint8_t pkt[MAX_BYTES + 64];
	size_t i;
	int t;

	p->line = s->line;
	if (!s->category[0])
		return perr(p, err, -EINVAL, "scenario %s: no category (put the file under scenarios/<category>/ or add a category line)", s->name);
	snprintf(s->id, sizeof(s->id), "%s/%s", s->category, s->name);
	if (s->nsend == 0)
		return perr(p, err, -EINVAL, "scenario %s sends no packet (add a send line)", s->name);
	if (s->pcap) {
		/* its packets' expectations are the reference's decisions, as pinglab import
		 * writes them: only the kernel's may be stated, for all its packets */
		for (i = 0; i <= PL_SCN_MAX_SENDS; i++) {
			const struct pl_expect *own[] = { &s->expect[i], &s->expect_host[i], &s->expect_kernel[i],
							  &s->expect_kernel_host[i] };

			for (t = 0; t < 4; t++)
				if (own[t]->kind && (t < 2 || i > 0)) {
					p->line = own[t]->line;
					return perr(p, err, -EINVAL, "a send pcap= scenario's packets are expected what the reference "
								     "decides for each; only expect.kernel (and expect.kernel.host) "
								     "may be given, for all of them");
				}
		}
		return 0;
	}
	for (i = 0; i < s->nsend; i++) {
		if (check_send(p, &s->send[i], err))
			return -EINVAL;
		p->line = s->line;
		if (s->expect[0].kind == EXP_NONE && s->expect[i + 1].kind == EXP_NONE)
			return perr(p, err, -EINVAL, "scenario %s: no expectation for packet %zu (add an expect line)", s->name, i + 1);
	}
	for (i = s->nsend + 1; i <= PL_SCN_MAX_SENDS; i++) {
		const struct pl_expect *all[] = { &s->expect[i], &s->expect_kernel[i], &s->expect_host[i],
						  &s->expect_kernel_host[i] };

		for (t = 0; t < 4; t++)
			if (all[t]->kind) {
				p->line = all[t]->line;
				return perr(p, err, -EINVAL, "expectation for packet %zu, but the scenario sends %zu", i, s->nsend);
			}
	}
	for (i = 0; i < s->nsend; i++) {
		for (t = 0; t < 2; t++) {
			struct pl_err berr;
			size_t len;
			uint16_t et;
			int k;

			if (pl_scn_build(s, i, 0, (enum pl_target_kind)t, pkt, sizeof(pkt), &len, &et, &berr)) {
				p->line = s->send[i].line;
				return perr(p, err, -EINVAL, "%s", berr.msg);
			}
			if (t != PL_TARGET_RESPONDER)
				continue;
			for (k = 0; k < PL_STACK__COUNT; k++)
				if ((k == PL_STACK_ECHO || k == (int)p->stack || pl_scn_has_host(s)) &&
				    check_expect(p, s, i, pl_stack((enum pl_stack_id)k), pkt, et != 0x0800 ? 0 : len, err))
					return -EINVAL;
		}
	}
	return 0;
}

/* ---- a file, a scenario at a time ------------------------------------------------- */

void fp_init(struct fparse *fp, const char *file, FILE *f, const char *text, size_t len, enum pl_stack_id stack,
	     bool check)
{
	const char *dir_end = strrchr(file, '/');
	size_t k;

	memset(fp, 0, sizeof(*fp));
	fp->file = file;
	fp->f = f;
	fp->text = text;
	fp->len = len;
	fp->stack = stack;
	fp->check = check;
	/* category from the parent folder */
	if (dir_end) {
		const char *dir_start = dir_end;

		while (dir_start > file && dir_start[-1] != '/')
			dir_start--;
		for (k = 0; k < 4; k++)
			if ((size_t)(dir_end - dir_start) == strlen(categories[k]) &&
			    !strncmp(dir_start, categories[k], strlen(categories[k])))
				snprintf(fp->category, sizeof(fp->category), "%s", categories[k]);
	}
}

void fp_free(struct fparse *fp)
{
	pl_scn_free(&fp->cur);
	free(fp->buf);
	fp->buf = NULL;
}

static int fp_getc(struct fparse *fp)
{
	if (fp->f)
		return getc_unlocked(fp->f);
	return fp->pos < fp->len ? (unsigned char)fp->text[fp->pos++] : EOF;
}

static bool fp_at_end(struct fparse *fp)
{
	int c;

	if (!fp->f)
		return fp->pos >= fp->len;
	c = getc_unlocked(fp->f);
	if (c == EOF)
		return true;
	ungetc(c, fp->f);
	return false;
}

/* One logical line into buf: physical lines joined where one ends in a backslash.
 * 1: a line, 0: end of file, < 0: an error. */
static int fp_read_line(struct fparse *fp, struct pl_err *err)
{
	size_t blen = 0;
	int first_line, c;

	if (fp_at_end(fp))
		return 0;
	first_line = ++fp->line;
	for (;;) {
		size_t start = blen;
		bool nul = false;

		while ((c = fp_getc(fp)) != EOF && c != '\n') {
			if (blen >= PL_SCN_LINE_MAX) {
				fp->line = first_line;
				return perr(fp, err, -E2BIG, "line longer than %d bytes", PL_SCN_LINE_MAX);
			}
			if (blen + 2 > fp->cap) {
				size_t ncap = fp->cap ? fp->cap * 2 : 256;
				char *nb;

				nb = realloc(fp->buf, ncap);
				if (!nb)
					return perr(fp, err, -ENOMEM, "out of memory");
				fp->buf = nb;
				fp->cap = ncap;
			}
			nul |= c == '\0';
			fp->buf[blen++] = (char)c;
		}
		if (fp->f && ferror(fp->f))
			return perr(fp, err, -EIO, "cannot read: %s", strerror(errno));
		if (!fp->buf) {
			if (!(fp->buf = malloc(fp->cap = 256)))
				return perr(fp, err, -ENOMEM, "out of memory");
		}
		fp->buf[blen] = '\0';
		if (nul || memchr(fp->buf, '\0', start))
			return perr(fp, err, -EINVAL, "NUL byte in the file (write \\0 inside a text:\"...\" string)");
		if (blen && fp->buf[blen - 1] == '\r')
			fp->buf[--blen] = '\0';
		if (!(blen && fp->buf[blen - 1] == '\\'))
			break;
		if (fp_at_end(fp))
			return perr(fp, err, -EINVAL, "the line ends in \\ but the file ends there: the continuation is unfinished at end of file");
		fp->buf[--blen] = ' ';
		fp->line++;
	}
	fp->line_hash = fnv1a(0xcbf29ce484222325ull, fp->buf);
	{
		int save = fp->line;

		fp->line = first_line;
		fp->ntok = tokenize(fp->buf, fp->tok, MAX_TOKENS);
		c = 0;
		if (fp->ntok == -1)
			c = perr(fp, err, -EINVAL, "unterminated \"string\"");
		else if (fp->ntok == -2)
			c = perr(fp, err, -E2BIG, "more than %d words on one line", MAX_TOKENS);
		if (!c)
			fp->line = save;
		/* the tokens' line, for scenario_line */
		fp->tok_line = first_line;
	}
	return c ? c : 1;
}

/* The scenario being parsed is complete: its id, and its check */
static void fp_complete(struct fparse *fp)
{
	struct pl_scenario *s = &fp->cur;
	int save = fp->line;

	fp->have = false;
	fp->nscn++;
	snprintf(s->id, sizeof(s->id), "%s/%s", s->category, s->name);
	if (fp->check && !fp->check_rc) {
		int rc = check_scenario(fp, s, &fp->check_err);

		if (rc)
			fp->check_rc = rc < 0 ? rc : -EINVAL;
	}
	fp->line = save;
}

int fp_next(struct fparse *fp, struct pl_scenario **out, struct pl_err *err)
{
	int rc;

	for (;;) {
		if (!fp->pending) {
			rc = fp_read_line(fp, err);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				if (fp->have) {
					fp_complete(fp);
					*out = &fp->cur;
					return 1;
				}
				if (fp->check_rc) {
					if (err)
						*err = fp->check_err;
					return fp->check_rc;
				}
				if (!fp->nscn)
					return pl_errf(err, -EINVAL, "%s: no scenario in this file", fp->file);
				return 0;
			}
			if (fp->have && fp->ntok > 0 && !strcmp(fp->tok[0], "scenario")) {
				/* the next scenario begins: this one is whole */
				fp->pending = true;
				fp_complete(fp);
				*out = &fp->cur;
				return 1;
			}
		}
		fp->pending = false;
		if (fp->ntok > 0) {
			int save = fp->line;

			fp->line = fp->tok_line;
			rc = scenario_line(fp, fp->ntok, fp->tok, err);
			fp->line = save;
			if (rc)
				return rc < 0 ? rc : -EINVAL;
		}
		/* the scenario's hash (and so its packets' ids) covers its own lines, comments
		 * included, but for the host stack's expectations: giving a scenario one keeps
		 * its packets what they were, so runs from before still compare packet for
		 * packet; src_hash covers every line */
		if (fp->have) {
			if (!(fp->ntok > 0 && !strncmp(fp->tok[0], "expect", 6) && strstr(fp->tok[0], ".host")))
				fp->cur.hash = (fp->cur.hash ^ fp->line_hash) * 0x100000001b3ull;
			fp->cur.src_hash = (fp->cur.src_hash ^ fp->line_hash) * 0x100000001b3ull;
		}
	}
}

bool pl_scn_has_tag(const struct pl_scenario *s, const char *tag)
{
	size_t i;

	for (i = 0; i < s->ntags; i++)
		if (!strcmp(s->tags[i], tag))
			return true;
	return !strcmp(s->category, tag);
}

/* the first of the lines given: packet idx's, then the scenario's */
static const struct pl_expect *pick(const struct pl_expect *v, size_t idx)
{
	return v[idx + 1].kind ? &v[idx + 1] : v[0].kind ? &v[0] : NULL;
}

const struct pl_expect *pl_scn_expect(const struct pl_scenario *s, size_t idx, enum pl_target_kind t,
				      enum pl_stack_id stack)
{
	const struct pl_expect *e = NULL;

	if (stack == PL_STACK_HOST && t == PL_TARGET_KERNEL)
		e = pick(s->expect_kernel_host, idx);
	if (!e && stack == PL_STACK_HOST)
		e = pick(s->expect_host, idx);
	if (!e && t == PL_TARGET_KERNEL)
		e = pick(s->expect_kernel, idx);
	if (!e)
		e = s->expect[idx + 1].kind ? &s->expect[idx + 1] : &s->expect[0];
	return e;
}

bool pl_scn_has_host(const struct pl_scenario *s)
{
	size_t i;

	for (i = 0; i <= PL_SCN_MAX_SENDS; i++)
		if (s->expect_host[i].kind || s->expect_kernel_host[i].kind)
			return true;
	return false;
}

const char *pl_expect_kind_name(enum pl_expect_kind k)
{
	switch (k) {
	case EXP_REPLY: return "reply";
	case EXP_DROP: return "drop";
	case EXP_EITHER: return "either";
	case EXP_MATCH: return "match";
	default: return "none";
	}
}

void pl_expect_describe(const struct pl_expect *e, char *out, size_t outsz)
{
	size_t used, i;

	snprintf(out, outsz, "%s%s", pl_expect_kind_name(e->kind),
		 e->kind == EXP_REPLY && e->strict == PL_STRICT_RFC ? " rfc" : "");
	used = strlen(out);
	for (i = 0; i < e->nfields && used + 1 < outsz; i++) {
		char v[24];
		int w;

		pl_field_value_str(e->field[i], e->value[i], v, sizeof(v));
		w = snprintf(out + used, outsz - used, " %s%s=%s", e->quoted[i] ? PL_QUOTED_PREFIX : "",
			     pl_field_name(e->field[i]), v);
		if (w < 0 || (size_t)w >= outsz - used)
			break;
		used += (size_t)w;
	}
}
