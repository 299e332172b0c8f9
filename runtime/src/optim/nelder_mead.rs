//! Nelder–Mead: derivative-free minimisation for small problems whose objective is not
//! smooth, such as the maximum error of an approximation over a set of points (`evolve`
//! polishes the constants of its programs with it). Standard coefficients (reflection 1,
//! expansion 2, contraction ½, shrink ½); the initial simplex steps each coordinate by
//! `scale` (relative to the coordinate, or absolute for zeros).

/// Where Nelder–Mead stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct NelderMeadResult {
    pub x: Vec<f64>,
    pub value: f64,
    pub evaluations: usize,
}

/// Minimise `f` from `x0` with at most `max_evals` evaluations; stops early when the
/// simplex's values agree to `tol` (relative). NaN values count as +∞.
pub fn minimize(
    mut f: impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    scale: f64,
    max_evals: usize,
    tol: f64,
) -> NelderMeadResult {
    let n = x0.len();
    let mut evals = 0;
    let mut eval = |x: &[f64], evals: &mut usize| {
        *evals += 1;
        let v = f(x);
        if v.is_nan() {
            f64::INFINITY
        } else {
            v
        }
    };
    if n == 0 {
        let value = eval(x0, &mut evals);
        return NelderMeadResult {
            x: Vec::new(),
            value,
            evaluations: evals,
        };
    }
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    let v0 = eval(x0, &mut evals);
    simplex.push((x0.to_vec(), v0));
    for i in 0..n {
        let mut x = x0.to_vec();
        let step = if x[i] != 0.0 { scale * x[i] } else { scale };
        x[i] += step;
        let v = eval(&x, &mut evals);
        simplex.push((x, v));
    }
    let by_value = |a: &(Vec<f64>, f64), b: &(Vec<f64>, f64)| a.1.total_cmp(&b.1);
    while evals < max_evals {
        simplex.sort_by(by_value);
        let (best, worst) = (simplex[0].1, simplex[n].1);
        if (worst - best).abs() <= tol * best.abs().max(f64::MIN_POSITIVE) {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|(x, _)| x[j]).sum::<f64>() / n as f64)
            .collect();
        let toward = |t: f64| -> Vec<f64> {
            (0..n)
                .map(|j| centroid[j] + t * (simplex[n].0[j] - centroid[j]))
                .collect()
        };
        let reflected = toward(-1.0);
        let vr = eval(&reflected, &mut evals);
        if vr < simplex[0].1 {
            let expanded = toward(-2.0);
            let ve = eval(&expanded, &mut evals);
            simplex[n] = if ve < vr {
                (expanded, ve)
            } else {
                (reflected, vr)
            };
        } else if vr < simplex[n - 1].1 {
            simplex[n] = (reflected, vr);
        } else {
            let (contracted, vc) = if vr < simplex[n].1 {
                let c = toward(-0.5);
                let v = eval(&c, &mut evals);
                (c, v)
            } else {
                let c = toward(0.5);
                let v = eval(&c, &mut evals);
                (c, v)
            };
            if vc < simplex[n].1.min(vr) {
                simplex[n] = (contracted, vc);
            } else {
                let x0 = simplex[0].0.clone();
                for (x, v) in simplex.iter_mut().skip(1) {
                    for j in 0..n {
                        x[j] = x0[j] + 0.5 * (x[j] - x0[j]);
                    }
                    *v = eval(x, &mut evals);
                }
            }
        }
    }
    simplex.sort_by(by_value);
    let (x, value) = simplex.swap_remove(0);
    NelderMeadResult {
        x,
        value,
        evaluations: evals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let rosenbrock = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let r = minimize(rosenbrock, &[-1.2, 1.0], 0.1, 5_000, 1e-15);
        assert!(
            (r.x[0] - 1.0).abs() < 1e-4 && (r.x[1] - 1.0).abs() < 1e-4,
            "{r:?}"
        );
        assert!(r.value < 1e-8);
        assert!(r.evaluations <= 5_000);
    }

    #[test]
    fn minimises_a_non_smooth_maximum() {
        // max(|x - 1|, |y + 2|) has its minimum 0 at (1, -2) and no gradient there.
        let f = |x: &[f64]| (x[0] - 1.0).abs().max((x[1] + 2.0).abs());
        let r = minimize(f, &[0.0, 0.0], 0.5, 2_000, 1e-14);
        assert!(r.value < 1e-6, "{r:?}");
    }

    #[test]
    fn respects_the_evaluation_budget_and_nan() {
        let mut calls = 0;
        let r = minimize(
            |x: &[f64]| {
                calls += 1;
                if x[0] > 0.5 {
                    f64::NAN
                } else {
                    x[0] * x[0]
                }
            },
            &[0.3],
            0.5,
            50,
            0.0,
        );
        assert!(calls <= 52, "{calls}");
        assert!(r.value.is_finite());
    }
}
