"""bench/accuracy's report: a table per case (every seed), the targets of issue 19, and the
RESULT line. Worst and median are over the seeds; times are training seconds (report.json's
wall_time_s for physc, Adam + L-BFGS for DeepXDE), medians over the seeds."""
import argparse
import json
import statistics


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--load", default="?")
    ap.add_argument("--wall", type=float, default=0)
    a = ap.parse_args()
    with open(a.results) as f:
        res = json.load(f)
    cases = res["cases"]
    print(f"seeds {res['seeds']}; load {a.load}; bench wall {a.wall:.0f} s"
          + (f"; QUICK: --max-steps {res['max_steps']}" if res["max_steps"] else ""))
    out = {}

    def col(case, key):
        return [r[key] for r in cases.get(case, []) if r.get(key) is not None]

    def stat(case, key, name, fn):
        v = col(case, key)
        if v:
            out[name] = fn(v)

    def is_time(key):
        return key.endswith("_s") or key == "nu"

    def fmt(v, key=""):
        if v is None:
            return "never"
        return f"{v:.1f}" if is_time(key) and key != "nu" else f"{v:.3e}"

    for case, rows in cases.items():
        print(f"\n{case}")
        keys = [k for k in rows[0] if k not in ("seed", "what")]
        print("  seed " + " ".join(f"{k:>15}" for k in keys))
        for r in rows:
            print(f"  {r['seed']:>4} " + " ".join(f"{fmt(r.get(k), k):>15}" for k in keys))

    for case in ("burgers", "burgers_hard"):
        stat(case, "rel_l2", f"{case}_worst", max)
        stat(case, "rel_l2", f"{case}_median", statistics.median)
        stat(case, "train_s", f"{case}_s", statistics.median)
        t3 = [r.get("time_to_1e-3_s") for r in cases.get(case, [])]
        if t3:
            # A seed that never reached 1e-3 makes the worst time infinite.
            out[f"{case}_time_to_1e3_s"] = max(float("inf") if v is None else v for v in t3)
    stat("allen_cahn", "rel_l2_file", "allen_cahn_worst", max)
    stat("allen_cahn", "rel_l2_mol", "allen_cahn_worst_vs_mol", max)
    stat("allen_cahn", "train_s", "allen_cahn_s", statistics.median)
    stat("heat1d", "rel_l2", "heat1d_worst", max)
    stat("poisson2d", "rel_l2", "poisson2d_worst", max)
    stat("burgers_inverse", "nu_rel_err", "inverse_nu_worst_err", max)
    stat("deepxde_burgers", "rel_l2", "deepxde_burgers_best", min)
    stat("deepxde_burgers", "rel_l2", "deepxde_burgers_worst", max)
    stat("deepxde_burgers", "train_s", "deepxde_burgers_s", statistics.median)
    d3 = [r.get("time_to_1e-3_s") for r in cases.get("deepxde_burgers", [])]
    if any(v is not None for v in d3):
        out["deepxde_time_to_1e3_s"] = min(v for v in d3 if v is not None)

    targets = [
        ("burgers_worst", 1e-5, "Burgers worst seed <= 1e-5"),
        ("burgers_time_to_1e3_s", 30, "Burgers time to 1e-3 <= 30 s (worst seed)"),
        ("burgers_s", 600, "Burgers within 10 minutes"),
        ("allen_cahn_worst", 1e-4, "Allen-Cahn worst seed <= 1e-4 vs the .mat file "
         "(the file's own error is 1.6e-4)"),
        ("allen_cahn_worst_vs_mol", 1e-4, "Allen-Cahn worst seed <= 1e-4 vs a converged solution"),
        ("heat1d_worst", 1e-6, "heat 1-D <= 1e-6"),
        ("poisson2d_worst", 1e-6, "Poisson 2-D <= 1e-6"),
        ("inverse_nu_worst_err", 1e-3, "inverse Burgers nu within 0.1%"),
    ]
    print("\ntargets (issue 19)")
    for key, limit, what in targets:
        if key in out:
            ok = "met" if out[key] <= limit else "NOT met"
            print(f"  {what}: {fmt(out[key], key)} -> {ok}")
    print("RESULT accuracy " + " ".join(f"{k}={fmt(v, k)}" for k, v in out.items()))


if __name__ == "__main__":
    main()
