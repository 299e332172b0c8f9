"""bench/distributed's runs and report: 1 rank x 2 threads against 2 ranks x 1 thread
(mpirun), rounds in alternating order, then the RESULT line. Only the standard library."""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time


def run(cmd, out):
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    with open(os.path.join(out, "Burgers", "train", "report.json")) as f:
        report = json.load(f)
    with open(os.path.join(out, "Burgers", "train", "loss.csv"), "rb") as f:
        losses = f.read()
    return report, losses, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--physc", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=60)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    common = ["run", a.model, "--quiet", "--max-steps", str(a.steps)]
    threads_cmd = lambda out: [a.physc, *common, "--threads", "2", "--out", out]
    ranks_cmd = lambda out: ["mpirun", "-n", "2",
                             a.physc, *common, "--threads", "1", "--out", out]
    load = os.getloadavg()
    steps = {"threads": [], "ranks": []}
    message = []
    identical = True
    for k in range(a.rounds):
        order = ["threads", "ranks"] if k % 2 == 0 else ["ranks", "threads"]
        results = {}
        for side in order:
            out = os.path.join(a.work, f"{side}_{k}")
            cmd = threads_cmd(out) if side == "threads" else ranks_cmd(out)
            report, losses, wall = run(cmd, out)
            results[side] = losses
            steps[side].append(report["adam_step_median_s"])
            if side == "ranks":
                message.append(report["communication_s_per_evaluation"])
            print(f"round {k} {side:8s} step {report['adam_step_median_s'] * 1e3:8.2f} ms"
                  f"  ranks {report['config']['ranks']}  wall {wall:6.1f} s", file=sys.stderr)
        identical &= results["threads"] == results["ranks"]
    t_threads = statistics.median(steps["threads"])
    t_ranks = statistics.median(steps["ranks"])
    t_message = statistics.median(message)
    efficiency = t_threads / t_ranks
    # Weak scaling (ARCHITECTURE.md): each node keeps its share of points, so its compute per
    # step stays what one rank computes here (t_ranks - t_message); the messages grow. The
    # residual message is O(points of all nodes), the gradient gather O(nodes x weights).
    # Measured here between two ranks of one machine; on a cluster at bandwidth B
    # (12.5 GB/s, 100 Gb/s InfiniBand) and latency L (2 us per step of a log2(P) tree):
    with open(os.path.join(a.work, "ranks_0", "Burgers", "train", "report.json")) as f:
        r = json.load(f)
    weights = r["config"]["net"]["parameters"]
    points_per_rank = (8192 + 160 + 80) / 2
    compute = t_ranks - t_message
    bandwidth, latency = 12.5e9, 2e-6

    def step_at(nodes):
        squares = nodes * points_per_rank * 8 * 2  # all-reduce: about twice the buffer
        gather = nodes * 2 * weights * 8
        tree = 2 * latency * max(1, (nodes - 1).bit_length())
        return compute + (squares + gather) / bandwidth + tree

    weak_64 = step_at(1) / step_at(64)
    print(f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, at end "
          f"{os.getloadavg()[0]:.2f}", file=sys.stderr)
    print(f"1 rank x 2 threads: {t_threads * 1e3:.2f} ms/step; 2 ranks x 1 thread: "
          f"{t_ranks * 1e3:.2f} ms/step (messages {t_message * 1e3:.3f} ms per evaluation); "
          f"efficiency {efficiency:.3f}; loss.csv identical: {identical}", file=sys.stderr)
    print(f"weak scaling model ({weights} weights, {points_per_rank:.0f} points per rank): "
          + ", ".join(f"{n} nodes {step_at(1) / step_at(n):.3f}" for n in (2, 8, 64)),
          file=sys.stderr)
    print(f"RESULT distributed efficiency={efficiency:.3f} step_threads_s={t_threads:.5f} "
          f"step_ranks_s={t_ranks:.5f} message_s={t_message:.6f} identical={int(identical)} "
          f"weak_scaling_64_nodes={weak_64:.3f}")
    if not identical:
        sys.exit("the runs on 2 ranks and on 1 process differ")


if __name__ == "__main__":
    main()
