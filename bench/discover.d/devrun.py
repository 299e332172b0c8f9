"""bench/discover's development-set part (issue 21): physc with its defaults only, PySINDy with
its defaults, and PySINDy's weak form (WeakPDELibrary over the polynomial library, defaults
otherwise), on the dysts systems M-Z of devset.py plus bench/discover's own five systems,
clean and with 1% and 5% Gaussian noise (relative to each variable's standard deviation,
seeded). Exact recovery: the set of terms exactly right and every coefficient within 1%
(relative) of the truth, at every noise level. Each side runs once per case (physc as a fresh
process, timed by its report.json `regression_s`; PySINDy's `fit` in this process).

`python devrun.py --physc PHYSC --work WORK [--only physc]` alone runs it on WORK/dev (made by
devset.py) and WORK/data (bench/discover's five CSVs, when present); compare.py imports
`run_dev` for the full benchmark."""

import argparse
import json
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

NOISE = (0.0, 0.01, 0.05)
TOLERANCE = 0.01
# A physc run that has not finished by then counts as not recovered (before the
# re-simulation had a step budget, a wrong stiff model could take minutes to compare).
PHYSC_TIMEOUT = 60
# bench/discover's own systems: term (PySINDy spelling) -> coefficient per equation.
FIVE = {
    "Lorenz": (["x", "y", "z"], [{"x": -10, "y": 10}, {"x": 28, "y": -1, "x z": -1},
                                 {"z": -8 / 3, "x y": 1}]),
    "Chen": (["x", "y", "z"], [{"x": -35, "y": 35}, {"x": -7, "y": 28, "x z": -1},
                               {"z": -3, "x y": 1}]),
    "Rossler": (["x", "y", "z"], [{"y": -1, "z": -1}, {"x": 1, "y": 0.2},
                                  {"1": 0.2, "z": -5.7, "x z": 1}]),
    "SprottF": (["x", "y", "z"], [{"y": 1, "z": 1}, {"x": -1, "y": 0.5}, {"x^2": 1, "z": -1}]),
    "LotkaVolterra": (["x", "y"], [{"x": 1.1, "x y": -0.4}, {"y": -0.4, "x y": 0.1}]),
}


def monomial(name, vars_):
    """A term's exponents: `x^2 * y`, `x^2 y`, `x y z`, `1` -> a tuple per variable."""
    e = [0] * len(vars_)
    for f in re.split(r"[ *]+", name.strip()):
        if f in ("", "1"):
            continue
        v, _, k = f.partition("^")
        if v not in vars_:
            return None  # not a monomial of the variables
        e[vars_.index(v)] += int(k) if k else 1
    return tuple(e)


def as_monomials(eqs, vars_):
    out = []
    for eq in eqs:
        m = {}
        for name, c in eq.items():
            key = monomial(name, vars_)
            m[key if key is not None else name] = c
        out.append(m)
    return out


def exact(found, truth):
    if found is None or len(found) != len(truth):
        return False
    for f, t in zip(found, truth):
        if set(f) != set(t):
            return False
        if any(abs(f[k] - v) > TOLERANCE * abs(v) for k, v in t.items()):
            return False
    return True


def cases(work):
    """(name, csv, vars, degree, truth as monomials) of the development set."""
    out = []
    truth = json.loads((work / "dev" / "truth.json").read_text())
    for name, s in truth.items():
        eqs = [{tuple(int(i) for i in k.split(",")): c for k, c in eq.items()}
               for eq in s["equations"]]
        out.append((name, work / "dev" / f"{name}.csv", ["x", "y", "z"], s["degree"], eqs))
    for name, (vars_, eqs) in FIVE.items():
        csv = work / "data" / f"{name}.csv"
        if csv.exists():
            out.append((f"bench-{name}", csv, vars_, 2, as_monomials(eqs, vars_)))
    return out


