#!/usr/bin/env bash
# Build bench/gpu's three programs on a machine with Rust but no GPU, for a GPU machine with
# the CUDA driver but no Rust: `bench/gpu.d/prebuild.sh DIR`, copy the repository and DIR
# there, then `BENCH_GPU_PREBUILT=DIR bench/gpu`. DIR receives, stripped of debug info:
#   physc       the CLI with the CUDA backend (cargo build --release -p physc --features cuda)
#   cuda-tests  tests/cuda.rs (cargo test --release -p physc --features cuda --test cuda)
#   gpu-bench   compiler/benches/gpu.rs (cargo bench -p physc-compiler --features cuda)
# The test and bench programs find the examples through the path of the repository they were
# built in; on the GPU machine, make that path lead to the copy (a symbolic link will do).
# CUDA's libraries are loaded at run time; their bindings follow `nvcc --version` here, or
# CUDA 13.0 without nvcc (CUDARC_CUDA_VERSION=12040 etc. to choose; runtime/Cargo.toml).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bench/gpu.d/prebuild.sh DIR" >&2; exit 2; }
out=$1
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mkdir -p "$out"

# The executable cargo built for a target, from its JSON messages.
executable() {
    python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == sys.argv[1]:
        print(m["executable"])' "$1" | tail -1
}

cargo build --release -p physc --features cuda
tests=$(cargo test --release -p physc --features cuda --test cuda --no-run --message-format=json | executable cuda)
bench=$(cargo bench -p physc-compiler --features cuda --bench gpu --no-run --message-format=json | executable gpu)
[ -n "$tests" ] && [ -n "$bench" ] || { echo "prebuild: cargo named no test or bench executable" >&2; exit 1; }
strip -o "$out/physc" target/release/physc
strip -o "$out/cuda-tests" "$tests"
strip -o "$out/gpu-bench" "$bench"
ls -l "$out"
