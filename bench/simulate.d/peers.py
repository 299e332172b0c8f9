"""bench/simulate's peers: the right-hand sides (and Jacobians) compiled with numba, and one
function per peer that solves a problem once and returns (seconds, solution, counts).

Every peer function times only the solver call (and, for scipy.integrate.ode, the Python loop
over the output times that its documented use needs); compiling the right-hand side is left
out by the caller's untimed warm-up run. Counts are what the peer reports:
  steps   accepted steps (rejected in the second slot where the peer says)
  nfev    right-hand-side evaluations
  njev    Jacobian evaluations, nlu LU decompositions (where the peer says)
None where the peer does not report a count."""

import math
import time

import numpy as np
from numba import cfunc, njit
from numba import carray, types
from scipy import sparse
from scipy.integrate import ode, odeint, solve_ivp

try:
    import numbalsoda
    from numbalsoda import lsoda_sig
except ImportError:  # reported by the caller
    numbalsoda = None
    lsoda_sig = types.void(types.double, types.CPointer(types.double),
                           types.CPointer(types.double), types.CPointer(types.double))

# --- Lorenz -----------------------------------------------------------------------------

SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


@njit(cache=False)
def lorenz_into(s, out):
    out[0] = SIGMA * (s[1] - s[0])
    out[1] = s[0] * (RHO - s[2]) - s[1]
    out[2] = s[0] * s[1] - BETA * s[2]


@njit(cache=False)
def lorenz_f(_t, s):
    out = np.empty(3)
    lorenz_into(s, out)
    return out


@njit(cache=False)
def lorenz_jac(_t, s):
    j = np.empty((3, 3))
    j[0, 0], j[0, 1], j[0, 2] = -SIGMA, SIGMA, 0.0
    j[1, 0], j[1, 1], j[1, 2] = RHO - s[2], -1.0, -s[0]
    j[2, 0], j[2, 1], j[2, 2] = s[1], s[0], -BETA
    return j


@cfunc(lsoda_sig)
def lorenz_c(_t, u, du, _p):
    s = carray(u, (3,))
    out = carray(du, (3,))
    lorenz_into(s, out)


def lorenz_python(_t, s):
    """The plain Python right-hand side of the RK45 row (the old bench's peer)."""
    x, y, z = s
    return [SIGMA * (y - x), x * (RHO - z) - y, x * y - BETA * z]


# --- Burgers by the method of lines (1021 points, FD4, Dirichlet ends held at 0) ---------

BURGERS_N = 1021
BURGERS_NU = 0.01 / math.pi
_H = 2.0 / (BURGERS_N - 1)


def fd_weights(nodes, z, k):
    """Weights w on u(nodes) with sum w_j u(x_j) = u^(k)(z), exact for polynomials of degree
    < len(nodes) (the same rows Fornberg's algorithm gives in runtime/src/mol/stencil.rs)."""
    nodes = np.asarray(nodes, float)
    n = len(nodes)
    a = np.array([(nodes - z) ** m / math.factorial(m) for m in range(n)])
    rhs = np.zeros(n)
    rhs[k] = 1.0
    return np.linalg.solve(a, rhs)


# physc's one-sided 4th-order rows at the points next to the ends: u_x on 5 points, u_xx on 6
# (edge_width = order + accuracy for a Dirichlet end), at offset 1 from the end.
WX_L = fd_weights(range(5), 1.0, 1) / _H
WXX_L = fd_weights(range(6), 1.0, 2) / _H**2
WX_R = fd_weights(range(5), 3.0, 1) / _H
WXX_R = fd_weights(range(6), 4.0, 2) / _H**2


@njit(cache=False)
def burgers_into(u, out):
    n = u.shape[0]
    c1 = 1.0 / (12.0 * _H)
    c2 = 1.0 / (12.0 * _H * _H)
    # the Dirichlet ends enter the stencils at their prescribed value 0
    out[0] = 0.0
    out[n - 1] = 0.0
    ux = 0.0
    uxx = 0.0
    for k in range(5):
        ux += WX_L[k] * (u[k] if k > 0 else 0.0)
    for k in range(6):
        uxx += WXX_L[k] * (u[k] if k > 0 else 0.0)
    out[1] = BURGERS_NU * uxx - u[1] * ux
    for i in range(2, n - 2):
        a = u[i - 2] if i - 2 > 0 else 0.0
        e = u[i + 2] if i + 2 < n - 1 else 0.0
        b = u[i - 1]
        d = u[i + 1]
        c = u[i]
        ux = (a - e + 8.0 * (d - b)) * c1
        uxx = (16.0 * (b + d) - (a + e) - 30.0 * c) * c2
        out[i] = BURGERS_NU * uxx - c * ux
    ux = 0.0
    uxx = 0.0
    for k in range(5):
        j = n - 5 + k
        ux += WX_R[k] * (u[j] if j < n - 1 else 0.0)
    for k in range(6):
        j = n - 6 + k
        uxx += WXX_R[k] * (u[j] if j < n - 1 else 0.0)
    out[n - 2] = BURGERS_NU * uxx - u[n - 2] * ux


