//! Sums of vectors that come out the same however the terms are grouped: over one process's
//! chunks in order, or over each rank's chunks and then over the ranks. Each entry is
//! carried as a sum and the running total of its rounding errors (Ogita, Rump & Oishi's
//! Sum2, SIAM J. Sci. Comput. 26 (2005) 1955–1988), and rounded once at the end: the result
//! is as accurate as a sum in twice the precision, rounded, so two groupings of the same
//! terms give the same double unless the exact sum lies within about 2⁻¹⁰⁰·Σ|xᵢ| of a
//! rounding boundary. A distributed training run sums its gradients this way, so that it
//! follows the same path as one process, step for step, even through quasi-Newton stages
//! that amplify a last-bit difference into a visible one within tens of steps.

use super::Communicator;

/// a + b and its rounding error, exactly (Knuth's TwoSum, no branch).
#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let b_virtual = s - a;
    let error = (a - (s - b_virtual)) + (b - b_virtual);
    (s, error)
}

/// A vector sum in progress: per entry, the rounded sum and the sum of its rounding errors.
#[derive(Debug, Clone, PartialEq)]
pub struct CompensatedSum {
    sum: Vec<f64>,
    errors: Vec<f64>,
}

impl CompensatedSum {
    /// A sum of vectors of length `n`, at zero.
    pub fn new(n: usize) -> CompensatedSum {
        CompensatedSum {
            sum: vec![0.0; n],
            errors: vec![0.0; n],
        }
    }

    pub fn len(&self) -> usize {
        self.sum.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sum.is_empty()
    }

    /// Add `x` (as long as the sum or shorter) entry by entry.
    pub fn add(&mut self, x: impl IntoIterator<Item = f64>) {
        for ((s, e), x) in self.sum.iter_mut().zip(&mut self.errors).zip(x) {
            let (t, error) = two_sum(*s, x);
            *s = t;
            *e += error;
        }
    }

    /// The sums, each rounded once.
    pub fn finish(&self) -> Vec<f64> {
        self.sum
            .iter()
            .zip(&self.errors)
            .map(|(s, e)| s + e)
            .collect()
    }

    /// The sums over every rank's `self`, the same on every rank: each rank's sums and
    /// errors are gathered and added in rank order, carrying errors again. With `extra`
    /// (flags, counts) gathered in the same message and summed plainly.
    pub fn sum_over_ranks(&self, comm: &dyn Communicator, extra: &mut [f64]) -> Vec<f64> {
        if comm.size() == 1 {
            return self.finish();
        }
        let n = self.len();
        let local: Vec<f64> = self
            .sum
            .iter()
            .chain(&self.errors)
            .chain(extra.iter())
            .copied()
            .collect();
        let gathered = comm.all_gather(&local);
        let mut total = CompensatedSum::new(n);
        extra.iter_mut().for_each(|x| *x = 0.0);
        for rank in gathered.chunks(local.len().max(1)) {
            let (sums, rest) = rank.split_at(n);
            let (errors, flags) = rest.split_at(n);
            total.add(sums.iter().copied());
            // The errors are small beside the sums; added plainly, their own rounding is
            // below the result's last bit.
            for (e, x) in total.errors.iter_mut().zip(errors) {
                *e += x;
            }
            for (x, f) in extra.iter_mut().zip(flags) {
                *x += f;
            }
        }
        total.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Terms whose plain sums depend on the grouping: large values that cancel, and small
    /// ones of every size.
    fn awkward_terms(count: usize) -> Vec<Vec<f64>> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..count)
            .map(|k| {
                (0..5)
                    .map(|j| {
                        let scale = 10f64.powi((next() * 12.0) as i32 - 6);
                        let sign = if (k + j) % 2 == 0 { 1.0 } else { -1.0 };
                        sign * scale * (1.0 + next())
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_grouping_of_the_terms_gives_the_same_bits() {
        let terms = awkward_terms(64);
        let mut one = CompensatedSum::new(5);
        for t in &terms {
            one.add(t.iter().copied());
        }
        let expected = one.finish();
        let mut plain_differs = false;
        for groups in [2, 3, 7] {
            let mut total = CompensatedSum::new(5);
            let mut plain = vec![0.0; 5];
            for part in 0..groups {
                let mut partial = CompensatedSum::new(5);
                let mut plain_partial = vec![0.0; 5];
                let range = super::super::share(terms.len(), part, groups);
                for t in &terms[range] {
                    partial.add(t.iter().copied());
                    for (p, x) in plain_partial.iter_mut().zip(t) {
                        *p += x;
                    }
                }
                total.add(partial.sum.iter().copied());
                for (e, x) in total.errors.iter_mut().zip(&partial.errors) {
                    *e += x;
                }
                for (p, x) in plain.iter_mut().zip(plain_partial) {
                    *p += x;
                }
            }
            assert_eq!(total.finish(), expected, "{groups} groups");
            let mut sequential = vec![0.0; 5];
            for t in &terms {
                for (s, x) in sequential.iter_mut().zip(t) {
                    *s += x;
                }
            }
            plain_differs |= plain != sequential;
        }
        // The terms are awkward enough that plain summation does depend on the grouping.
        assert!(plain_differs);
    }

    #[test]
    fn the_sum_is_the_exactly_rounded_one_where_plain_summation_loses_it() {
        let mut sum = CompensatedSum::new(1);
        for x in [1e16, 1.0, -1e16, 1.0] {
            sum.add([x]);
        }
        assert_eq!(sum.finish(), vec![2.0]);
        assert_eq!(((1e16 + 1.0) - 1e16) + 1.0, 1.0);
    }

    #[test]
    fn one_rank_sums_over_itself() {
        let comm = super::super::single_process();
        let mut sum = CompensatedSum::new(2);
        sum.add([0.1, 1e300]);
        sum.add([0.2, -1e300]);
        let mut flags = [1.0];
        assert_eq!(
            sum.sum_over_ranks(comm.as_ref(), &mut flags),
            vec![0.1 + 0.2, 0.0]
        );
        assert_eq!(flags, [1.0]);
    }
}
