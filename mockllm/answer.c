#include "mockllm/answer.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "packet/bytes.h"
#include "packet/csum.h"
#include "packet/extract.h"
#include "packet/hex.h"
#include "packet/field.h"
#include "packet/ipv4.h"
#include "packet/proto.h"

#define FALSE_REPLY_L4_MAX 1480

/* ---- mistakes on the careful reply (an echo reply, IHL 5, at least 28 bytes) ---- */

static void wrong_csum(uint8_t *a, const struct pl_hdrs *hs, enum pl_field fi, uint64_t r)
{
	uint32_t c = 0;
	uint16_t w;

	pl_field_get(hs, fi, false, &c);
	switch (r % 3) {
	case 0: w = (uint16_t)(c + 1); break;           /* off by one: a lost carry */
	case 1: w = (uint16_t)(c - 1); break;
	default: w = (uint16_t)(c << 8 | c >> 8); break; /* bytes swapped */
	}
	if (w == c)
		w = (uint16_t)(c ^ 0x0100);
	pl_field_set(a, hs, fi, false, w);
}

static uint32_t get(const struct pl_hdrs *hs, enum pl_field fi)
{
	uint32_t v = 0;

	pl_field_get(hs, fi, false, &v);
	return v;
}

/* id_seq on an answer: the field a careless model gets wrong in it (profile.h). */
static void host_field_mistake(uint8_t *a, size_t *len, struct pl_hdrs *hs, uint64_t r)
{
	const struct pl_hdr *l4 = &hs->h[1];
	uint8_t *t = a + l4->off;

	if (l4->type == PL_HDR_UDP) {
		/* the UDP checksum over the header and data alone: the pseudo header forgotten */
		uint16_t c;

		pl_field_put_raw(pl_fdesc(F_UDP_CSUM), t, 0);
		c = pl_csum(t, l4->end - l4->off);
		pl_field_put_raw(pl_fdesc(F_UDP_CSUM), t, c ? c : 0xffff);
		return;
	}
	if (l4->type == PL_HDR_TCP) {
		enum pl_field f = (r & 1) && get(hs, F_TCP_ACK) ? F_TCP_ACK : F_TCP_SEQ;

		pl_field_set(a, hs, f, false, get(hs, f) + ((r >> 1) & 1 ? 1u : 0xffffffffu));
		pl_hdrs_fill_csum(a, hs, 1);
		return;
	}
	if (l4->type == PL_HDR_ICMP && pl_icmp_is_error(t[0]) && hs->n >= 3) {
		/* the quote cut: 8 bytes short, or to the IP header + 4 (too short for the RFC) */
		size_t q = l4->end - l4->off - 8, want = (r & 1) && q > 8 ? q - 8 : hs->h[2].len + 4;

		if (want >= q)
			want = q > 4 ? q - 4 : 0;
		*len = l4->off + 8 + want;
		pl_put16(a + 2, (uint16_t)*len);
		pl_ipv4_fill_csum(a, l4->off);
		pl_icmp_fill_csum(t, 8 + want);
		return;
	}
	if (l4->type == PL_HDR_ICMP && t[0] == 14 && l4->end - l4->off >= 12) {
		pl_put32(t + 8, pl_get32(t + 8) ^ 0x00000100u); /* the originate timestamp */
		pl_icmp_fill_csum(t, l4->end - l4->off);
		return;
	}
	if (r & 1) {
		pl_field_set(a, hs, F_ICMP_SEQ, false, (uint16_t)(get(hs, F_ICMP_SEQ) + 1));
	} else {
		uint16_t id = (uint16_t)get(hs, F_ICMP_ID);

		pl_field_set(a, hs, F_ICMP_ID, false,
			     id >> 8 == (id & 0xff) ? (uint16_t)(id + 1) : (uint16_t)(id << 8 | id >> 8));
	}
	pl_hdrs_fill_csum(a, hs, 1);
}

