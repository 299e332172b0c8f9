#!/usr/bin/env python3
"""Numerical check of `bench/simplify`: every physc result must equal its input.

For each corpus row that physc simplified (a physc_batch.py output), the input (with its
`d(...)` taken by sympy.diff, as in run_sympy.py) and physc's result are evaluated at
--points random points with mpmath at 30 digits; every free name is drawn uniformly from
[0.2, 1.8] (seeded). A point where either side is not a finite real number (a log or sqrt
of a negative, asin past 1, a pole) is skipped and another drawn, up to 20 draws per point.
A row passes when |input - result| <= --tol * max(1, |input|) at every point; a row with no
valid point is `unchecked`. Writes JSON {"rows": [...], "failed": n, "unchecked": n,
"checked": n} and prints the failures. Exit status 0; the report decides."""

import argparse
import json
import random
import sys
from pathlib import Path

import mpmath
import sympy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_sympy import parse, read_corpus  # noqa: E402


def value(f, args):
    try:
        v = f(*args)
    except (ZeroDivisionError, ValueError, OverflowError, TypeError):
        return None
    if isinstance(v, mpmath.mpc):
        if abs(v.imag) > mpmath.mpf("1e-25") * max(1, abs(v.real)):
            return None
        v = v.real
    try:
        v = mpmath.mpf(v)
    except (TypeError, ValueError):
        return None
    return v if mpmath.isfinite(v) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--physc", required=True, help="a physc_batch.py output")
    ap.add_argument("--out", required=True)
    ap.add_argument("--points", type=int, default=4)
    ap.add_argument("--tol", type=float, default=1e-9)
    ap.add_argument("--seed", type=int, default=28)
    a = ap.parse_args()

    mpmath.mp.dps = 30
    rng = random.Random(a.seed)
    physc = json.loads(Path(a.physc).read_text())["rows"]
    rows = []
    for text in read_corpus(a.corpus):
        got = physc.get(text)
        if got is None:
            continue
        row = {"input": text, "result": got["result"], "status": "unchecked", "max_rel": None}
        try:
            lhs = parse(text)
            rhs = parse(got["result"])
        except Exception as ex:  # noqa: BLE001
            row["note"] = f"could not read: {type(ex).__name__}: {ex}"
            rows.append(row)
            continue
        names = sorted(lhs.free_symbols | rhs.free_symbols, key=str)
        f = sympy.lambdify(names, lhs, modules="mpmath")
        g = sympy.lambdify(names, rhs, modules="mpmath")
        worst, valid = mpmath.mpf(0), 0
        for _ in range(a.points):
            for _draw in range(20):
                args = [mpmath.mpf(rng.uniform(0.2, 1.8)) for _ in names]
                x, y = value(f, args), value(g, args)
                if x is not None and y is not None:
                    valid += 1
                    worst = max(worst, abs(x - y) / max(1, abs(x)))
                    break
        if valid:
            row["max_rel"] = float(worst)
            row["points"] = valid
            row["status"] = "ok" if worst <= a.tol else "DIFFERS"
        rows.append(row)
    failed = [r for r in rows if r["status"] == "DIFFERS"]
    out = {"tol": a.tol, "points": a.points, "rows": rows, "failed": len(failed),
           "unchecked": sum(r["status"] == "unchecked" for r in rows),
           "checked": sum(r["status"] == "ok" for r in rows) + len(failed)}
    Path(a.out).write_text(json.dumps(out, indent=1))
    for r in failed:
        print(f"  physc result differs from its input (rel {r['max_rel']:.2e}): {r['input']}"
              f"  ->  {r['result']}", file=sys.stderr)


if __name__ == "__main__":
    main()
