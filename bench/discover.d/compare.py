"""bench/discover's comparison: physc discover and PySINDy on the same CSV files (made by
bench/discover in WORK/data), recovery against the true equations, and the RESULT line."""

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import pysindy as ps

VARS3 = ["x", "y", "z"]
# True equations: term (PySINDy's spelling, "x y" for a product) -> coefficient.
SYSTEMS = {
    "Lorenz": (VARS3, [{"x": -10, "y": 10}, {"x": 28, "y": -1, "x z": -1}, {"z": -8 / 3, "x y": 1}]),
    "Rossler": (VARS3, [{"y": -1, "z": -1}, {"x": 1, "y": 0.2}, {"1": 0.2, "z": -5.7, "x z": 1}]),
    "Chen": (VARS3, [{"x": -35, "y": 35}, {"x": -7, "y": 28, "x z": -1}, {"z": -3, "x y": 1}]),
    "SprottF": (VARS3, [{"y": 1, "z": 1}, {"x": -1, "y": 0.5}, {"x^2": 1, "z": -1}]),
    "LotkaVolterra": (["x", "y"], [{"x": 1.1, "x y": -0.4}, {"y": -0.4, "x y": 0.1}]),
}
CASES = [
    # (case, system, noisy)
    ("lorenz", "Lorenz", False),
    ("rossler", "Rossler", False),
    ("chen", "Chen", False),
    ("sprott_f", "SprottF", False),
    ("lotka_volterra", "LotkaVolterra", False),
    ("lorenz_noisy", "Lorenz", True),
    ("rossler_noisy", "Rossler", True),
]
WINDOW, ORDER = 25, 3


def threshold(system):
    return 0.05 if system == "LotkaVolterra" else 0.1


def read_csv(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    return header, data


def noisy_copy(src, dst, seed):
    header, data = read_csv(src)
    rng = np.random.default_rng(seed)
    for c in range(1, data.shape[1]):
        data[:, c] += 0.01 * data[:, c].std() * rng.standard_normal(data.shape[0])
    np.savetxt(dst, data, delimiter=",", header=",".join(header), comments="", fmt="%.17g")


def recovered(found, truth, noisy):
    """found/truth: list (per equation) of term -> coefficient."""
    for f, t in zip(found, truth):
        if set(f) != set(t):
            return False
        if not noisy and any(abs(f[k] - v) > 0.01 * abs(v) for k, v in t.items()):
            return False
    return True


def run_physc(physc, csv, system, noisy, work, reps):
    vars_, _ = SYSTEMS[system]
    out = work / "physc"
    args = [physc, "discover", str(csv), "--time", "t", "--vars", ",".join(vars_),
            "--degree", "2", "--threshold", str(threshold(system)), "--quiet",
            "--out", str(out), "--name", csv.stem.capitalize()]
    if noisy:
        args += ["--derivative", "savgol", "--window", str(WINDOW), "--order", str(ORDER)]
    else:
        args += ["--derivative", "fd"]
    times, with_equations = [], []
    for _ in range(reps):
        subprocess.run(args, check=True)
        rep = json.loads((out / csv.stem.capitalize() / "discover" / "report.json").read_text())
        times.append(rep["timings"]["regression_s"])
        with_equations.append(rep["timings"]["discovery_s"])
    found = []
    for v in vars_:
        coefs = rep["coefficients"][f"dt({v})"]
        found.append({k.replace(" * ", " "): c for k, c in coefs.items()})
    return statistics.median(times), statistics.median(with_equations), found


def run_pysindy(csv, system, noisy, reps):
    vars_, _ = SYSTEMS[system]
    header, data = read_csv(csv)
    t = data[:, header.index("t")]
    x = np.stack([data[:, header.index(v)] for v in vars_], axis=1)
    times, model = [], None
    for _ in range(reps):
        if noisy:
            diff = ps.SmoothedFiniteDifference(smoother_kws={"window_length": WINDOW, "polyorder": ORDER})
        else:
            diff = ps.FiniteDifference(order=2)
        model = ps.SINDy(
            optimizer=ps.STLSQ(threshold=threshold(system)),
            feature_library=ps.PolynomialLibrary(degree=2),
            differentiation_method=diff,
        )
        t0 = time.perf_counter()
        model.fit(x, t=t, feature_names=vars_)
        times.append(time.perf_counter() - t0)
    names = model.get_feature_names()
    found = []
    for row in model.coefficients():
        found.append({n: float(c) for n, c in zip(names, row) if c != 0})
    return statistics.median(times), found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--physc", required=True)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    rows = []
    for case, system, noisy in CASES:
        csv = a.work / "data" / f"{system}.csv"
        if noisy:
            src, csv = csv, a.work / "data" / f"{case}.csv"
            noisy_copy(src, csv, seed=1)
        truth = SYSTEMS[system][1]
        p_time, p_full, p_found = run_physc(a.physc, csv, system, noisy, a.work, a.reps)
        s_time, s_found = run_pysindy(csv, system, noisy, a.reps)
        rows.append((case, recovered(p_found, truth, noisy), p_time, recovered(s_found, truth, noisy), s_time, p_full))
    print(f"{'case':16} {'physc':>8} {'time ms':>9} {'+ eqs ms':>9} {'pysindy':>8} {'time ms':>9} {'ratio':>7}")
    for case, pr, pt, sr, st, pf in rows:
        print(f"{case:16} {'yes' if pr else 'NO':>8} {pt * 1e3:9.2f} {pf * 1e3:9.2f} {'yes' if sr else 'NO':>8} {st * 1e3:9.2f} {st / pt:7.1f}")
    n = len(rows)
    pk = sum(r[1] for r in rows)
    sk = sum(r[3] for r in rows)
    speedup = sum(r[4] for r in rows) / sum(r[2] for r in rows)
    print(f"RESULT discover physc_recovered={pk}/{n} pysindy_recovered={sk}/{n} speedup={speedup:.1f}")


if __name__ == "__main__":
    main()
