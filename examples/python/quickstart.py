"""physc from Python: train the heat equation, look at it, and rediscover Lorenz from arrays.

    pip install ./python            # once, with the Rust toolchain
    python examples/python/quickstart.py

Plots with Matplotlib when it is installed; prints either way.
"""

import pathlib

import numpy as np

import physc

EXAMPLES = pathlib.Path(__file__).resolve().parents[1]

# 1. Check and train a model. Diagnostics are data; results are NumPy arrays.
assert not physc.check(EXAMPLES / "heat1d.phys").errors
heat = physc.load(EXAMPLES / "heat1d.phys").train("Heat1D", max_steps=500)
x, t, u = heat.axes["x"], heat.axes["t"], heat.fields["u"]  # u[i, j] at t[i], x[j]
exact = np.sin(np.pi * x)[None, :] * np.exp(-0.1 * np.pi**2 * t)[:, None]
print(f"heat: relative L2 error {np.linalg.norm(u - exact) / np.linalg.norm(exact):.1e}"
      f" after {len(heat.loss['step'])} steps")
print("u(0.5, 0.25) =", heat.predict(x=0.5, t=0.25)["u"][0],
      " exact:", np.sin(np.pi * 0.5) * np.exp(-0.1 * np.pi**2 * 0.25))

try:
    import matplotlib.pyplot as plt

    plt.pcolormesh(x, t, u, shading="auto")
    plt.xlabel("x [m]"), plt.ylabel("t [s]"), plt.colorbar(label="u [K]")
    plt.title("Heat1D, trained by physc")
    plt.savefig("heat1d.png", dpi=120)
    print("plotted heat1d.png")
except ImportError:
    pass

# 2. Simulate Lorenz, then rediscover its equations from the arrays alone.
lorenz = physc.load(EXAMPLES / "lorenz.phys").simulate("Lorenz")
t = lorenz.axes["t"]
X = np.column_stack([lorenz.fields[name] for name in ("x", "y", "z")])
found = physc.discover(t, X, names=["x", "y", "z"], degree=2)
for equation in found.equations:
    print(equation)

# 3. Symbolic helpers.
print(physc.simplify("d(x^2 * sin(x), x)"), "|", physc.latex("d(x^2 * sin(x), x)"))
