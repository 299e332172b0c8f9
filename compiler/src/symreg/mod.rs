//! Symbolic regression: find a closed-form law `y = f(x1, …, xn)` from samples, by genetic
//! programming over IR expressions (`ir::lang::Math`, variables as `Math::Symbol`).
//!
//! ```text
//! let inputs = [("m", &m[..]), ("v", &v[..])];
//! let result = symreg::search(&inputs, &energy, &SrConfig::default(), &mut |_, _| true)?;
//! let best = result.best(); // best.source: "0.5 * m * v^2"
//! ```
//!
//! One search: a random population of expression trees (`genome`) is evolved by tournament
//! selection, subtree crossover and mutation (`exp`, `sin` and `cos` always come with a
//! constant factor on their argument). Every new genome is first simplified by the
//! e-graph with its constants as free symbols (`dedup`): genomes with the same canonical form
//! are one model up to constants, fitted once (the others are counted in
//! `duplicates_skipped`). A new model's value and its derivatives by each constant are
//! compiled into one Cranelift kernel with the constants as kernel parameters, and
//! Levenberg–Marquardt fits the constants on at most 256 evenly spread samples (`fit`; the
//! error is then measured on all); fitted constants are written back into the genome, so
//! children inherit them. Models whose fitted values agree at fixed samples are kept once in
//! the population. The best model of each size is kept in a hall of fame whose Pareto front
//! (complexity against normalised RMSE) is the result (`pareto`); each front model is also
//! tried with each constant set to 0 and to 1, which drops terms a fit made negligible. The
//! chosen model is the simplest that is exact up to `tolerance`, or else the knee of the
//! front. Reported constants are rounded to the fewest significant digits that keep the
//! error within 1% (or far below `tolerance`).
//!
//! Complexity is the genome's size: every variable, constant and operation counts one
//! (`x^2` written with the square operation counts two). The error is the RMSE divided by
//! the standard deviation of the target. A search is deterministic for a given seed (new
//! genomes are bred sequentially; only fitting runs in parallel, each fit independent of
//! the others) unless `time_limit` cuts it short. It stops early once an exact model has
//! stayed the simplest exact one for `patience` generations.

mod dedup;
mod genome;
mod levenberg_marquardt;
mod pareto;
#[cfg(test)]
mod tests;

use dedup::{canonical, fingerprint, with_values, Canonical};
use egg::{Id, RecExpr, Symbol};
use genome::{Genome, Grammar};
use levenberg_marquardt::{fit, Data, Fitted};
use pareto::{choose, Hall, Individual};
use physc_runtime::rng::Rng;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::ir::lang::{Math, Symbols};

/// A unary operation the search may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Square,
    Cube,
    Sqrt,
    Exp,
    Log,
    Sin,
    Cos,
    Tanh,
    Abs,
}

impl UnaryOp {
    pub fn apply(self, x: f64) -> f64 {
        match self {
            UnaryOp::Square => x * x,
            UnaryOp::Cube => x * x * x,
            UnaryOp::Sqrt => x.sqrt(),
            UnaryOp::Exp => x.exp(),
            UnaryOp::Log => x.ln(),
            UnaryOp::Sin => x.sin(),
            UnaryOp::Cos => x.cos(),
            UnaryOp::Tanh => x.tanh(),
            UnaryOp::Abs => x.abs(),
        }
    }

    /// The IR node(s) of `op(a)`.
    fn to_ir(self, a: Id, expr: &mut RecExpr<Math>) -> Id {
        let power = |n: f64, expr: &mut RecExpr<Math>| {
            let n = expr.add(Math::Num(n.try_into().unwrap_or_default()));
            expr.add(Math::Pow([a, n]))
        };
        match self {
            UnaryOp::Square => power(2.0, expr),
            UnaryOp::Cube => power(3.0, expr),
            UnaryOp::Sqrt => expr.add(Math::Sqrt(a)),
            UnaryOp::Exp => expr.add(Math::Exp(a)),
            UnaryOp::Log => expr.add(Math::Log(a)),
            UnaryOp::Sin => expr.add(Math::Sin(a)),
            UnaryOp::Cos => expr.add(Math::Cos(a)),
            UnaryOp::Tanh => expr.add(Math::Tanh(a)),
            UnaryOp::Abs => expr.add(Math::Abs(a)),
        }
    }
}

