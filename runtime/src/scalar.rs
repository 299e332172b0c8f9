//! Arithmetic the runtime's numerical code is generic over: `Scalar` is `f32` or `f64` with
//! the operations networks and optimizers need, including a bounds-checked matrix product.
//! Products with an inner dimension of at most 4 (a network's first layer) or a 17–24-wide
//! output, or whose transpose is such a product, go to the hand-written kernel of
//! `small_gemm` where the CPU has AVX2 + FMA; the rest to the `gemm` crate, chosen over
//! matrixmultiply (the GEMM behind ndarray) by the measurements in
//! `runtime/benches/gemm.rs`.

use crate::kernel::Real;
use num_traits::{Float, FromPrimitive, NumAssign};
use std::fmt::{Debug, Display};
use std::iter::Sum;

/// A strided matrix view: element (i, j) lives at `data[i * row_stride + j * col_stride]`.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a, T> {
    pub data: &'a [T],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// A row-major `rows × cols` matrix.
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Self {
        MatRef {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose, without copying.
    pub fn t(self) -> Self {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }
}

/// Floating-point numbers the runtime computes with.
pub trait Scalar:
    Real + Float + FromPrimitive + NumAssign + Sum + Default + Debug + Display
{
    /// `c = alpha * a * b + beta * c` for row-major `c` of shape `a.rows × b.cols`.
    ///
    /// # Panics
    /// If the shapes disagree or a view reaches outside its slice: callers size their
    /// buffers from the same layer shapes, so a mismatch is a bug, never bad user input.
    fn gemm(alpha: Self, a: MatRef<'_, Self>, b: MatRef<'_, Self>, beta: Self, c: &mut [Self]);

    /// `out[i] = tanh(z[i])`, vectorised (see `vmath`).
    fn tanh_slice(z: &[Self], out: &mut [Self]);

    fn from_f64_lossy(v: f64) -> Self {
        Self::from_f64(v).unwrap_or_else(Self::nan)
    }
}

fn check_view<T>(m: &MatRef<'_, T>, what: &str) {
    if m.rows == 0 || m.cols == 0 {
        return;
    }
    let last = (m.rows - 1) * m.row_stride + (m.cols - 1) * m.col_stride;
    assert!(
        last < m.data.len(),
        "gemm: {what} view {}x{} (strides {}, {}) reaches outside its {} elements",
        m.rows,
        m.cols,
        m.row_stride,
        m.col_stride,
        m.data.len()
    );
}

fn check_shapes<T>(a: &MatRef<'_, T>, b: &MatRef<'_, T>, c_len: usize) {
    assert_eq!(a.cols, b.rows, "gemm: inner dimensions differ");
    assert_eq!(c_len, a.rows * b.cols, "gemm: output has the wrong size");
    check_view(a, "left");
    check_view(b, "right");
}

macro_rules! impl_scalar {
    ($t:ty, $tanh:path, $small:path) => {
        impl Scalar for $t {
            fn tanh_slice(z: &[$t], out: &mut [$t]) {
                $tanh(z, out)
            }

            fn gemm(alpha: $t, a: MatRef<'_, $t>, b: MatRef<'_, $t>, beta: $t, c: &mut [$t]) {
                check_shapes(&a, &b, c.len());
                if c.is_empty() {
                    return;
                }
                if a.cols == 0 {
                    c.iter_mut().for_each(|v| *v *= beta);
                    return;
                }
                if !$small(alpha, a, b, beta, c) {
                    gemm_crate(alpha, a, b, beta, c);
                }
            }
        }
    };
}

/// `c = alpha · a · b + beta · c` by the `gemm` crate alone (what [`Scalar::gemm`] falls back
/// to, and what `examples/gemm_probe.rs` measures it against).
///
/// # Panics
/// As [`Scalar::gemm`].
pub fn gemm_crate<T: Scalar>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: &mut [T]) {
    check_shapes(&a, &b, c.len());
    // SAFETY: every element the views can address was checked to lie inside its slice, and
    // `c` is exactly `a.rows × b.cols`, row-major. `gemm` computes
    // dst = alpha_g·dst + beta_g·lhs·rhs, reading dst only when asked to.
    unsafe {
        gemm::gemm(
            a.rows,
            b.cols,
            a.cols,
            c.as_mut_ptr(),
            1,
            b.cols as isize,
            beta != T::zero(),
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            beta,
            alpha,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

impl_scalar!(f64, crate::vmath::tanh_f64, crate::small_gemm::gemm_f64);
impl_scalar!(f32, crate::vmath::tanh_f32, crate::small_gemm::gemm_f32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_matches_naive_product_with_transposes() {
        let a: Vec<f64> = (0..6).map(|v| v as f64 - 2.0).collect(); // 2x3
        let b: Vec<f64> = (0..12).map(|v| (v as f64).sin()).collect(); // 3x4
        let mut c = vec![1.0; 8];
        f64::gemm(
            2.0,
            MatRef::new(&a, 2, 3),
            MatRef::new(&b, 3, 4),
            0.5,
            &mut c,
        );
        for i in 0..2 {
            for j in 0..4 {
                let want: f64 =
                    (0..3).map(|k| a[i * 3 + k] * b[k * 4 + j]).sum::<f64>() * 2.0 + 0.5;
                assert!((c[i * 4 + j] - want).abs() < 1e-12);
            }
        }
        // (bᵀ)ᵀ = b: a transposed view of a 4x3 transposed buffer.
        let bt: Vec<f64> = (0..12).map(|idx| b[(idx % 3) * 4 + idx / 3]).collect();
        let mut c2 = vec![1.0; 8];
        f64::gemm(
            2.0,
            MatRef::new(&a, 2, 3),
            MatRef::new(&bt, 4, 3).t(),
            0.5,
            &mut c2,
        );
        for (x, y) in c.iter().zip(&c2) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
    }

    #[test]
    #[should_panic(expected = "inner dimensions")]
    fn gemm_refuses_mismatched_shapes() {
        let a = vec![0.0f32; 6];
        let mut c = vec![0.0f32; 4];
        f32::gemm(
            1.0,
            MatRef::new(&a, 2, 3),
            MatRef::new(&a, 2, 3),
            0.0,
            &mut c,
        );
    }
}
