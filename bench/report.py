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


def paired(recs, a, b):
    """(rtt of a, rtt of b) for every packet both targets answered: the same scenario,
    packet, repetition and trial."""
    by = {}
    for r in recs:
        if r.get("rtt_us") is not None and r["target"] in (a, b):
            by.setdefault((r["scenario"], r["packet"], r.get("rep", 0), r.get("trial", 0)), {})[r["target"]] = r["rtt_us"]
    return [(v[a], v[b]) for v in by.values() if a in v and b in v]


def split(recs, target):
    """The responder's RTT in three parts, medians: in (sent to handed to tun0: veth, tc
    redirect), responder (tun0 queue to its reply on tun0: wakeup, read, work, write),
    out (the reply's forwarding by the rsp kernel and the veth back)."""
    parts = {"in": [], "responder": [], "out": []}
    for r in recs:
        if r["target"] == target and r.get("rtt_us") is not None and "t_delivered_us" in r and "t_tun_reply_us" in r:
            parts["in"].append(r["t_delivered_us"] - r["t_sent_us"])
            parts["responder"].append(r["t_tun_reply_us"] - r["t_delivered_us"])
            parts["out"].append(r["t_reply_us"] - r["t_tun_reply_us"])
    return {k: pct(v, 50) if v else None for k, v in parts.items()}


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

    # 1. RTT: reference vs kernel, blocking and busy-poll. Each pair is one packet to the
    # kernel and the same packet to the responder right after it (--pace 250: 250 us
    # apart), so both saw the same machine; the figure is the median of the per-pair
    # ratios, the ratio of the two medians beside it
    blk = records(os.path.join(tmp, "rtt-block.jsonl"))
    busy = records(os.path.join(tmp, "rtt-busy.jsonl"))
    rb = rtts(blk, "reference")
    blk_pairs = paired(blk, "kernel", "reference")
    ratios = {}
    for label, recs, target, goal in (("reference blocking vs kernel", blk, "reference", 10.0),
                                      ("reference busy-poll vs kernel", busy, "reference-busy-poll", 1.3)):
        r, k = rtts(recs, target), rtts(recs, "kernel")
        pr = [b / a for a, b in paired(recs, "kernel", target) if a > 0]
        km, kp = pct(k, 50), pct(k, 99)
        m, p = pct(r, 50), pct(r, 99)
        pm = pct(pr, 50)
        ratios[target] = pm
        row("1. " + label + " (paired)", "p50 %s p99 %s (%d)" % (fmt_us(m), fmt_us(p), len(r)),
            "kernel p50 %s p99 %s (%d)" % (fmt_us(km), fmt_us(kp), len(k)),
            pm, "<= %.1fx" % goal, pm <= goal,
            {"paired_ratio_median": pm, "paired_ratio_p25": pct(pr, 25), "paired_ratio_p75": pct(pr, 75),
             "pairs": len(pr), "ratio_of_medians": m / km if km == km and km else None,
             "p50_us": m, "p99_us": p, "kernel_p50_us": km, "kernel_p99_us": kp, "packets": len(r),
             # blocking against busy-poll: each measured against the kernel beside it
             "to_blocking": pm / ratios["reference"] if target != "reference" and ratios.get("reference") else None,
             # where the responder's RTT goes, by the kernel stamps on tun0 (medians)
             "split_us": split(recs, target)})

    # 2. harness overhead: model path with a zero-latency simulated model, paired with the
    # kernel like row 1; the reference's own excess over the kernel (row 1, blocking: the
    # same responder loop) is taken off, so what is left is the model path's
    ov = records(os.path.join(tmp, "overhead.jsonl"))
    o = rtts(ov, "model-0ms")
    om = pct(o, 50)
    model_excess = pct([b - a for a, b in paired(ov, "kernel", "model-0ms")], 50)
    ref_excess = pct([b - a for a, b in blk_pairs], 50)
    over = model_excess - ref_excess
    row("2. model path, 0 ms model: RTT minus reference RTT (paired)", fmt_us(over),
        "reference %s over kernel" % fmt_us(ref_excess), om / pct(rb, 50) if rb else float("nan"), "<= 150 us",
        over <= 150, {"model_minus_kernel_median_us": model_excess, "reference_minus_kernel_median_us": ref_excess,
                      "model_p50_us": om, "model_p99_us": pct(o, 99), "reference_p50_us": pct(rb, 50),
                      "ratio_of_medians_minus_us": om - pct(rb, 50), "packets": len(o)}, fig=over, unit="us")

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

    # 7. instructions per packet (callgrind): the same in every trial on any machine load
    def num(name):
        try:
            return int(open(os.path.join(tmp, name)).read().split()[0])
        except (OSError, ValueError, IndexError):
            return 0
    pk = num("cost-packets")
    ir_rsp, ir_gen = num("cost-rsp"), num("cost-gen")
    for who, ir in (("responder (reference backend)", ir_rsp), ("generator", ir_gen)):
        per = ir / float(pk) if pk else float("nan")
        row("7. instructions per packet: %s" % who, "%.0f" % per if per == per else "n/a",
            "%d packets" % pk, float("nan"), "reported", per == per,
            {"instructions": ir, "packets": pk, "per_packet": per}, fig=per, unit="ir")

    return rows


