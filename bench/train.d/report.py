#!/usr/bin/env python3
"""Table, targets and RESULT line of `bench/train`, from bench/train.d/run.py's results.json.

Time per Adam step (loss, gradient and update; no set-up, no compilation):
  physc    report.json's adam_step_median_s of `physc run` (the median of the run's Adam steps)
  peers    the median step of the process (bench/train.d/peers.py), after warm-up steps
Each figure in the table is the median over the rounds. Every ratio = peer time / physc time
at the same configuration and precision (f32; above 1: physc is faster). RESULT:
  deepxde_small  = DeepXDE (PyTorch) small / physc f32 small
  torch_large    = DeepXDE (PyTorch) large / physc f32 large
  jax_large      = the faster jax.jit step large / physc f32 large: the faster of derivatives
                   by nested jax.jvp (jax_jvp_large) and derivatives propagated through the
                   layers by hand as physc does (jax_jets_large); both also in RESULT
  burgers_rel_l2 = rel_l2.u of examples/burgers.phys against Cole-Hopf (full run, or
                   --max-steps with BENCH_QUICK=1, which the output says)
  large_gflops   = the matrix-product FLOPs of one large f32 step (gemm_flops) / physc's step
                   time: how close physc runs to the machine's FMA peak, and how many GFLOP/s
                   5x DeepXDE at the large size would take (printed beside it)
  jax_small      = the faster jax.jit step small / physc f32 small (jax_jvp_small,
                   jax_jets_small)
What each timer covers: physc the Adam step loop's body (loss and gradient with the
derivatives, the loss-history record, the Adam update; jobs/src/train/session.rs); JAX the
call of the jitted step (loss, derivatives, gradient, Adam update) until block_until_ready;
DeepXDE the interval between the starts of consecutive iterations of model.train's loop
(batch fetch, forward, derivatives, backward, optimizer step, DeepXDE's bookkeeping).
Derivative rows: physc and JAX take u_t, u_x, u_xx on the interior points only; DeepXDE on all
its stacked training rows, so bench/train.d/run.py gives it num_domain such that these rows
number the same (peers.py --pde-rows).
Losses: the loss at step 0 and after the timed steps (physc: S steps; peers: warm-up + S) are
printed for every variant; the sides start from different random weights and points, so the
check is loose: every peer's final loss within a factor LOSS_FACTOR of physc's at the same
size, else no RESULT line (exit 1). The JAX variants share weights and points and must agree
to 1e-3 relative, a check of the hand-written jets.
"""

import sys

LOSS_FACTOR = 2.0

