"""bench/discover's comparison: physc discover and PySINDy on the same CSV files (made by
bench/discover in WORK/data), interleaved (each repetition runs physc once, then PySINDy once),
recovery against the true equations, agreement of the two sides' coefficients, the raw
timings in WORK/timings.csv; then the development set with every side's defaults
(devrun.py, on WORK/dev from devset.py); and the RESULT line (none, exit 1, when the sides
disagree)."""

import argparse
import csv as csvmod
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pysindy as ps

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devrun  # noqa: E402

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
# physc's STLSQ has no ridge unless a `discover` block asks for one (schema: stlsq alpha 0;
# `physc discover` builds its regression with ridge 0, jobs/src/discover/config.rs);
# PySINDy's STLSQ defaults to alpha = 0.05, so it is given physc's value.
RIDGE = 0.0
# The two sides agree when they keep the same terms and every coefficient is within this
# relative distance (clean data: physc rounds coefficients to short decimals, well inside it).
AGREE_CLEAN, AGREE_NOISY = 0.01, 0.05


def job_dir(out, name, kind="discover"):
    """Where physc writes a discovery's results: OUT/<name>/<kind>/ (one folder per job kind)
    or OUT/<name>/ (the older layout). The one place that knows."""
    new = out / name / kind
    return new if new.is_dir() else out / name


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


def agree(a, b, tol):
    """The largest relative coefficient difference, and whether the term sets match and that
    difference is within tol."""
    if len(a) != len(b) or any(set(x) != set(y) for x, y in zip(a, b)):
        return float("inf"), False
    d = max((abs(x[k] - y[k]) / max(abs(y[k]), 1e-300) for x, y in zip(a, b) for k in y),
            default=0.0)
    return d, d <= tol


def physc_args(physc, csv, system, noisy, work):
    vars_, _ = SYSTEMS[system]
    out = work / "physc"
    args = [physc, "discover", str(csv), "--time", "t", "--vars", ",".join(vars_),
            "--degree", "2", "--threshold", str(threshold(system)), "--scale", "absolute",
            "--quiet",
            "--out", str(out), "--name", csv.stem.capitalize()]
    if noisy:
        args += ["--derivative", "savgol", "--window", str(WINDOW), "--order", str(ORDER)]
    else:
        args += ["--derivative", "fd"]
    return args, out


def run_physc_once(physc, csv, system, noisy, work):
    """(regression_s, discovery_s, found) of one fresh `physc discover` process."""
    vars_, _ = SYSTEMS[system]
    args, out = physc_args(physc, csv, system, noisy, work)
    subprocess.run(args, check=True)
    rep = json.loads((job_dir(out, csv.stem.capitalize()) / "report.json").read_text())
    found = []
    for v in vars_:
        coefs = rep["coefficients"][f"dt({v})"]
        found.append({k.replace(" * ", " "): c for k, c in coefs.items()})
    return rep["timings"]["regression_s"], rep["timings"]["discovery_s"], found


def run_pysindy_once(csv, system, noisy):
    """(fit seconds, found) of one PySINDy fit in this (warm) process."""
    vars_, _ = SYSTEMS[system]
    header, data = read_csv(csv)
    t = data[:, header.index("t")]
    x = np.stack([data[:, header.index(v)] for v in vars_], axis=1)
    if noisy:
        diff = ps.SmoothedFiniteDifference(smoother_kws={"window_length": WINDOW, "polyorder": ORDER})
    else:
        diff = ps.FiniteDifference(order=2)
    model = ps.SINDy(
        optimizer=ps.STLSQ(threshold=threshold(system), alpha=RIDGE),
        feature_library=ps.PolynomialLibrary(degree=2),
        differentiation_method=diff,
    )
    t0 = time.perf_counter()
    model.fit(x, t=t, feature_names=vars_)
    secs = time.perf_counter() - t0
    names = model.get_feature_names()
    found = []
    for row in model.coefficients():
        found.append({n: float(c) for n, c in zip(names, row) if c != 0})
    return secs, found