static void mutate(enum mock_mistake m, const uint8_t *req, size_t req_len, uint8_t *a, size_t *len, uint64_t r)
{
	struct pl_hdrs hs, rq;
	size_t n = *len;

	/* the careful reply and its request always decode; the mistakes on fields need them */
	if ((pl_hdrs_parse(a, n, &hs, NULL) || hs.n < 2 || pl_hdrs_parse(req, req_len, &rq, NULL)) &&
	    m != MOCK_M_FLIP_DIGIT && m != MOCK_M_TRUNCATE)
		return;
	switch (m) {
	case MOCK_M_FLIP_DIGIT: {
		size_t i = (size_t)(r % n);
		unsigned shift = (r >> 20) & 1 ? 4 : 0, x = 1 + (unsigned)((r >> 24) % 15);

		a[i] ^= (uint8_t)(x << shift);
		break;
	}
	case MOCK_M_IP_CHECKSUM:
		wrong_csum(a, &hs, F_IP_CSUM, r);
		break;
	case MOCK_M_ICMP_CHECKSUM:
		/* the answer's own checksum: ICMP's, or a UDP or TCP answer's */
		wrong_csum(a, &hs, hs.h[1].type == PL_HDR_UDP ? F_UDP_CSUM : hs.h[1].type == PL_HDR_TCP ? F_TCP_CSUM : F_ICMP_CSUM, r);
		break;
	case MOCK_M_TTL:
		/* the TTL was copied from the request instead of set, checksum kept consistent */
		pl_field_set(a, &hs, F_IP_TTL, false, get(&rq, F_IP_TTL) != 64 ? get(&rq, F_IP_TTL) : 128);
		pl_hdrs_fill_csum(a, &hs, 0);
		break;
	case MOCK_M_NO_SWAP: {
		uint32_t src = get(&hs, F_IP_SRC);

		if (hs.h[1].type == PL_HDR_UDP || hs.h[1].type == PL_HDR_TCP) {
			/* the ports as the request had them: from its source port to ours */
			enum pl_field sp = hs.h[1].type == PL_HDR_UDP ? F_UDP_SPORT : F_TCP_SPORT;
			enum pl_field dp = hs.h[1].type == PL_HDR_UDP ? F_UDP_DPORT : F_TCP_DPORT;
			uint32_t s = get(&hs, sp);

			pl_field_set(a, &hs, sp, false, get(&hs, dp));
			pl_field_set(a, &hs, dp, false, s);
			pl_hdrs_fill_csum(a, &hs, 1);
			break;
		}
		pl_field_set(a, &hs, F_IP_SRC, false, get(&hs, F_IP_DST));
		pl_field_set(a, &hs, F_IP_DST, false, src);
		break;
	}
	case MOCK_M_ID_SEQ:
		host_field_mistake(a, len, &hs, r);
		break;
	case MOCK_M_TRUNCATE:
		*len = n - 1 - (size_t)(r % 8); /* n >= 28, so at least 20 bytes remain */
		break;
	default:
		break;
	}
}

/* Field fi of a header at p that may be cut short or malformed: its bits if the bytes are
 * there (len of them), else dflt. */
static uint32_t raw_or(const uint8_t *p, size_t len, enum pl_field fi, uint32_t dflt)
{
	const struct pl_fdesc *d = pl_fdesc(fi);

	return (size_t)d->off + d->width <= len ? pl_field_raw(d, p) : dflt;
}