def noisy(src, dst, level, seed):
    with open(src) as f:
        header = f.readline().strip()
    data = np.loadtxt(src, delimiter=",", skiprows=1)
    if level > 0:
        rng = np.random.default_rng(seed)
        for c in range(1, data.shape[1]):
            data[:, c] += level * data[:, c].std() * rng.standard_normal(data.shape[0])
    np.savetxt(dst, data, delimiter=",", header=header, comments="", fmt="%.17g")


def run_physc(physc, csv, vars_, degree, out, extra=()):
    name = "Dev" + csv.stem.replace("_", "")
    args = [str(physc), "discover", str(csv), "--time", "t", "--vars", ",".join(vars_),
            "--degree", str(degree), "--quiet", "--out", str(out), "--name", name, *extra]
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=PHYSC_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, 0.0
    if r.returncode != 0:
        return None, 0.0
    rep = json.loads((out / name / "discover" / "report.json").read_text())
    eqs = [rep["coefficients"][f"dt({v})"] for v in vars_]
    return as_monomials(eqs, vars_), rep["timings"]["regression_s"]


def run_pysindy(csv, vars_, degree, weak):
    import pysindy as ps
    data = np.loadtxt(csv, delimiter=",", skiprows=1)
    t, x = data[:, 0], data[:, 1:1 + len(vars_)]
    if weak:
        lib = ps.WeakPDELibrary(function_library=ps.PolynomialLibrary(degree=degree),
                                spatiotemporal_grid=t)
    else:
        lib = ps.PolynomialLibrary(degree=degree)
    model = ps.SINDy(feature_library=lib)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        try:
            model.fit(x, t=t, feature_names=vars_)
        except Exception:
            return None, time.perf_counter() - t0
        secs = time.perf_counter() - t0
    names = model.get_feature_names()
    eqs = [{n: float(c) for n, c in zip(names, row) if c != 0} for row in model.coefficients()]
    return as_monomials(eqs, vars_), secs


def run_dev(physc, work, sides=("physc", "pysindy", "weak"), extra=(), log=sys.stdout):
    """Run the development set; returns {side: {noise: (recovered, total)}} and the clean
    timings {side: seconds} (sums over the cases)."""
    tmp = work / "dev-noisy"
    tmp.mkdir(parents=True, exist_ok=True)
    score = {s: {n: [0, 0] for n in NOISE} for s in sides}
    times = {s: 0.0 for s in sides}
    failures = {s: {n: [] for n in NOISE} for s in sides}
    for name, csv, vars_, degree, truth in cases(work):
        for k, level in enumerate(NOISE):
            path = tmp / f"{name}_{int(level * 100)}.csv"
            noisy(csv, path, level, seed=1 + k)
            for side in sides:
                if side == "physc":
                    found, secs = run_physc(physc, path, vars_, degree, work / "dev-out", extra)
                else:
                    found, secs = run_pysindy(path, vars_, degree, side == "weak")
                ok = exact(found, truth)
                score[side][level][0] += ok
                score[side][level][1] += 1
                if not ok:
                    failures[side][level].append(name)
                if level == 0.0:
                    times[side] += secs
    for side in sides:
        for level in NOISE:
            r, n = score[side][level]
            print(f"dev {side:8} noise {level:4.0%}: {r}/{n} exact; missed "
                  f"{' '.join(failures[side][level]) or '-'}", file=log)
    return score, times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--physc", required=True)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--only", default=None, help="one side: physc, pysindy or weak")
    ap.add_argument("extra", nargs="*", help="extra physc discover flags (after --)")
    a = ap.parse_args()
    sides = (a.only,) if a.only else ("physc", "pysindy", "weak")
    score, times = run_dev(a.physc, a.work, sides, a.extra)
    print(" ".join(f"{s}_{int(n * 100)}={score[s][n][0]}/{score[s][n][1]}"
                   for s in sides for n in NOISE))


if __name__ == "__main__":
    main()
