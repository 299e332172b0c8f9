#!/usr/bin/env python3
"""The Python peers of `bench/kernels`: the same outputs as physc's kernel (the Burgers
`pde` residual and its sensitivities), on exactly the same input points, by

* NumPy, vectorised by hand, writing into preallocated columns with `out=` (`numpy_1t`),
  and the same in the plain style that allocates a new array per operation
  (`numpy_alloc_1t`; reported, the faster of the two counts in the RESULT line);
* `sympy.lambdify(..., modules="numpy")` of the SymPy expressions of the outputs
  (`lambdify_1t`), parsed from the Python spelling of the simplified IR that the Rust side
  wrote (`py` of each output in its JSON report);
* for reference, the `out=` NumPy version on in-cache blocks (`numpy_1t_in_cache`, the
  block size of the Rust side's in-cache runs, time scaled to `points` points).

Every variant produces one full column per output: a constant output (`d pde / d dt(u)` = 1)
is filled, and an output that is an input (`d pde / d u` = `u_x`) is copied, since that is
what the compiled kernel does. Results are checked against each other on all points and
against the JIT's own outputs on the sample in the Rust report before anything is timed.
Timing: every variant once per round, rounds in rotating order, one warm-up round, median
over `--reps` rounds (minimum and maximum reported too). NumPy's elementwise operations are
single-threaded; thread variables of BLAS/OpenMP are set to 1 anyway, before NumPy loads.
"""

import os

for _v in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import sympy  # noqa: E402

# The outputs the hand-vectorised NumPy version computes, in its order (names as physc's
# `KernelPlan::residuals` gives them), and its inputs by `.phys` spelling.
HAND_OUTPUTS = ["pde", "d pde / d u", "d pde / d dt(u)", "d pde / d dx(u)", "d pde / d dxx(u)"]
HAND_INPUTS = ["u", "dt(u)", "dx(u)", "dxx(u)"]
# Every output of every variant must equal the JIT's (and NumPy's) to this max relative
# difference |a - b| / max(|a|, 1), the tolerance the Rust side applies too.
TOLERANCE = 1e-12


def numpy_burgers(u, u_t, u_x, u_xx, nu, out):
    """u_t + u u_x - nu u_xx and its derivatives by u, u_t, u_x, u_xx, into `out`."""
    pde, d_u, d_ut, d_ux, d_uxx = out
    np.multiply(u, u_x, out=pde)
    np.add(pde, u_t, out=pde)
    np.multiply(u_xx, nu, out=d_uxx)  # d_uxx as scratch, filled below
    np.subtract(pde, d_uxx, out=pde)
    np.copyto(d_u, u_x)
    d_ut.fill(1.0)
    np.copyto(d_ux, u)
    d_uxx.fill(-nu)


def numpy_burgers_alloc(u, u_t, u_x, u_xx, nu):
    """The same, written the plain way: a new array per operation and per output."""
    return [
        u_t + u * u_x - nu * u_xx,
        u_x.copy(),
        np.ones_like(u),
        u.copy(),
        np.full_like(u, -nu),
    ]


