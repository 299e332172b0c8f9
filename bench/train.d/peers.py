#!/usr/bin/env python3
"""The peers of `bench/train`: one Adam step of the Burgers PINN (u_t + u u_x = (0.01/pi) u_xx on
[-1, 1] x [0, 1], u(x, 0) = -sin(pi x), u(+-1, t) = 0), timed in one of two ways.

  deepxde  DeepXDE on its PyTorch backend (DDE_BACKEND=pytorch), the library's own Burgers
           example: TimePDE with num_domain / num_boundary / num_initial points (DeepXDE's
           default Hammersley sampling), FNN tanh with Glorot-normal weights, compile("adam",
           lr=1e-3), model.train(). DeepXDE evaluates the PDE residual (and so u_t, u_x, u_xx)
           on all its training rows: the boundary and initial points stacked in front for
           their conditions, then num_domain + num_boundary + num_initial. With --pde-rows N,
           num_domain is lowered so that these rows number N (physc and JAX take derivatives
           on their interior points only), the same derivative work on both sides.
           Time per step: a callback stamps the start of every iteration of model.train's own
           loop (batch fetch, forward, derivatives by torch.autograd, backward, optimizer step,
           DeepXDE's bookkeeping); the interval to the next stamp is one step. The loss display
           is set to the last step only, whose interval is not counted.
  jax      a hand-written step, compiled with jax.jit: the same MLP, u_t, u_x, u_xx by nested
           forward-mode jax.jvp (the fastest of nested jvp, vmap of jax.grad, and
           jax.experimental.jet measured here; with --jets: value and derivatives propagated
           through the layers by hand, Taylor mode, as physc does, faster still), loss = mean
           squared PDE residual + mean squared initial and (two) boundary residuals, gradient
           by jax.value_and_grad, Adam (the same formulas as torch.optim.Adam) in jax.numpy,
           all in one jitted function. Each step is timed with
           block_until_ready after compilation and warm-up steps.

Both run in float32 on the threads the caller allows (bench/train sets the thread variables and
torch.set_num_threads is called here). Writes a JSON object with the per-step times (seconds),
their median and mean, the loss before and after, and versions.
"""

import argparse
import json
import math
import os
import platform
import sys
import time

NU = 0.01 / math.pi


def deepxde_burgers_problem(dde, np, t_end):
    """DeepXDE's Burgers set-up on [-1, 1] x [0, t_end]: its domain, residual, u(+-1) = 0 and
    u(x, 0) = -sin(pi x) (shared with bench/accuracy.d/deepxde_burgers.py)."""
    def pde(x, y):
        dy_x = dde.grad.jacobian(y, x, i=0, j=0)
        dy_t = dde.grad.jacobian(y, x, i=0, j=1)
        dy_xx = dde.grad.hessian(y, x, i=0, j=0)
        return dy_t + y * dy_x - NU * dy_xx

    geom = dde.geometry.Interval(-1, 1)
    timedomain = dde.geometry.TimeDomain(0, t_end)
    geomtime = dde.geometry.GeometryXTime(geom, timedomain)
    bc = dde.icbc.DirichletBC(geomtime, lambda x: 0, lambda _, on_boundary: on_boundary)
    ic = dde.icbc.IC(
        geomtime, lambda x: -np.sin(np.pi * x[:, 0:1]), lambda _, on_initial: on_initial
    )
    return geomtime, pde, bc, ic


