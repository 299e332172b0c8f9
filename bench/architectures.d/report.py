"""bench/architectures' report: each case's error against its exact solution (read from
the run's fields.npz with the standard library alone), wall time, Adam step median and
weight count, a table, cases.csv, and the RESULT line."""

import ast
import json
import math
import struct
import sys
import zipfile


def load_npz(path):
    """The float64 arrays of an .npz file NumPy wrote (or physc: little-endian '<f8',
    C order), as (shape, flat tuple)."""
    arrays = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            raw = z.read(name)
            if raw[:6] != b"\x93NUMPY":
                raise ValueError(f"{path}:{name} is not a .npy array")
            major = raw[6]
            size_bytes = 2 if major == 1 else 4
            header_len = int.from_bytes(raw[8:8 + size_bytes], "little")
            start = 8 + size_bytes
            header = ast.literal_eval(raw[start:start + header_len].decode("latin1"))
            if header["descr"] != "<f8" or header["fortran_order"]:
                raise ValueError(f"{path}:{name}: {header}, expected C-order <f8")
            data = raw[start + header_len:]
            count = len(data) // 8
            arrays[name[:-4]] = (tuple(header["shape"]), struct.unpack(f"<{count}d", data))
    return arrays


def rel_l2(values, exact):
    err = sum((v - e) ** 2 for v, e in zip(values, exact))
    norm = sum(e * e for e in exact)
    return math.sqrt(err / norm)


def grid_error(fields, field, exact):
    """Relative L2 error of `field` on the output grid of a 1-D or 2-D run."""
    shape, values = fields[field]
    axes = [k for k in fields if fields[k][0] == (len(fields[k][1]),) and k not in ("u", "v", "p", "k")]
    if len(shape) == 1:
        (x,) = [fields[a][1] for a in axes]
        return rel_l2(values, [exact(xi) for xi in x])
    first, second = (fields[a][1] for a in axes[:2])
    if (len(first), len(second)) != shape:
        first, second = second, first
    points = [(a, b) for a in first for b in second]
    return rel_l2(values, [exact(*p) for p in points])


NU = 1 / 20
LAMBDA = 1 / (2 * NU) - math.sqrt(1 / (4 * NU * NU) + 4 * math.pi ** 2)
KOVASZNAY = {
    "u": lambda x, y: 1 - math.exp(LAMBDA * x) * math.cos(2 * math.pi * y),
    "v": lambda x, y: LAMBDA / (2 * math.pi) * math.exp(LAMBDA * x) * math.sin(2 * math.pi * y),
    "p": lambda x, y: 0.5 * (1 - math.exp(2 * LAMBDA * x)),
}


def error(name, run, report):
    fields = load_npz(f"{run}/fields.npz")
    if name == "learnable_k":
        return grid_error(fields, "k", lambda x: 1 + 0.5 * math.sin(math.pi * x))
    if name in ("fbpinn", "single_net"):
        return grid_error(fields, "u", lambda x: math.sin(15 * x))
    if name.startswith("kovasznay"):
        # The grid is x-major ([len(x), len(y)]); grid_error orders the axes by shape.
        return max(grid_error(fields, f, KOVASZNAY[f]) for f in "uvp")
    return report["rel_l2"]["u"]


def error_rows(run):
    """(seconds, rel_l2 u) of a run's error.csv, in order."""
    lines = open(f"{run}/error.csv").read().split("\n")
    header = lines[0].split(",")
    t, e = header.index("seconds"), header.index("rel_l2 u")
    return [(float(c[t]), float(c[e])) for c in (l.split(",") for l in lines[1:] if l)]


def training_seconds(run):
    """A run's training time as error.csv counts it (evaluations left out)."""
    return error_rows(run)[-1][0]


def error_at(run, seconds):
    """The error of the last evaluation within `seconds` of training (the first one if
    none is)."""
    rows = error_rows(run)
    within = [e for t, e in rows if t <= seconds]
    return within[-1] if within else rows[0][1]


def main():
    runs_file, csv_file = sys.argv[1], sys.argv[2]
    rows = []
    for line in open(runs_file):
        name, run = line.split()
        report = json.load(open(f"{run}/report.json"))
        rows.append({
            "case": name,
            "rel_l2": error(name, run, report),
            "seconds": report["wall_time_s"],
            "adam_step_median_s": report["adam_step_median_s"],
            "weights": report["config"]["net"]["parameters"],
            "steps": report["steps"],
            "completed": report["completed"],
        })
    keys = list(rows[0])
    with open(csv_file, "w") as f:
        f.write(",".join(keys) + "\n")
        for r in rows:
            f.write(",".join(str(r[k]) for k in keys) + "\n")
    print(f"{'case':<18}{'rel. L2':>11}{'wall s':>9}{'Adam step ms':>14}{'weights':>9}{'steps':>7}")
    for r in rows:
        print(f"{r['case']:<18}{r['rel_l2']:>11.2e}{r['seconds']:>9.1f}"
              f"{1e3 * r['adam_step_median_s']:>14.2f}{r['weights']:>9}{r['steps']:>7}")
    if not all(r["completed"] for r in rows):
        print("FAILED: a run did not complete; no RESULT line")
        sys.exit(1)
    by = {r["case"]: r for r in rows}
    result = " ".join(f"{c}_rel_l2={by[c]['rel_l2']:.3e}" for c in by)
    runs = dict(line.split() for line in open(runs_file))
    for other in ("allen_cahn_modified", "allen_cahn_pirate"):
        if "allen_cahn_mlp" in by and other in by:
            budget = training_seconds(runs["allen_cahn_mlp"])
            at = error_at(runs[other], budget)
            print(f"{other} after the plain MLP's {budget:.1f} s of training: {at:.2e}")
            result += f" {other}_at_mlp_time_rel_l2={at:.3e}"
    print(f"RESULT architectures {result} fbpinn_seconds={by['fbpinn']['seconds']:.1f} "
          f"single_net_seconds={by['single_net']['seconds']:.1f}")


main()
