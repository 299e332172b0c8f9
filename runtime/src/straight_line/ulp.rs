//! Errors in units in the last place (ULP) of f32, measured against an f64 reference, and the
//! exhaustive scan of every f32 in an interval. A correctly rounded f32 result is within 0.5
//! ULP; f64 references carry about 2⁻²⁹ ULP of f32 error of their own, far below what
//! matters here.

use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The spacing of f32 numbers at magnitude |y| (the ULP of f32 at y): 2^(e − 23) for
/// |y| in [2^e, 2^(e+1)), and the subnormal spacing 2⁻¹⁴⁹ below 2⁻¹²⁶.
pub fn ulp_f32(y: f64) -> f64 {
    let a = y.abs();
    if !a.is_finite() {
        return f64::INFINITY;
    }
    if a < f32::MIN_POSITIVE as f64 {
        return (-149f64).exp2();
    }
    let e = ((a.to_bits() >> 52) & 0x7ff) as i64 - 1023;
    // 2^(e − 23) built from its bits (this runs a billion times in an exhaustive scan).
    f64::from_bits(((e.min(127) - 23 + 1023) as u64) << 52)
}

/// |got − want| in ULPs of f32 at `want`; NaN or a wrong infinity is infinitely wrong.
pub fn ulp_error(got: f32, want: f64) -> f64 {
    let g = got as f64;
    if g == want {
        return 0.0;
    }
    if !g.is_finite() || !want.is_finite() {
        return f64::INFINITY;
    }
    (g - want).abs() / ulp_f32(want)
}

/// |got − want| / |want| (absolute error where want is 0); NaN is infinitely wrong.
pub fn relative_error(got: f64, want: f64) -> f64 {
    if got == want {
        return 0.0;
    }
    let e = if want == 0.0 {
        got.abs()
    } else {
        ((got - want) / want).abs()
    };
    if e.is_nan() {
        f64::INFINITY
    } else {
        e
    }
}

/// `out[i] = f(xs[i])`, compiled optimised (references are called a billion times).
pub fn map(f: fn(f64) -> f64, xs: &[f64], out: &mut [f64]) {
    for (o, &x) in out.iter_mut().zip(xs) {
        *o = f(x);
    }
}

/// f32 numbers in order as integers (−0 and +0 both map to 0).
fn key(f: f32) -> i64 {
    let bits = f.to_bits();
    if bits & 0x8000_0000 != 0 {
        -((bits & 0x7fff_ffff) as i64)
    } else {
        bits as i64
    }
}

fn from_key(k: i64) -> f32 {
    if k < 0 {
        f32::from_bits((-k) as u32 | 0x8000_0000)
    } else {
        f32::from_bits(k as u32)
    }
}

/// The first and last f32 inside [lo, hi] as keys.
fn key_range(lo: f64, hi: f64) -> (i64, i64) {
    let mut a = lo as f32;
    if (a as f64) < lo {
        a = from_key(key(a) + 1);
    }
    let mut b = hi as f32;
    if (b as f64) > hi {
        b = from_key(key(b) - 1);
    }
    (key(a), key(b))
}

/// How many f32 numbers lie in [lo, hi] (zero counted once).
pub fn f32_count(lo: f64, hi: f64) -> u64 {
    let (a, b) = key_range(lo, hi);
    (b - a + 1).max(0) as u64
}

/// What an exhaustive scan found.
#[derive(Debug, Clone, PartialEq)]
pub struct Exhaustive {
    /// f32 numbers checked.
    pub count: u64,
    pub max_ulp: f64,
    /// Where the maximum is reached.
    pub worst_x: f32,
    pub mean_ulp: f64,
    pub seconds: f64,
    /// The [`WORST_KEPT`] worst floats and their errors, worst first (hard points for
    /// tuning constants).
    pub worst: Vec<(f32, f64)>,
}

/// How many of the worst floats a scan keeps.
pub const WORST_KEPT: usize = 1024;