def fmt_fig(v, unit):
    if v != v:
        return "n/a"
    return {"x": "%.2f", "us": "%.0f us", "kB": "%.0f kB", "s": "%.2f s", "ir": "%.0f"}[unit] % v


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
        chosen["trial_figs"] = [r["fig"] for r in same]
        rows.append(chosen)

    def row(name, measured, baseline, ratio, goal, met, detail):
        rows.insert(next((i for i, r in enumerate(rows) if r["benchmark"].startswith("5.")), len(rows)),
                    {"benchmark": name, "measured": measured, "baseline": baseline, "ratio": ratio, "goal": goal,
                     "met": met, "detail": detail, "fig": ratio, "unit": "x", "trials": 1, "range": None,
                     "met_in": 1 if met else 0})

    # 7. callgrind's counts do not move with the machine's load: the row's goal is that
    # they repeat, every trial within 1% of the median
    for r in rows:
        if r["benchmark"].startswith("7.") and r["range"]:
            lo, hi = r["range"]
            r["goal"] = "repeats (range <= 1%)"
            r["met"] = (hi - lo) <= 0.01 * r["fig"]
            r["met_in"] = r["trials"] if r["met"] else 0

    # 8. a million packets end to end (once, not per trial)
    def read(name):
        try:
            return open(os.path.join(tmp, name)).read()
        except OSError:
            return ""
    def kb(text):
        m = re.search(r"(\d+)", text)
        return int(m.group(1)) if m else 0
    gen_out = read("million.gen-stdout")
    mg = re.search(r"(\d+) packets: (\d+) pass", gen_out)
    sent, passed = (int(mg.group(1)), int(mg.group(2))) if mg else (0, 0)
    rg, rr, rrep = kb(read("million.rss-gen")), kb(read("million.rss-rsp")), kb(read("million.rss-report"))
    row("8. %d packets (kernel + reference): peak RSS generator / responder" % sent,
        "%d kB / %d kB" % (rg, rr), "%d of %d pass" % (passed, sent), float("nan"), "< 20 MB each",
        0 < rg < 20480 and 0 < rr < 20480 and sent > 0,
        {"packets": sent, "pass": passed, "rss_kb_generator": rg, "rss_kb_responder": rr})
    tm = read("million.time").split()
    secs = int(tm[0]) / 1e6 if tm else float("nan")
    recs = int(tm[1]) if len(tm) > 1 else 0
    row("8. report of the %d-packet run, %d records (all formats)" % (sent, recs), "%.2f s, %d MB" % (secs, rrep // 1024),
        "", float("nan"), "< 10 s, < 300 MB", secs < 10 and 0 < rrep < 300 * 1024,
        {"seconds": secs, "records": recs, "rss_kb": rrep})

    # 9. a capture imported and replayed (once)
    imp = read("capture.import").split()
    chk = read("capture.check").split()
    sizes = read("capture.sizes").split()
    gen9 = read("capture.gen-stdout")
    m9 = re.search(r"(\d+) packets: (\d+) pass", gen9)
    sent9, pass9 = (int(m9.group(1)), int(m9.group(2))) if m9 else (0, 0)
    g9, r9 = kb(read("capture.rss-gen")), kb(read("capture.rss-rsp"))
    i_s, i_kb = (float(imp[0]), int(imp[1])) if len(imp) == 2 else (float("nan"), 0)
    c_s, c_kb = (float(chk[0]), int(chk[1])) if len(chk) == 2 else (float("nan"), 0)
    worst = max(i_kb, c_kb, g9, r9)
    row("9. capture of %d packets (%s MB): import / check / generator / responder peak RSS"
        % (sent9, int(sizes[0]) // 1000000 if sizes else 0),
        "%d / %d / %d / %d kB" % (i_kb, c_kb, g9, r9), "%d of %d pass, import %.1f s" % (pass9, sent9, i_s),
        float("nan"), "< 50 MB each", 0 < worst < 50 * 1024 and sent9 > 0,
        {"packets_replayed": sent9, "pass": pass9, "import_s": i_s, "import_rss_kb": i_kb, "check_s": c_s,
         "check_rss_kb": c_kb, "rss_kb_generator": g9, "rss_kb_responder": r9,
         "capture_bytes": int(sizes[0]) if sizes else None, "scenario_bytes": int(sizes[1]) if len(sizes) > 1 else None})

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

    rows.sort(key=lambda r: int(r["benchmark"].split(".")[0]))
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
        json.dump({"schema": "pinglab.bench/3", "quick": quick == "1", "trials": trials, "rows": rows}, f, indent=1,
                  default=lambda x: None)


main()
