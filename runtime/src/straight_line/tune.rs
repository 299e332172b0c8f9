//! Rounding-aware tuning of the f32 constants of a program: a discrete search over
//! neighbouring f32 values of each constant (±k ULPs of the constant), scored by the true
//! objective, the maximum ULP error of the program evaluated in f32 (real rounding, fused
//! `fma`) on a proxy of the whole range: a dense sample plus a growing set of hard points,
//! the worst floats that exhaustive scans found ([`Proxy::add`]).
//!
//! Fitting in real numbers (`fit`) ends at constants whose f32 roundings are not the best
//! f32 constants: the errors of the rounded evaluation are not those of the real one, and
//! the nearest f32 of each constant is one of many almost-equivalent choices. Near the
//! minimax a fraction of an ULP is what separates them, so the search moves in whole f32
//! steps: coordinate descent with steps of 1, 2, 4, … ULPs of one constant, then random
//! kicks of a few constants followed by descent, keeping the best. Ties in the maximum are
//! broken by the mean error, which lets the descent cross plateaus.

use super::program::{Program, Scratch};
use super::ulp::{ulp_error, Exhaustive};
use crate::rng::Rng;

/// Points the tuner scores on, with the f64 reference at each.
#[derive(Debug, Clone, Default)]
pub struct Proxy {
    xs: Vec<f32>,
    want: Vec<f64>,
    known: std::collections::HashSet<u32>,
}

/// A score: the maximum ULP error, then the mean (smaller is better in that order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub max: f64,
    pub mean: f64,
}

impl Score {
    fn better_than(self, other: Score) -> bool {
        self.max < other.max || (self.max == other.max && self.mean < other.mean)
    }
}

impl Proxy {
    /// `xs` with reference values `want`.
    pub fn new(xs: &[f32], want: &[f64]) -> Proxy {
        let mut p = Proxy::default();
        p.add(xs, want);
        p
    }

