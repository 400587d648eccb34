#!/usr/bin/env python3
"""Turn the raw files of bench/bench.sh into the table and bench/results.json.

Every figure comes from the generator's per-packet records (kernel receive timestamps
of the request leaving and the answer arriving at the generator's veth) or from the
programs' own reports (maxrss, the topology script's medians).
"""
import json
import math
import os
import re
import sys


def records(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            # packet records only (packets.jsonl also has "unmatched" and "stopped" ones)
            if r.get("type", "packet") == "packet":
                out.append(r)
    return out


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(math.ceil(p / 100.0 * len(v))) - 1))
    return v[k]


def rtts(recs, target):
    return [r["rtt_us"] for r in recs if r["target"] == target and r.get("rtt_us") is not None]


def fmt_us(x):
    if x != x:
        return "n/a"
    if x >= 1e6:
        return "%.2f s" % (x / 1e6)
    if x >= 1e3:
        return "%.1f ms" % (x / 1e3)
    return "%.1f us" % x


def trial_rows(tmp, n, burst, conc, small, big):
    """Rows 1, 2, 3, 5 and 6 of one trial's directory. fig is the number trials are
    compared by (the ratio, or the row's figure when it has none), unit how to print it."""
    rows = []

    def row(name, measured, baseline, ratio, goal, met, detail, fig=None, unit="x"):
        rows.append({"benchmark": name, "measured": measured, "baseline": baseline,
                     "ratio": ratio, "goal": goal, "met": met, "detail": detail,
                     "fig": ratio if fig is None else fig, "unit": unit})

    # 1. RTT: reference vs kernel, blocking and busy-poll
    # each responder against the kernel measured in the same generator run (interleaved
    # scenario by scenario), so both saw the same machine
    blk = records(os.path.join(tmp, "rtt-block.jsonl"))
    busy = records(os.path.join(tmp, "rtt-busy.jsonl"))
    rb = rtts(blk, "reference")
    quiet_km = pct(rtts(blk, "kernel"), 50)
    for label, r, k, goal in (("reference blocking vs kernel", rb, rtts(blk, "kernel"), 10.0),
                              ("reference busy-poll vs kernel", rtts(busy, "reference-busy-poll"), rtts(busy, "kernel"), 1.5)):
        km, kp = pct(k, 50), pct(k, 99)
        m, p = pct(r, 50), pct(r, 99)
        ratio = m / km if km == km and km else float("nan")
        row("1. " + label, "p50 %s p99 %s (%d)" % (fmt_us(m), fmt_us(p), len(r)),
            "kernel p50 %s p99 %s (%d)" % (fmt_us(km), fmt_us(kp), len(k)),
            ratio, "<= %.1fx" % goal, ratio <= goal,
            {"p50_us": m, "p99_us": p, "kernel_p50_us": km, "kernel_p99_us": kp, "packets": len(r),
             # the blocking run's kernel, measured with no core spinning
             "ratio_to_blocking_run_kernel": m / quiet_km if quiet_km == quiet_km and quiet_km else None})

    # 2. harness overhead: model path with a zero-latency simulated model
    ov = records(os.path.join(tmp, "overhead.jsonl"))
    o = rtts(ov, "model-0ms")
    om = pct(o, 50)
    refm = pct(rb, 50)
    row("2. model path, 0 ms model: RTT minus reference RTT", fmt_us(om - refm if om == om else om),
        "reference p50 %s" % fmt_us(refm), om / refm if refm else float("nan"), "<= 300 us",
        (om - refm) <= 300, {"model_p50_us": om, "model_p99_us": pct(o, 99), "reference_p50_us": refm,
                             "packets": len(o)}, fig=om - refm, unit="us")

    # 3. concurrency: wall time of BURST packets at 1 s each, CONC in flight; then the
    # responder issue's own case, 64 packets with 32 in flight (ideal 2 s)
    for name, count, inflight in (("conc.jsonl", burst, conc), ("conc32.jsonl", 64, 32)):
        cc = [r for r in records(os.path.join(tmp, name)) if r["target"] == "model-1s"]
        sent = [r["t_sent_us"] for r in cc]
        done = [r["t_reply_us"] for r in cc if r.get("t_reply_us") is not None]
        wall = (max(done) - min(sent)) / 1e6 if sent and done else float("nan")
        ideal = math.ceil(count / float(inflight)) * 1.0
        c_rtt = [r["rtt_us"] for r in cc if r.get("rtt_us") is not None]
        row("3. %d requests of 1 s, %d in flight: wall time" % (count, inflight),
            "%.2f s (%d answered)" % (wall, len(done)),
            "ideal %.0f s" % ideal, wall / ideal, "<= 1.1x", wall / ideal <= 1.1,
            {"wall_s": wall, "ideal_s": ideal, "answered": len(done), "p99_rtt_minus_1s_us": pct(c_rtt, 99) - 1e6
             if c_rtt else float("nan")})

    # 5. throughput and memory
    for size in (small, big):
        t = records(os.path.join(tmp, "tput-%d.jsonl" % size))
        rates = {}
        for target in ("kernel", "reference"):
            rs = [r for r in t if r["target"] == target]
            got = [r for r in rs if r.get("t_reply_us") is not None]
            if rs and got:
                dur = (max(r["t_reply_us"] for r in got) - min(r["t_sent_us"] for r in rs)) / 1e6
                rates[target] = (len(got) / dur if dur > 0 else float("nan"), len(got), len(rs))
            else:
                rates[target] = (float("nan"), 0, len(rs))
        def rss(name):
            try:
                return int(open(os.path.join(tmp, "rss-%s-%d" % (name, size))).read().strip() or 0)
            except (OSError, ValueError):
                return 0
        kr, rr = rates["kernel"][0], rates["reference"][0]
        row("5. %d-packet burst: packets/s reference vs kernel" % size,
            "%.0f/s (%d of %d answered)" % (rr, rates["reference"][1], rates["reference"][2]),
            "kernel %.0f/s (%d of %d)" % (kr, rates["kernel"][1], rates["kernel"][2]),
            rr / kr if kr == kr and kr else float("nan"), ">= 0.5x", rr / kr >= 0.5 if kr == kr and kr else False,
            {"reference_pps": rr, "kernel_pps": kr, "rss_kb_generator": rss("gen"), "rss_kb_responder": rss("rsp")})
        row("5. %d-packet burst: peak RSS generator / responder" % size,
            "%d kB / %d kB" % (rss("gen"), rss("rsp")), "", float("nan"), "< 20 MB each",
            rss("gen") < 20480 and rss("rsp") < 20480, {"rss_kb_generator": rss("gen"), "rss_kb_responder": rss("rsp")},
            fig=max(rss("gen"), rss("rsp")), unit="kB")

    # 6. report generation: one target's records of the big burst, then both targets'
    for name in ("report-one.time", "report.time"):
        try:
            us, recs = open(os.path.join(tmp, name)).read().split()
            secs = int(us) / 1e6
            row("6. report generation, %s packet records (all formats)" % recs, "%.2f s" % secs, "", float("nan"),
                "< 2 s", secs < 2.0, {"seconds": secs, "records": int(recs)}, fig=secs, unit="s")
        except (OSError, ValueError):
            row("6. report generation (%s)" % name, "n/a", "", float("nan"), "< 2 s", False, {})

    return rows


