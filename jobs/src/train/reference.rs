//! Reference solutions for `compare`: an NPZ file (or a MATLAB `.mat` file, as the PINN
//! literature publishes them) with the grid along each network input (named after the variable) and one array per field component on that grid (`usol` for
//! a single field), laid out as physc writes fields (time first) or in network-input
//! order (as DeepXDE's data sets), or `"cole-hopf"`, the exact viscous Burgers solution. Read and checked
//! before training starts, so a bad reference is an error at once, not after the run.

use super::grid::{inverse, layout_order, permute, transpose, Grid};
use super::problem::Problem;
use physc_compiler::check::Model;
use physc_runtime::output::{mat, npz};
use std::path::Path;

/// A reference solution on its own grid.
pub struct Reference {
    pub grid: Grid,
    /// Per field component (None where the reference lacks it).
    pub values: Vec<Option<Vec<f64>>>,
}

/// The reference solution of `compare`, read (and checked) before training starts.
pub fn read(
    spec: &str,
    base: &Path,
    problem: &Problem,
    model: &Model,
) -> Result<Reference, String> {
    if spec == "cole-hopf" {
        return cole_hopf(problem, model);
    }
    let path = base.join(spec);
    let shown = path.display();
    let is_mat = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("mat"));
    let arrays = if is_mat {
        mat::read(&path)
    } else {
        npz::read(&path)
    }
    .map_err(|e| format!("cannot read the reference `{shown}`: {e}"))?;
    let find = |name: &str| arrays.iter().find(|(n, _)| n == name).map(|(_, a)| a);
    let mut axes = Vec::new();
    for (name, &(lo, hi)) in problem.input_names.iter().zip(&problem.bounds) {
        let axis = find(name)
            .ok_or_else(|| {
                format!("the reference `{shown}` has no array `{name}` (the grid along {name})")
            })?
            .data()
            .to_vec();
        let slack = 1e-9 * (hi - lo).abs().max(1.0);
        if axis.is_empty()
            || axis
                .iter()
                .any(|v| !v.is_finite() || *v < lo - slack || *v > hi + slack)
        {
            return Err(format!(
                "the reference grid `{name}` of `{shown}` does not lie inside the domain [{lo}, {hi}]"
            ));
        }
        if axis.len() < 2 || axis.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!(
                "the reference grid `{name}` of `{shown}` must have at least two points, in increasing order"
            ));
        }
        axes.push(axis);
    }
    let grid = Grid { axes };
    let shape = grid.shape();
    let single = problem.output_names.len() == 1;
    let order = layout_order(problem);
    let layouts = Layouts {
        network: &shape,
        written: order.iter().map(|&i| shape[i]).collect(),
        order: &order,
    };
    let mut values = Vec::new();
    for name in &problem.output_names {
        let (array, deepxde) = match find(name) {
            Some(array) => (Some(array), false),
            None if single => (find("usol"), true),
            None => (None, false),
        };
        let Some(array) = array else {
            values.push(None);
            continue;
        };
        if array.data().iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "the reference `{name}` of `{shown}` has NaN or infinite values"
            ));
        }
        let data = layouts
            .read(array.shape(), array.data().to_vec(), deepxde)
            .ok_or_else(|| {
                let axes = |o: &[usize]| {
                    o.iter()
                        .map(|&i| format!("len({})", problem.input_names[i]))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let input_order: Vec<usize> = (0..shape.len()).collect();
                format!(
                    "the reference `{name}` of `{shown}` has shape {:?}, but its grid needs [{}] (physc's layout, time first) = {:?} or [{}] = {:?}",
                    array.shape(),
                    axes(&order),
                    layouts.written,
                    axes(&input_order),
                    shape
                )
            })?;
        values.push(Some(data));
    }
    if values.iter().all(Option::is_none) {
        return Err(format!(
            "the reference `{shown}` has none of the fields {}",
            problem.output_names.join(", ")
        ));
    }
    Ok(Reference { grid, values })
}

/// The two layouts a reference array may have: the one physc writes (time first, then
/// space in declaration order, as `fields.npz`) and network-input order (`[len(x),
/// len(t)]` for `u(x, t)`, the layout of DeepXDE's `usol`).
struct Layouts<'a> {
    /// The grid's shape in network-input order.
    network: &'a [usize],
    /// The grid's shape in physc's layout.
    written: Vec<usize>,
    /// The network inputs in physc's layout.
    order: &'a [usize],
}

impl Layouts<'_> {
    /// An array of `shape` as values in network-input order, or None when its shape is
    /// neither layout. Axes of length 1 carry no order; every other axis must be where one
    /// layout has it (an array laid out otherwise would be compared transposed). Where the
    /// two layouts have the same shape (a square grid), `usol` is read in DeepXDE's layout
    /// and every other name in physc's.
    fn read(&self, shape: &[usize], data: Vec<f64>, deepxde: bool) -> Option<Vec<f64>> {
        let long = |s: &[usize]| s.iter().copied().filter(|&n| n != 1).collect::<Vec<_>>();
        let size: usize = self.network.iter().product();
        if data.len() != size {
            return None;
        }
        let is_written = long(shape) == long(&self.written);
        let is_network = long(shape) == long(self.network);
        let as_written = is_written && !(deepxde && is_network);
        if as_written {
            let back = permute(data, &self.written, &inverse(self.order)).ok()?;
            Some(back.iter().copied().collect())
        } else if is_network {
            Some(data)
        } else {
            None
        }
    }
}