    /// Add points not already present (hard points from a scan).
    pub fn add(&mut self, xs: &[f32], want: &[f64]) {
        for (&x, &w) in xs.iter().zip(want) {
            if self.known.insert(x.to_bits()) {
                self.xs.push(x);
                self.want.push(w);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.xs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.xs.is_empty()
    }

    /// The f32 error of `program` with `consts` on the proxy points.
    pub fn score(&self, program: &Program, consts: &[f64], s: &mut Scratch<f32>) -> Score {
        let mut out = vec![0.0f32; self.xs.len()];
        program.eval_many(consts, &self.xs, &mut out, s);
        let (mut max, mut sum) = (0.0f64, 0.0f64);
        for (&g, &w) in out.iter().zip(&self.want) {
            let e = ulp_error(g, w);
            if e.is_nan() || e > max {
                max = if e.is_nan() { f64::INFINITY } else { e };
            }
            sum += e;
        }
        Score {
            max,
            mean: sum / self.xs.len().max(1) as f64,
        }
    }
}

/// The f32 number `k` steps above `c` (below for negative `k`; as f64, `c` rounded to f32
/// first). Steps that would cross zero or leave the finite numbers stay at `c`.
pub fn f32_step(c: f64, k: i32) -> f64 {
    let f = c as f32;
    if f == 0.0 {
        return if k == 0 {
            0.0
        } else {
            k.signum() as f64 * f32::from_bits(k.unsigned_abs()) as f64
        };
    }
    let bits = f.to_bits() as i64;
    // Up in value is up in the bits for positive numbers, down for negative ones.
    let k = if f > 0.0 { k as i64 } else { -(k as i64) };
    let moved = bits + k;
    let same_sign = (moved >> 31) == (bits >> 31) && moved >= 0;
    let g = f32::from_bits(moved.clamp(0, u32::MAX as i64) as u32);
    if !same_sign || !g.is_finite() {
        return f as f64;
    }
    g as f64
}

/// How long [`tune`] searches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TuneEffort {
    /// Largest coordinate step, in ULPs of the constant (powers of two up to it).
    pub max_step: i32,
    /// Random kicks, each followed by a descent.
    pub kicks: usize,
    /// Stop after this many proxy evaluations.
    pub max_evals: usize,
}

impl TuneEffort {
    pub const DEFAULT: TuneEffort = TuneEffort {
        max_step: 64,
        kicks: 200,
        max_evals: 20_000,
    };
}

/// Tune the constants of `program` (starting from `consts`, rounded to f32) on `proxy`;
/// returns the best constants found (f32 values) and their score. Never worse than the
/// start on the proxy.
pub fn tune(
    program: &Program,
    consts: &[f64],
    proxy: &Proxy,
    effort: TuneEffort,
    rng: &mut Rng,
) -> (Vec<f64>, Score) {
    let mut s = Scratch::default();
    let mut evals = 0usize;
    let mut score = |c: &[f64], evals: &mut usize| {
        *evals += 1;
        proxy.score(program, c, &mut s)
    };
    let mut best: Vec<f64> = consts.iter().map(|&c| c as f32 as f64).collect();
    let mut best_score = score(&best, &mut evals);
    if best.is_empty() {
        return (best, best_score);
    }
    let descend = |c: &mut Vec<f64>,
                   sc: &mut Score,
                   evals: &mut usize,
                   score: &mut dyn FnMut(&[f64], &mut usize) -> Score| {
        // Moves: one constant by ±step, or two neighbours together (the coefficients of a
        // polynomial trade against each other), steps doubling while they fail.
        let n = c.len();
        let mut moves: Vec<(usize, usize, i32, i32)> = Vec::new();
        for j in 0..n {
            moves.extend([(j, j, 1, 0), (j, j, -1, 0)]);
        }
        for j in 0..n.saturating_sub(1) {
            for (a, b) in [(1, 1), (1, -1), (-1, 1), (-1, -1)] {
                moves.push((j, j + 1, a, b));
            }
        }
        let mut improved = true;
        while improved && *evals < effort.max_evals {
            improved = false;
            for &(i, j, a, b) in &moves {
                let mut step = 1;
                while step <= effort.max_step && *evals < effort.max_evals {
                    let mut trial = c.clone();
                    trial[i] = f32_step(c[i], a * step);
                    if j != i {
                        trial[j] = f32_step(c[j], b * step);
                    }
                    if trial == *c {
                        break;
                    }
                    let t = score(&trial, evals);
                    if t.better_than(*sc) {
                        *c = trial;
                        *sc = t;
                        improved = true;
                    } else {
                        step *= 2;
                    }
                }
            }
        }
    };
    descend(&mut best, &mut best_score, &mut evals, &mut score);
    for _ in 0..effort.kicks {
        if evals >= effort.max_evals {
            break;
        }
        let mut c = best.clone();
        let moves = 1 + rng.below(c.len().min(3));
        for _ in 0..moves {
            let j = rng.below(c.len());
            let k = 1 + rng.below(8) as i32;
            c[j] = f32_step(c[j], if rng.below(2) == 0 { k } else { -k });
        }
        let mut sc = score(&c, &mut evals);
        descend(&mut c, &mut sc, &mut evals, &mut score);
        if sc.better_than(best_score) {
            best = c;
            best_score = sc;
        }
    }
    (best, best_score)
}

/// What [`refine`] did.
#[derive(Debug, Clone)]
pub struct Refined {
    /// The best constants by exhaustive scan (f32 values).
    pub consts: Vec<f64>,
    /// Their scan.
    pub scan: Exhaustive,
    /// The scan of the starting constants.
    pub start: Exhaustive,
    pub scans: usize,
}

/// Alternate [`tune`] on `proxy` with exhaustive scans (`scan` of a set of constants),
/// adding each scan's worst floats to the proxy (with `reference` values), for at most
/// `rounds` tunings while `more(seconds of the last scan)` allows. Starts with a scan of `consts`, so the result
/// is never worse than the start over every float, and every result is scanned.
#[allow(clippy::too_many_arguments)]
pub fn refine(
    program: &Program,
    consts: &[f64],
    proxy: &mut Proxy,
    rounds: usize,
    effort: TuneEffort,
    rng: &mut Rng,
    scan: &mut dyn FnMut(&[f64]) -> Exhaustive,
    reference: &dyn Fn(&[f64], &mut [f64]),
    more: &dyn Fn(f64) -> bool,
) -> Refined {
    let add_hard = |proxy: &mut Proxy, s: &Exhaustive| {
        let xs: Vec<f32> = s.worst.iter().map(|w| w.0).collect();
        let wide: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
        let mut want = vec![0.0; xs.len()];
        reference(&wide, &mut want);
        proxy.add(&xs, &want);
    };
    let mut best: Vec<f64> = consts.iter().map(|&c| c as f32 as f64).collect();
    let start = scan(&best);
    add_hard(proxy, &start);
    let mut best_scan = start.clone();
    let mut scans = 1;
    let mut last_seconds = start.seconds;
    for _ in 0..rounds {
        if !more(last_seconds) || best.is_empty() {
            break;
        }
        let (c, _) = tune(program, &best, proxy, effort, rng);
        if c == best {
            break;
        }
        let s = scan(&c);
        scans += 1;
        last_seconds = s.seconds;
        add_hard(proxy, &s);
        if s.max_ulp < best_scan.max_ulp {
            best = c;
            best_scan = s;
        }
    }
    Refined {
        consts: best,
        scan: best_scan,
        start,
        scans,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fit::{Effort, Metric, Problem};
    use super::super::program::horner;
    use super::super::ulp::{exhaustive_f32, map};
    use super::*;

    #[test]
    fn steps_move_by_whole_f32_spacings() {
        assert_eq!(f32_step(1.0, 1), (1.0f32 + f32::EPSILON) as f64);
        assert_eq!(f32_step(1.0, -1), (1.0f32 - f32::EPSILON / 2.0) as f64);
        // Steps are toward +∞ for either sign.
        assert_eq!(f32_step(-1.0, 1), -(1.0f32 - f32::EPSILON / 2.0) as f64);
        assert_eq!(f32_step(0.1, 0), 0.1f32 as f64);
        let tiny = f32::from_bits(1) as f64;
        assert_eq!(f32_step(tiny, -5), tiny, "does not cross zero");
        assert_eq!(f32_step(0.0, 2), 2.0 * tiny);
        assert_eq!(f32_step(f32::MAX as f64, 1), f32::MAX as f64);
    }

    /// A degree-4 exp on [0.5, 0.625] (2^21 floats), fitted then knocked off by a few ULPs in
    /// its constants (several ULPs of the result), is brought back by tuning on a proxy of
    /// 4096 points plus the hard points of each scan, below what fitting in real numbers
    /// gave, and the exhaustive scan confirms it.
    #[test]
    fn tuning_repairs_perturbed_constants_exhaustively() {
        let range = (0.5, 0.625);
        let problem = Problem::new(Metric::Ulp32, range, &f64::exp).unwrap();
        let (fitted, _) = problem.fit(&horner(4, true), Effort::SEARCH);
        let mut bad = fitted.consts.clone();
        for (j, c) in bad.iter_mut().enumerate() {
            *c = f32_step(*c, [8, -8, 6, -4, 3][j]);
        }
        let mut scan = |c: &[f64]| {
            let p = Program {
                consts: c.to_vec(),
                ..fitted.clone()
            };
            exhaustive_f32(
                range.0,
                range.1,
                1 << 16,
                |xs, ys| p.eval_many(&p.consts, xs, ys, &mut Scratch::default()),
                |xs, ys| map(f64::exp, xs, ys),
            )
        };
        let fitted_scan = scan(&fitted.consts);
        let n = 4096;
        let xs: Vec<f32> = (0..n)
            .map(|i| (range.0 + (range.1 - range.0) * i as f64 / (n - 1) as f64) as f32)
            .collect();
        let want: Vec<f64> = xs.iter().map(|&x| (x as f64).exp()).collect();
        let mut proxy = Proxy::new(&xs, &want);
        let mut rng = Rng::new(5);
        let r = refine(
            &fitted,
            &bad,
            &mut proxy,
            4,
            TuneEffort::DEFAULT,
            &mut rng,
            &mut scan,
            &|xs, ys| map(f64::exp, xs, ys),
            &|_| true,
        );
        assert!(r.start.max_ulp > 2.0, "{}", r.start.max_ulp);
        assert!(
            r.scan.max_ulp < fitted_scan.max_ulp - 0.02,
            "tuned {} fitted {} after {} scans",
            r.scan.max_ulp,
            fitted_scan.max_ulp,
            r.scans
        );
        assert!(proxy.len() > n);
        for c in &r.consts {
            assert_eq!(*c, *c as f32 as f64);
        }
    }
}
