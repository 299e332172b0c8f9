//! Which GEMM the runtime should use: `matrixmultiply` (the GEMM behind ndarray) against
//! the `gemm` crate (behind `Scalar::gemm`, chosen by this benchmark), single-threaded, on the products one network layer costs in training with
//! 32768 points per chunk:
//!
//! * forward `Z = A·Wᵀ`: A is row-major (points × width), W row-major (out × in), read
//!   transposed: (32768 × 32)·(32 × 32) and (32768 × 64)·(64 × 64);
//! * the weight gradient `G_Zᵀ·A`: (32 × 32768)·(32768 × 32), the left factor a transposed
//!   view of a row-major (points × width) matrix.
//!
//! Both libraries read the same strided views, so layout costs (packing) are measured as
//! training pays them. Run with
//! `cargo bench -p physc-runtime --bench gemm -- --warm-up-time 1 --measurement-time 3`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use physc_runtime::Scalar;
use std::hint::black_box;

const POINTS: usize = 32768;

/// One product `C = A·B` of strided views, as both libraries see it.
struct Case {
    name: &'static str,
    m: usize,
    k: usize,
    n: usize,
    /// (row stride, column stride) of A and B.
    a_strides: (usize, usize),
    b_strides: (usize, usize),
}

fn cases() -> Vec<Case> {
    let forward = |w: usize, name| Case {
        name,
        m: POINTS,
        k: w,
        n: w,
        a_strides: (w, 1),
        // Wᵀ of a row-major (w × w) W.
        b_strides: (1, w),
    };
    vec![
        forward(32, "forward 32768x32 * 32x32"),
        forward(64, "forward 32768x64 * 64x64"),
        Case {
            name: "weight grad 32x32768 * 32768x32",
            m: 32,
            k: POINTS,
            n: 32,
            // G_Zᵀ of a row-major (points × 32) G_Z.
            a_strides: (1, 32),
            b_strides: (32, 1),
        },
    ]
}

fn filled<T: Scalar>(len: usize, seed: f64) -> Vec<T> {
    (0..len)
        .map(|i| T::from_f64_lossy(((i as f64 + seed) * 0.618).sin()))
        .collect()
}

/// matrixmultiply's entry point for each precision.
trait Matrixmultiply: Scalar {
    /// # Safety
    /// The strided views must stay inside their buffers and `c` must be m×n, row-major.
    #[allow(clippy::too_many_arguments)]
    unsafe fn mm(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        c: *mut Self,
    );
}

macro_rules! matrixmultiply_for {
    ($t:ty, $f:ident) => {
        impl Matrixmultiply for $t {
            unsafe fn mm(
                m: usize,
                k: usize,
                n: usize,
                a: *const $t,
                rsa: isize,
                csa: isize,
                b: *const $t,
                rsb: isize,
                csb: isize,
                c: *mut $t,
            ) {
                matrixmultiply::$f(
                    m, k, n, 1.0, a, rsa, csa, b, rsb, csb, 0.0, c, n as isize, 1,
                );
            }
        }
    };
}

matrixmultiply_for!(f64, dgemm);
matrixmultiply_for!(f32, sgemm);

fn with_matrixmultiply<T: Matrixmultiply>(case: &Case, a: &[T], b: &[T], c: &mut [T]) {
    assert!(a.len() >= case.m * case.k && b.len() >= case.k * case.n);
    assert_eq!(c.len(), case.m * case.n);
    // SAFETY: as for the gemm crate below: dense buffers read with permuted strides.
    unsafe {
        T::mm(
            case.m,
            case.k,
            case.n,
            a.as_ptr(),
            case.a_strides.0 as isize,
            case.a_strides.1 as isize,
            b.as_ptr(),
            case.b_strides.0 as isize,
            case.b_strides.1 as isize,
            c.as_mut_ptr(),
        );
    }
}

fn with_gemm_crate<T: Scalar>(case: &Case, a: &[T], b: &[T], c: &mut [T]) {
    assert!(a.len() >= case.m * case.k && b.len() >= case.k * case.n);
    assert_eq!(c.len(), case.m * case.n);
    // SAFETY: the views stay inside `a` and `b` (both are dense m×k and k×n buffers read
    // with a permutation of their dense strides) and `c` is exactly m×n, row-major.
    unsafe {
        gemm::gemm(
            case.m,
            case.n,
            case.k,
            c.as_mut_ptr(),
            1,
            case.n as isize,
            false,
            a.as_ptr(),
            case.a_strides.1 as isize,
            case.a_strides.0 as isize,
            b.as_ptr(),
            case.b_strides.1 as isize,
            case.b_strides.0 as isize,
            T::zero(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Both libraries must compute the same product before either is timed.
fn check_agree<T: Matrixmultiply>(case: &Case, a: &[T], b: &[T]) {
    let mut c1 = vec![T::zero(); case.m * case.n];
    let mut c2 = c1.clone();
    with_matrixmultiply(case, a, b, &mut c1);
    with_gemm_crate(case, a, b, &mut c2);
    let scale = c1.iter().fold(T::zero(), |s, v| s.max(v.abs()));
    let diff = c1
        .iter()
        .zip(&c2)
        .fold(T::zero(), |s, (x, y)| s.max((*x - *y).abs()));
    assert!(
        diff <= scale * T::from_f64_lossy(1e-4),
        "{}: libraries disagree by {diff} (scale {scale})",
        case.name
    );
}

fn bench_type<T: Matrixmultiply>(crit: &mut Criterion) {
    let mut group = crit.benchmark_group(format!("gemm {}", T::NAME));
    for case in cases() {
        let a = filled::<T>(case.m * case.k, 0.5);
        let b = filled::<T>(case.k * case.n, 1.5);
        let mut c = vec![T::zero(); case.m * case.n];
        check_agree(&case, &a, &b);
        group.throughput(Throughput::Elements((2 * case.m * case.n * case.k) as u64));
        group.bench_function(BenchmarkId::new("matrixmultiply", case.name), |bench| {
            bench.iter(|| with_matrixmultiply(&case, black_box(&a), black_box(&b), &mut c))
        });
        group.bench_function(BenchmarkId::new("gemm", case.name), |bench| {
            bench.iter(|| with_gemm_crate(&case, black_box(&a), black_box(&b), &mut c))
        });
    }
    group.finish();
}

fn benches(crit: &mut Criterion) {
    bench_type::<f64>(crit);
    bench_type::<f32>(crit);
}

criterion_group!(gemm_benches, benches);
criterion_main!(gemm_benches);