/// How one search runs.
#[derive(Debug, Clone, PartialEq)]
pub struct SrConfig {
    /// Genomes per generation.
    pub population: usize,
    pub generations: usize,
    /// The largest genome (complexity) the search builds.
    pub max_size: usize,
    pub seed: u64,
    /// Stop after the generation that crosses this wall-clock time.
    pub time_limit: Option<Duration>,
    /// The unary operations allowed (`+ - * /` always are).
    pub unary: Vec<UnaryOp>,
    /// A model with normalised RMSE at most this is exact: the simplest such is chosen.
    pub tolerance: f64,
    /// Generations to go on after the simplest exact model last changed.
    pub patience: usize,
}

impl Default for SrConfig {
    fn default() -> SrConfig {
        SrConfig {
            population: 400,
            generations: 100,
            max_size: 25,
            seed: 0,
            time_limit: None,
            unary: vec![
                UnaryOp::Square,
                UnaryOp::Cube,
                UnaryOp::Sqrt,
                UnaryOp::Exp,
                UnaryOp::Log,
                UnaryOp::Sin,
                UnaryOp::Cos,
            ],
            tolerance: 1e-9,
            patience: 5,
        }
    }
}

/// One model of the result.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Simplified, with the fitted constants as numbers and the inputs as symbols.
    pub expr: RecExpr<Math>,
    pub root: Id,
    pub complexity: usize,
    /// RMSE divided by the standard deviation of the target (RMSE itself for a constant
    /// target).
    pub error: f64,
    /// `.phys` expression syntax.
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct SrResult {
    /// The Pareto front, by increasing complexity (and decreasing error).
    pub front: Vec<Candidate>,
    /// Index of the chosen model in `front`.
    pub chosen: usize,
    /// Models whose constants were fitted (each a compiled kernel).
    pub evaluations: u64,
    /// Genomes not fitted because an equivalent one had been (canonical form), plus models
    /// dropped from the population because an equivalent one was in it (fingerprint).
    pub duplicates_skipped: u64,
    pub seconds: f64,
    /// Generations run.
    pub generations: usize,
}

impl SrResult {
    pub fn best(&self) -> &Candidate {
        &self.front[self.chosen]
    }
}

/// Why a search cannot start.
#[derive(Debug, Clone, PartialEq)]
pub enum SrError {
    NoInputs,
    /// An input's name is empty, repeated, or starts with `$` (reserved for constants).
    BadName(String),
    Length {
        column: String,
        expected: usize,
        got: usize,
    },
    NotFinite {
        column: String,
        row: usize,
    },
    TooFewSamples {
        got: usize,
        need: usize,
    },
    /// A setting that leaves nothing to search (population below 2, size below 1).
    Config(String),
}

impl std::fmt::Display for SrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SrError::NoInputs => write!(f, "symbolic regression needs at least one input column"),
            SrError::BadName(n) => write!(
                f,
                "input name `{n}` is empty, repeated or starts with `$`; each input needs its own name"
            ),
            SrError::Length {
                column,
                expected,
                got,
            } => write!(
                f,
                "column `{column}` has {got} samples but the target has {expected}"
            ),
            SrError::NotFinite { column, row } => {
                write!(f, "column `{column}` is not a finite number at row {row}")
            }
            SrError::TooFewSamples { got, need } => write!(
                f,
                "symbolic regression needs at least {need} samples to tell models apart, got {got}"
            ),
            SrError::Config(why) => write!(f, "symbolic regression settings: {why}"),
        }
    }
}

