"""bench/discover's development set (issue 21): the dysts systems whose names begin with M to Z
that have 3 variables and polynomial right-hand sides of degree at most 3.

Which systems, and their true equations, come from dysts itself: each system's `_rhs` (plain
Python without numba) is called on SymPy symbols with the system's published parameters; a
system qualifies when every component is a polynomial of total degree <= 3 in x, y, z (no
time, no other functions). The trajectories are integrated here with SciPy's `solve_ivp`
(DOP853, rtol 1e-10) on that polynomial, from dysts' initial condition, sampled 100 times
per dysts period, 5000 samples: dysts' own `make_trajectory` resamples on its own time scale
and post-processes some systems' coordinates, which would change the equations.

`python devset.py OUTDIR` writes OUTDIR/<System>.csv (columns t,x,y,z) and OUTDIR/truth.json
({system: {"degree": D, "equations": [{monomial: coefficient}, ...]}}, monomials spelt as
exponent triples "i,j,k" of x^i y^j z^k). Systems whose trajectory blows up, stops moving
or fails to integrate are listed on stderr and left out."""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

warnings.filterwarnings("ignore")
import dysts.flows as flows  # noqa: E402

SAMPLES, PER_PERIOD, MAX_DEGREE = 5000, 100, 3
X = sp.symbols("x y z")


def polynomial_systems():
    """(name, params, ic, period, [Poly per component]) for each qualifying system."""
    out = []
    for name in sorted(dir(flows)):
        if not ("M" <= name[0] <= "Z"):
            continue
        cls = getattr(flows, name)
        if not isinstance(cls, type) or not hasattr(cls, "_rhs"):
            continue
        try:
            sys_ = cls()
        except Exception:
            continue
        if getattr(sys_, "dimension", None) != 3 or getattr(sys_, "period", None) is None:
            continue
        if getattr(sys_, "nonautonomous", False) or getattr(sys_, "delay", False):
            continue
        try:
            params = [float(p) for p in sys_.param_list]
            rhs = cls._rhs(*X, sp.Symbol("t"), *params)
            polys = [sp.Poly(sp.expand(e), *X) for e in rhs]
        except Exception:
            continue
        if len(polys) != 3 or any(p.total_degree() > MAX_DEGREE for p in polys):
            continue
        if any(not all(np.isfinite(float(c)) for c in p.coeffs()) for p in polys):
            continue
        out.append((name, sys_.ic, float(sys_.period), polys))
    return out


def integrate(polys, ic, period):
    f = sp.lambdify([X], [p.as_expr() for p in polys], "numpy")
    dt = period / PER_PERIOD
    t = np.arange(SAMPLES) * dt
    sol = solve_ivp(lambda _t, u: f(u), (0.0, t[-1]), np.asarray(ic, float), method="DOP853",
                    t_eval=t, rtol=1e-10, atol=1e-10)
    if not sol.success or sol.y.shape[1] != SAMPLES:
        return None, f"integration failed: {sol.message}"
    y = sol.y.T
    if not np.all(np.isfinite(y)) or np.abs(y).max() > 1e6:
        return None, "blows up"
    tail = y[SAMPLES // 2:]
    if np.any(tail.std(axis=0) < 1e-6 * (1 + np.abs(tail).max(axis=0))):
        return None, "settles to a fixed point"
    return np.column_stack([t, y]), None


def truth_of(polys):
    eqs = []
    for p in polys:
        eqs.append({",".join(map(str, m)): float(c) for m, c in zip(p.monoms(), p.coeffs())
                    if float(c) != 0.0})
    return eqs


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    truth = {}
    for name, ic, period, polys in polynomial_systems():
        data, why = integrate(polys, ic, period)
        if data is None:
            print(f"devset: {name} left out: {why}", file=sys.stderr)
            continue
        np.savetxt(out / f"{name}.csv", data, delimiter=",", header="t,x,y,z", comments="",
                   fmt="%.17g")
        degree = max(p.total_degree() for p in polys)
        truth[name] = {"degree": degree, "equations": truth_of(polys)}
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    print(f"devset: {len(truth)} systems: {', '.join(truth)}", file=sys.stderr)


if __name__ == "__main__":
    main()