/// The `cap` largest errors seen: a min-heap of (error bits, x bits); errors are ≥ 0, so
/// their bits order like the errors.
#[derive(Debug, Clone, Default)]
struct Worst {
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Worst {
    fn offer(&mut self, x: f32, e: f64, cap: usize) {
        let item = Reverse((e.to_bits(), x.to_bits()));
        if self.heap.len() < cap {
            self.heap.push(item);
        } else if self.heap.peek().is_some_and(|m| m.0 .0 < e.to_bits()) {
            self.heap.pop();
            self.heap.push(item);
        }
    }

    fn into_items(self) -> impl Iterator<Item = (f32, f64)> {
        self.heap
            .into_iter()
            .map(|Reverse((e, x))| (f32::from_bits(x), f64::from_bits(e)))
    }
}

/// Check every f32 in [lo, hi]: `eval` computes a chunk of results (a compiled kernel),
/// `reference` the exact values in f64 of a chunk of inputs. Chunks of `chunk` numbers run
/// in parallel.
pub fn exhaustive_f32(
    lo: f64,
    hi: f64,
    chunk: usize,
    eval: impl Fn(&[f32], &mut [f32]) + Sync,
    reference: impl Fn(&[f64], &mut [f64]) + Sync,
) -> Exhaustive {
    let all = 0..scan_chunks(lo, hi, chunk);
    let part = exhaustive_f32_part(lo, hi, chunk, all, eval, reference);
    merge_exhaustive(lo, hi, vec![part])
}

/// How many chunks of `chunk` numbers an exhaustive scan of [lo, hi] has (the unit in which
/// [`exhaustive_f32_part`] shares a scan between processes).
pub fn scan_chunks(lo: f64, hi: f64, chunk: usize) -> usize {
    f32_count(lo, hi).div_ceil(chunk.max(1) as u64) as usize
}

/// One chunk of an exhaustive scan: its largest error, where, and the sum of its errors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChunkSummary {
    pub max_ulp: f64,
    pub worst_x: f32,
    pub sum_ulp: f64,
}

/// The chunks `chunks` of an exhaustive scan (one process's share when processes split a
/// scan): each chunk's summary, and the [`WORST_KEPT`] worst floats among them, worst first.
/// [`merge_exhaustive`] of every part in chunk order gives the whole scan's [`Exhaustive`],
/// bit for bit what one [`exhaustive_f32`] finds.
#[derive(Debug, Clone, PartialEq)]
pub struct ExhaustivePart {
    pub chunks: Vec<ChunkSummary>,
    pub worst: Vec<(f32, f64)>,
    pub seconds: f64,
}

impl ExhaustivePart {
    /// The part as numbers, for a message between processes: the chunk count, three numbers
    /// per chunk, then two per worst float (f32 and ULP errors are exact in f64).
    pub fn to_words(&self) -> Vec<f64> {
        let mut words = Vec::with_capacity(2 + 3 * self.chunks.len() + 2 * self.worst.len());
        words.push(self.chunks.len() as f64);
        words.push(self.seconds);
        for c in &self.chunks {
            words.extend([c.max_ulp, c.worst_x as f64, c.sum_ulp]);
        }
        for &(x, e) in &self.worst {
            words.extend([x as f64, e]);
        }
        words
    }

    /// The part [`ExhaustivePart::to_words`] wrote; `None` for words it cannot have written.
    pub fn from_words(words: &[f64]) -> Option<ExhaustivePart> {
        let (&n, rest) = words.split_first()?;
        let (&seconds, rest) = rest.split_first()?;
        if n < 0.0 || n.fract() != 0.0 || rest.len() < 3 * n as usize {
            return None;
        }
        let (chunks, worst) = rest.split_at(3 * n as usize);
        if worst.len() % 2 != 0 {
            return None;
        }
        Some(ExhaustivePart {
            chunks: chunks
                .chunks_exact(3)
                .map(|c| ChunkSummary {
                    max_ulp: c[0],
                    worst_x: c[1] as f32,
                    sum_ulp: c[2],
                })
                .collect(),
            worst: worst.chunks_exact(2).map(|w| (w[0] as f32, w[1])).collect(),
            seconds,
        })
    }
}