import argparse
import json


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def gemm_flops(width, depth, interior, edge=240, inputs=2, jets=4):
    """FLOPs of the matrix products of one Adam step of the Burgers PINN: the forward pass
    pushes `jets` rows per interior point (u, u_x, u_t, u_xx) and one per initial or boundary
    point (`edge` of them) through every layer, one multiply-add per weight and row; the
    reverse pass repeats that for every weight gradient and for every layer's input adjoint
    but the first's (nothing needs the inputs' adjoint). The element-wise work (tanh, its
    jets, residuals) is not counted: it is a few percent of these FLOPs and not FMA-shaped."""
    widths = [inputs] + [width] * depth + [1]
    per_row = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    rows = interior * jets + edge
    forward = rows * per_row
    reverse = forward + rows * (per_row - inputs * width)
    return 2 * (forward + reverse)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--wall", type=float, default=None, help="seconds the whole run took")
    ap.add_argument("--build", type=float, default=None, help="seconds cargo build took")
    ap.add_argument("--install", type=float, default=None, help="seconds the venv set-up took")
    ap.add_argument("--load", default=None, help="load averages, as text")
    a = ap.parse_args()
    with open(a.results, encoding="utf-8") as f:
        res = json.load(f)
    runs, info, sizes = res["runs"], res["info"], res["sizes"]
    busy = res.get("busy", 0.15)

    def disturbed(m):
        return m["others_cpu_share"] is not None and m["others_cpu_share"] > busy

    # the median of the undisturbed measurements, or of all where every one was disturbed
    used = {k: [m for m in v if not disturbed(m)] or v for k, v in runs.items() if v}
    t = {k: median([m["step_s"] for m in v]) for k, v in used.items()}
    shares = [r["others_cpu_share"] for v in runs.values() for r in v
              if r["others_cpu_share"] is not None]

    dde = info["deepxde_small"]
    jx = info["jax_large"]
    print("bench/train: time per Adam step of the Burgers PINN, physc vs DeepXDE (PyTorch) "
          "and a jax.jit step")
    for name, s in sizes.items():
        net = "-".join(str(n) for n in [2] + [s["width"]] * s["depth"] + [1])
        print(f"  {name:<5}: net {net} tanh, {s['interior']} interior + 160 initial + 80 "
              f"boundary points, Adam lr 1e-3; {s['steps']} timed steps per run "
              f"(peers after {s['warmup']} warm-up steps)")
    print(f"  {res['rounds']} rounds, every variant once per round in rotating order, each its "
          f"own process; {res['threads']} threads for all (physc --threads, "
          "torch.set_num_threads, OMP/MKL variables, XLA CPU)"
          + (f", pinned to CPUs {res['affinity']}" if res.get("affinity") else ""))
    print("  physc: median step of its run (report.json adam_step_median_s); peers: median step of "
          "the run; table: median over the runs, leaving out those during which other "
          f"processes used more than {busy:.0%} of the CPU time (marked *) unless all were")
    print(f"  peers: {dde['what']}; {jx['what']}, {jx['devices'][0]}; Python {dde['python']}")
    print(f"  derivative rows (small): DeepXDE {dde['points_pde']} (num_domain "
          f"{dde.get('num_domain', '?')}), physc and JAX {sizes['small']['interior']} interior "
          "points")
    print("  timers: physc the Adam loop body (loss, derivatives, gradient, history record, "
          "update); JAX the jitted step to block_until_ready; DeepXDE start to start of "
          "model.train's iterations")
    if a.load:
        print(f"  load average: {a.load}")
    if shares:
        worst = max(shares)
        print(f"  other processes used {100 * sum(shares) / len(shares):.0f}% of the machine's "
              f"CPU time on average (worst measurement {100 * worst:.0f}%)"
              + (f"; measurements waited {res['idle_wait_s']:.0f} s in all for them"
                 if res.get("idle_wait_s") else ""))
    print()

    rows = [
        ("small", "physc", "physc_small_f32", "f32", "physc_small_f32"),
        ("small", "DeepXDE (PyTorch)", "deepxde_small", "f32", "physc_small_f32"),
        ("small", "JAX jit, derivatives by jvp", "jax_small", "f32", "physc_small_f32"),
        ("small", "JAX jit, jets by hand", "jax_jets_small", "f32", "physc_small_f32"),
        ("large", "physc", "physc_large_f32", "f32", "physc_large_f32"),
        ("large", "physc", "physc_large_f64", "f64", "physc_large_f32"),
        ("large", "DeepXDE (PyTorch)", "deepxde_large", "f32", "physc_large_f32"),
        ("large", "JAX jit, derivatives by jvp", "jax_large", "f32", "physc_large_f32"),
        ("large", "JAX jit, jets by hand", "jax_jets_large", "f32", "physc_large_f32"),
    ]
    header = (f"{'config':<6} {'variant':<27} {'prec':<4} {'ms/step':>9} "
              f"{'per run (ms)':<26} {'÷ physc f32':>11} {'÷ physc f64':>11}")
    print(header)
    print("-" * len(header))
    for size, label, key, prec, base in rows:
        if key not in t:
            continue
        per = " ".join(f"{m['step_s'] * 1e3:.1f}" + ("*" if disturbed(m) else "")
                       for m in runs[key])
        ratio = t[key] / t[base]
        r64 = ""
        if size == "large" and key != "physc_large_f32":
            r64 = f"{t[key] / t['physc_large_f64']:.2f}"
        print(f"{size:<6} {label:<27} {prec:<4} {t[key] * 1e3:>9.2f} {per:<26} "
              f"{ratio:>11.2f} {r64:>11}")
    print()

    deepxde_small = t["deepxde_small"] / t["physc_small_f32"]
    torch_large = t["deepxde_large"] / t["physc_large_f32"]
    jax_jvp_large = t["jax_large"] / t["physc_large_f32"]
    jax_jets_large = t["jax_jets_large"] / t["physc_large_f32"]
    jax_jvp_small = t["jax_small"] / t["physc_small_f32"]
    jax_jets_small = t["jax_jets_small"] / t["physc_small_f32"]
    jax_large = min(jax_jvp_large, jax_jets_large)  # the faster JAX step
    jax_small = min(jax_jvp_small, jax_jets_small)
    b = res["burgers"]
    rel = b["rel_l2"].get("u", float("nan")) if isinstance(b["rel_l2"], dict) else float("nan")

    shaky = {k for k, v in runs.items() if v and all(disturbed(m) for m in v)}

    def verdict(ok, *keys):
        bad = [k for k in keys if k in shaky]
        return ("met" if ok else "NOT met") + (
            f" (UNRELIABLE: {', '.join(bad)} ran only on a busy machine)" if bad else "")

    print("Targets (f32, same threads):")
    v_small = verdict(deepxde_small >= 5, "deepxde_small", "physc_small_f32")
    v_torch = verdict(torch_large >= 5, "deepxde_large", "physc_large_f32")
    v_jax = verdict(jax_large >= 2, "jax_large", "physc_large_f32")
    v_jax_small = verdict(jax_small >= 2, "jax_small", "physc_small_f32")
    print(f"  physc >= 5x DeepXDE, small   : {deepxde_small:6.2f}  {v_small}")
    print(f"  physc >= 5x DeepXDE, large   : {torch_large:6.2f}  {v_torch}"
          "   (RESULT key torch_large: DeepXDE on PyTorch)")
    print(f"  physc >= 2x jax.jit, small   : {jax_small:6.2f}  {v_jax_small}"
          f"   (the faster JAX step; jvp {jax_jvp_small:.2f}, jets by hand {jax_jets_small:.2f})")
    print(f"  physc >= 2x jax.jit, large   : {jax_large:6.2f}  {v_jax}"
          f"   (the faster JAX step; jvp {jax_jvp_large:.2f}, jets by hand {jax_jets_large:.2f})")
    print(f"  physc f64 / f32, large       : "
          f"{t['physc_large_f64'] / t['physc_large_f32']:6.2f}")
    large = sizes["large"]
    flops = gemm_flops(large["width"], large["depth"], large["interior"])
    large_gflops = flops / t["physc_large_f32"] * 1e-9
    need = flops / (t["deepxde_large"] / 5) * 1e-9
    print(f"Roofline, large: {flops * 1e-9:.2f} GFLOP of matrix products per step; physc f32 "
          f"runs them at {large_gflops:.0f} GFLOP/s (f64: "
          f"{flops / t['physc_large_f64'] * 1e-9:.0f}); 5x DeepXDE would need {need:.0f} GFLOP/s "
          f"on {res['threads']} threads")
    quick = "  <- BENCH_QUICK=1: not the full training" if b["quick"] else ""
    print(f"Accuracy: {b['label']}: rel_l2(u) vs Cole-Hopf = {rel:.3e}{quick}")
    print(f"  {b['adam_steps']} Adam steps + {b['lbfgs_iterations']} quasi-Newton iterations (report.json lbfgs_iterations), "
          f"{b['precision']}, final loss {b['final_loss']:.3e}, training {b['wall_time_s']:.0f} s "
          f"({b['adam_step_s'] * 1e3:.2f} ms per Adam step)")
    if a.wall is not None:
        extra = []
        if a.build is not None:
            extra.append(f"cargo build {a.build:.0f} s")
        if a.install is not None:
            extra.append(f"venv check/install {a.install:.0f} s")
        print(f"  wall time of bench/train: {a.wall:.0f} s"
              + (f" ({', '.join(extra)})" if extra else ""))
    if shaky:
        print(f"  WARNING: other processes were busy during every run of {', '.join(sorted(shaky))}"
              "; ratios built on them are not to be trusted; rerun on an idle machine")
    print()
    # the losses: step 0 and after the timed steps, last run of each variant
    print(f"Losses (last run of each variant; agreement: final loss within {LOSS_FACTOR:g}x of "
          "physc's at the same size; JAX jvp and jets equal to 1e-3):")
    failed = []
    for size, label, key, prec, base in rows:
        if key not in info:
            continue
        first, final = info[key].get("first_loss"), info[key].get("final_loss")
        note = ""
        ref = info.get(base, {}).get("final_loss")
        if key != base and ref and final:
            q = max(final / ref, ref / final)
            if q > LOSS_FACTOR:
                note = f"DISAGREES with physc ({q:.2f}x)"
                failed.append(key)
            else:
                note = f"{q:.2f}x from physc's"
        fmt = lambda v: "-" if v is None else f"{v:.4g}"  # noqa: E731
        print(f"  {size:<6} {label:<27} {prec:<4} step 0: {fmt(first):>9}   after: "
              f"{fmt(final):>9}  {note}")
    for size in ("small", "large"):
        jvp, jets = info.get(f"jax_{size}"), info.get(f"jax_jets_{size}")
        if jvp and jets:
            d = abs(jvp["final_loss"] - jets["final_loss"]) / abs(jvp["final_loss"])
            if d > 1e-3:
                failed.append(f"jax_jets_{size} vs jax_{size} ({d:.1e})")
    print()
    if failed:
        print(f"FAILED: losses disagree beyond the stated tolerance: {', '.join(failed)}; "
              "no RESULT line")
        sys.exit(1)
    print(f"RESULT train deepxde_small={deepxde_small:.2f} torch_large={torch_large:.2f} "
          f"jax_large={jax_large:.2f} burgers_rel_l2={rel:.3e} large_gflops={large_gflops:.0f} "
          f"jax_small={jax_small:.2f} jax_jvp_large={jax_jvp_large:.2f} "
          f"jax_jets_large={jax_jets_large:.2f} jax_jvp_small={jax_jvp_small:.2f} "
          f"jax_jets_small={jax_jets_small:.2f}")


if __name__ == "__main__":
    main()
