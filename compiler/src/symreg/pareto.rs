//! The Pareto front of complexity against error, and the choice of one model from it.

use super::genome::Genome;
use std::collections::BTreeMap;

/// A fitted genome.
#[derive(Debug, Clone)]
pub struct Individual {
    /// With its fitted constants.
    pub genome: Genome,
    /// Normalised RMSE (infinite where the model is undefined on some sample).
    pub error: f64,
    pub fingerprint: u64,
}

impl Individual {
    pub fn complexity(&self) -> usize {
        self.genome.size()
    }
}

/// The best model found at each complexity (the first found among equals).
#[derive(Debug, Clone, Default)]
pub struct Hall {
    best: BTreeMap<usize, Individual>,
}

impl Hall {
    pub fn update(&mut self, individuals: &[Individual]) {
        for ind in individuals.iter().filter(|i| i.error.is_finite()) {
            let better = self
                .best
                .get(&ind.complexity())
                .is_none_or(|b| ind.error < b.error);
            if better {
                self.best.insert(ind.complexity(), ind.clone());
            }
        }
    }

    /// The Pareto front: models each strictly more accurate than every simpler one, by
    /// increasing complexity.
    pub fn front(&self) -> Vec<&Individual> {
        let mut front: Vec<&Individual> = Vec::new();
        for ind in self.best.values() {
            if front.last().is_none_or(|last| ind.error < last.error) {
                front.push(ind);
            }
        }
        front
    }
}

/// Which model of a front (errors by increasing complexity) to choose: the simplest whose
/// error is within `tolerance` (exact up to rounding, for noise-free data); otherwise, among
/// models at most 1.5 times as wrong as the best, the one whose error dropped most (in log)
/// per unit of complexity against its simpler neighbour on the front — the knee.
pub fn choose(front: &[(usize, f64)], tolerance: f64) -> usize {
    if let Some(i) = front.iter().position(|&(_, e)| e <= tolerance) {
        return i;
    }
    let best = front.iter().map(|&(_, e)| e).fold(f64::INFINITY, f64::min);
    let mut chosen = front.len().saturating_sub(1);
    let mut best_score = f64::NEG_INFINITY;
    for i in 0..front.len() {
        let (c, e) = front[i];
        if e > 1.5 * best {
            continue;
        }
        let score = match i {
            0 => 0.0,
            _ => {
                let (pc, pe) = front[i - 1];
                (pe.ln() - e.ln()) / (c - pc) as f64
            }
        };
        if score > best_score {
            best_score = score;
            chosen = i;
        }
    }
    chosen
}