impl std::error::Error for SrError {}

/// The fewest samples a search accepts.
pub const MIN_SAMPLES: usize = 10;

fn validate(inputs: &[(&str, &[f64])], target: &[f64], config: &SrConfig) -> Result<(), SrError> {
    if inputs.is_empty() {
        return Err(SrError::NoInputs);
    }
    let mut names = HashSet::new();
    for (name, _) in inputs {
        if name.is_empty() || name.starts_with('$') || !names.insert(*name) {
            return Err(SrError::BadName(name.to_string()));
        }
    }
    if target.len() < MIN_SAMPLES {
        return Err(SrError::TooFewSamples {
            got: target.len(),
            need: MIN_SAMPLES,
        });
    }
    let columns = inputs.iter().copied().chain([("target", target)]);
    for (name, column) in columns {
        if column.len() != target.len() {
            return Err(SrError::Length {
                column: name.to_string(),
                expected: target.len(),
                got: column.len(),
            });
        }
        if let Some(row) = column.iter().position(|v| !v.is_finite()) {
            return Err(SrError::NotFinite {
                column: name.to_string(),
                row,
            });
        }
    }
    if config.population < 2 {
        return Err(SrError::Config("population must be at least 2".into()));
    }
    if config.max_size < 1 {
        return Err(SrError::Config("max_size must be at least 1".into()));
    }
    Ok(())
}

/// Search for a law `target = f(inputs)`. `progress` is called after every generation with
/// the chosen model so far; returning `false` stops the search.
pub fn search(
    inputs: &[(&str, &[f64])],
    target: &[f64],
    config: &SrConfig,
    progress: &mut dyn FnMut(usize, &Candidate) -> bool,
) -> Result<SrResult, SrError> {
    validate(inputs, target, config)?;
    let start = Instant::now();
    let n = target.len() as f64;
    let mean = target.iter().sum::<f64>() / n;
    let std = (target.iter().map(|y| (y - mean) * (y - mean)).sum::<f64>() / n).sqrt();
    let data = Data {
        vars: inputs.iter().map(|(name, _)| Symbol::from(*name)).collect(),
        columns: inputs.iter().map(|(_, c)| c.to_vec()).collect(),
        target: target.to_vec(),
        // A constant target: errors are plain RMSE, and the constant fits it exactly.
        scale: if std > 0.0 { std } else { 1.0 },
    };
    let mut engine = Engine {
        sub: data.subset(levenberg_marquardt::FIT_ROWS),
        tolerance: config.tolerance,
        data,
        forms: HashMap::new(),
        fitted: HashMap::new(),
        evaluations: 0,
        duplicates: 0,
    };
    let grammar = Grammar {
        vars: inputs.len(),
        unary: &config.unary,
        max_size: config.max_size,
    };
    let mut rng = Rng::stream(config.seed, "symreg");
    let mut hall = Hall::default();

    // The constant model (the mean), each input alone, then random trees of depth 2 to 5.
    let mut genomes = vec![Genome::constant(mean)];
    genomes.extend((0..inputs.len()).map(|i| Genome {
        genes: vec![genome::Gene::Var(i)],
    }));
    while genomes.len() < config.population {
        let depth = 2 + genomes.len() % 4;
        let g = grammar.random_genome(&mut rng, depth).normalised();
        if g.size() <= config.max_size {
            genomes.push(g);
        }
    }
    let mut population = engine.evaluate(genomes);
    population = engine.unique(population, Vec::new(), config.population);
    hall.update(&population);

    let mut generation = 0;
    let mut rounded: HashSet<String> = HashSet::new();
    let mut exact_since: Option<(usize, usize)> = None; // (complexity, generation)
    while generation < config.generations {
        generation += 1;
        let children: Vec<Genome> = (0..config.population)
            .map(|_| breed(&population, &hall, &grammar, &mut rng))
            .collect();
        let children = engine.evaluate(children);
        let elite: Vec<Individual> = hall.front().into_iter().cloned().collect();
        population = engine.unique(elite, [children, population].concat(), config.population);
        hall.update(&population);
        // Round the front's constants to 0 and 1 where the fit allows (each model once).
        let variants: Vec<Genome> = hall
            .front()
            .into_iter()
            .filter(|i| rounded.insert(i.genome.shape()))
            .flat_map(|i| i.genome.rounded())
            .collect();
        let variants = engine.evaluate(variants);
        hall.update(&variants);

        let front = hall.front();
        let errors: Vec<(usize, f64)> = front.iter().map(|i| (i.complexity(), i.error)).collect();
        let chosen = front[choose(&errors, config.tolerance)];
        let candidate = engine.candidate(chosen);
        let go_on = progress(generation, &candidate);
        if chosen.error <= config.tolerance {
            match exact_since {
                Some((c, _)) if c == chosen.complexity() => {}
                _ => exact_since = Some((chosen.complexity(), generation)),
            }
        }
        // Nothing is simpler than one variable or constant.
        let settled = exact_since.is_some_and(|(c, g)| c == 1 || generation - g >= config.patience);
        let out_of_time = config.time_limit.is_some_and(|t| start.elapsed() >= t);
        if !go_on || settled || out_of_time {
            break;
        }
    }

    let front: Vec<Candidate> = hall
        .front()
        .into_iter()
        .map(|i| engine.candidate(i))
        .collect();
    let errors: Vec<(usize, f64)> = front.iter().map(|c| (c.complexity, c.error)).collect();
    Ok(SrResult {
        chosen: choose(&errors, config.tolerance),
        front,
        evaluations: engine.evaluations,
        duplicates_skipped: engine.duplicates,
        seconds: start.elapsed().as_secs_f64(),
        generations: generation,
    })
}

