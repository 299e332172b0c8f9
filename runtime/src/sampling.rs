//! Collocation points in a box: where a training job evaluates its residuals. It owns the
//! three samplers (independent uniform draws, Latin hypercube, and a digitally shifted
//! Sobol' sequence) and the mapping from the unit cube to the box. Every draw comes from
//! the caller's `Rng`, so a seed gives the same points on every platform, and each call
//! (a resampling step) gives a fresh set.

use crate::rng::Rng;

/// How the points are spread over the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampler {
    /// Independent uniform draws.
    Uniform,
    /// One point per stratum in every dimension: each axis is cut into `n` equal strata,
    /// every stratum holds exactly one point, and the strata are paired across dimensions
    /// by an independent random permutation per dimension.
    LatinHypercube,
    /// The Sobol' low-discrepancy sequence (Joe–Kuo direction numbers), with a random
    /// digital shift per call. At most [`SOBOL_MAX_DIMS`] dimensions.
    Sobol,
}

/// The most dimensions `Sampler::Sobol` handles: the direction numbers hard-coded below.
/// Collocation boxes have at most 3 space dimensions and time, so 16 leaves room; past it
/// `sample` returns an error rather than silently switching sampler, so a job never gets
/// points of a quality it did not ask for.
pub const SOBOL_MAX_DIMS: usize = 16;

/// `n` points in the box `[lo_j, hi_j]` (one `(lo, hi)` per dimension), as columns:
/// `result[j][i]` is coordinate `j` of point `i`. Coordinates satisfy `lo ≤ x ≤ hi`.
///
/// No dimensions give no columns; `n = 0` gives empty columns. Errors (never panics) when a
/// bound is not finite or `lo > hi`, and for Sobol' past [`SOBOL_MAX_DIMS`] dimensions.
pub fn sample(
    sampler: Sampler,
    bounds: &[(f64, f64)],
    n: usize,
    rng: &mut Rng,
) -> Result<Vec<Vec<f64>>, String> {
    check_bounds(bounds)?;
    let unit = match sampler {
        Sampler::Uniform => uniform(bounds.len(), n, rng),
        Sampler::LatinHypercube => latin_hypercube(bounds.len(), n, rng),
        Sampler::Sobol => {
            let shifts: Vec<u64> = (0..bounds.len()).map(|_| rng.next_u64() & MASK).collect();
            sobol(n, &shifts, 0)?
        }
    };
    Ok(to_box(unit, bounds))
}

fn check_bounds(bounds: &[(f64, f64)]) -> Result<(), String> {
    for (j, &(lo, hi)) in bounds.iter().enumerate() {
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(format!(
                "dimension {j} has bounds [{lo}, {hi}]: they must be finite with lo ≤ hi"
            ));
        }
    }
    Ok(())
}

/// Scale unit-cube columns onto the box, in place.
fn to_box(mut columns: Vec<Vec<f64>>, bounds: &[(f64, f64)]) -> Vec<Vec<f64>> {
    for (column, &(lo, hi)) in columns.iter_mut().zip(bounds) {
        for x in column.iter_mut() {
            // `min` because lo + (hi - lo)·u can round one ulp past hi when u is near 1.
            *x = (lo + (hi - lo) * *x).min(hi);
        }
    }
    columns
}

fn uniform(dims: usize, n: usize, rng: &mut Rng) -> Vec<Vec<f64>> {
    (0..dims)
        .map(|_| (0..n).map(|_| rng.uniform()).collect())
        .collect()
}

fn latin_hypercube(dims: usize, n: usize, rng: &mut Rng) -> Vec<Vec<f64>> {
    (0..dims)
        .map(|_| {
            let mut strata: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut strata);
            strata
                .into_iter()
                .map(|k| (k as f64 + rng.uniform()) / n as f64)
                .collect()
        })
        .collect()
}

/// Bits of precision: coordinates are integers below 2^52 scaled by 2^-52, so each one is
/// an exact f64 in [0, 1) and the sequence runs for up to 2^52 points.
const BITS: usize = 52;
const MASK: u64 = (1 << BITS) - 1;

/// Joe and Kuo's direction numbers (new-joe-kuo-6.21201) for dimensions 2 to 16, one row
/// per dimension: the degree `s` of the primitive polynomial, its interior coefficients
/// `a` as bits, and the initial direction numbers `m_1 … m_s`. Dimension 1 needs none: it
/// is the van der Corput sequence.
const JOE_KUO: [(usize, u64, &[u64]); SOBOL_MAX_DIMS - 1] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
];

