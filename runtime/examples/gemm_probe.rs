//! The products of one network layer in training, timed with this crate's `Scalar::gemm`
//! (which picks `small_gemm` or the `gemm` crate) and with the `gemm` crate alone, f32,
//! single-threaded, best of 20 batches: the numbers behind `small_gemm`'s choice of shapes.
//!
//! `cargo run --release -p physc-runtime --example gemm_probe -- [rows] [width]`
//! (default 1692 × 20: one chunk of the Burgers benchmark's small network, 4 jets × 423
//! points).

use physc_runtime::scalar::gemm_crate;
use physc_runtime::{MatRef, Scalar};
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|s| s.parse().expect("arguments: rows width"))
        .collect();
    let rows = args.first().copied().unwrap_or(1692);
    let width = args.get(1).copied().unwrap_or(20);
    let filled = |len: usize, f: f32| (0..len).map(|i| (i as f32 * f).sin()).collect::<Vec<_>>();
    let (input, weights, adjoint) = (
        filled(rows * width, 0.37),
        filled(width * width, 0.11),
        filled(rows * width, 0.23),
    );
    let mut out = vec![0f32; rows * width];
    let mut weight_grad = vec![0f32; width * width];
    let batch = (40_000_000 / (rows * width * width)).max(2);
    for library in ["physc", "gemm crate"] {
        for product in ["forward A·Wᵀ", "input adjoint G·W", "weight gradient Gᵀ·A"] {
            let mut best = f64::MAX;
            for _ in 0..20 {
                let start = Instant::now();
                for _ in 0..batch {
                    let (a, b, beta, c) = match product {
                        "forward A·Wᵀ" => (
                            MatRef::new(&input, rows, width),
                            MatRef::new(&weights, width, width).t(),
                            0.0,
                            &mut out,
                        ),
                        "input adjoint G·W" => (
                            MatRef::new(&adjoint, rows, width),
                            MatRef::new(&weights, width, width),
                            0.0,
                            &mut out,
                        ),
                        _ => (
                            MatRef::new(&adjoint, rows, width).t(),
                            MatRef::new(&input, rows, width),
                            1.0,
                            &mut weight_grad,
                        ),
                    };
                    if library == "physc" {
                        f32::gemm(1.0, a, b, beta, c);
                    } else {
                        gemm_crate(1.0, a, b, beta, c);
                    }
                }
                best = best.min(start.elapsed().as_secs_f64() / batch as f64);
            }
            let flops = 2.0 * (rows * width * width) as f64;
            println!(
                "{library:>10}  {product:<22} {rows} x {width}: {:8.2} us  {:6.1} GFLOP/s",
                best * 1e6,
                flops / best * 1e-9
            );
        }
    }
    std::hint::black_box((&out, &weight_grad));
}
