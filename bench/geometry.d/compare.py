"""bench/geometry's driver: times physc's and DeepXDE's samplers on the rectangle
[0, 2] x [0, 1] minus the disks of radius 0.2 about (0.5, 0.5) and 0.3 about (1.4, 0.5)
(bench/geometry.d/two_holes.phys), checks both sides' points, writes the raw timings and
prints the table and the RESULT line. See bench/geometry's header for what is timed."""

import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HOLES = [((0.5, 0.5), 0.2), ((1.4, 0.5), 0.3)]
WIDTH, HEIGHT = 2.0, 1.0


def inside(p, tol=0.0):
    """Whether points (n x 2) are in the closed domain, `tol` of slack."""
    ok = (p[:, 0] >= -tol) & (p[:, 0] <= WIDTH + tol) & (p[:, 1] >= -tol) & (p[:, 1] <= HEIGHT + tol)
    for (cx, cy), r in HOLES:
        ok &= np.hypot(p[:, 0] - cx, p[:, 1] - cy) >= r - tol
    return ok


def boundary_distance(p):
    """|distance| of points to the domain's boundary (exact for this shape)."""
    d = np.minimum.reduce([np.abs(p[:, 0]), np.abs(WIDTH - p[:, 0]), np.abs(p[:, 1]), np.abs(HEIGHT - p[:, 1])])
    for (cx, cy), r in HOLES:
        d = np.minimum(d, np.abs(np.hypot(p[:, 0] - cx, p[:, 1] - cy) - r))
    return d


def exact_mean_x():
    area = WIDTH * HEIGHT - sum(math.pi * r * r for _, r in HOLES)
    moment = WIDTH * HEIGHT * WIDTH / 2 - sum(math.pi * r * r * c[0] for c, r in HOLES)
    return moment / area


def hole_share():
    """The exact share of the boundary's length on each circle."""
    total = 2 * (WIDTH + HEIGHT) + sum(2 * math.pi * r for _, r in HOLES)
    return [2 * math.pi * r / total for _, r in HOLES]


def on_hole(p, k):
    (cx, cy), r = HOLES[k]
    return np.abs(np.hypot(p[:, 0] - cx, p[:, 1] - cy) - r) < 1e-9


def check(name, interior, boundary, normals, n_in, n_b, uniform_boundary):
    """Problems with one side's points (empty: all fine)."""
    problems = []
    if interior.shape != (n_in, 2) or boundary.shape != (n_b, 2):
        return [f"{name}: shapes {interior.shape}, {boundary.shape}"]
    if not inside(interior, 1e-12).all():
        problems.append(f"{name}: {np.count_nonzero(~inside(interior, 1e-12))} interior points outside")
    far = boundary_distance(boundary)
    if far.max() > 1e-9:
        problems.append(f"{name}: a boundary point {far.max():.2e} off the boundary")
    # The mean x of uniform interior points, within 5 sigma of the exact centroid.
    sigma = interior[:, 0].std() / math.sqrt(n_in)
    if abs(interior[:, 0].mean() - exact_mean_x()) > 5 * sigma:
        problems.append(f"{name}: interior mean x {interior[:, 0].mean():.5f} vs {exact_mean_x():.5f}")
    if normals is not None:
        length = np.hypot(normals[:, 0], normals[:, 1])
        if np.abs(length - 1).max() > 1e-12:
            problems.append(f"{name}: normals not unit")
        # Outward: a small step along the normal leaves the domain, one against it stays.
        h = 1e-7
        if inside(boundary + h * normals).any() or not inside(boundary - h * normals).all():
            problems.append(f"{name}: normals not outward")
    if uniform_boundary:
        for k, share in enumerate(hole_share()):
            got = np.count_nonzero(on_hole(boundary, k)) / n_b
            sigma = math.sqrt(share * (1 - share) / n_b)
            if abs(got - share) > 5 * sigma:
                problems.append(f"{name}: share on hole {k} {got:.4f} vs {share:.4f} (uniform in length)")
    return problems


def physc_side(args, work):
    shape = Path(args.shape)
    common = [args.physc, "sample", str(shape), "--interior", str(args.interior),
              "--boundary", str(args.boundary), "--threads", str(args.threads)]
    points = work / "physc_points.npz"
    subprocess.run(common + ["--out", str(points), "--seed", "999"], check=True,
                   stdout=subprocess.DEVNULL)
    with np.load(points) as z:
        drawn = (z["interior"], z["boundary"], z["normals"])
    times = []
    for rep in range(args.reps):
        out = subprocess.run(common + ["--format", "json", "--seed", str(rep)], check=True,
                             capture_output=True, text=True).stdout
        j = json.loads(out)
        times.append((j["interior_s"], j["boundary_s"]))
    return drawn, times