@njit(cache=False)
def burgers_f(_t, u):
    out = np.empty(u.shape[0])
    burgers_into(u, out)
    return out


@cfunc(lsoda_sig)
def burgers_c(_t, u, du, _p):
    burgers_into(carray(u, (BURGERS_N,)), carray(du, (BURGERS_N,)))


def burgers_u0():
    xs = np.linspace(-1.0, 1.0, BURGERS_N)
    return xs, -np.sin(math.pi * xs)


def burgers_numpy(n, h, nu):
    """The old bench's vectorised NumPy right-hand side (the RK45 row)."""
    c1 = 1.0 / (12.0 * h)
    c2 = 1.0 / (12.0 * h * h)
    ux = np.empty(n)
    uxx = np.empty(n)
    v = np.empty(n)

    def rhs(_t, u):
        v[:] = u
        v[0] = 0.0
        v[-1] = 0.0
        a, b, c, d, e = v[:-4], v[1:-3], v[2:-2], v[3:-1], v[4:]
        ux[2:-2] = (a - e + 8.0 * (d - b)) * c1
        uxx[2:-2] = (16.0 * (b + d) - (a + e) - 30.0 * c) * c2
        ux[1] = WX_L @ v[:5]
        uxx[1] = WXX_L @ v[:6]
        ux[-2] = WX_R @ v[-5:]
        uxx[-2] = WXX_R @ v[-6:]
        out = nu * uxx - v * ux
        out[0] = 0.0
        out[-1] = 0.0
        return out

    return rhs


# --- Van der Pol, mu = 1000 (stiff) ------------------------------------------------------

MU = 1000.0


@njit(cache=False)
def vdp_into(s, out):
    out[0] = s[1]
    out[1] = MU * (1.0 - s[0] * s[0]) * s[1] - s[0]


@njit(cache=False)
def vdp_f(_t, s):
    out = np.empty(2)
    vdp_into(s, out)
    return out


@njit(cache=False)
def vdp_jac(_t, s):
    j = np.empty((2, 2))
    j[0, 0], j[0, 1] = 0.0, 1.0
    j[1, 0] = -2.0 * MU * s[0] * s[1] - 1.0
    j[1, 1] = MU * (1.0 - s[0] * s[0])
    return j


@cfunc(lsoda_sig)
def vdp_c(_t, u, du, _p):
    vdp_into(carray(u, (2,)), carray(du, (2,)))


# --- the solvers --------------------------------------------------------------------------

BIG = 10**9


def dopri5_fortran(f, y0, t, rtol, atol, outputs):
    """SciPy's scipy.integrate.ode('dopri5'): Hairer's Fortran DOPRI5, the right-hand side a
    numba-compiled function called back through Python. outputs=True: r.integrate(t_k) for
    every output time (the documented way to get outputs; each call restarts the Fortran
    code, which then chooses a first step again), outputs=False: one call to the end time.
    DOPRI5's stiffness test (it stops a long run it judges stiff, as on Burgers) is switched
    off (IWORK(4) = -1), as physc has none."""
    r = ode(f).set_integrator("dopri5", rtol=rtol, atol=atol, nsteps=BIG)
    counts = np.zeros(4, np.int64)  # NFCN, NSTEP, NACCPT, NREJCT summed over calls
    if outputs:
        ys = np.empty((len(t), len(y0)))
        t0 = time.perf_counter()
        r.set_initial_value(y0, t[0])
        r._integrator.iwork[3] = -1
        ys[0] = y0
        for k in range(1, len(t)):
            ys[k] = r.integrate(t[k])
            counts += r._integrator.iwork[16:20]
        secs = time.perf_counter() - t0
        ok = r.successful()
    else:
        t0 = time.perf_counter()
        r.set_initial_value(y0, t[0])
        r._integrator.iwork[3] = -1
        y_end = r.integrate(t[-1])
        secs = time.perf_counter() - t0
        ok = r.successful()
        counts += r._integrator.iwork[16:20]
        ys = np.full((len(t), len(y0)), np.nan)
        ys[-1] = y_end
    if not ok:
        raise SystemExit("scipy ode dopri5 failed")
    return secs, ys, {"steps": (int(counts[2]), int(counts[3])), "nfev": int(counts[0]),
                      "njev": None, "nlu": None}


