"""bench/python's timing: the same work through the `physc` command and through the Python
package, alternating, each run timed from the outside (the CLI: the whole process; Python:
load or arrays in, the job, and `save`, i.e. the same files written)."""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import physc


def lorenz(n):
    """n samples of Lorenz at dt = 2e-4 by classical RK4 (x, y, z), vectorised over steps."""
    def f(s):
        x, y, z = s
        return np.array([10 * (y - x), x * (28 - z) - y, x * y - 8 / 3 * z])

    dt, s = 2e-4, np.array([1.0, 1.0, 1.0])
    out = np.empty((n, 3))
    for i in range(n):
        out[i] = s
        k1 = f(s); k2 = f(s + dt / 2 * k1); k3 = f(s + dt / 2 * k2); k4 = f(s + dt * k3)
        s = s + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return np.arange(n) * dt, out


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--physc", required=True)
    ap.add_argument("--example", required=True)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--samples", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    t, X = lorenz(args.samples)
    data = out / "lorenz.npz"
    np.savez(data, t=t, x=X[:, 0], y=X[:, 1], z=X[:, 2])

    def cli_train(d):
        subprocess.run([args.physc, "run", args.example, "--quiet", "--seed", "0",
                        "--max-steps", str(args.steps), "--out", d], check=True)

    def py_train(d):
        r = physc.load(args.example).train("Heat1D", max_steps=args.steps, seed=0,
                                           progress=False)
        r.save(pathlib.Path(d) / "Heat1D" / "train")

    def cli_discover(d):
        subprocess.run([args.physc, "discover", str(data), "--vars", "x,y,z", "--out", d],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def py_discover(d):
        z = np.load(data)
        X = np.column_stack([z["x"], z["y"], z["z"]])
        r = physc.discover(z["t"], X, names=["x", "y", "z"], name="Lorenz", progress=False)
        r.save(pathlib.Path(d) / "Lorenz" / "discover")

    times = {k: [] for k in ("cli_train", "py_train", "cli_discover", "py_discover")}
    fns = dict(cli_train=cli_train, py_train=py_train, cli_discover=cli_discover,
               py_discover=py_discover)
    # Warm-up (page cache, JIT caches are per process), then alternate.
    for name, fn in fns.items():
        with tempfile.TemporaryDirectory() as d:
            fn(d)
    for _ in range(args.repeats):
        for name, fn in fns.items():
            with tempfile.TemporaryDirectory() as d:
                times[name].append(timed(lambda: fn(d)))

    # Agreement: the same fields bit for bit, the same equations.
    with tempfile.TemporaryDirectory() as d:
        cli_train(d)
        cli_u = np.load(pathlib.Path(d) / "Heat1D" / "train" / "fields.npz")["u"]
    py = physc.load(args.example).train("Heat1D", max_steps=args.steps, seed=0, progress=False)
    identical = bool(np.array_equal(cli_u, py.fields["u"]))

    with open(out / "timings.json", "w") as f:
        json.dump(times, f, indent=1)
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in times.items():
        print(f"{k:13s} median {med[k]:.3f} s  runs {' '.join(f'{x:.3f}' for x in v)}",
              file=sys.stderr)
    train_overhead = 100 * (med["py_train"] / med["cli_train"] - 1)
    discover_overhead = 100 * (med["py_discover"] / med["cli_discover"] - 1)
    print(f"RESULT python train_overhead_pct={train_overhead:.1f} "
          f"discover_overhead_pct={discover_overhead:.1f} "
          f"cli_train_s={med['cli_train']:.3f} py_train_s={med['py_train']:.3f} "
          f"cli_discover_s={med['cli_discover']:.3f} py_discover_s={med['py_discover']:.3f} "
          f"samples={args.samples} steps={args.steps} identical_fields={str(identical).lower()}")


if __name__ == "__main__":
    main()
