#!/usr/bin/env python3
"""mkrecords.py — a run directory of N packet records for timing `pinglab report`.

    bench/mkrecords.py N OUT_DIR [--fail-every K] [--logs]

Writes OUT_DIR/run.json and OUT_DIR/packets.jsonl in the shape bench.sh's report_time()
gives row 6: one scenario valid/tputM (M = N/2 echo requests: icmp.id 0x7e04, 56 bytes
of 0xa5, 84-byte packets), played by the generator against the kernel target and then
the reference target, so N records in all (the kernel's M, then the reference's N - M),
packet 1, rep 0..M-1, trial 0, each with its sent and reply bytes as hex, the way
pinglab-gen writes them (record/record.c: the same keys in the same order, numbers as
pl_json_num prints them). Checksums are correct, so the report's stack reference sees
real echo requests. Deterministic: the same N gives the same bytes.

--fail-every K makes every K-th record of each target a failure instead (a missed-reply,
a wrong-reply with a diff, in turn) to exercise the failure paths; without it every
record passes, as in the bench's burst.
--logs also writes responder-reference.jsonl, the reference responder's log: one decision
line per reference packet in the shape pinglab-responder writes it (responder/main.c: id,
t_recv_us as wall clock from run.json's start, in, out, outcome, backend, timing_us with
three decimals), "out":null and "outcome":"drop" for a missed reply; so that a report
joins every reference packet to its line, as after a real run.
No network, no root: python3 only.
"""
import argparse
import os
import struct


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(ident, src, dst, payload, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, ttl, 1, 0, bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def icmp(typ, ident, seq, data):
    m = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def num(v):
    """pl_json_num: integers as integers, else three decimals"""
    if v == int(v):
        return "%d" % int(v)
    m = round(abs(v) * 1000)
    return "%s%d.%03d" % ("-" if v < 0 else "", m // 1000, m % 1000)


GEN = [10, 77, 1, 2]
KERNEL = [10, 77, 1, 1]
RESPONDER = [10, 77, 2, 2]
DATA = b"\xa5" * 56
ICMP_ID = 0x7E04


def main():
    ap = argparse.ArgumentParser(description="a run directory of N packet records for `pinglab report`")
    ap.add_argument("n", type=int, help="packet records in all (both targets)")
    ap.add_argument("out", help="the run directory to write")
    ap.add_argument("--fail-every", type=int, default=0, metavar="K",
                    help="every K-th record of each target fails (missed-reply, wrong-reply in turn)")
    ap.add_argument("--logs", action="store_true", help="also write responder-reference.jsonl")
    a = ap.parse_args()
    if a.n < 1:
        ap.error("N must be at least 1")
    half = (a.n + 1) // 2
    scn = "valid/tput%d" % half
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "run.json"), "w") as f:
        f.write('{"schema":"pinglab.run/1","run_id":"bench","started":"2026-01-01T00:00:00.000Z",\n'
                '"targets":["kernel","reference"],"simulated":false,"seed":1,"repeat":1,\n'
                '"scenarios":[{"id":"%s","category":"valid","hash":"0"}]}\n' % scn)
    seed = 12345
    t = 50.0  # the generator's clock, µs since its start
    start_us = 1767225600 * 1000000  # run.json's "started", 2026-01-01T00:00:00Z
    log = open(os.path.join(a.out, "responder-reference.jsonl"), "w", buffering=1 << 20) if a.logs else None
    with open(os.path.join(a.out, "packets.jsonl"), "w", buffering=1 << 20) as f:
        for tgt, kernel, count in (("kernel", True, half), ("reference", False, a.n - half)):
            dst = KERNEL if kernel else RESPONDER
            for rep in range(count):
                seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
                ident = seed & 0xFFFF
                seq = (rep + 1) & 0xFFFF
                sent = ipv4(ident, GEN, dst, icmp(8, ICMP_ID, seq, DATA))
                # the kernel answers with an IP id of its own; the reference keeps the request's
                rid = ((seed >> 8) & 0xFFFF) if kernel else ident
                reply = ipv4(rid, dst, GEN, icmp(0, ICMP_ID, seq, DATA))
                t += 9.0 + (seed % 7000) / 1000.0
                rtt = (30.0 if kernel else 45.0) + (seed >> 4) % 40000 / 1000.0
                fail = a.fail_every and (rep + 1) % a.fail_every == 0
                kind = (rep + 1) // a.fail_every % 2 if fail else -1
                parts = ['{"type":"packet","scenario":"%s","category":"valid","target":"%s","kind":"%s"'
                         % (scn, tgt, "kernel" if kernel else "responder"),
                         ',"packet":1,"rep":%d,"trial":0,"expect":"reply","sent":"%s","t_sent_us":%s,"t_sent_kernel":true'
                         % (rep, sent.hex(), num(round(t, 3)))]
                if not kernel:
                    parts.append(',"delivered":true')
                if kind == 0:
                    parts.append(',"reply":null,"verdict":"missed-reply","diff":[],"note":"no reply"}\n')
                else:
                    if kind == 1:
                        reply = reply[:22] + bytes([reply[22] ^ 1]) + reply[23:]
                    parts.append(',"reply":"%s","t_reply_us":%s,"rtt_us":%s,"rtt_at_generator":true'
                                 % (reply.hex(), num(round(t + rtt, 3)), num(round(rtt, 3))))
                    if kind == 1:
                        parts.append(',"verdict":"wrong-reply","diff":["icmp.checksum: expected 0x%04x, got 0x%04x"],'
                                     '"note":"%d.%d.%d.%d > 10.77.1.2 icmp echo-reply code 0 id 0x%04x seq %d len 84"}\n'
                                     % (reply[22] << 8 ^ 256 | reply[23], reply[22] << 8 | reply[23], *dst,
                                        ICMP_ID, seq))
                    else:
                        parts.append(',"verdict":"pass","diff":[],"note":"reply matches (%s)"}\n'
                                     % ("rfc" if kernel else "exact"))
                f.write("".join(parts))
                if log and not kernel:
                    total = 0.5 + (seed >> 6) % 20000 / 1000.0
                    log.write('{"id":%d,"t_recv_us":%d,"in":"%s","out":%s,"outcome":"%s","backend":"reference",'
                              '"timing_us":{"queued":%.3f,"total":%.3f}}\n'
                              % (rep + 1, start_us + int(t) + 7, sent.hex(),
                                 "null" if kind == 0 else '"%s"' % reply.hex(), "drop" if kind == 0 else "reply",
                                 (seed >> 3) % 500 / 1000.0, total))
                t += 1.0
    if log:
        log.close()


if __name__ == "__main__":
    main()