def max_rel_diff(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    diff = np.abs(a - b) / np.maximum(np.abs(a), 1.0)
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.where(both_nan, 0.0, diff)
    return float(np.max(diff)) if diff.size else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rust", required=True, help="JSON report of the Rust side")
    ap.add_argument("--out", required=True, help="where to write this side's JSON report")
    ap.add_argument("--reps", type=int, default=51)
    a = ap.parse_args()

    with open(a.rust, encoding="utf-8") as f:
        rust = json.load(f)
    n = rust["points"]
    inputs = rust["inputs"]
    outputs = rust["outputs"]
    cols = np.fromfile(rust["inputs_file"], dtype="<f8")
    if cols.size != n * len(inputs):
        raise SystemExit(f"{rust['inputs_file']}: {cols.size} values, expected {n * len(inputs)}")
    cols = cols.reshape(len(inputs), n)
    by_py = {inp["py"]: cols[k] for k, inp in enumerate(inputs)}
    by_source = {inp["source"]: cols[k] for k, inp in enumerate(inputs)}
    names = [o["name"] for o in outputs]
    if sorted(names) != sorted(HAND_OUTPUTS) or sorted(by_source) != sorted(HAND_INPUTS):
        raise SystemExit(
            f"kernel outputs {names} / inputs {sorted(by_source)} are not the ones "
            f"peers.py writes by hand ({HAND_OUTPUTS} / {HAND_INPUTS})"
        )
    params = rust["params"]
    if len(params) != 1 or params[0]["source"] != "nu":
        raise SystemExit(f"expected the one parameter nu, got {params}")
    nu = float(params[0]["value"])
    hand_in = [by_source[s] for s in HAND_INPUTS]

    # SymPy: the expressions as physc simplified them, lambdified for NumPy.
    syms = [sympy.Symbol(inp["py"], real=True) for inp in inputs]
    local = {s.name: s for s in syms}
    exprs = [sympy.sympify(o["py"], locals=local) for o in outputs]
    lambdified = sympy.lambdify(syms, exprs, modules="numpy")
    lambdify_source = inspect.getsource(lambdified)
    args = [by_py[s.name] for s in syms]

    def lambdify_run():
        results = lambdified(*args)
        columns = []
        for r in results:
            if np.ndim(r) == 0:
                r = np.full(n, r, dtype=np.float64)  # a constant output: fill a column
            elif any(r is x for x in args):
                r = r.copy()  # an output that is an input: still write a column
            columns.append(r)
        return columns

    out = [np.empty(n) for _ in HAND_OUTPUTS]

    def numpy_run():
        numpy_burgers(*hand_in, nu, out)
        return [out[HAND_OUTPUTS.index(name)] for name in names]

    # In cache: the same on blocks of the Rust side's in-cache size, over and over (about
    # `n` points in all), so that the interpreter overhead of NumPy, not memory, shows.
    block = min(rust["in_cache"]["points"], n)
    passes = rust["in_cache"]["passes"]
    block_in = [c[:block] for c in hand_in]
    block_out = [np.empty(block) for _ in HAND_OUTPUTS]

    def numpy_in_cache_run():
        for _ in range(passes):
            numpy_burgers(*block_in, nu, block_out)
        return block_out

    def numpy_alloc_run():
        cols = numpy_burgers_alloc(*hand_in, nu)
        return [cols[HAND_OUTPUTS.index(name)] for name in names]

    # --- Agreement, before timing. ---
    results = {
        "numpy_1t": [c.copy() for c in numpy_run()],
        "numpy_alloc_1t": numpy_alloc_run(),
        "lambdify_1t": lambdify_run(),
    }
    sample = rust["sample"]
    m = sample["points"]
    agreement = {}
    for key, cols_ in results.items():
        if len(cols_) != len(names) or any(np.shape(c) != (n,) for c in cols_):
            raise SystemExit(f"{key}: wrong output shapes {[np.shape(c) for c in cols_]}")
        agreement[f"{key}_vs_jit_sample"] = max(
            max_rel_diff(sample["outputs"][k], cols_[k][:m]) for k in range(len(names))
        )
        agreement[f"{key}_vs_numpy"] = max(
            max_rel_diff(results["numpy_1t"][k], cols_[k]) for k in range(len(names))
        )
    worst = max(agreement.values())
    if not worst <= TOLERANCE:
        print(f"FAILED: the peers disagree with physc beyond {TOLERANCE:g} (max relative "
              f"difference, |a - b| / max(|a|, 1)): {agreement}; no RESULT line", flush=True)
        raise SystemExit(1)
    del results

    # --- Timing. ---
    variants = [
        ("numpy_1t", numpy_run),
        ("numpy_alloc_1t", numpy_alloc_run),
        ("lambdify_1t", lambdify_run),
        ("numpy_1t_in_cache", numpy_in_cache_run),
    ]
    scale = {k: 1.0 for k, _ in variants}
    scale["numpy_1t_in_cache"] = n / (passes * block)
    samples = {k: [] for k, _ in variants}
    for rnd in range(a.reps + 1):
        for i in range(len(variants)):
            key, f = variants[(i + rnd) % len(variants)]
            t = time.perf_counter()
            r = f()
            dt = time.perf_counter() - t
            del r
            if rnd > 0:
                samples[key].append(dt * scale[key])
    seconds = {k: float(np.median(v)) for k, v in samples.items()}
    report = {
        "points": n,
        "reps": a.reps,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sympy": sympy.__version__,
        "seconds": seconds,
        "seconds_min": {k: min(v) for k, v in samples.items()},
        "seconds_max": {k: max(v) for k, v in samples.items()},
        "samples": samples,
        "threads": {k: 1 for k in seconds},
        "agreement": agreement,
        "sympy_exprs": {name: str(e) for name, e in zip(names, exprs)},
        "lambdify_source": lambdify_source,
    }
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
