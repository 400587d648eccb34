#!/usr/bin/env python3
# usage: tests/cmp_packets.py RUN_A/packets.jsonl RUN_B/packets.jsonl (exit 0: equal)
"""Compare two runs' packets.jsonl field by field. Timing fields (t_sent_us, t_reply_us, the tun0 times,
rtt_us, and rtt_at_generator: whether the generator saw the reply on the wire by the time it
judged, a race of two captures) are measurements and left out; in the kernel's replies what
the kernel picks itself is masked: the IPv4 identification and so the header checksum, and its clock (an ICMP timestamp
reply's receive and transmit times and their checksum, an IP timestamp option's stamps)."""
import json, sys
# rtt_at_generator says which clock saw the reply first: a measurement too
TIMING = {"t_sent_us", "t_reply_us", "rtt_us", "rtt_at_generator", "t_delivered_us", "t_tun_reply_us"}
def load(p):
    out = {}
    for l in open(p):
        d = json.loads(l)
        if d.get("type") != "packet":
            continue
        k = (d["scenario"], d["target"], d["packet"], d["rep"], d["trial"])
        assert k not in out, k
        out[k] = d
    return out
def norm(d):
    d = {k: v for k, v in d.items() if k not in TIMING}
    if d.get("target") == "kernel" and isinstance(d.get("reply"), str):
        b = bytearray.fromhex(d["reply"])
        m = set(range(4, 6)) | set(range(10, 12))          # IP id, header checksum
        ihl = (b[0] & 15) * 4
        if ihl > 20 and b[20] == 0x44:                      # IP timestamp option: the kernel's stamps
            m |= set(range(24, 20 + b[22] - 1))
        if b[9] == 1 and len(b) >= ihl + 20 and b[ihl] == 14:  # ICMP timestamp reply: receive, transmit
            m |= set(range(ihl + 2, ihl + 4)) | set(range(ihl + 12, ihl + 20))
        d["reply"] = "".join("xx" if i in m else "%02x" % v for i, v in enumerate(b))
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
bad = 0
if a.keys() != b.keys():
    print("records differ: only in A", len(a.keys() - b.keys()), "only in B", len(b.keys() - a.keys()))
    bad += 1
masked = 0
for k in sorted(a.keys() & b.keys()):
    x, y = norm(a[k]), norm(b[k])
    if a[k].get("target") == "kernel" and a[k].get("reply") != b[k].get("reply"):
        masked += 1
    if x != y:
        bad += 1
        for f in sorted(set(x) | set(y)):
            if x.get(f) != y.get(f):
                print(k, f, x.get(f), "!=", y.get(f))
print(f"{len(a)} records in A, {len(b)} in B, {bad} differing; {masked} kernel replies differ only in the masked IP id/checksum")
sys.exit(1 if bad else 0)