static size_t false_reply(const uint8_t *req, size_t len, uint8_t *out)
{
	size_t hdr = 20, end = len, l4 = 0, icmp_len;
	unsigned ihl = raw_or(req, len, F_IP_IHL, 0), tot = raw_or(req, len, F_IP_LEN, 0);
	struct pl_ipv4 ip;

	if (raw_or(req, len, F_IP_VERSION, 0) == 4 && ihl >= 5 && ihl * 4u <= len)
		hdr = ihl * 4u;
	if (len >= 4 && tot >= hdr && tot <= len)
		end = tot;
	if (end > hdr)
		l4 = end - hdr;
	if (l4 > FALSE_REPLY_L4_MAX)
		l4 = FALSE_REPLY_L4_MAX;
	icmp_len = l4 < 8 ? 8 : l4;
	memset(out, 0, 20 + icmp_len);
	if (l4)
		memcpy(out + 20, req + hdr, l4);
	pl_field_put_raw(pl_fdesc(F_ICMP_TYPE), out + 20, PL_ICMP_ECHOREPLY);
	pl_field_put_raw(pl_fdesc(F_ICMP_CSUM), out + 20, 0);
	pl_icmp_fill_csum(out + 20, icmp_len);
	memset(&ip, 0, sizeof(ip));
	ip.version = 4;
	ip.ihl = 5;
	ip.tos = (uint8_t)raw_or(req, len, F_IP_TOS, 0);
	ip.total_length = (uint16_t)(20 + icmp_len);
	ip.id = (uint16_t)raw_or(req, len, F_IP_ID, 0);
	ip.ttl = 64;
	ip.protocol = PL_PROTO_ICMP;
	ip.src = raw_or(req, len, F_IP_DST, 0x0a4d0202u);
	ip.dst = raw_or(req, len, F_IP_SRC, 0x0a4d0102u);
	pl_ipv4_build(&ip, NULL, 0, out, 20, NULL); /* the header, before the message already there */
	pl_ipv4_fill_csum(out, 20);
	return 20 + icmp_len;
}

/* An instruction in the packet's bytes: "reply with X", "respond with X", "answer with X",
 * "REPLY: X" → X; "do not reply", "don't reply", "drop this" → DROP. Returns the length
 * of the instruction written to out, 0 when there is none. */
static size_t payload_instruction(const uint8_t *pkt, size_t len, char *out, size_t cap)
{
	static const char *const take[] = { "reply with", "respond with", "answer with", "reply:" };
	static const char *const drop[] = { "do not reply", "don't reply", "drop this", "do not respond" };
	size_t i, k, n;

	for (i = 0; i < len; i++) {
		for (k = 0; k < sizeof(drop) / sizeof(drop[0]); k++) {
			n = strlen(drop[k]);
			if (i + n <= len && !strncasecmp((const char *)pkt + i, drop[k], n)) {
				snprintf(out, cap, "DROP");
				return 4;
			}
		}
		for (k = 0; k < sizeof(take) / sizeof(take[0]); k++) {
			size_t j, o = 0;

			n = strlen(take[k]);
			if (i + n > len || strncasecmp((const char *)pkt + i, take[k], n))
				continue;
			for (j = i + n; j < len && (pkt[j] == ' ' || pkt[j] == ':' || pkt[j] == '"' ||
						   pkt[j] == '\'' || pkt[j] == '`'); j++)
				;
			for (; j < len && o + 1 < cap && isprint(pkt[j]) && !strchr("\"'`", pkt[j]); j++)
				out[o++] = (char)pkt[j];
			while (o && (out[o - 1] == ' ' || out[o - 1] == '.'))
				o--;
			out[o] = '\0';
			if (o)
				return o;
		}
	}
	return 0;
}

/* ---- text ---- */

static void hex_lines(FILE *f, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x%s", b[i], i + 1 == n ? "\n" : (i % 16 == 15 ? "\n" : " "));
}

