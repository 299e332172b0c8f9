#!/usr/bin/env python3
"""The measuring part of `bench/train`: rounds of physc and its peers in rotating order, then
the full Burgers training for its relative L2 error. Writes one JSON file for report.py.

Every measurement is its own process (physc run, or peers.py) on the same CPUs (the caller
pins this script with taskset where it can; children inherit it) and the same thread count.
For each one the share of the machine's CPU time that other processes used meanwhile is
measured (/proc/stat busy time minus this process's children's CPU time), so a loaded machine
shows in the report rather than in the ratios alone.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def busy_jiffies():
    """(busy, total) jiffies of all CPUs from /proc/stat, or None."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return sum(v) - idle, sum(v)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measured(cmd, env, log):
    """Run cmd; return (wall seconds, share of the machine other processes used)."""
    hz = os.sysconf("SC_CLK_TCK")
    j0, c0, t0 = busy_jiffies(), children_cpu(), time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=log, stderr=log)
    j1, c1, t1 = busy_jiffies(), children_cpu(), time.perf_counter()
    share = None
    if j0 and j1 and j1[1] > j0[1]:
        ours = (c1 - c0) * hz
        share = max(0.0, ((j1[0] - j0[0]) - ours) / (j1[1] - j0[1]))
    return t1 - t0, share


