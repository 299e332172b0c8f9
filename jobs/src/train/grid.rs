//! Regular grids over the network inputs: the output grid the fields are evaluated on and
//! the grid of a reference solution. Axes are in network-input order, the first slowest, so
//! a field on a grid is one row-major array shaped `[len(axis 0), len(axis 1), …]`. When
//! the model's domain is a shape, the grid still covers its box and the points outside the
//! shape hold NaN.

use super::problem::Problem;
use ndarray::{ArrayD, IxDyn};

/// A regular grid over the network inputs, first axis slowest.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub axes: Vec<Vec<f64>>,
}

impl Grid {
    /// Evenly spaced points over each input's interval; `sizes` has one entry per model
    /// variable, in declaration order.
    pub fn new(problem: &Problem, sizes: &[usize]) -> Grid {
        let axes = problem
            .bounds
            .iter()
            .zip(&problem.inputs)
            .map(|(&(lo, hi), &var)| {
                let n = sizes.get(var).copied().unwrap_or(101).max(2);
                (0..n)
                    .map(|k| lo + (hi - lo) * k as f64 / (n - 1) as f64)
                    .collect()
            })
            .collect();
        Grid { axes }
    }

    pub fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(Vec::len).collect()
    }

    /// Coordinates of every grid point, one column per axis.
    pub fn points(&self) -> Vec<Vec<f64>> {
        let total: usize = self.shape().iter().product();
        let mut cols = vec![Vec::with_capacity(total); self.axes.len()];
        for p in 0..total {
            let mut rest = p;
            for (a, axis) in self.axes.iter().enumerate().rev() {
                cols[a].push(axis[rest % axis.len()]);
                rest /= axis.len();
            }
        }
        cols
    }
}

/// Sets `values` (one column per field, one entry per point) to NaN where `inside` (from
/// [`inside_domain`]) says the point is outside the shaped domain; `None` (a box domain)
/// masks nothing.
pub fn mask_outside(inside: Option<&[bool]>, values: &mut [Vec<f64>]) {
    let Some(inside) = inside else {
        return;
    };
    for (k, _) in inside.iter().enumerate().filter(|(_, &i)| !i) {
        values.iter_mut().for_each(|column| column[k] = f64::NAN);
    }
}

/// Per point of `points`, whether it is in the problem's closed shaped domain; `None` for a
/// box domain (every point is in).
pub fn inside_domain(problem: &Problem, points: &[Vec<f64>]) -> Option<Vec<bool>> {
    let domain = problem.domain.as_ref()?;
    let size = domain
        .shape
        .bounds()
        .iter()
        .map(|(lo, hi)| hi - lo)
        .fold(0.0, f64::max);
    let tolerance = 1e-12 * size;
    let n = points.first().map_or(0, Vec::len);
    let mut p = vec![0.0; domain.inputs.len()];
    let inside = (0..n)
        .map(|k| {
            for (x, &input) in p.iter_mut().zip(&domain.inputs) {
                *x = points[input][k];
            }
            domain.shape.signed_distance(&p) <= tolerance
        })
        .collect();
    Some(inside)
}

/// The order of the axes of every written field (network-input indices, slowest first):
/// time first, then the space variables in the order the model declares them. Simulations
/// write the same layout, so a trained and a simulated field of one model compare element
/// by element.
pub fn layout_order(problem: &Problem) -> Vec<usize> {
    let mut order: Vec<usize> = (0..problem.inputs.len()).collect();
    order.sort_by_key(|&i| (Some(i) != problem.time_input, problem.inputs[i]));
    order
}

/// Row-major `values` over axes of lengths `shape` as the same values with the axes taken
/// in `order` (`order[k]` is the old axis that becomes axis `k`).
pub fn permute(values: Vec<f64>, shape: &[usize], order: &[usize]) -> Result<ArrayD<f64>, String> {
    let array = ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|e| e.to_string())?;
    Ok(array
        .permuted_axes(IxDyn(order))
        .as_standard_layout()
        .into_owned())
}

/// The permutation that undoes `order`.
pub fn inverse(order: &[usize]) -> Vec<usize> {
    let mut inverse = vec![0; order.len()];
    for (k, &i) in order.iter().enumerate() {
        inverse[i] = k;
    }
    inverse
}

/// The transpose of a row-major `rows × cols` array.
pub fn transpose(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut out = vec![0.0; a.len()];
    for i in 0..rows {
        for j in 0..cols {
            out[j * rows + i] = a[i * cols + j];
        }
    }
    out
}