/// The direction numbers of dimension `dim` (0-based), scaled to `BITS` bits:
/// `v[k] = m_{k+1} · 2^(BITS-k-1)`.
fn direction_numbers(dim: usize) -> [u64; BITS] {
    let mut m = [1u64; BITS];
    if dim > 0 {
        let (s, a, initial) = JOE_KUO[dim - 1];
        m[..s].copy_from_slice(initial);
        // Bratley–Fox recurrence: m_k = 2^s m_{k-s} ⊕ m_{k-s} ⊕ ⊕_{i<s} a_i 2^i m_{k-i}.
        for k in s..BITS {
            let mut next = m[k - s] ^ (m[k - s] << s);
            for i in 1..s {
                if (a >> (s - 1 - i)) & 1 == 1 {
                    next ^= m[k - i] << i;
                }
            }
            m[k] = next;
        }
    }
    std::array::from_fn(|k| m[k] << (BITS - k - 1))
}

/// `n` points of the Sobol' sequence in `shifts.len()` dimensions starting at index
/// `first`, each coordinate XOR-ed with its dimension's shift (a random digital shift
/// keeps every net property of the sequence while making it a random point set).
///
/// The shifted sampler starts at index 0 on purpose: unshifted, point 0 is the corner
/// (0, …, 0) and is commonly skipped, but shifted it is an ordinary random point, and
/// dropping it would leave the first 2^m points one short of a (t, m, s)-net, which costs
/// accuracy (A. B. Owen, "On dropping the first Sobol' point", 2022).
fn sobol(n: usize, shifts: &[u64], first: usize) -> Result<Vec<Vec<f64>>, String> {
    if shifts.len() > SOBOL_MAX_DIMS {
        return Err(format!(
            "Sobol' sampling supports at most {SOBOL_MAX_DIMS} dimensions, not {}; \
             use Latin hypercube or uniform sampling instead",
            shifts.len()
        ));
    }
    let end = first
        .checked_add(n)
        .filter(|&end| (end as u128) <= 1u128 << BITS)
        .ok_or_else(|| format!("Sobol' sampling supports at most 2^{BITS} points"))?;
    let directions: Vec<[u64; BITS]> = (0..shifts.len()).map(direction_numbers).collect();
    let mut state = vec![0u64; shifts.len()];
    let mut columns = vec![Vec::with_capacity(n); shifts.len()];
    let scale = 1.0 / (1u64 << BITS) as f64;
    for index in 0..end {
        if index > 0 {
            // Gray-code order: point `index` differs from its predecessor in the one
            // direction number picked by the lowest zero bit of `index - 1`.
            let c = (index - 1).trailing_ones() as usize;
            for (x, v) in state.iter_mut().zip(&directions) {
                *x ^= v[c];
            }
        }
        if index >= first {
            for ((column, &x), &shift) in columns.iter_mut().zip(&state).zip(shifts) {
                column.push((x ^ shift) as f64 * scale);
            }
        }
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Sampler; 3] = [Sampler::Uniform, Sampler::LatinHypercube, Sampler::Sobol];

    #[test]
    fn points_lie_in_the_box_and_have_the_asked_shape() {
        let bounds = [(-1.0, 1.0), (0.0, 0.99), (2.5, 2.5), (-1e-3, 5.0)];
        for sampler in ALL {
            let points = sample(sampler, &bounds, 1000, &mut Rng::new(3)).unwrap();
            assert_eq!(points.len(), bounds.len());
            for (column, &(lo, hi)) in points.iter().zip(&bounds) {
                assert_eq!(column.len(), 1000);
                assert!(
                    column.iter().all(|x| (lo..=hi).contains(x)),
                    "{sampler:?} left [{lo}, {hi}]"
                );
            }
        }
    }

    #[test]
    fn empty_requests_and_bad_bounds_do_not_panic() {
        for sampler in ALL {
            let mut rng = Rng::new(1);
            assert!(sample(sampler, &[], 10, &mut rng).unwrap().is_empty());
            let empty = sample(sampler, &[(0.0, 1.0), (0.0, 2.0)], 0, &mut rng).unwrap();
            assert_eq!(empty, vec![Vec::<f64>::new(); 2]);
            for bad in [(1.0, 0.0), (f64::NAN, 1.0), (0.0, f64::INFINITY)] {
                let err = sample(sampler, &[(0.0, 1.0), bad], 4, &mut rng).unwrap_err();
                assert!(err.contains("dimension 1"), "{err}");
            }
        }
    }

    #[test]
    fn sobol_past_its_table_is_an_error() {
        let bounds = vec![(0.0, 1.0); SOBOL_MAX_DIMS + 1];
        let err = sample(Sampler::Sobol, &bounds, 8, &mut Rng::new(0)).unwrap_err();
        assert!(err.contains("at most 16 dimensions"), "{err}");
        let ok = sample(Sampler::Sobol, &bounds[1..], 8, &mut Rng::new(0));
        assert_eq!(ok.unwrap().len(), SOBOL_MAX_DIMS);
    }

    #[test]
    fn latin_hypercube_puts_one_point_in_every_stratum() {
        let bounds = [(0.0, 1.0), (-2.0, 3.0), (10.0, 10.5)];
        for n in [1, 7, 100] {
            let points = sample(Sampler::LatinHypercube, &bounds, n, &mut Rng::new(11)).unwrap();
            for (column, &(lo, hi)) in points.iter().zip(&bounds) {
                let mut hits = vec![0; n];
                for x in column {
                    let k = ((x - lo) / (hi - lo) * n as f64).floor() as usize;
                    hits[k.min(n - 1)] += 1;
                }
                assert!(hits.iter().all(|&h| h == 1), "n = {n}: {hits:?}");
            }
        }
    }

    /// Without a shift, starting after the corner point: the published sequence (Joe and
    /// Kuo's generator; SciPy's `qmc.Sobol(d, scramble=False)` rows 1–7).
    #[test]
    fn unshifted_sobol_matches_the_published_sequence() {
        let points = sobol(7, &[0; 3], 1).unwrap();
        let expected = [
            [0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125],
            [0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625],
            [0.5, 0.25, 0.75, 0.625, 0.125, 0.875, 0.375],
        ];
        for (column, expected) in points.iter().zip(expected) {
            assert_eq!(column, &expected);
        }
        // The first 2^m points are a (0, m, 1)-net in dimension 1: in some order, the
        // van der Corput points k/2^m.
        let mut first = sobol(16, &[0], 0).unwrap().remove(0);
        first.sort_by(f64::total_cmp);
        assert_eq!(first, (0..16).map(|k| k as f64 / 16.0).collect::<Vec<_>>());
    }

    #[test]
    fn every_dimension_is_a_net_of_its_own() {
        // Each coordinate of the first 2^m points hits every interval [k/2^m, (k+1)/2^m)
        // exactly once; a wrong direction number or recurrence breaks this.
        let points = sobol(1024, &[0; SOBOL_MAX_DIMS], 0).unwrap();
        for (j, column) in points.iter().enumerate() {
            let mut hits = [0u8; 1024];
            column.iter().for_each(|x| hits[(x * 1024.0) as usize] += 1);
            assert!(hits.iter().all(|&h| h == 1), "dimension {j}");
        }
    }

    #[test]
    fn sobol_integrates_far_better_than_uniform() {
        // ∫_[0,1]^3 exp(x + y + z) = (e - 1)^3.
        let exact = (std::f64::consts::E - 1.0).powi(3);
        let error = |sampler, seed| {
            let p = sample(sampler, &[(0.0, 1.0); 3], 4096, &mut Rng::new(seed)).unwrap();
            let sum: f64 = (0..4096).map(|i| (p[0][i] + p[1][i] + p[2][i]).exp()).sum();
            (sum / 4096.0 - exact).abs()
        };
        let mean = |sampler| (1..=8).map(|seed| error(sampler, seed)).sum::<f64>() / 8.0;
        let (sobol, uniform) = (mean(Sampler::Sobol), mean(Sampler::Uniform));
        assert!(
            sobol * 10.0 <= uniform,
            "Sobol' {sobol:e}, uniform {uniform:e}"
        );
    }

    #[test]
    fn same_seed_same_points_and_each_call_differs() {
        let bounds = [(0.0, 1.0), (-1.0, 1.0)];
        for sampler in ALL {
            let a = sample(sampler, &bounds, 64, &mut Rng::new(5)).unwrap();
            assert_eq!(a, sample(sampler, &bounds, 64, &mut Rng::new(5)).unwrap());
            assert_ne!(a, sample(sampler, &bounds, 64, &mut Rng::new(6)).unwrap());
            let mut rng = Rng::new(5);
            let first = sample(sampler, &bounds, 64, &mut rng).unwrap();
            assert_ne!(first, sample(sampler, &bounds, 64, &mut rng).unwrap());
        }
    }
}