def wait_for_idle(limit, busy):
    """Wait (at most `limit` seconds, in half-second samples) until other processes use less
    than `busy` of the machine's CPU time; return the seconds waited."""
    waited = 0.0
    while waited < limit:
        j0 = busy_jiffies()
        time.sleep(0.5)
        j1 = busy_jiffies()
        waited += 0.5
        if not j0 or not j1 or j1[1] <= j0[1] or (j1[0] - j0[0]) / (j1[1] - j0[1]) < busy:
            break
    return waited


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--physc", required=True)
    ap.add_argument("--python", required=True, help="the venv's python, for peers.py")
    ap.add_argument("--here", required=True, help="bench/train.d")
    ap.add_argument("--work", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps-small", type=int, default=300)
    ap.add_argument("--steps-large", type=int, default=60)
    ap.add_argument("--retries", type=int, default=2,
                    help="extra tries of a variant whose every measurement was disturbed")
    ap.add_argument("--retry-until", type=float, default=300,
                    help="no retry starts later than this many seconds into the rounds")
    ap.add_argument("--idle-budget", type=float, default=90,
                    help="seconds in all that measurements may wait for a busy machine to calm "
                    "down (each waits while others use more than --busy of the CPU time)")
    ap.add_argument("--busy", type=float, default=0.15,
                    help="a measurement during which others used more than this share of "
                    "the CPU time is disturbed")
    ap.add_argument("--burgers", required=True, help="the .phys file for burgers_rel_l2")
    ap.add_argument("--burgers-max-steps", type=int, default=0, help="0: the full run")
    a = ap.parse_args()

    here, work, th = a.here, a.work, str(a.threads)
    os.makedirs(work, exist_ok=True)
    log = open(os.path.join(work, "log.txt"), "a", encoding="utf-8")
    env = dict(os.environ)
    env.update({
        "OMP_NUM_THREADS": th, "MKL_NUM_THREADS": th, "OPENBLAS_NUM_THREADS": th,
        "NUMEXPR_NUM_THREADS": th, "RAYON_NUM_THREADS": th,
        "DDE_BACKEND": "pytorch", "MPLBACKEND": "Agg",
        "JAX_PLATFORMS": "cpu", "JAX_ENABLE_X64": "0",
        "XLA_FLAGS": f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={th}",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    })
    sizes = {
        "small": {"width": 20, "depth": 3, "interior": 2540, "steps": a.steps_small, "warmup": 20},
        "large": {"width": 64, "depth": 4, "interior": 8192, "steps": a.steps_large, "warmup": 5},
    }
    variants = [
        ("physc_small_f32", "physc", "small", "small_f32"),
        ("physc_large_f32", "physc", "large", "large_f32"),
        ("physc_large_f64", "physc", "large", "large_f64"),
        ("deepxde_small", "deepxde", "small", None),
        ("deepxde_large", "deepxde", "large", None),
        ("jax_small", "jax", "small", None),
        ("jax_large", "jax", "large", None),
        ("jax_jets_large", "jax", "large", "--jets"),
    ]
    runs = {v[0]: [] for v in variants}
    start = time.perf_counter()
    idle = [0.0]  # seconds spent waiting for an idle machine, all measurements together
    info = {}

    def measure(label, tag, key, kind, size, conf):
        s = sizes[size]
        out = os.path.join(work, tag, key)
        os.makedirs(out, exist_ok=True)
        waited = wait_for_idle(max(0.0, a.idle_budget - idle[0]) + 0.5, a.busy)
        idle[0] += waited - 0.5
        note = f" (waited {waited:.0f} s for other processes to finish)" if waited > 1 else ""
        print(f"   {label}: {key}{note}", file=sys.stderr, flush=True)
        print(f"== {label}: {key}{note}", file=log, flush=True)
        if kind == "physc":
            cmd = [a.physc, "run", os.path.join(here, conf + ".phys"), "--out", out,
                   "--quiet", "--threads", th, "--max-steps", str(s["steps"])]
            wall, share = measured(cmd, env, log)
            with open(os.path.join(out, "Burgers", "train", "report.json"), encoding="utf-8") as f:
                rep = json.load(f)
            # The median step, as for the peers (the mean also counts the first, cold step and
            # any step the shared machine's other work delayed).
            step = rep["adam_step_median_s"]
            info[key] = {"precision": rep["config"]["precision"],
                         "threads": rep["config"]["threads"],
                         "parameters": rep["config"]["net"]["parameters"],
                         "points": {k: v["points"] for k, v in rep["terms"].items()},
                         "adam_steps": rep["adam_steps"], "final_loss": rep["final_loss"],
                         "what": "physc run, report.json adam_step_median_s (median step of the run)",
                         "mean_step_s": rep["adam_step_s"]}
        else:
            res = os.path.join(out, "peer.json")
            cmd = [a.python, os.path.join(here, "peers.py"), kind, "--out", res,
                   "--threads", th, "--width", str(s["width"]), "--depth", str(s["depth"]),
                   "--interior", str(s["interior"]), "--initial", "160",
                   "--boundary", "80", "--steps", str(s["steps"]),
                   "--warmup", str(s["warmup"])] + ([conf] if conf else [])
            wall, share = measured(cmd, env, log)
            with open(res, encoding="utf-8") as f:
                rep = json.load(f)
            step = rep["median_s"]
            rep.pop("steps_s")
            info[key] = rep
        runs[key].append({"step_s": step, "wall_s": wall, "others_cpu_share": share,
                          "label": label})

    for r in range(a.rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for v in order:
            measure(f"round {r + 1} of {a.rounds}", f"round{r + 1}", *v)
    # a variant that other processes disturbed every time gets more tries (a busy machine),
    # as long as the time allows
    for t in range(a.retries):
        for v in variants:
            if time.perf_counter() - start > a.retry_until:
                break
            if all(m["others_cpu_share"] is not None and m["others_cpu_share"] > a.busy
                   for m in runs[v[0]]):
                measure(f"retry {t + 1} (busy machine)", f"retry{t + 1}", *v)

    # the accuracy run, last
    out = os.path.join(work, "burgers")
    cmd = [a.physc, "run", a.burgers, "--out", out, "--quiet", "--threads", th]
    if a.burgers_max_steps:
        cmd += ["--max-steps", str(a.burgers_max_steps)]
    label = "examples/burgers.phys" + (
        f" --max-steps {a.burgers_max_steps}" if a.burgers_max_steps else " (full run)")
    print(f"   {label}", file=sys.stderr, flush=True)
    print(f"== {label}", file=log, flush=True)
    wall, share = measured(cmd, env, log)
    with open(os.path.join(out, "Burgers", "train", "report.json"), encoding="utf-8") as f:
        rep = json.load(f)
    burgers = {"label": label, "quick": bool(a.burgers_max_steps), "wall_s": wall,
               "others_cpu_share": share, "rel_l2": rep.get("rel_l2", {}),
               "adam_steps": rep["adam_steps"], "lbfgs_iterations": rep["lbfgs_iterations"],
               "final_loss": rep["final_loss"], "wall_time_s": rep["wall_time_s"],
               "adam_step_s": rep["adam_step_s"], "precision": rep["config"]["precision"]}

    result = {"rounds": a.rounds, "busy": a.busy, "threads": a.threads, "sizes": sizes,
              "runs": runs, "info": info, "burgers": burgers, "idle_wait_s": idle[0],
              "cpus": os.cpu_count(),
              "affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
              else None}
    with open(os.path.join(work, "results.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
