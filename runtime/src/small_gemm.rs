//! Matrix products with a narrow output: the first layer of a network, (jets · points) ×
//! inputs times inputs × width with 1–4 inputs, and every product of a layer 17–24 wide
//! (forward, input adjoint and weight gradient). The `gemm` crate packs and blocks for long
//! inner dimensions and wide outputs. Measured one after the other in one process on a
//! shared 2-core AMD EPYC (Zen 4), f32, best of 20 (`examples/gemm_probe.rs`):
//!
//! | product | this kernel | `gemm` crate |
//! |---|---|---|
//! | (2048 × 2)·(2 × 20) | 22 µs | 37 µs |
//! | (2048 × 2)·(2 × 64) | 52 µs | 110 µs |
//! | (1692 × 20)·(20 × 20), forward and input adjoint | 18.6 µs (73 GFLOP/s) | 22.7 µs |
//! | (20 × 1692)·(1692 × 20), weight gradient | 17.9 µs (75 GFLOP/s) | 24.5 µs |
//! | (2048 × 32)·(32 × 32) | 63 µs | 58 µs |
//! | (2048 × 64)·(64 × 64) | 182 µs | 155 µs |
//!
//! Widths of 25–48 fill two panels of 24 columns poorly, and from 64 on the crate's larger
//! micro-kernels run near the machine's peak, so [`takes`] leaves those to it.
//!
//! The micro-kernel keeps a tile of `MR` rows × 3 vectors of columns of C in registers (9
//! AVX2 vectors, 3 × 24 f32 or 3 × 12 f64) and adds one rank-1 update per inner index with
//! fused multiply-adds (intrinsics: written as plain loops, the compiler keeps the tile in
//! scalars and memory), compiled for AVX2 + FMA only: on a CPU without them [`gemm_f32`] and
//! [`gemm_f64`] return `false` and the caller uses the `gemm` crate. Each element of C is
//! one chain of FMAs in inner-index order per block of [`KC`] indices, the blocks added in
//! order, so results are deterministic (they differ from the `gemm` crate's, which sums in
//! another order).

use crate::scalar::MatRef;
use std::cell::RefCell;

/// Rows of C per register tile: 3 rows × 3 vectors of accumulators, 3 vectors of B and a
/// broadcast of A fit in AVX2's 16 registers (4 rows spill an accumulator every step).
const MR: usize = 3;

/// Inner indices per block: the packed right operand of one block (KC × 3 vectors, 12 KB)
/// and the left operand's columns it meets stay in L1 while every row tile passes over
/// them, instead of each tile streaming a long inner dimension (the weight gradient's
/// thousands of points) from L2.
const KC: usize = 128;

/// Whether [`gemm_f32`]/[`gemm_f64`] take a product of these sizes: an inner dimension of
/// at most 4 and an output of at most 128 columns (the packed right operand stays in L1),
/// or an output of 17–24 columns (3 vectors: one panel in f32, two in f64, at least 70% of
/// their lanes used).
pub fn takes(m: usize, k: usize, n: usize) -> bool {
    m > 0 && k > 0 && ((k <= 4 && n <= 128) || (17..=24).contains(&n))
}