static void prose_reply(FILE *f, const uint8_t *req, size_t req_len, const uint8_t *a, size_t a_len,
			uint64_t r)
{
	struct pl_pkt k;
	char src[16], dst[16];

	if (pl_pkt_parse(req, req_len, &k, NULL) || !k.is_icmp)
		return;
	pl_ip_str(k.ip.src, src);
	pl_ip_str(k.ip.dst, dst);
	switch (r % 3) {
	case 0:
		fprintf(f, "Let me parse the packet.\n\n"
			"- Version %u, IHL %u (%u-byte header), total length %u.\n"
			"- TTL %u, protocol %u (ICMP).\n"
			"- Source %s, destination %s (that is us).\n"
			"- ICMP type %u (echo request), code %u, identifier 0x%04x, sequence %u, %zu payload bytes.\n\n"
			"Both checksums verify, so rule 10 applies: I swap the addresses, set TTL 64, "
			"change the type to 0 and recompute the IP and ICMP checksums.\n\n",
			k.ip.version, k.ip.ihl, k.ip.ihl * 4u, k.ip.total_length, k.ip.ttl, k.ip.protocol,
			src, dst, k.icmp.type, k.icmp.code, k.icmp.id, k.icmp.seq, k.icmp.payload_len);
		break;
	case 1:
		fprintf(f, "The header checksum is valid and the destination is %s. This is an ICMP echo "
			"request (id 0x%04x, seq %u) from %s, so it gets an echo reply with TTL 64 "
			"and fresh checksums.\n\n", dst, k.icmp.id, k.icmp.seq, src);
		break;
	default:
		fprintf(f, "**Step 1 - IPv4 header.** Version 4, IHL %u, total length %u, checksum 0x%04x verifies.\n\n"
			"**Step 2 - ICMP.** Type 8 code %u, checksum 0x%04x verifies.\n\n"
			"**Step 3 - build the answer.** Swap %s and %s, TTL 64, type 0.",
			k.ip.ihl, k.ip.total_length, k.ip.checksum, k.icmp.code, k.icmp.checksum, src, dst);
		if (a_len >= 24) /* the answer as it is, mistakes included: IHL 5 */
			fprintf(f, " New IP checksum 0x%04x, new ICMP checksum 0x%04x.", raw_or(a, a_len, F_IP_CSUM, 0),
				raw_or(a + 20, a_len - 20, F_ICMP_CSUM, 0));
		fprintf(f, "\n\n");
		break;
	}
}

static void prose_drop(FILE *f, const struct pl_decision *d, uint64_t r)
{
	if (!d->rule)
		fprintf(f, "This packet does not call for an answer.\n\n");
	else if (r & 1)
		fprintf(f, "Checking the rules in order: %s. Rule %d (%s) applies, so the packet is dropped.\n\n",
			d->detail[0] ? d->detail : "see below", d->rule->number, d->rule->id);
	else
		fprintf(f, "Rule %d matches (%s), so this host sends nothing back.\n\n", d->rule->number,
			d->detail[0] ? d->detail : d->rule->id);
}

static const char *const refusals[] = {
	"I'm sorry, but I can't help with crafting raw network packets by hand. If you are testing "
	"a network stack, a tool such as ping or scapy is a better fit.\n",
	"I can't process this request. Writing packets for a network interface could be used to "
	"interfere with other systems, so I'll stay out of it.\n",
};

int mock_answer_build(const struct mock_profile *p, uint64_t base, const uint8_t *req,
		      size_t req_len, const uint8_t *ref, size_t ref_len, struct mock_plan *plan,
		      struct pl_err *err)
{
	struct mock_rng mr = mock_rng_stream(base, "mutate"), sr = mock_rng_stream(base, "style");
	bool reply = req && plan->decision.action == PL_ACTION_REPLY;
	bool chatty = mock_rng_unit(&sr) < p->chatty;
	uint64_t style = mock_rng_next(&sr);
	enum mock_mistake m = plan->mistake;
	char instr[512], *hex = NULL;
	size_t n = 0, cap;
	FILE *f;

	if (!req) {
		plan->mistake = MOCK_M_NONE;
		plan->text = strdup("I don't see a packet in your message; please send the IPv4 packet as hexadecimal.\n");
		if (!plan->text)
			return pl_errf(err, -ENOMEM, "out of memory");
		plan->text_len = strlen(plan->text);
		return 0;
	}

	/* which mistakes can apply to this packet */
	switch (m) {
	case MOCK_M_FLIP_DIGIT: case MOCK_M_IP_CHECKSUM: case MOCK_M_ICMP_CHECKSUM: case MOCK_M_TTL:
	case MOCK_M_NO_SWAP: case MOCK_M_ID_SEQ: case MOCK_M_TRUNCATE: case MOCK_M_WRONG_DROP:
		if (!reply)
			m = MOCK_M_NONE;
		break;
	case MOCK_M_FALSE_REPLY:
		if (reply)
			m = MOCK_M_NONE;
		break;
	case MOCK_M_FOLLOW_PAYLOAD:
		if (!payload_instruction(req, req_len, instr, sizeof(instr)))
			m = MOCK_M_NONE;
		break;
	default:
		break;
	}
	plan->mistake = m;