/// Tournament size: how many individuals compete for each parent.
const TOURNAMENT: usize = 6;
/// Per unit of complexity, how much log10 error a model may give up in selection.
const PARSIMONY: f64 = 0.03;

fn score(ind: &Individual) -> f64 {
    ind.error.max(1e-15).log10() + PARSIMONY * ind.complexity() as f64
}

fn tournament<'p>(population: &'p [Individual], rng: &mut Rng) -> &'p Individual {
    let mut best = &population[rng.below(population.len())];
    for _ in 1..TOURNAMENT {
        let other = &population[rng.below(population.len())];
        if score(other) < score(best) {
            best = other;
        }
    }
    best
}

/// One child: mostly a mutant of a tournament winner, sometimes a crossover of two; parents
/// come from the Pareto front one time in five.
fn breed(population: &[Individual], hall: &Hall, grammar: &Grammar, rng: &mut Rng) -> Genome {
    let front = hall.front();
    let pick = |rng: &mut Rng| -> Genome {
        if !front.is_empty() && rng.uniform() < 0.2 {
            front[rng.below(front.len())].genome.clone()
        } else {
            tournament(population, rng).genome.clone()
        }
    };
    for _ in 0..8 {
        let parent = pick(rng);
        let child = if rng.uniform() < 0.2 {
            let other = pick(rng);
            grammar.crossover(&parent, &other, rng)
        } else {
            grammar.mutate(&parent, rng)
        };
        if let Some(child) = child {
            return child;
        }
    }
    grammar.random_genome(rng, 3).normalised()
}

/// What one search has fitted so far, by canonical form.
struct Engine {
    data: Data,
    /// The samples constants are fitted on.
    sub: Data,
    tolerance: f64,
    /// Canonical forms by genome shape (simplified once per shape).
    forms: HashMap<String, Arc<Canonical>>,
    fitted: HashMap<String, Fitted>,
    evaluations: u64,
    duplicates: u64,
}

