"""bench/simulate's SciPy side: solve_ivp (RK45) on the same problems as physc's runs in
--work, timing only the solve_ivp call (median of --reps), then the comparison table and the
RESULT line. Called by bench/simulate, which has already run physc --reps times per problem
into WORK/physc/<problem>/run<r>/."""

import argparse
import json
import math
import statistics
import time
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp


def physc_runs(work, problem, model, reps):
    """(median wall_time_s, report of run 1, directory of run 1)."""
    reports = []
    for r in range(1, reps + 1):
        d = work / "physc" / problem / f"run{r}" / model / "simulate"
        rep = json.loads((d / "report.json").read_text())
        if not rep.get("completed", False):
            raise SystemExit(f"physc {problem} run {r} did not complete: {rep.get('error')}")
        reports.append(rep)
    first = work / "physc" / problem / "run1" / model / "simulate"
    return statistics.median(r["wall_time_s"] for r in reports), reports[0], first


def timed_solve(reps, *args, **kwargs):
    times, sol = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        sol = solve_ivp(*args, **kwargs)
        times.append(time.perf_counter() - t0)
        if not sol.success:
            raise SystemExit(f"solve_ivp failed: {sol.message}")
    return statistics.median(times), sol


def rel_l2(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


# --- Lorenz -----------------------------------------------------------------------------

def lorenz(work, reps):
    wall, rep, d = physc_runs(work, "lorenz", "Lorenz", reps)
    traj = np.load(d / "trajectory.npz")
    t = traj["t"]
    p = np.stack([traj["x"], traj["y"], traj["z"]])  # [3, len(t)]
    m = rep["method"]
    sigma, rho, beta = 10.0, 28.0, 8.0 / 3.0

    def f(_t, s):
        x, y, z = s
        return [sigma * (y - x), x * (rho - z) - y, x * y - beta * z]

    secs, sol = timed_solve(reps, f, (0.0, 20.0), [1.0, 1.0, 1.0], method="RK45",
                            rtol=m["rtol"], atol=m["atol"], t_eval=t)
    early = t <= 5.0 + 1e-12
    return {
        "problem": "lorenz",
        "physc": (wall, rep["stats"]),
        "scipy": (secs, sol.nfev),
        "max_diff": float(np.abs(p[:, early] - sol.y[:, early]).max()),
        "rel_l2": rel_l2(p[:, early], sol.y[:, early]),
        "window": "t<=5",
        "max_diff_all": float(np.abs(p - sol.y).max()),
    }


# --- Burgers by the method of lines -----------------------------------------------------

def fd_weights(nodes, z, k):
    """Weights w on u(nodes) with sum w_j u(x_j) = u^(k)(z), exact for polynomials of degree
    < len(nodes) (the same rows Fornberg's algorithm gives in runtime/src/mol/stencil.rs)."""
    nodes = np.asarray(nodes, float)
    n = len(nodes)
    a = np.array([(nodes - z) ** m / math.factorial(m) for m in range(n)])
    rhs = np.zeros(n)
    rhs[k] = 1.0
    return np.linalg.solve(a, rhs)


def burgers_rhs_factory(n, h, nu):
    # Interior (distance >= 2 from the ends): standard 5-point 4th-order central differences.
    # Points 1 and n-2: physc's one-sided 4th-order rows, u_x on 5 points, u_xx on 6 points
    # (edge_width = order + accuracy for a Dirichlet end), at offset 1 from the end.
    wx_l = fd_weights(range(5), 1.0, 1) / h
    wxx_l = fd_weights(range(6), 1.0, 2) / h**2
    wx_r = fd_weights(range(5), 3.0, 1) / h
    wxx_r = fd_weights(range(6), 4.0, 2) / h**2
    c1 = 1.0 / (12.0 * h)
    c2 = 1.0 / (12.0 * h * h)
    ux = np.empty(n)
    uxx = np.empty(n)
    v = np.empty(n)

    def rhs(_t, u):
        v[:] = u
        v[0] = 0.0  # Dirichlet ends enter the stencils at their prescribed value
        v[-1] = 0.0
        a, b, c, d, e = v[:-4], v[1:-3], v[2:-2], v[3:-1], v[4:]
        ux[2:-2] = (a - e + 8.0 * (d - b)) * c1
        uxx[2:-2] = (16.0 * (b + d) - (a + e) - 30.0 * c) * c2
        ux[1] = wx_l @ v[:5]
        uxx[1] = wxx_l @ v[:6]
        ux[-2] = wx_r @ v[-5:]
        uxx[-2] = wxx_r @ v[-6:]
        out = nu * uxx - v * ux
        out[0] = 0.0  # held at 0
        out[-1] = 0.0
        return out

    return rhs


def burgers(work, reps, reference):
    wall, rep, d = physc_runs(work, "burgers_mol", "Burgers", reps)
    fields = np.load(d / "fields.npz")
    x, t, up = fields["x"], fields["t"], fields["u"]  # up: [len(t), len(x)]
    n = 1021
    xs = np.linspace(-1.0, 1.0, n)
    assert len(x) == n and np.abs(x - xs).max() < 1e-14, "unexpected physc grid"
    nu = 0.01 / math.pi
    rhs = burgers_rhs_factory(n, xs[1] - xs[0], nu)
    u0 = -np.sin(math.pi * xs)
    secs, sol = timed_solve(reps, rhs, (0.0, 1.0), u0, method="RK45",
                            rtol=1e-8, atol=1e-10, t_eval=t)
    us = sol.y.T  # [len(t), len(x)]

    ref = np.load(reference)
    rx, rt, usol = ref["x"].ravel(), ref["t"].ravel(), ref["usol"]  # usol [x, t]
    assert np.abs(xs[::4] - rx).max() < 1e-12, "reference x is not every 4th grid point"
    assert np.abs(t[: len(rt)] - rt).max() < 1e-9, "reference t differs from the outputs"
    target = usol.T  # [t, x]
    return {
        "problem": "burgers_mol",
        "physc": (wall, rep["stats"]),
        "scipy": (secs, sol.nfev),
        "max_diff": float(np.abs(up - us).max()),
        "rel_l2": rel_l2(up, us),
        "window": "all",
        "ref_physc": rel_l2(up[: len(rt), ::4], target),
        "ref_scipy": rel_l2(us[: len(rt), ::4], target),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--reference", type=Path, required=True)
    a = ap.parse_args()

    rows = [lorenz(a.work, a.reps), burgers(a.work, a.reps, a.reference)]

    print(f"time = median of {a.reps} runs, integration only: physc report.json wall_time_s "
          "(no start-up/JIT/file writing); SciPy the solve_ivp call alone")
    print("steps = accepted steps (rejected); SciPy does not report steps: its attempts "
          "(accepted + rejected) = (nfev - 2) / 6")
    print("diff/rel L2 = physc vs SciPy at the output times (Lorenz t <= 5: chaotic; "
          "Burgers: all outputs); rel L2 = ||physc - scipy|| / ||scipy||")
    hdr = f"{'problem':<12} {'tool':<6} {'time s':>10} {'steps':>14} {'nfev':>8} " \
          f"{'max |diff|':>11} {'rel L2':>10}  window"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        pt, st = r["physc"]
        steps = f"{st['steps']} ({st['rejected']})"
        print(f"{r['problem']:<12} {'physc':<6} {pt:>10.4f} {steps:>14} {st['rhs_evals']:>8} "
              f"{r['max_diff']:>11.2e} {r['rel_l2']:>10.2e}  {r['window']}")
        stime, nfev = r["scipy"]
        attempts = f"~{(nfev - 2) // 6} att."
        print(f"{'':<12} {'scipy':<6} {stime:>10.4f} {attempts:>14} {nfev:>8} "
              f"{'':>11} {'':>10}  speed-up scipy/physc = {stime / pt:.1f}x")
    lor, bur = rows
    print()
    print(f"lorenz: max |diff| over all t in [0, 20] = {lor['max_diff_all']:.2e} "
          "(grows like exp(0.9 t); only t <= 5 is meaningful)")
    print("burgers_mol: same semi-discretisation on both sides (SciPy replicates physc's "
          "one-sided 4th-order rows at the points next to the ends)")
    print(f"burgers_mol vs tests/data/burgers_deepxde.npz (every 4th grid point, t = 0..0.99): "
          f"rel L2 physc = {bur['ref_physc']:.2e}, scipy = {bur['ref_scipy']:.2e}")
    ratio = {r["problem"]: r["scipy"][0] / r["physc"][0] for r in rows}
    print(f"RESULT simulate lorenz={ratio['lorenz']:.2f} burgers_mol={ratio['burgers_mol']:.2f}")


if __name__ == "__main__":
    main()