/// Scan the chunks `chunks` (of [`scan_chunks`]) of every f32 in [lo, hi]; as
/// [`exhaustive_f32`] for the rest.
pub fn exhaustive_f32_part(
    lo: f64,
    hi: f64,
    chunk: usize,
    chunks: std::ops::Range<usize>,
    eval: impl Fn(&[f32], &mut [f32]) + Sync,
    reference: impl Fn(&[f64], &mut [f64]) + Sync,
) -> ExhaustivePart {
    let start = std::time::Instant::now();
    let (a, b) = key_range(lo, hi);
    let chunk = chunk.max(1) as i64;
    let per_chunk: Vec<(ChunkSummary, Worst)> = chunks
        .into_par_iter()
        .map_init(
            || (Vec::<f32>::new(), Vec::<f32>::new(), Vec::new(), Vec::new()),
            |(xs, ys, wide, want), c| {
                let first = a + c as i64 * chunk;
                let last = (first + chunk - 1).min(b);
                xs.clear();
                xs.extend((first..=last).map(from_key));
                ys.clear();
                ys.resize(xs.len(), 0.0);
                eval(xs, ys);
                wide.clear();
                wide.extend(xs.iter().map(|&x| x as f64));
                want.clear();
                want.resize(xs.len(), 0.0);
                reference(wide, want);
                let mut summary = ChunkSummary {
                    max_ulp: 0.0,
                    worst_x: xs[0],
                    sum_ulp: 0.0,
                };
                let mut kept = Worst::default();
                for ((&x, &y), &w) in xs.iter().zip(ys.iter()).zip(want.iter()) {
                    let e = ulp_error(y, w);
                    summary.sum_ulp += e;
                    if e > summary.max_ulp || e.is_nan() {
                        summary.max_ulp = e;
                        summary.worst_x = x;
                    }
                    kept.offer(x, e, WORST_KEPT);
                }
                (summary, kept)
            },
        )
        .collect();
    let mut worst: Vec<(f32, f64)> = Vec::new();
    let mut summaries = Vec::with_capacity(per_chunk.len());
    for (summary, kept) in per_chunk {
        summaries.push(summary);
        worst.extend(kept.into_items());
    }
    sort_worst(&mut worst);
    ExhaustivePart {
        chunks: summaries,
        worst,
        seconds: start.elapsed().as_secs_f64(),
    }
}

/// Worst first (ties by the float), the first [`WORST_KEPT`] kept: a total order, so the
/// worst of a union is the worst of the parts' worst.
fn sort_worst(worst: &mut Vec<(f32, f64)>) {
    worst.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.total_cmp(&b.0)));
    worst.truncate(WORST_KEPT);
}

