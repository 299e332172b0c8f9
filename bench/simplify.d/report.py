#!/usr/bin/env python3
"""Table and summary of `bench/simplify` (see the header of bench/simplify for the rules).

Inputs: the corpus, the physc runs (physc_batch.py output, one per repetition), SymPy's
results (run_sympy.py output) and physc's op counts of SymPy's results (physc_batch.py
output with --count-only). Prints the table, the summary, the rows where physc ends with
more ops than SymPy, and last the RESULT line.
"""

import argparse
import csv
import json
import os
import statistics
import sys
import time


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        lines = (l.strip() for l in f)
        return [l for l in lines if l and not l.startswith("#")]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def cut(s, n):
    return s if len(s) <= n else s[: n - 1] + "…"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--physc", required=True, nargs="+", help="physc_batch.py outputs")
    ap.add_argument("--sympy", required=True, help="run_sympy.py output")
    ap.add_argument("--sympy-counts", required=True, help="physc_batch.py --count-only output")
    ap.add_argument("--cheap", help="run_sympy.py --pipeline cheap output")
    ap.add_argument("--cheap-counts", help="physc_batch.py --count-only output for --cheap")
    ap.add_argument("--check", help="check_equal.py output")
    ap.add_argument("--prefix", default="", help="prefix of the RESULT keys (heldout_)")
    ap.add_argument("--keys-out", help="write the RESULT keys here (one line)")
    ap.add_argument("--timings-out", help="write the raw per-row timings here (CSV)")
    ap.add_argument("--width", type=int, default=48, help="width of the input column")
    a = ap.parse_args()

    corpus = read_lines(a.corpus)
    runs = [load(p) for p in a.physc]
    sympy_rows = {r["input"]: r for r in load(a.sympy)}
    counts = load(a.sympy_counts)
    cheap_rows = {r["input"]: r for r in load(a.cheap)} if a.cheap else {}
    cheap_counts = load(a.cheap_counts) if a.cheap_counts else {"rows": {}, "failed": {}}

    rows = []
    for i, text in enumerate(corpus, 1):
        row = {"n": i, "input": text, "notes": []}
        got = [run["rows"].get(text) for run in runs]
        if all(g is not None for g in got):
            first = got[0]
            row["physc_ok"] = True
            row["input_ops"] = first["input_ops"]
            row["physc_ops"] = first["ops"]
            row["physc_result"] = first["result"]
            row["physc_s"] = statistics.median(g["micros"] for g in got) / 1e6
            if len({g["result"] for g in got}) > 1:
                row["notes"].append("physc result differs between runs")
        else:
            row["physc_ok"] = False
            row["physc_ops"] = None
            row["input_ops"] = None
            row["physc_s"] = None
            row["physc_result"] = None
            msg = next((run["failed"].get(text) for run in runs if text in run["failed"]), "")
            row["notes"].append("physc failed: " + (msg or "no result"))

        s = sympy_rows.get(text, {"status": "error", "seconds": None, "note": "not run"})
        row["sympy_status"] = s["status"]
        row["sympy_s"] = s.get("seconds")
        row["sympy_result"] = s.get("sympy_result_in_phys_syntax") or s.get("sympy_result")
        row["sympy_ops"] = None
        if s.get("note"):
            row["notes"].append("sympy: " + s["note"])
        if s["status"] == "ok":
            phys = s["sympy_result_in_phys_syntax"]
            c = counts["rows"].get(phys)
            if c is not None:
                row["sympy_ops"] = c["ops"]
            else:
                row["sympy_status"] = "uncounted"
                row["notes"].append("physc cannot count sympy's result: "
                                    + counts["failed"].get(phys, "no result"))

        # ops comparison (see bench/simplify's header)
        if not row["physc_ok"]:
            row["le"] = False
        elif row["sympy_status"] in ("error", "timeout"):
            row["le"] = True
        elif row["sympy_ops"] is None:  # unprintable / uncounted: no comparison possible
            row["le"] = False
        else:
            row["le"] = row["physc_ops"] <= row["sympy_ops"]

        # timing: physc must have succeeded; SymPy ok/unprintable/uncounted/timeout (at the cap)
        row["timed"] = row["physc_ok"] and row["sympy_s"] is not None and row["sympy_status"] != "error"

        # the cheap SymPy pipeline (cancel / together / expand), scored by the same rules
        c = cheap_rows.get(text, {"status": "error", "seconds": None})
        row["cheap_status"] = c["status"]
        row["cheap_s"] = c.get("seconds")
        row["cheap_ops"] = None
        if c["status"] == "ok":
            cc = cheap_counts["rows"].get(c["sympy_result_in_phys_syntax"])
            if cc is not None:
                row["cheap_ops"] = cc["ops"]
            else:
                row["cheap_status"] = "uncounted"
        if not row["physc_ok"]:
            row["le_cheap"] = False
        elif row["cheap_status"] in ("error", "timeout"):
            row["le_cheap"] = True
        elif row["cheap_ops"] is None:
            row["le_cheap"] = False
        else:
            row["le_cheap"] = row["physc_ops"] <= row["cheap_ops"]
        row["timed_cheap"] = (row["physc_ok"] and row["cheap_s"] is not None
                              and row["cheap_status"] != "error")
        rows.append(row)

    w = a.width

    def num(v, fmt):
        return "-" if v is None else fmt % v

    # columns: in = physc's op count of the input (after differentiation), physc / sympy =
    # physc's op count of each tool's result, times in milliseconds
    header = ("%4s  %-*s %6s %6s %6s %6s %10s %10s %10s  %s" % (
        "#", w, "input", "in", "physc", "sympy", "cheap", "physc ms", "sympy ms", "cheap ms",
        "cmp")).rstrip()
    print(header)
    print("-" * len(header))
    for r in rows:
        if not r["physc_ok"]:
            mark = "physc ERR"
        elif r["sympy_status"] in ("error", "timeout", "unprintable", "uncounted"):
            mark = "sympy " + r["sympy_status"]
        elif r["physc_ops"] < r["sympy_ops"]:
            mark = "<"
        elif r["physc_ops"] == r["sympy_ops"]:
            mark = "="
        else:
            mark = "> WORSE"
        print(("%4d  %-*s %6s %6s %6s %6s %10s %10s %10s  %s" % (
            r["n"], w, cut(r["input"], w), num(r["input_ops"], "%d"), num(r["physc_ops"], "%d"),
            num(r["sympy_ops"], "%d"), num(r["cheap_ops"], "%d"),
            num(r["physc_s"] and r["physc_s"] * 1e3, "%.3f"),
            num(r["sympy_s"] and r["sympy_s"] * 1e3, "%.1f"),
            num(r["cheap_s"] and r["cheap_s"] * 1e3, "%.1f"), mark)).rstrip())
    print()

    n = len(rows)
    le = sum(r["le"] for r in rows)
    lt = sum(1 for r in rows if r["physc_ok"] and r["sympy_ops"] is not None and r["physc_ops"] < r["sympy_ops"])
    eq = sum(1 for r in rows if r["physc_ok"] and r["sympy_ops"] is not None and r["physc_ops"] == r["sympy_ops"])
    gt = sum(1 for r in rows if r["physc_ok"] and r["sympy_ops"] is not None and r["physc_ops"] > r["sympy_ops"])
    both = [r for r in rows if r["physc_ok"] and r["sympy_ops"] is not None]
    status = {}
    for r in rows:
        status[r["sympy_status"]] = status.get(r["sympy_status"], 0) + 1
    timed = [r for r in rows if r["timed"]]
    t_physc = sum(r["physc_s"] for r in timed)
    t_sympy = sum(r["sympy_s"] for r in timed)
    speedup = t_sympy / t_physc if t_physc > 0 else float("inf")

    print("corpus:        %d expressions; physc failed on %d; sympy: %s" % (
        n, sum(not r["physc_ok"] for r in rows),
        ", ".join("%s %d" % kv for kv in sorted(status.items()))))
    print("ops:           physc <= sympy on %d/%d (fewer %d, same %d, more %d)" % (le, n, lt, eq, gt))
    if both:
        print("total ops:     physc %d, sympy %d, inputs %d (rows both counted: %d)" % (
            sum(r["physc_ops"] for r in both), sum(r["sympy_ops"] for r in both),
            sum(r["input_ops"] for r in both), len(both)))
    print("time:          physc %.3f ms (median of %d runs), sympy %.3f s, over %d rows" % (
        t_physc * 1e3, len(runs), t_sympy, len(timed)))
    if timed:
        ratios = sorted(r["sympy_s"] / r["physc_s"] for r in timed if r["physc_s"] > 0 and r["sympy_s"] > 0)
        if ratios:
            print("per-row ratio: sympy/physc time median %.1f, min %.2f, max %.1f" % (
                statistics.median(ratios), ratios[0], ratios[-1]))

    le_cheap = sum(r["le_cheap"] for r in rows)
    timed_c = [r for r in rows if r["timed_cheap"]]
    t_physc_c = sum(r["physc_s"] for r in timed_c)
    t_cheap = sum(r["cheap_s"] for r in timed_c)
    vs_cheap = t_cheap / t_physc_c if t_physc_c > 0 else float("inf")
    if cheap_rows:
        cstatus = {}
        for r in rows:
            cstatus[r["cheap_status"]] = cstatus.get(r["cheap_status"], 0) + 1
        both_c = [r for r in rows if r["physc_ok"] and r["cheap_ops"] is not None]
        print("cheap SymPy:   cancel / together / expand, smallest count_ops: %s" % (
            ", ".join("%s %d" % kv for kv in sorted(cstatus.items()))))
        print("ops:           physc <= cheap on %d/%d; total ops physc %d, cheap %d (%d rows)" % (
            le_cheap, n, sum(r["physc_ops"] for r in both_c),
            sum(r["cheap_ops"] for r in both_c), len(both_c)))
        print("time:          physc %.3f ms, cheap SymPy %.3f s, over %d rows" % (
            t_physc_c * 1e3, t_cheap, len(timed_c)))

    check = load(a.check) if a.check else None
    if check is not None:
        print("equal:         physc's result equals its input at %d random points (rel tol %g, "
              "mpmath 30 digits) on %d/%d rows; %d differ, %d unchecked (no valid point)" % (
                  check["points"], check["tol"], check["checked"] - check["failed"],
                  check["checked"], check["failed"], check["unchecked"]))

    if a.timings_out:
        with open(a.timings_out, "w", encoding="utf-8", newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["row", "tool", "seconds", "input"])
            for r in rows:
                for k, g in enumerate(runs, 1):
                    got = g["rows"].get(r["input"])
                    if got is not None:
                        wr.writerow([r["n"], f"physc_run{k}", got["micros"] / 1e6, r["input"]])
                wr.writerow([r["n"], "sympy_simplify", r["sympy_s"], r["input"]])
                if cheap_rows:
                    wr.writerow([r["n"], "sympy_cheap", r["cheap_s"], r["input"]])

    worse = [r for r in rows if r["physc_ok"] and r["sympy_ops"] is not None and r["physc_ops"] > r["sympy_ops"]]
    if worse:
        print()
        print("physc has more ops than sympy on %d rows:" % len(worse))
        for r in worse:
            print("  #%d  %s" % (r["n"], r["input"]))
            print("      physc %3d ops: %s" % (r["physc_ops"], r["physc_result"]))
            print("      sympy %3d ops: %s" % (r["sympy_ops"], r["sympy_result"]))
    problems = [r for r in rows if r["notes"]]
    if problems:
        print()
        print("notes:")
        for r in problems:
            print("  #%d  %s: %s" % (r["n"], cut(r["input"], 60), "; ".join(r["notes"])))

    if check is not None and check["failed"]:
        print("FAILED: %d physc results differ from their inputs beyond rel %g; no RESULT keys"
              % (check["failed"], check["tol"]))
        sys.exit(1)
    p = a.prefix
    keys = "%s=%d %sops_le_sympy=%.3f %sspeedup=%.1f" % (
        p + "corpus" if p == "" else p.rstrip("_"), n, p, le / n if n else 0.0, p, speedup)
    if cheap_rows:
        keys += " %sops_le_cancel=%.3f %svs_cancel=%.1f" % (p, le_cheap / n if n else 0.0, p,
                                                          vs_cheap)
    if a.keys_out:
        with open(a.keys_out, "w", encoding="utf-8") as f:
            f.write(keys + "\n")
    print("keys:          " + keys)


if __name__ == "__main__":
    main()