def lsoda_odepack(f, jac, y0, t, rtol, atol, band=None):
    """SciPy's odeint: ODEPACK's Fortran LSODA (Adams / BDF switching), outputs by its own
    interpolation; right-hand side and Jacobian numba-compiled, called back through Python.
    band=(ml, mu): a banded Jacobian (by differences when jac is None)."""
    kw = {}
    if band is not None:
        kw = {"ml": band[0], "mu": band[1]}
    t0 = time.perf_counter()
    ys, info = odeint(f, y0, t, Dfun=jac, tfirst=True, rtol=rtol, atol=atol, mxstep=BIG,
                      full_output=True, **kw)
    secs = time.perf_counter() - t0
    if info["message"] != "Integration successful.":
        raise SystemExit(f"odeint failed: {info['message']}")
    return secs, ys, {"steps": (int(info["nst"][-1]), None), "nfev": int(info["nfe"][-1]),
                      "njev": int(info["nje"][-1]), "nlu": None}


def numbalsoda_lsoda(c, y0, t, rtol, atol):
    """numbalsoda.lsoda: a C++ port of LSODA calling a numba cfunc; no Python in the loop.
    Jacobian by differences (numbalsoda takes none); reports no counts."""
    y0 = np.ascontiguousarray(y0, float)
    t0 = time.perf_counter()
    ys, ok = numbalsoda.lsoda(c.address, y0, t, rtol=rtol, atol=atol, mxstep=2**31 - 1)
    secs = time.perf_counter() - t0
    if not ok:
        raise SystemExit("numbalsoda.lsoda failed")
    return secs, ys, {"steps": (None, None), "nfev": None, "njev": None, "nlu": None}


def numbalsoda_dop853(c, y0, t, rtol, atol):
    """numbalsoda.solve_ivp(method='DOP853'): a C++ port of Hairer's DOP853 (order 8, not the
    same method as physc's order 5) calling a numba cfunc, dense output at t."""
    y0 = np.ascontiguousarray(y0, float)
    span = np.array([t[0], t[-1]])
    t0 = time.perf_counter()
    sol = numbalsoda.solve_ivp(c.address, span, y0, t_eval=t, rtol=rtol, atol=atol)
    secs = time.perf_counter() - t0
    if not sol.success:
        raise SystemExit(f"numbalsoda DOP853 failed: {sol.message}")
    ys = np.asarray(sol.y)
    if ys.shape != (len(t), len(y0)):
        ys = ys.T
    return secs, ys.copy(), {"steps": (None, None), "nfev": int(sol.nfev), "njev": None,
                             "nlu": None}


def scipy_ivp(f, y0, t, rtol, atol, method, jac=None, jac_sparsity=None):
    """scipy.integrate.solve_ivp: the stepping loop in Python. jac: a function (dense or
    scipy.sparse result); jac_sparsity: the Jacobian's pattern, for grouped differences."""
    kw = {"jac": jac} if jac is not None else {}
    if jac_sparsity is not None:
        kw["jac_sparsity"] = jac_sparsity
    t0 = time.perf_counter()
    sol = solve_ivp(f, (t[0], t[-1]), y0, method=method, rtol=rtol, atol=atol, t_eval=t, **kw)
    secs = time.perf_counter() - t0
    if not sol.success:
        raise SystemExit(f"solve_ivp {method} failed: {sol.message}")
    return secs, sol.y.T.copy(), {"steps": (None, None), "nfev": int(sol.nfev),
                                  "njev": int(sol.njev), "nlu": int(sol.nlu)}


# --- Gray–Scott by the method of lines in 2-D (96 x 96 periodic, FD2 5-point Laplacian) ------
# examples/gray_scott.phys: u_t = Du lap u - u v^2 + F (1 - u), v_t = Dv lap v + u v^2 - (F + k) v
# on the periodic unit square, physc's grid x_i = i/96 (i < 96, 1 the same point as 0), the
# state u then v, each x-major ([x, y] in C order), as physc's fields.npz lays them out.

GS_N = 96
GS_DU, GS_DV, GS_F, GS_K = 2e-5, 1e-5, 0.04, 0.06
_GS_H2 = (1.0 / GS_N) ** 2


def gray_scott_y0():
    xs = np.arange(GS_N) / GS_N
    x, y = np.meshgrid(xs, xs, indexing="ij")
    seed = np.exp(-((x - 0.5) ** 2 + (y - 0.5) ** 2) / 0.004)
    return np.concatenate([(1.0 - 0.5 * seed).ravel(), (0.25 * seed).ravel()])