def deepxde_run(a):
    os.environ.setdefault("DDE_BACKEND", "pytorch")
    import numpy as np
    import torch

    torch.set_num_threads(a.threads)
    # DeepXDE prints while importing and training; keep stdout for the caller's JSON-free log.
    import deepxde as dde

    if dde.backend.backend_name != "pytorch":
        sys.exit(f"DeepXDE backend is {dde.backend.backend_name}, expected pytorch")
    dde.config.set_default_float("float32")
    dde.config.set_random_seed(a.seed)
    torch.set_num_threads(a.threads)

    geomtime, pde, bc, ic = deepxde_burgers_problem(dde, np, t_end=1)
    def make(num_domain):
        return dde.data.TimePDE(
            geomtime, pde, [bc, ic],
            num_domain=num_domain, num_boundary=a.boundary, num_initial=a.initial,
        )

    num_domain = a.interior
    data = make(num_domain)
    if a.pde_rows:
        extra = int(data.train_x.shape[0]) - num_domain
        num_domain = a.pde_rows - extra
        data = make(num_domain)
        if int(data.train_x.shape[0]) != a.pde_rows:
            sys.exit(f"DeepXDE has {data.train_x.shape[0]} rows, not the {a.pde_rows} asked for")
    net = dde.nn.FNN([2] + [a.width] * a.depth + [1], "tanh", "Glorot normal")
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3)

    class Stamps(dde.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.t = []

        def on_epoch_begin(self):
            self.t.append(time.perf_counter())

    total = a.warmup + a.steps
    stamps = Stamps()
    model.train(iterations=total, display_every=10 * total + 1, callbacks=[stamps])
    t = stamps.t
    # intervals between the starts of consecutive iterations; the last iteration (with
    # DeepXDE's loss evaluation and display) has no next stamp and is not counted
    steps = [t[i + 1] - t[i] for i in range(len(t) - 1)][a.warmup:]
    loss = [float(v) for v in model.train_state.loss_train]
    points = int(model.train_state.X_train.shape[0])
    history = model.losshistory
    first = (float(sum(history.loss_train[0])) if history.steps and history.steps[0] == 0
             else None)
    return {
        "peer": "deepxde",
        "what": f"DeepXDE {dde.__version__} (PyTorch {torch.__version__})",
        "points_pde": points,
        "num_domain": num_domain,
        "first_loss": first,
        "final_loss": sum(loss),
        "versions": {"deepxde": dde.__version__, "torch": torch.__version__},
        "threads": torch.get_num_threads(),
        "steps_s": steps,
    }


def jax_run(a):
    import jax
    import jax.numpy as jnp
    import numpy as np

    jax.config.update("jax_enable_x64", False)
    rng = np.random.default_rng(a.seed)
    f32 = np.float32
    interior = np.stack(
        [rng.uniform(-1, 1, a.interior), rng.uniform(0, 1, a.interior)], axis=1
    ).astype(f32)
    x0 = rng.uniform(-1, 1, a.initial).astype(f32)
    initial = np.stack([x0, np.zeros_like(x0)], axis=1)
    u0 = (-np.sin(np.pi * x0)).astype(f32)
    nb = a.boundary // 2
    left = np.stack([-np.ones(nb, f32), rng.uniform(0, 1, nb).astype(f32)], axis=1)
    right = np.stack([np.ones(nb, f32), rng.uniform(0, 1, nb).astype(f32)], axis=1)

    sizes = [2] + [a.width] * a.depth + [1]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        std = math.sqrt(2.0 / (fan_in + fan_out))  # Glorot normal
        params.append(
            (jnp.asarray(rng.normal(0, std, (fan_in, fan_out)).astype(f32)),
             jnp.zeros((fan_out,), jnp.float32))
        )

    def mlp(p, z):
        h = z
        for w, b in p[:-1]:
            h = jnp.tanh(h @ w + b)
        w, b = p[-1]
        return (h @ w + b)[:, 0]

    def jets_autodiff(p, xi):
        f = lambda z: mlp(p, z)  # noqa: E731
        ex = jnp.zeros_like(xi).at[:, 0].set(1.0)
        et = jnp.zeros_like(xi).at[:, 1].set(1.0)
        # (u, u_x) and their directional derivative along x: (u_x, u_xx)
        (u, ux), (_, uxx) = jax.jvp(lambda z: jax.jvp(f, (z,), (ex,)), (xi,), (ex,))
        ut = jax.jvp(f, (xi,), (et,))[1]
        return u, ux, ut, uxx

    def jets_by_hand(p, xi):
        # the same quantities propagated through the layers by hand (Taylor mode, as physc
        # does): value, d/dx, d/dt, d2/dx2 of every layer's output
        h = xi
        hx = jnp.zeros_like(xi).at[:, 0].set(1.0)
        ht = jnp.zeros_like(xi).at[:, 1].set(1.0)
        hxx = jnp.zeros_like(xi)
        for w, b in p[:-1]:
            z, zx, zt, zxx = h @ w + b, hx @ w, ht @ w, hxx @ w
            y = jnp.tanh(z)
            d = 1 - y * y
            h, hx, ht, hxx = y, d * zx, d * zt, d * zxx - 2 * y * d * zx * zx
        w, b = p[-1]
        return (h @ w + b)[:, 0], (hx @ w)[:, 0], (ht @ w)[:, 0], (hxx @ w)[:, 0]

    jets = jets_by_hand if a.jets else jets_autodiff

    def loss_fn(p, xi, xic, uic, xl, xr):
        f = lambda z: mlp(p, z)  # noqa: E731
        u, ux, ut, uxx = jets(p, xi)
        r = ut + u * ux - NU * uxx
        return (jnp.mean(r * r) + jnp.mean((f(xic) - uic) ** 2)
                + jnp.mean(f(xl) ** 2) + jnp.mean(f(xr) ** 2))

    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8

    @jax.jit
    def step(p, m, v, k, xi, xic, uic, xl, xr):
        loss, g = jax.value_and_grad(loss_fn)(p, xi, xic, uic, xl, xr)
        k = k + 1
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, g)
        c1 = 1 - b1 ** k
        c2 = 1 - b2 ** k
        p = jax.tree_util.tree_map(
            lambda p, m, v: p - lr * (m / c1) / (jnp.sqrt(v / c2) + eps), p, m, v
        )
        return p, m, v, k, loss

    data = tuple(jnp.asarray(d) for d in (interior, initial, u0, left, right))
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    k = jnp.asarray(0.0, jnp.float32)
    t0 = time.perf_counter()
    state = step(params, m, v, k, *data)
    jax.block_until_ready(state)
    compile_s = time.perf_counter() - t0
    first_loss = float(state[4])
    steps = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        state = step(*state[:4], *data)
        jax.block_until_ready(state)
        if i >= a.warmup:
            steps.append(time.perf_counter() - t0)
    return {
        "peer": "jax",
        "what": f"jax.jit step by hand (JAX {jax.__version__}), derivatives "
                + ("propagated by hand" if a.jets else "by nested jax.jvp"),
        "points_pde": a.interior,
        "first_loss": first_loss,
        "final_loss": float(state[4]),
        "compile_s": compile_s,
        "dtype": str(state[0][0][0].dtype),
        "versions": {"jax": jax.__version__, "jaxlib": jax.lib.__version__
                     if hasattr(jax.lib, "__version__") else "?"},
        "devices": [str(d) for d in jax.devices()],
        "steps_s": steps,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peer", choices=["deepxde", "jax"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--width", type=int, required=True)
    ap.add_argument("--depth", type=int, required=True)
    ap.add_argument("--interior", type=int, required=True)
    ap.add_argument("--initial", type=int, default=160)
    ap.add_argument("--boundary", type=int, default=80)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--pde-rows", type=int, default=0,
                    help="deepxde: lower num_domain so that this many rows get derivatives")
    ap.add_argument("--jets", action="store_true",
                    help="jax: derivatives propagated through the layers by hand, not by jvp")
    a = ap.parse_args()
    res = deepxde_run(a) if a.peer == "deepxde" else jax_run(a)
    s = sorted(res["steps_s"])
    n = len(s)
    res["median_s"] = s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])
    res["mean_s"] = sum(s) / n
    res["min_s"] = s[0]
    res["net"] = [2] + [a.width] * a.depth + [1]
    res["points"] = {"interior": a.interior, "initial": a.initial, "boundary": a.boundary}
    res["python"] = platform.python_version()
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1)
    print(f"{a.peer} {res['net']} {a.interior} pts: median {res['median_s'] * 1e3:.2f} ms/step, "
          f"mean {res['mean_s'] * 1e3:.2f} ms over {n} steps", file=sys.stderr)


if __name__ == "__main__":
    main()