def loadavg():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--physc", required=True)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    physc_version = subprocess.run([a.physc, "--version"], capture_output=True,
                                   text=True).stdout.strip() or "?"
    print(f"versions: {physc_version}; PySINDy {version('pysindy')}, scikit-learn "
          f"{version('scikit-learn')}, NumPy {version('numpy')}, Python "
          f"{platform.python_version()}")
    print(f"load average at start: {loadavg()} ({os.cpu_count()} hardware threads); "
          f"affinity {sorted(os.sched_getaffinity(0))}")
    print(f"timed: physc report.json regression_s (derivatives, library, STLSQ; fresh process "
          f"each run); PySINDy SINDy.fit (warm process); one thread each; warm-up: one untimed "
          f"run of each; statistic: median of {a.reps} interleaved runs; STLSQ ridge "
          f"{RIDGE} on both sides; agreement: same terms and coefficients within "
          f"{AGREE_CLEAN:.0%} (clean) / {AGREE_NOISY:.0%} (noisy) relative")
    rows, raw, failed = [], [], []
    for case, system, noisy in CASES:
        csv = a.work / "data" / f"{system}.csv"
        if noisy:
            src, csv = csv, a.work / "data" / f"{case}.csv"
            noisy_copy(src, csv, seed=1)
        truth = SYSTEMS[system][1]
        run_physc_once(a.physc, csv, system, noisy, a.work)  # warm-up
        run_pysindy_once(csv, system, noisy)
        p_times, p_fulls, s_times = [], [], []
        for r in range(a.reps):
            p_time, p_full, p_found = run_physc_once(a.physc, csv, system, noisy, a.work)
            s_time, s_found = run_pysindy_once(csv, system, noisy)
            p_times.append(p_time)
            p_fulls.append(p_full)
            s_times.append(s_time)
            raw += [(case, r + 1, "physc", f"{p_time:.9f}", loadavg()),
                    (case, r + 1, "pysindy", f"{s_time:.9f}", loadavg())]
        d, ok = agree(p_found, s_found, AGREE_NOISY if noisy else AGREE_CLEAN)
        if not ok:
            failed.append(case)
        rows.append((case, recovered(p_found, truth, noisy), statistics.median(p_times),
                     recovered(s_found, truth, noisy), statistics.median(s_times),
                     statistics.median(p_fulls), d, ok))
    with open(a.work / "timings.csv", "w", newline="") as f:
        w = csvmod.writer(f)
        w.writerow(["case", "rep", "tool", "seconds", "loadavg_1_5_15"])
        w.writerows(raw)
    print(f"{'case':16} {'physc':>8} {'time ms':>9} {'+ eqs ms':>9} {'pysindy':>8} "
          f"{'time ms':>9} {'ratio':>7} {'max rel diff':>13}")
    for case, pr, pt, sr, st, pf, d, ok in rows:
        print(f"{case:16} {'yes' if pr else 'NO':>8} {pt * 1e3:9.2f} {pf * 1e3:9.2f} "
              f"{'yes' if sr else 'NO':>8} {st * 1e3:9.2f} {st / pt:7.1f} {d:13.2e}"
              f"{'' if ok else '  DISAGREE'}")
    print(f"load average at end: {loadavg()}; raw timings: {a.work / 'timings.csv'}")
    if failed:
        print(f"FAILED: physc and PySINDy disagree beyond the stated tolerance on "
              f"{', '.join(failed)}; no RESULT line")
        sys.exit(1)
    n = len(rows)
    pk = sum(r[1] for r in rows)
    sk = sum(r[3] for r in rows)
    speedup = sum(r[4] for r in rows) / sum(r[2] for r in rows)
    print("development set (defaults only; exact: terms right, coefficients within 1%):")
    score, times = devrun.run_dev(a.physc, a.work)
    dev_speedup = times["pysindy"] / max(times["physc"], 1e-12)
    print(f"dev clean fit time: physc {times['physc']:.3f} s, PySINDy {times['pysindy']:.3f} s, "
          f"PySINDy weak {times['weak']:.3f} s (ratio {dev_speedup:.1f})")
    keys = []
    for side, prefix in (("physc", "dev"), ("pysindy", "pysindy_dev"), ("weak", "weak_dev")):
        for level, name in zip(devrun.NOISE, ("clean", "noise1", "noise5")):
            r, total = score[side][level]
            keys.append(f"{prefix}_{name}={r}/{total}")
    print(f"RESULT discover physc_recovered={pk}/{n} pysindy_recovered={sk}/{n} "
          f"speedup={speedup:.1f} {' '.join(keys)} dev_speedup={dev_speedup:.1f}")


if __name__ == "__main__":
    main()