def gray_scott_numpy():
    """The right-hand side vectorised in NumPy (whole-array slices, no Python loop over
    points); the peer a SciPy user writes for solve_ivp."""
    n = GS_N
    m = n * n
    lap = np.empty((n, n))
    out = np.empty(2 * m)

    def laplacian(a, d, dst):
        # periodic 5-point stencil: the four neighbours by slicing, wrap-around rows/columns
        np.multiply(a, -4.0, out=lap)
        lap[1:, :] += a[:-1, :]
        lap[0, :] += a[-1, :]
        lap[:-1, :] += a[1:, :]
        lap[-1, :] += a[0, :]
        lap[:, 1:] += a[:, :-1]
        lap[:, 0] += a[:, -1]
        lap[:, :-1] += a[:, 1:]
        lap[:, -1] += a[:, 0]
        np.multiply(lap, d / _GS_H2, out=dst)

    def rhs(_t, s):
        u = s[:m].reshape(n, n)
        v = s[m:].reshape(n, n)
        du = out[:m].reshape(n, n)
        dv = out[m:].reshape(n, n)
        uvv = u * v * v
        laplacian(u, GS_DU, du)
        du -= uvv
        du += GS_F * (1.0 - u)
        laplacian(v, GS_DV, dv)
        dv += uvv
        dv -= (GS_F + GS_K) * v
        return out.copy()  # solve_ivp keeps the arrays it is given

    return rhs


def _gs_laplacian_sparse():
    """The periodic 5-point Laplacian on the 96 x 96 grid (x-major), unscaled."""
    n = GS_N
    one = sparse.identity(n, format="csr")
    ring = sparse.diags([np.ones(n - 1), -2.0 * np.ones(n), np.ones(n - 1)], [-1, 0, 1],
                        format="lil")
    ring[0, n - 1] = 1.0
    ring[n - 1, 0] = 1.0
    ring = ring.tocsr()
    return (sparse.kron(ring, one) + sparse.kron(one, ring)).tocsr() / _GS_H2


def gray_scott_sparse_jacobian():
    """(jac, sparsity): the analytic Jacobian as a scipy.sparse CSC matrix on a fixed pattern
    (the two 5-point Laplacians plus the four diagonal couplings; only the data array is
    recomputed per call), and that pattern for solve_ivp's jac_sparsity."""
    n = GS_N
    m = n * n
    lap = _gs_laplacian_sparse()
    eye = sparse.identity(m, format="csr")
    base = sparse.bmat([[GS_DU * lap - GS_F * eye, eye], [eye, GS_DV * lap - (GS_F + GS_K) * eye]],
                       format="csc")
    base.sort_indices()
    # the constant part; the off-diagonal identity blocks only hold places (set to 0 below)
    cols_of = np.repeat(np.arange(base.shape[1]), np.diff(base.indptr))  # each entry's column
    rows_of = base.indices
    data0 = base.data.copy()
    # positions of the four diagonal couplings in the data array
    pos = {}
    for name, (r0, c0) in {"uu": (0, 0), "uv": (0, m), "vu": (m, 0), "vv": (m, m)}.items():
        k = np.nonzero((rows_of - r0 == cols_of - c0) & (rows_of >= r0) & (rows_of < r0 + m)
                       & (cols_of >= c0) & (cols_of < c0 + m))[0]
        order = np.argsort(rows_of[k])
        pos[name] = k[order]
        assert len(pos[name]) == m
    data0[pos["uv"]] = 0.0
    data0[pos["vu"]] = 0.0
    indices, indptr = base.indices.copy(), base.indptr.copy()

    def jac(_t, s):
        u = s[:m]
        v = s[m:]
        vv = v * v
        uv2 = 2.0 * u * v
        data = data0.copy()
        data[pos["uu"]] -= vv
        data[pos["uv"]] = -uv2
        data[pos["vu"]] = vv
        data[pos["vv"]] += uv2
        return sparse.csc_matrix((data, indices, indptr), shape=(2 * m, 2 * m))

    sparsity = sparse.csc_matrix((np.ones_like(data0), indices, indptr), shape=(2 * m, 2 * m))
    return jac, sparsity


@njit(cache=False)
def gray_scott_into(s, out):
    n = GS_N
    m = n * n
    cu = GS_DU / _GS_H2
    cv = GS_DV / _GS_H2
    for i in range(n):
        im = (i - 1) % n
        ip = (i + 1) % n
        for j in range(n):
            jm = (j - 1) % n
            jp = (j + 1) % n
            c = i * n + j
            u = s[c]
            v = s[m + c]
            lu = s[im * n + j] + s[ip * n + j] + s[i * n + jm] + s[i * n + jp] - 4.0 * u
            lv = (s[m + im * n + j] + s[m + ip * n + j] + s[m + i * n + jm] + s[m + i * n + jp]
                  - 4.0 * v)
            uvv = u * v * v
            out[c] = cu * lu - uvv + GS_F * (1.0 - u)
            out[m + c] = cv * lv + uvv - (GS_F + GS_K) * v


@njit(cache=False)
def gray_scott_f(_t, s):
    out = np.empty(s.shape[0])
    gray_scott_into(s, out)
    return out