def fmt_fig(v, unit):
    if v != v:
        return "n/a"
    return {"x": "%.2f", "us": "%.0f us", "kB": "%.0f kB", "s": "%.2f s"}[unit] % v


def main():
    tmp, n, burst, conc, small, big, quick, out = sys.argv[1:9]
    trials = int(sys.argv[9]) if len(sys.argv) > 9 else 1
    n, burst, conc, small, big = int(n), int(burst), int(conc), int(small), int(big)
    per = [trial_rows(os.path.join(tmp, "t%d" % (i + 1)), n, burst, conc, small, big) for i in range(trials)]
    rows = []

    # every row: the trial with the median figure, and the range over all trials
    for k in range(len(per[0])):
        same = [p[k] for p in per if k < len(p)]
        known = sorted((r for r in same if r["fig"] == r["fig"]), key=lambda r: r["fig"])
        chosen = dict(known[len(known) // 2] if known else same[0])
        chosen["trials"] = len(same)
        chosen["range"] = [known[0]["fig"], known[-1]["fig"]] if known else None
        chosen["met_in"] = sum(1 for r in same if r["met"])
        rows.append(chosen)

    def row(name, measured, baseline, ratio, goal, met, detail):
        rows.insert(next((i for i, r in enumerate(rows) if r["benchmark"].startswith("5.")), len(rows)),
                    {"benchmark": name, "measured": measured, "baseline": baseline, "ratio": ratio, "goal": goal,
                     "met": met, "detail": detail, "fig": ratio, "unit": "x", "trials": 1, "range": None,
                     "met_in": 1 if met else 0})

    # 4. topology
    topo = open(os.path.join(tmp, "topology.txt")).read() if os.path.exists(os.path.join(tmp, "topology.txt")) else ""
    m1 = re.search(r"pinglab \(libnl\)\s+([0-9.]+)", topo)
    m2 = re.search(r"ip/tc shell script\s+([0-9.]+)", topo)
    if m1 and m2:
        a, b = float(m1.group(1)), float(m2.group(1))
        row("4. topology up+down: pinglab vs ip/tc", "%.1f ms" % a, "%.1f ms" % b, a / b, "<= 0.25x and < 100 ms",
            a / b <= 0.25 and a < 100, {"pinglab_ms": a, "ip_tc_ms": b})
    else:
        row("4. topology up+down: pinglab vs ip/tc", "n/a", "n/a", float("nan"), "<= 0.25x", False,
            {"output": topo[-400:]})

    print("%d trials: each row is the trial with the median figure; range = min..max over the trials "
          "(topology: its own medians of %s rounds)\n" % (trials, "20" if quick != "1" else "5"))
    print("%-58s %-34s %-34s %7s  %-19s %-21s %s" % ("benchmark", "measured", "side by side", "ratio", "range",
                                                    "goal", "met"))
    for r in rows:
        ratio = "" if r["ratio"] != r["ratio"] else "%.2f" % r["ratio"]
        rng = "" if not r["range"] else "%s..%s" % (fmt_fig(r["range"][0], r["unit"]), fmt_fig(r["range"][1], r["unit"]))
        met = ("yes" if r["met"] else "NO") + ("" if r["trials"] == 1 else " (%d of %d)" % (r["met_in"], r["trials"]))
        print("%-58s %-34s %-34s %7s  %-19s %-21s %s" % (r["benchmark"], r["measured"], r["baseline"], ratio, rng,
                                                        r["goal"], met))
    with open(out, "w") as f:
        json.dump({"schema": "pinglab.bench/2", "quick": quick == "1", "trials": trials, "rows": rows}, f, indent=1,
                  default=lambda x: None)


main()
