"""Reference for Poisson on the L-shape: -lap u = 1 on [-1, 1]^2 minus [0, 1]^2, u = 0 on
the boundary, by second-order finite differences on a 1025 x 1025 grid (h = 1/512), sampled
at the 65 x 65 grid of the test (h = 1/32; NaN outside the closed L-shape, 0 on its
boundary). Run: python3 tests/data/lshape_fd.py (needs numpy and scipy)."""
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import sys

def solve(n):
    x = np.linspace(-1.0, 1.0, n)
    h = x[1] - x[0]
    X, Y = np.meshgrid(x, x, indexing="ij")
    inside = ~((X > 0) & (Y > 0))
    interior = inside.copy()
    interior[0, :] = interior[-1, :] = interior[:, 0] = interior[:, -1] = False
    # Points on the cut-out's sides (x = 0, y >= 0 or y = 0, x >= 0) are boundary.
    interior &= ~(((np.isclose(X, 0)) & (Y >= 0)) | ((np.isclose(Y, 0)) & (X >= 0)))
    index = -np.ones(X.shape, dtype=np.int64)
    index[interior] = np.arange(interior.sum())
    rows, cols, vals = [], [], []
    I, J = np.nonzero(interior)
    k = index[I, J]
    rows.append(k); cols.append(k); vals.append(np.full(k.size, 4.0 / h**2))
    for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        nb = index[I + di, J + dj]
        keep = nb >= 0
        rows.append(k[keep]); cols.append(nb[keep]); vals.append(np.full(keep.sum(), -1.0 / h**2))
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(k.size, k.size))
    u = np.full(X.shape, np.nan)
    u[inside] = 0.0
    u[interior] = spla.spsolve(A.tocsc(), np.ones(k.size))
    return x, u

fine = 1025
x, u = solve(fine)
step = (fine - 1) // 64
xs, us = x[::step], u[::step, ::step]
x2, u2 = solve(513)
diff = np.nanmax(np.abs(u2[::8, ::8] - us)) / np.nanmax(np.abs(us))
print(f"max |u_513 - u_1025| / max |u| on the 65 x 65 grid: {diff:.2e}", file=sys.stderr)
np.savez(sys.argv[1] if len(sys.argv) > 1 else "lshape_fd.npz", x=xs, y=xs, u=us)