/// The exact viscous Burgers solution (Cole–Hopf) for u(x, 0) = −sin(πx) on [−1, 1], with
/// ν the model's constant `nu`, on the grid of the published reference (256 × 100).
fn cole_hopf(problem: &Problem, model: &Model) -> Result<Reference, String> {
    // The model's own constants come after the top-level ones it can see, and shadow them.
    let nu = model
        .constants
        .iter()
        .rev()
        .find(|c| c.name == "nu")
        .map(|c| c.value)
        .ok_or("`compare \"cole-hopf\"` needs the model's viscosity as a constant `nu`")?;
    let (Some(t), 2) = (problem.time_input, problem.inputs.len()) else {
        return Err("`compare \"cole-hopf\"` needs a model of one space variable and time".into());
    };
    let x = 1 - t;
    let (space, time) = (problem.bounds[x], problem.bounds[t]);
    if space != (-1.0, 1.0) || time.0 != 0.0 || time.1 < 0.99 {
        return Err(format!(
            "`compare \"cole-hopf\"` is the solution on x in [-1, 1] from t = 0 to 0.99; this model has [{}, {}] and [{}, {}]",
            space.0, space.1, time.0, time.1
        ));
    }
    let mut axes = vec![Vec::new(), Vec::new()];
    axes[x] = (0..256).map(|i| -1.0 + 2.0 * i as f64 / 255.0).collect();
    axes[t] = (0..100).map(|i| 0.99 * i as f64 / 99.0).collect();
    let ux = physc_runtime::exact::burgers_grid(&axes[x], &axes[t], nu);
    let values = if x == 0 {
        ux
    } else {
        transpose(&ux, axes[x].len(), axes[t].len())
    };
    Ok(Reference {
        grid: Grid { axes },
        values: vec![Some(values)],
    })
}

/// ‖predicted − reference‖₂ / ‖reference‖₂.
/// [`rel_l2`] over the points where `inside` holds (all of them without a mask): on a shaped
/// domain only the points inside it are compared, since the reference may hold anything,
/// NaN included, outside.
pub fn rel_l2_inside(predicted: &[f64], reference: &[f64], inside: Option<&[bool]>) -> f64 {
    let Some(mask) = inside else {
        return rel_l2(predicted, reference);
    };
    let within = |column: &[f64]| -> Vec<f64> {
        column
            .iter()
            .zip(mask)
            .filter(|(_, &i)| i)
            .map(|(v, _)| *v)
            .collect()
    };
    rel_l2(&within(predicted), &within(reference))
}

pub fn rel_l2(predicted: &[f64], reference: &[f64]) -> f64 {
    let err: f64 = predicted
        .iter()
        .zip(reference)
        .map(|(p, r)| (p - r) * (p - r))
        .sum();
    let norm: f64 = reference.iter().map(|r| r * r).sum();
    (err / norm.max(f64::MIN_POSITIVE)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::Layouts;

    /// u(x, t) on x = 0, 1, 2 and t = 0, 1 with u = 10 x + t: network order is [x, t].
    fn layouts() -> (Vec<usize>, Vec<usize>) {
        (vec![3, 2], vec![1, 0])
    }

    #[test]
    fn both_layouts_read_to_network_order() {
        let (network, order) = layouts();
        let layouts = Layouts {
            network: &network,
            written: vec![2, 3],
            order: &order,
        };
        let by_x = vec![0.0, 1.0, 10.0, 11.0, 20.0, 21.0];
        let by_t = vec![0.0, 10.0, 20.0, 1.0, 11.0, 21.0];
        assert_eq!(layouts.read(&[2, 3], by_t, false), Some(by_x.clone()));
        assert_eq!(
            layouts.read(&[3, 2], by_x.clone(), false),
            Some(by_x.clone())
        );
        assert_eq!(
            layouts.read(&[3, 2], by_x.clone(), true),
            Some(by_x.clone())
        );
        assert_eq!(layouts.read(&[1, 3, 2, 1], by_x.clone(), false), Some(by_x));
        assert_eq!(layouts.read(&[6], vec![0.0; 6], false), None);
        assert_eq!(layouts.read(&[2, 2], vec![0.0; 4], false), None);
    }

    #[test]
    fn a_square_grid_reads_usol_as_deepxde_and_fields_as_physc() {
        let (network, order) = (vec![2, 2], vec![1, 0]);
        let layouts = Layouts {
            network: &network,
            written: vec![2, 2],
            order: &order,
        };
        let data = vec![1.0, 2.0, 3.0, 4.0];
        assert_eq!(
            layouts.read(&[2, 2], data.clone(), true),
            Some(data.clone())
        );
        assert_eq!(
            layouts.read(&[2, 2], data, false),
            Some(vec![1.0, 3.0, 2.0, 4.0])
        );
    }
}