def deepxde_side(args):
    import deepxde as dde

    # float64 like physc (DeepXDE's default is float32, whose points are 1e-7 off).
    dde.config.set_default_float("float64")
    geom = (dde.geometry.Rectangle([0, 0], [WIDTH, HEIGHT])
            - dde.geometry.Disk(list(HOLES[0][0]), HOLES[0][1])
            - dde.geometry.Disk(list(HOLES[1][0]), HOLES[1][1]))
    # Warm-up: imports and first calls.
    geom.random_points(1000)
    geom.random_boundary_points(100)
    np.random.seed(999)
    interior = np.asarray(geom.random_points(args.interior), dtype=float)
    boundary = np.asarray(geom.random_boundary_points(args.boundary), dtype=float)
    normals = np.asarray(geom.boundary_normal(boundary), dtype=float)
    times = []
    for rep in range(args.reps):
        np.random.seed(rep)
        t0 = time.perf_counter()
        geom.random_points(args.interior)
        t1 = time.perf_counter()
        geom.random_boundary_points(args.boundary)
        t2 = time.perf_counter()
        times.append((t1 - t0, t2 - t1))
    import flax
    import jax

    versions = f"DeepXDE {dde.__version__} (JAX {jax.__version__}, Flax {flax.__version__})"
    return (interior, boundary, normals), times, versions


# DFG 2D-1 (Schäfer & Turek 1996; the reference values of John & Matthies 2001).
CD_REFERENCE = 5.5795
CL_REFERENCE = 0.0106


def cylinder_cd_err(args):
    """The relative error of c_D in the cylinder example's report, or `na` without one."""
    if not args.cylinder_report:
        return "na"
    path = Path(args.cylinder_report)
    if not path.exists():
        print(f"no cylinder report at {path}: cylinder_cd_err=na (BENCH_CYLINDER=1 trains it)")
        return "na"
    report = json.loads(path.read_text())
    integrals = report.get("integrals", {})
    if "c_D" not in integrals or not report.get("completed", False):
        print(f"{path}: no c_D of a completed run: cylinder_cd_err=na")
        return "na"
    cd = integrals["c_D"]["value"]
    cl = integrals.get("c_L", {}).get("value", float("nan"))
    age = (time.time() - path.stat().st_mtime) / 3600
    print(f"cylinder (DFG 2D-1) from {path} ({age:.1f} h old, trained in "
          f"{report.get('wall_time_s', float('nan')):.0f} s): c_D = {cd:.4f} "
          f"(reference {CD_REFERENCE}), c_L = {cl:.4f} (reference {CL_REFERENCE})")
    return f"{abs(cd - CD_REFERENCE) / CD_REFERENCE:.2e}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--physc", required=True)
    ap.add_argument("--shape", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--interior", type=int, default=1_000_000)
    ap.add_argument("--boundary", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cylinder-report", default=None,
                    help="report.json of a run of examples/cylinder_dfg.phys (its c_D error is printed)")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    (p_in, p_b, p_n), p_times = physc_side(args, work)
    (d_in, d_b, d_n), d_times, dde_version = deepxde_side(args)
    print(f"{dde_version}, NumPy {np.__version__}, Python {sys.version.split()[0]}")

    with open(work / "timings.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["side", "rep", "interior_points", "interior_s", "boundary_points", "boundary_s"])
        for side, times in (("physc", p_times), ("deepxde", d_times)):
            for rep, (ti, tb) in enumerate(times):
                w.writerow([side, rep, args.interior, f"{ti:.6f}", args.boundary, f"{tb:.6f}"])

    problems = check("physc", p_in, p_b, p_n, args.interior, args.boundary, uniform_boundary=True)
    # DeepXDE draws a difference's boundary as as many points of each operand's boundary,
    # kept where on the result, so its points are not uniform in length: not checked.
    problems += check("deepxde", d_in, d_b, d_n, args.interior, args.boundary, uniform_boundary=False)
    shares = [np.count_nonzero(on_hole(b, k)) / args.boundary for b in (p_b, d_b) for k in range(2)]
    exact = hole_share()
    print(f"boundary share on the holes (exact, uniform in length: {exact[0]:.4f}, {exact[1]:.4f}): "
          f"physc {shares[0]:.4f}, {shares[1]:.4f}; DeepXDE {shares[2]:.4f}, {shares[3]:.4f}")

    med = lambda times, k: statistics.median(t[k] for t in times)
    pi, pb = med(p_times, 0), med(p_times, 1)
    di, db = med(d_times, 0), med(d_times, 1)
    print(f"{'':10} {'interior ' + format(args.interior, ','):>22} {'boundary ' + format(args.boundary, ','):>22} {'total':>10}")
    print(f"{'physc':10} {pi:>20.4f} s {pb:>20.4f} s {pi + pb:>8.4f} s")
    print(f"{'DeepXDE':10} {di:>20.4f} s {db:>20.4f} s {di + db:>8.4f} s")
    print(f"{'ratio':10} {di / pi:>21.1f}x {db / pb:>21.1f}x {(di + db) / (pi + pb):>9.1f}x")
    if problems:
        print("outputs disagree:\n  " + "\n  ".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"RESULT geometry vs_deepxde={(di + db) / (pi + pb):.1f} interior_vs_deepxde={di / pi:.1f} "
          f"boundary_vs_deepxde={db / pb:.1f} physc_interior_s={pi:.4f} physc_boundary_s={pb:.4f} "
          f"deepxde_interior_s={di:.4f} deepxde_boundary_s={db:.4f} cylinder_cd_err={cylinder_cd_err(args)}")


if __name__ == "__main__":
    main()