/// The scan of [lo, hi] from its parts, given in chunk order (covering every chunk once);
/// its time is the slowest part's.
pub fn merge_exhaustive(lo: f64, hi: f64, parts: Vec<ExhaustivePart>) -> Exhaustive {
    let count = f32_count(lo, hi);
    let mut worst: Vec<(f32, f64)> = Vec::new();
    let (mut max_ulp, mut worst_x, mut sum, mut seconds) = (0.0, f32::NAN, 0.0, 0.0f64);
    for part in parts {
        for c in &part.chunks {
            if c.max_ulp > max_ulp || worst_x.is_nan() {
                (max_ulp, worst_x) = (c.max_ulp, c.worst_x);
            }
            sum += c.sum_ulp;
        }
        worst.extend(part.worst);
        seconds = seconds.max(part.seconds);
    }
    sort_worst(&mut worst);
    Exhaustive {
        worst,
        count,
        max_ulp,
        worst_x,
        mean_ulp: if count > 0 { sum / count as f64 } else { 0.0 },
        seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulp_of_f32_at_binade_edges() {
        assert_eq!(ulp_f32(1.0), f32::EPSILON as f64);
        assert_eq!(ulp_f32(1.999), f32::EPSILON as f64);
        assert_eq!(ulp_f32(2.0), 2.0 * f32::EPSILON as f64);
        assert_eq!(ulp_f32(-0.75), f32::EPSILON as f64 / 2.0);
        assert_eq!(ulp_f32(0.0), (-149f64).exp2());
        assert_eq!(ulp_f32(1e-40), (-149f64).exp2());
    }

    #[test]
    fn ulp_error_counts_spacings() {
        let one_up = 1.0f32 + f32::EPSILON;
        assert_eq!(ulp_error(one_up, 1.0), 1.0);
        assert_eq!(ulp_error(1.0, 1.0 + f32::EPSILON as f64 / 4.0), 0.25);
        // The correctly rounded f32 of any value is within half an ULP.
        for y in [std::f64::consts::E, 0.1, 1e-3, 12345.678] {
            assert!(ulp_error(y as f32, y) <= 0.5);
        }
        assert_eq!(ulp_error(f32::NAN, 1.0), f64::INFINITY);
        assert_eq!(ulp_error(f32::INFINITY, f64::INFINITY), 0.0);
    }

    #[test]
    fn counts_and_scans_every_float() {
        // [1, 2] holds 2^23 + 1 floats; [-1, 1] twice the floats of [0, 1] minus the shared 0.
        assert_eq!(f32_count(1.0, 2.0), (1 << 23) + 1);
        assert_eq!(f32_count(-1.0, 1.0), 2 * f32_count(0.0, 1.0) - 1);
        assert_eq!(f32_count(0.1, 0.1), 0); // 0.1 is not an f32
        let r = exhaustive_f32(
            1.0,
            2.0,
            1 << 16,
            |xs, ys| {
                for (x, y) in xs.iter().zip(ys) {
                    *y = x.sqrt();
                }
            },
            |xs, ys| map(f64::sqrt, xs, ys),
        );
        assert_eq!(r.count, (1 << 23) + 1);
        assert!(r.max_ulp <= 0.5 && r.max_ulp > 0.49, "{r:?}");
        // One float off by one ULP is found.
        let bad = 1.5f32;
        let r = exhaustive_f32(
            1.0,
            2.0,
            1 << 16,
            |xs, ys| {
                for (x, y) in xs.iter().zip(ys) {
                    *y = if *x == bad { x.next_up() } else { *x };
                }
            },
            |xs, ys| ys.copy_from_slice(xs),
        );
        assert_eq!((r.max_ulp, r.worst_x), (1.0, bad));
        assert_eq!(r.worst[0], (bad, 1.0));
        assert_eq!(r.worst.len(), WORST_KEPT);
    }

    /// Processes that each scan a share of the chunks and merge their parts (sent as words)
    /// find exactly what one scan finds: the maximum, its place, the mean and the worst
    /// floats.
    #[test]
    fn a_scan_split_into_parts_merges_to_the_whole_scan() {
        let (lo, hi, chunk) = (0.75, 1.25, 1 << 16);
        let eval = |xs: &[f32], ys: &mut [f32]| {
            for (x, y) in xs.iter().zip(ys) {
                // A sine through f32 polynomial roundings: errors of every size.
                let x2 = x * x;
                *y = x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0));
            }
        };
        let reference = |xs: &[f64], ys: &mut [f64]| {
            for (x, y) in xs.iter().zip(ys) {
                let x2 = x * x;
                *y = x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0)) + 1e-9 * x.sin();
            }
        };
        let whole = exhaustive_f32(lo, hi, chunk, eval, reference);
        let n = scan_chunks(lo, hi, chunk);
        assert!(n > 10, "{n} chunks");
        for ranks in [2, 3, 7] {
            let parts: Vec<ExhaustivePart> = (0..ranks)
                .map(|r| {
                    let part = exhaustive_f32_part(
                        lo,
                        hi,
                        chunk,
                        (n * r / ranks)..(n * (r + 1) / ranks),
                        eval,
                        reference,
                    );
                    ExhaustivePart::from_words(&part.to_words()).unwrap()
                })
                .collect();
            let merged = merge_exhaustive(lo, hi, parts);
            assert_eq!(
                (merged.count, merged.max_ulp, merged.worst_x),
                (whole.count, whole.max_ulp, whole.worst_x)
            );
            assert_eq!(merged.mean_ulp.to_bits(), whole.mean_ulp.to_bits());
            assert_eq!(merged.worst, whole.worst);
        }
        assert!(ExhaustivePart::from_words(&[2.0, 0.0, 1.0]).is_none());
        assert!(ExhaustivePart::from_words(&[]).is_none());
    }
}