impl Engine {
    /// Fit the genomes (in parallel), reusing fits of canonical forms seen before.
    fn evaluate(&mut self, genomes: Vec<Genome>) -> Vec<Individual> {
        let vars = &self.data.vars;
        let shapes: Vec<String> = genomes.iter().map(Genome::shape).collect();
        let mut unseen: Vec<usize> = Vec::new();
        let mut pending = HashSet::new();
        for (i, shape) in shapes.iter().enumerate() {
            if !self.forms.contains_key(shape) && pending.insert(shape) {
                unseen.push(i);
            }
        }
        let new_forms: Vec<Canonical> = unseen
            .par_iter()
            .map(|&i| canonical(&genomes[i], vars))
            .collect();
        for (&i, form) in unseen.iter().zip(new_forms) {
            self.forms.insert(shapes[i].clone(), Arc::new(form));
        }
        let forms: Vec<Arc<Canonical>> = shapes.iter().map(|s| self.forms[s].clone()).collect();
        // Which forms are new: the first genome with each, in order (deterministic).
        let mut first: HashMap<&str, usize> = HashMap::new();
        let mut new = Vec::new();
        for (i, form) in forms.iter().enumerate() {
            if self.fitted.contains_key(&form.key) || first.contains_key(form.key.as_str()) {
                self.duplicates += 1;
            } else {
                first.insert(&form.key, i);
                new.push(i);
            }
        }
        let (sub, data) = (&self.sub, &self.data);
        let fits: Vec<Fitted> = new
            .par_iter()
            .map(|&i| {
                let values = genomes[i].constants();
                let start: Vec<f64> = forms[i].order.iter().map(|&c| values[c]).collect();
                fit(&forms[i].expr, forms[i].root, &start, sub, data)
            })
            .collect();
        self.evaluations += fits.len() as u64;
        for (&i, f) in new.iter().zip(fits) {
            self.fitted.insert(forms[i].key.clone(), f);
        }
        genomes
            .into_iter()
            .zip(&forms)
            .map(|(genome, form)| {
                let f = &self.fitted[&form.key];
                let mut values = genome.constants();
                for (j, &c) in form.order.iter().enumerate() {
                    values[c] = f.constants[j];
                }
                Individual {
                    genome: genome.with_constants(&values),
                    error: f.error,
                    fingerprint: fingerprint(&f.probe),
                }
            })
            .collect()
    }

    /// `first` then `rest`, without undefined models and without models equivalent (by
    /// fingerprint) to an earlier one, at most `size` of them.
    fn unique(
        &mut self,
        first: Vec<Individual>,
        rest: Vec<Individual>,
        size: usize,
    ) -> Vec<Individual> {
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(size);
        for ind in first.into_iter().chain(rest) {
            if out.len() == size {
                break;
            }
            if !ind.error.is_finite() {
                continue;
            }
            if seen.insert(ind.fingerprint) {
                out.push(ind);
            } else {
                self.duplicates += 1;
            }
        }
        out
    }

    fn candidate(&self, ind: &Individual) -> Candidate {
        let form = canonical(&ind.genome, &self.data.vars);
        let values = ind.genome.constants();
        let ordered: Vec<f64> = form.order.iter().map(|&c| values[c]).collect();
        // Round for display where the fit allows: within 1% of the error (or far below the
        // tolerance), so the rounded model is as good as the fitted one.
        let budget = (1.01 * ind.error).max(0.01 * self.tolerance);
        let (ordered, error) = levenberg_marquardt::round_constants(
            &form.expr, form.root, &ordered, &self.data, budget,
        );
        let (expr, root) = with_values(&form, &ordered);
        let source = crate::ir::readable::Reader::new(&Symbols::default()).source(&expr, root);
        Candidate {
            expr,
            root,
            complexity: ind.complexity(),
            error,
            source,
        }
    }
}