macro_rules! small_gemm {
    ($(#[$doc:meta])* $name:ident, $wide:ident, $pack:ident, $tile:ident, $t:ty, $scratch:ident,
     $vec:ty, $lanes:expr, $set1:ident, $zero:ident, $loadu:ident, $storeu:ident,
     $fmadd:ident, $mul:ident, $add:ident, $mask:ident, $maskload:ident,
     $bits:ident) => {
        thread_local! {
            /// The packed right operand and a transposed output, kept per thread so
            /// steady-state calls allocate nothing.
            static $scratch: RefCell<(Vec<$t>, Vec<$t>)> =
                const { RefCell::new((Vec::new(), Vec::new())) };
        }

        $(#[$doc])*
        pub fn $name(alpha: $t, a: MatRef<'_, $t>, b: MatRef<'_, $t>, beta: $t, c: &mut [$t]) -> bool {
            #[cfg(target_arch = "x86_64")]
            if crate::wide::wide() {
                let (m, k, n) = (a.rows, a.cols, b.cols);
                assert_eq!(c.len(), m * n, "small gemm: output has the wrong size");
                if takes(m, k, n) {
                    $scratch.with_borrow_mut(|(packed, _)| {
                        // SAFETY: the CPU has AVX2 and FMA; the caller checked that every
                        // element the views address lies inside its slice, and c's size is
                        // checked above.
                        unsafe { $wide(alpha, a, b, beta, c, packed) }
                    });
                    return true;
                }
                if takes(n, k, m) {
                    // Cᵀ = Bᵀ·Aᵀ has the narrow output (the first layer's weight gradient,
                    // width × 2 over thousands of points), through a transposed copy of C.
                    $scratch.with_borrow_mut(|(packed, ct)| {
                        if ct.len() < m * n {
                            ct.resize(m * n, 0.0);
                        }
                        let ct = &mut ct[..m * n];
                        if beta != 0.0 {
                            transpose(c, n, ct);
                        }
                        // SAFETY: as above, for the transposed views of the same slices.
                        unsafe { $wide(alpha, b.t(), a.t(), beta, ct, packed) };
                        transpose(ct, m, c);
                    });
                    return true;
                }
            }
            let _ = (alpha, a, b, beta, c);
            false
        }

        /// The product in blocks of at most [`KC`] inner indices, each block after the
        /// first adding to C: per block, B packed (see `$pack`), then every panel's row
        /// tiles, MR rows at a time and the last one or two rows together.
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn $wide(
            alpha: $t,
            a: MatRef<'_, $t>,
            b: MatRef<'_, $t>,
            beta: $t,
            c: &mut [$t],
            packed: &mut Vec<$t>,
        ) {
            const NR: usize = 3 * $lanes;
            let (m, n) = (a.rows, b.cols);
            let mut k0 = 0;
            while k0 < a.cols {
                let k = KC.min(a.cols - k0);
                let a = MatRef {
                    data: &a.data[k0 * a.col_stride..],
                    cols: k,
                    ..a
                };
                let b = MatRef {
                    data: &b.data[k0 * b.row_stride..],
                    rows: k,
                    ..b
                };
                let beta = if k0 == 0 { beta } else { 1.0 };
                let packed = $pack(b, packed);
                let mut i = 0;
                while i + MR <= m {
                    for (p, panel) in packed.chunks_exact(k * NR).enumerate() {
                        $tile::<MR>(alpha, &a, i, panel, beta, c, n, p * NR);
                    }
                    i += MR;
                }
                for (p, panel) in packed.chunks_exact(k * NR).enumerate() {
                    match m - i {
                        2 => $tile::<2>(alpha, &a, i, panel, beta, c, n, p * NR),
                        1 => $tile::<1>(alpha, &a, i, panel, beta, c, n, p * NR),
                        _ => {}
                    }
                }
                k0 += k;
            }
        }

        /// B packed into panels of NR = 3 vectors of columns (zero-padded), each k × NR
        /// row-major, in `packed` (grown, never cleared: every element is written, padding
        /// included); returns the packed part.
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn $pack<'p>(b: MatRef<'_, $t>, packed: &'p mut Vec<$t>) -> &'p [$t] {
            use std::arch::x86_64::*;
            const NR: usize = 3 * $lanes;
            let (k, n) = (b.rows, b.cols);
            let panels = n.div_ceil(NR);
            if packed.len() < panels * k * NR {
                packed.resize(panels * k * NR, 0.0);
            }
            let packed = &mut packed[..panels * k * NR];
            for (p, panel) in packed.chunks_exact_mut(k * NR).enumerate() {
                let width = NR.min(n - p * NR);
                for (kk, row) in panel.chunks_exact_mut(NR).enumerate() {
                    let first = kk * b.row_stride + p * NR * b.col_stride;
                    if b.col_stride == 1 {
                        // Rows of a row-major B (the weight gradient's long operand): vector
                        // copies, the last one masked (a copy of a run-time length would be
                        // a call to memcpy per row).
                        let src = &b.data[first..first + width];
                        for v in 0..3 {
                            let lo = v * $lanes;
                            // SAFETY: the loads stay inside `src` (the masked one by its
                            // mask), the stores inside `row`, NR = 3 vectors long.
                            let value = if lo + $lanes <= width {
                                $loadu(src.as_ptr().add(lo))
                            } else if lo < width {
                                $maskload(src.as_ptr().add(lo), $mask(width - lo))
                            } else {
                                $zero()
                            };
                            $storeu(row.as_mut_ptr().add(lo), value);
                        }
                    } else {
                        for v in 0..3 {
                            // SAFETY: inside `row`, NR = 3 vectors long.
                            $storeu(row.as_mut_ptr().add(v * $lanes), $zero());
                        }
                        for (j, dst) in row[..width].iter_mut().enumerate() {
                            *dst = b.data[first + j * b.col_stride];
                        }
                    }
                }
            }
            packed
        }

        /// Rows i..i + R of C, columns j0..j0 + NR (clipped to n), from one packed panel:
        /// R × 3 vector accumulators, one broadcast of A and three FMAs per row and index.
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        #[allow(clippy::too_many_arguments)]
        unsafe fn $tile<const R: usize>(
            alpha: $t,
            a: &MatRef<'_, $t>,
            i: usize,
            panel: &[$t],
            beta: $t,
            c: &mut [$t],
            n: usize,
            j0: usize,
        ) {
            use std::arch::x86_64::*;
            const L: usize = $lanes;
            const NR: usize = 3 * L;
            let k = panel.len() / NR;
            let (rs, cs) = (a.row_stride, a.col_stride);
            // The last element of A this tile reads, checked once instead of per load.
            assert!((i + R - 1) * rs + (k - 1) * cs < a.data.len());
            let (pa, pb) = (a.data.as_ptr(), panel.as_ptr());
            let mut acc: [[$vec; 3]; R] = [[$zero(); 3]; R];
            for kk in 0..k {
                // SAFETY: kk < k rows of NR elements in the panel; A's indices checked above.
                let b = [
                    $loadu(pb.add(kk * NR)),
                    $loadu(pb.add(kk * NR + L)),
                    $loadu(pb.add(kk * NR + 2 * L)),
                ];
                for (r, acc) in acc.iter_mut().enumerate() {
                    let x = $set1(*pa.add((i + r) * rs + kk * cs));
                    for (acc, &b) in acc.iter_mut().zip(&b) {
                        *acc = $fmadd(x, b, *acc);
                    }
                }
            }
            let width = NR.min(n - j0);
            let (va, vb) = ($set1(alpha), $set1(beta));
            for (r, acc) in acc.iter().enumerate() {
                let row = &mut c[(i + r) * n + j0..(i + r) * n + j0 + width];
                for (v, &acc) in acc.iter().enumerate() {
                    let lo = v * L;
                    if lo + L <= width {
                        // SAFETY: lo + L ≤ width = row.len().
                        let dst = row.as_mut_ptr().add(lo);
                        let value = if beta == 0.0 {
                            $mul(va, acc)
                        } else if alpha == 1.0 && beta == 1.0 {
                            $add($loadu(dst), acc)
                        } else {
                            $add($mul(va, acc), $mul(vb, $loadu(dst)))
                        };
                        $storeu(dst, value);
                    } else if lo < width {
                        // The last, partial vector: a masked load, and a store in 16-, 8- and
                        // 4-byte pieces (masked stores are slow on AMD CPUs, which microcode
                        // them).
                        let mask = $mask(width - lo);
                        // SAFETY: the mask and the pieces cover row[lo..width] only.
                        let dst = row.as_mut_ptr().add(lo);
                        let value = if beta == 0.0 {
                            $mul(va, acc)
                        } else if alpha == 1.0 && beta == 1.0 {
                            $add($maskload(dst, mask), acc)
                        } else {
                            $add($mul(va, acc), $mul(vb, $maskload(dst, mask)))
                        };
                        store_bytes(dst.cast(), (width - lo) * size_of::<$t>(), $bits(value));
                    }
                }
            }
        }
    };
}

small_gemm!(
    /// `c = alpha · a · b + beta · c` in f32 (c row-major, a.rows × b.cols) if the CPU and the
    /// shape suit the kernel; `false` (c untouched) otherwise. Views must have been checked.
    gemm_f32, gemm_f32_wide, pack_f32, tile_f32, f32, PACKED_F32,
    __m256, 8, _mm256_set1_ps, _mm256_setzero_ps, _mm256_loadu_ps, _mm256_storeu_ps,
    _mm256_fmadd_ps, _mm256_mul_ps, _mm256_add_ps, lanes_f32, _mm256_maskload_ps,
    _mm256_castps_si256
);

small_gemm!(
    /// The f64 version of [`gemm_f32`].
    gemm_f64, gemm_f64_wide, pack_f64, tile_f64, f64, PACKED_F64,
    __m256d, 4, _mm256_set1_pd, _mm256_setzero_pd, _mm256_loadu_pd, _mm256_storeu_pd,
    _mm256_fmadd_pd, _mm256_mul_pd, _mm256_add_pd, lanes_f64, _mm256_maskload_pd,
    _mm256_castpd_si256
);

/// `to` = the transpose of the row-major `from`, which has `cols` columns.
fn transpose<T: Copy>(from: &[T], cols: usize, to: &mut [T]) {
    let rows = from.len() / cols;
    for (i, row) in from.chunks_exact(cols).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            to[j * rows + i] = v;
        }
    }
}