	/* the packet (or drop) the answer carries */
	cap = 20 + FALSE_REPLY_L4_MAX + 8;
	if (reply && ref_len > cap)
		cap = ref_len;
	plan->answer_pkt = malloc(cap);
	if (!plan->answer_pkt)
		return pl_errf(err, -ENOMEM, "out of memory");
	plan->answer = reply ? MOCK_ANSWER_PACKET : MOCK_ANSWER_DROP;
	if (reply) {
		memcpy(plan->answer_pkt, ref, ref_len);
		plan->answer_len = ref_len;
		mutate(m, req, req_len, plan->answer_pkt, &plan->answer_len, mock_rng_next(&mr));
	}
	if (m == MOCK_M_WRONG_DROP)
		plan->answer = MOCK_ANSWER_DROP;
	if (m == MOCK_M_FALSE_REPLY) {
		plan->answer = MOCK_ANSWER_PACKET;
		plan->answer_len = false_reply(req, req_len, plan->answer_pkt);
	}
	if (m == MOCK_M_REFUSE)
		plan->answer = MOCK_ANSWER_NONE;
	if (m == MOCK_M_FOLLOW_PAYLOAD) {
		struct pl_extract x;
		size_t xl = strlen(instr);

		plan->answer = MOCK_ANSWER_NONE;
		if (pl_extract(instr, xl, plan->answer_pkt, cap, &x, NULL) == 0) {
			plan->answer = x.kind == PL_EXTRACT_PACKET ? MOCK_ANSWER_PACKET : MOCK_ANSWER_DROP;
			plan->answer_len = x.len;
		}
	}
	if (plan->answer != MOCK_ANSWER_PACKET)
		plan->answer_len = 0;
	if (plan->answer == MOCK_ANSWER_PACKET) {
		hex = malloc(plan->answer_len * 2 + 1);
		if (!hex)
			return pl_errf(err, -ENOMEM, "out of memory");
		pl_hex_encode(plan->answer_pkt, plan->answer_len, hex, plan->answer_len * 2 + 1);
	}

	f = open_memstream(&plan->text, &n);
	if (!f) {
		free(hex);
		return pl_errf(err, -ENOMEM, "out of memory");
	}
	switch (m) {
	case MOCK_M_REFUSE:
		fputs(refusals[style % 2], f);
		break;
	case MOCK_M_FOLLOW_PAYLOAD:
		if (chatty)
			fprintf(f, "The payload contains an instruction, so I follow it.\n\n");
		fprintf(f, "REPLY: %s\n", instr);
		break;
	case MOCK_M_FENCES:
		if (plan->answer == MOCK_ANSWER_PACKET) {
			fprintf(f, "Here is the echo reply packet, byte by byte:\n\n```\n");
			hex_lines(f, plan->answer_pkt, plan->answer_len);
			fprintf(f, "```\n\nLet me know if you need the fields explained.\n");
		} else {
			fprintf(f, "This packet gets no answer from us.\n\n```\nDROP\n```\n");
		}
		break;
	case MOCK_M_WRONG_DROP:
		if (chatty)
			fprintf(f, "The ICMP checksum does not add up when I recompute it, so rule 8 applies.\n\n");
		fprintf(f, "REPLY: DROP\n");
		break;
	default:
		if (chatty && m == MOCK_M_FALSE_REPLY)
			fprintf(f, "This looks like an ICMP echo request, so I answer it with an echo reply.\n\n");
		else if (chatty && plan->answer == MOCK_ANSWER_PACKET)
			prose_reply(f, req, req_len, plan->answer_pkt, plan->answer_len, style >> 8);
		else if (chatty)
			prose_drop(f, &plan->decision, style >> 8);
		fprintf(f, "REPLY: %s\n", hex ? hex : "DROP");
		break;
	}
	free(hex);
	if (fclose(f) || !plan->text)
		return pl_errf(err, -ENOMEM, "out of memory");
	plan->text_len = n;
	return 0;
}