/// Writes the first `bytes` (a multiple of 4, below 32) bytes of `v` to `dst`.
///
/// # Safety
/// `dst..dst + bytes` must be writable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn store_bytes(dst: *mut u8, bytes: usize, v: std::arch::x86_64::__m256i) {
    use std::arch::x86_64::*;
    let mut part = _mm256_castsi256_si128(v);
    let mut at = 0;
    if bytes >= 16 {
        _mm_storeu_si128(dst.cast(), part);
        part = _mm256_extracti128_si256::<1>(v);
        at = 16;
    }
    if bytes - at >= 8 {
        _mm_storeu_si64(dst.add(at), part);
        part = _mm_srli_si128::<8>(part);
        at += 8;
    }
    if bytes - at >= 4 {
        _mm_storeu_si32(dst.add(at), part);
    }
}

/// A mask of the first `count` (1..=8) 32-bit lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
fn lanes_f32(count: usize) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::*;
    _mm256_cmpgt_epi32(
        _mm256_set1_epi32(count as i32),
        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
    )
}

/// A mask of the first `count` (1..=4) 64-bit lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
fn lanes_f64(count: usize) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::*;
    _mm256_cmpgt_epi64(
        _mm256_set1_epi64x(count as i64),
        _mm256_setr_epi64x(0, 1, 2, 3),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Naive `alpha · a · b + beta · c` in f64, and the rounding-error bound of a sum of k
    /// products in a precision of unit roundoff u, per unit u: k · (|alpha| Σ|a b| + |beta c|).
    fn naive(
        alpha: f64,
        a: MatRef<'_, f64>,
        b: MatRef<'_, f64>,
        beta: f64,
        c: &[f64],
    ) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        for i in 0..a.rows {
            for j in 0..b.cols {
                let terms = (0..a.cols).map(|k| {
                    a.data[i * a.row_stride + k * a.col_stride]
                        * b.data[k * b.row_stride + j * b.col_stride]
                });
                let s: f64 = terms.clone().sum();
                let size: f64 = terms.map(f64::abs).sum();
                let c = c[i * b.cols + j];
                let bound = (a.cols + 2) as f64 * (alpha.abs() * size + (beta * c).abs());
                out.push((alpha * s + beta * c, bound));
            }
        }
        out
    }

    fn values(len: usize, seed: f64) -> Vec<f64> {
        (0..len)
            .map(|i| ((i as f64 + seed) * 0.618).sin())
            .collect()
    }

    /// Every shape network layers give (tall × narrow, the transposed weight-gradient
    /// product, a single row, remainders of the row tile and of the column panels), both
    /// precisions, every (alpha, beta) branch.
    #[test]
    fn matches_the_naive_product_on_layer_shapes() {
        if !crate::wide::wide() {
            return;
        }
        let shapes = [
            (2048, 2, 20),
            (2047, 3, 20),
            (511, 2, 64),
            (130, 4, 25),
            (512, 1, 20),
            (1, 2, 7),
            (2, 4, 128),
            (1692, 20, 20),
            (20, 1692, 20),
            (301, 17, 24),
            (7, 129, 17),
        ];
        for &(m, k, n) in &shapes {
            assert!(takes(m, k, n));
            for (transposed_a, transposed_b) in [(false, false), (true, false), (false, true)] {
                let (av, bv) = (values(m * k, 0.3), values(k * n, 1.7));
                let a = if transposed_a {
                    MatRef::new(&av, k, m).t()
                } else {
                    MatRef::new(&av, m, k)
                };
                let b = if transposed_b {
                    MatRef::new(&bv, n, k).t()
                } else {
                    MatRef::new(&bv, k, n)
                };
                for (alpha, beta) in [(1.0, 0.0), (1.0, 1.0), (-0.5, 2.0)] {
                    let c0 = values(m * n, 4.1);
                    let want = check_f64(alpha, a, b, beta, &c0);
                    let (a32, b32): (Vec<f32>, Vec<f32>) = (
                        av.iter().map(|&v| v as f32).collect(),
                        bv.iter().map(|&v| v as f32).collect(),
                    );
                    let a32 = MatRef {
                        data: &a32[..],
                        ..a_shape(a)
                    };
                    let b32 = MatRef {
                        data: &b32[..],
                        ..a_shape(b)
                    };
                    let mut c32: Vec<f32> = c0.iter().map(|&v| v as f32).collect();
                    assert!(gemm_f32(alpha as f32, a32, b32, beta as f32, &mut c32));
                    for (got, (want, bound)) in c32.iter().zip(&want) {
                        // The f32 inputs are the f64 ones rounded: one more error per factor.
                        let tol = 2.0 * bound * f32::EPSILON as f64;
                        assert!(
                            (*got as f64 - want).abs() <= tol,
                            "f32 {m}x{k}x{n}: {got} {want}"
                        );
                    }
                }
            }
        }
    }

    /// Runs `gemm_f64` (which must take the product) on a copy of `c0` and checks every
    /// element against the naive product within its rounding bound; returns the naive
    /// values and bounds.
    fn check_f64(
        alpha: f64,
        a: MatRef<'_, f64>,
        b: MatRef<'_, f64>,
        beta: f64,
        c0: &[f64],
    ) -> Vec<(f64, f64)> {
        let want = naive(alpha, a, b, beta, c0);
        let mut c = c0.to_vec();
        assert!(gemm_f64(alpha, a, b, beta, &mut c));
        let (m, k, n) = (a.rows, a.cols, b.cols);
        for (got, (want, bound)) in c.iter().zip(&want) {
            let tol = bound * f64::EPSILON;
            assert!((got - want).abs() <= tol, "{m}x{k}x{n}: {got} {want}");
        }
        want
    }

    /// The shape and strides of a view, for re-pointing it at another slice.
    fn a_shape<T>(m: MatRef<'_, T>) -> MatRef<'static, f32> {
        MatRef {
            data: &[],
            rows: m.rows,
            cols: m.cols,
            row_stride: m.row_stride,
            col_stride: m.col_stride,
        }
    }

    /// A wide output with a narrow transpose (the first layer's weight gradient) goes
    /// through Cᵀ = Bᵀ·Aᵀ, every (alpha, beta) branch.
    #[test]
    fn transposed_products_match_the_naive_product() {
        if !crate::wide::wide() {
            return;
        }
        for &(m, k, n) in &[(20, 1692, 2), (24, 300, 3), (23, 40, 5), (19, 7, 1)] {
            assert!(!takes(m, k, n) && takes(n, k, m));
            let (av, bv) = (values(m * k, 0.9), values(k * n, 2.3));
            let (a, b) = (MatRef::new(&av, k, m).t(), MatRef::new(&bv, k, n));
            for (alpha, beta) in [(1.0, 0.0), (1.0, 1.0), (-0.5, 2.0)] {
                check_f64(alpha, a, b, beta, &values(m * n, 5.2));
            }
        }
    }

    #[test]
    fn other_products_are_left_to_the_gemm_crate() {
        assert!(!takes(2048, 32, 32));
        assert!(!takes(2048, 64, 64));
        assert!(!takes(2048, 20, 16));
        assert!(!takes(2048, 2, 256));
        assert!(!takes(0, 3, 3));
        let a = vec![1.0f32; 32 * 32];
        let mut c = vec![0.0f32; 32 * 32];
        let v = MatRef::new(&a[..], 32, 32);
        assert!(!gemm_f32(1.0, v, v, 0.0, &mut c));
        assert!(c.iter().all(|&x| x == 0.0));
    }
}
