//! The settings of a `train` block (spec/language.md § 5.2).

use super::options::Options;
use super::{Precision, ScalarFunction, Spanned};
use crate::check::jobs::SettingValue;
use crate::check::model::{Model, VarId};
use physc_runtime::nn::Init;
use physc_runtime::optim::{BfgsUpdate, Schedule};
use physc_runtime::sampling::Sampler;

#[derive(Debug, Clone)]
pub struct TrainSettings {
    /// The networks, each giving some fields: one for every field (the default), or one
    /// per field or group of fields, in the order of their first field.
    pub nets: Vec<Net>,
    pub points: Points,
    /// The optimizers, run in this order.
    pub stages: Vec<OptimizerStage>,
    pub weights: LossWeights,
    pub causal: Option<Causal>,
    /// Residual-based attention weights on the equations' points (`attention`).
    pub attention: Option<Attention>,
    /// The reference solution: a `.npz` path as written (relative to the file's directory),
    /// or `cole-hopf`.
    pub compare: Option<Spanned<String>>,
    /// An NPZ file of points (one array per network input) at which the trained fields
    /// are written, relative to the file's directory.
    pub predict: Option<Spanned<String>>,
    pub precision: Precision,
    pub seed: u64,
    /// Output grid points per variable, in declaration order.
    pub grid: Vec<usize>,
    /// Write a checkpoint every this many steps.
    pub checkpoint_every: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetKind {
    Mlp,
    Siren,
    /// A finite-basis network: `Net::decompose` says how the domain is cut.
    Decompose,
    /// The modified MLP of Wang, Teng & Perdikaris (encoders gate every hidden layer).
    ModifiedMlp,
    /// A PirateNet of Wang, Sankaran, Wang & Perdikaris (gated residual blocks whose
    /// adaptive skip weights start at 0).
    Pirate,
    /// A Chebyshev Kolmogorov–Arnold network of degree `Net::degree`.
    Kan,
}

impl NetKind {
    pub fn name(self) -> &'static str {
        match self {
            NetKind::Mlp => "mlp",
            NetKind::Siren => "siren",
            NetKind::Decompose => "decompose",
            NetKind::ModifiedMlp => "modified_mlp",
            NetKind::Pirate => "pirate",
            NetKind::Kan => "kan",
        }
    }
}

impl TrainSettings {
    /// The variables the networks take together, in order: one network's own inputs as
    /// written; for several, every variable one of them takes, in declaration order.
    pub fn inputs(&self) -> Vec<VarId> {
        if let [net] = self.nets.as_slice() {
            return net.inputs.clone();
        }
        let mut all: Vec<VarId> = self.nets.iter().flat_map(|n| n.inputs.clone()).collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

#[derive(Debug, Clone)]
pub struct Net {
    /// The name written before the call (`net k: mlp(…)`), or `net` for a single network.
    pub name: String,
    /// The fields it gives (indices into the model's fields), in declaration order.
    pub fields: Vec<usize>,
    pub kind: NetKind,
    pub width: usize,
    pub depth: usize,
    /// Per-layer widths when given (`widths: [64, 64, 32]`), else `depth` layers of `width`.
    pub widths: Option<Vec<usize>>,
    pub activation: Activation,
    /// Per-layer activations when given (`acts: [sin, tanh, tanh]`), else `activation` for
    /// every layer.
    pub activations: Option<Vec<Activation>>,
    pub features: Option<Features>,
    pub init: Init,
    /// Per-layer initialisations when given (`inits: [siren, glorot]`), else `init`.
    pub layer_inits: Vec<Init>,
    /// Skip connections between hidden layers, (from, to), 0-based.
    pub residuals: Vec<(usize, usize)>,
    /// For `modified_mlp`: the hidden layers the encoders gate, 1-based (the language's
    /// `gate` layers); empty: every layer from the second.
    pub gated: Vec<usize>,
    /// Random weight factorisation: the mean and standard deviation of the initial
    /// log-scales.
    pub factorize: Option<(f64, f64)>,
    /// For `decompose`: subdomains along each of the network's inputs (in input order)
    /// and their overlap as a fraction of a subdomain's width.
    pub decompose: Option<Decompose>,
    /// For `kan`: the highest Chebyshev degree.
    pub degree: Option<usize>,
    /// The variables fed to the network, in order.
    pub inputs: Vec<VarId>,
}

impl Net {
    /// Each hidden layer's activation, first to last (as many as `acts` gives, which the
    /// network checks against its layers).
    pub fn layer_activations(&self) -> Vec<Activation> {
        self.activations
            .clone()
            .unwrap_or_else(|| vec![self.activation.clone(); self.hidden().len()])
    }

    /// The hidden layers' widths, first to last.
    pub fn hidden(&self) -> Vec<usize> {
        self.widths
            .clone()
            .unwrap_or_else(|| vec![self.width; self.depth])
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decompose {
    pub subdomains: Vec<usize>,
    pub overlap: f64,
}

/// A network's activation: built-in by name, or a user function of one argument.
#[derive(Debug, Clone)]
pub enum Activation {
    Builtin(String),
    Function(ScalarFunction),
}

impl Activation {
    pub fn name(&self) -> &str {
        match self {
            Activation::Builtin(n) => n,
            Activation::Function(f) => &f.name,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Features {
    Fourier { count: usize, sigma: f64 },
    Gaussian { count: usize, sigma: f64 },
}

#[derive(Debug, Clone)]
pub struct Points {
    pub interior: usize,
    pub initial: usize,
    pub boundary: usize,
    /// Observations per step (all of them when `None`).
    pub data: Option<usize>,
    pub sampler: Sampler,
    pub resample: Option<usize>,
    pub adaptive: bool,
}

#[derive(Debug, Clone)]
pub enum OptimizerStage {
    Adam {
        lr: f64,
        steps: usize,
        schedule: Schedule,
    },
    Lbfgs {
        steps: usize,
        history: usize,
        tol: f64,
        /// New collocation points every this many iterations (the history is dropped).
        resample: Option<usize>,
    },
    /// `bfgs`, `ssbfgs`, `ssbroyden`: a dense inverse-Hessian approximation.
    Bfgs {
        update: BfgsUpdate,
        steps: usize,
        tol: f64,
        /// What a network too large for the dense matrix gets instead.
        too_large: TooLarge,
        /// New collocation points every this many iterations (the approximation is kept).
        resample: Option<usize>,
    },
    /// Levenberg–Marquardt on the stacked residuals (`lm`).
    Lm {
        steps: usize,
        tol: f64,
        /// New collocation points every this many iterations (the damping is kept).
        resample: Option<usize>,
    },
}

/// What a dense quasi-Newton stage does on a network with more parameters than its matrix
/// allows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TooLarge {
    /// Refuse to train (the user named the dense method).
    Refuse,
    /// Run L-BFGS with this history instead (the default sequence, which names no method).
    Lbfgs { history: usize },
}

/// The default `optimize` sequence: Adam for this many steps, then self-scaled Broyden for
/// [`DEFAULT_QUASI_NEWTON_STEPS`] (L-BFGS on networks too large for its dense matrix), on
/// fresh points every [`DEFAULT_QUASI_NEWTON_RESAMPLE`] iterations: the best recipe measured
/// on the examples (issue 19). Adam only has to leave the start (on Burgers it ends near
/// 0.4 relative L2 however long it runs), so its steps are few and the quasi-Newton stage's
/// many: Burgers 3.9e-6 (seed 0; with 1000 + 2000 steps 1.9e-5, on fixed points 3.4e-5;
/// Adam then L-BFGS stalls near 1.5e-3), heat 1-D 3.0e-10 (its own 2000 + 3000 on fixed
/// points: 1e-9).
pub const DEFAULT_ADAM_STEPS: usize = 200;
pub const DEFAULT_QUASI_NEWTON_STEPS: usize = 4000;
pub const DEFAULT_QUASI_NEWTON_RESAMPLE: usize = 500;

impl OptimizerStage {
    pub fn steps(&self) -> usize {
        match self {
            OptimizerStage::Adam { steps, .. }
            | OptimizerStage::Lbfgs { steps, .. }
            | OptimizerStage::Bfgs { steps, .. }
            | OptimizerStage::Lm { steps, .. } => *steps,
        }
    }

    /// At most `cap` steps (quick runs: `physc run --max-steps`).
    pub fn cap_steps(&mut self, cap: usize) {
        match self {
            OptimizerStage::Adam {
                steps, schedule, ..
            } => {
                *steps = (*steps).min(cap);
                if let Schedule::Cosine { total_steps } = schedule {
                    *total_steps = *steps;
                }
            }
            OptimizerStage::Lbfgs { steps, .. }
            | OptimizerStage::Bfgs { steps, .. }
            | OptimizerStage::Lm { steps, .. } => *steps = (*steps).min(cap),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            OptimizerStage::Adam { .. } => "adam",
            OptimizerStage::Lbfgs { .. } => "lbfgs",
            OptimizerStage::Bfgs { update, .. } => update.name(),
            OptimizerStage::Lm { .. } => "lm",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct LossWeights {
    pub pde: f64,
    pub initial: f64,
    pub boundary: f64,
    pub data: f64,
    pub constraint: f64,
    /// Automatic balancing of the terms on top of these weights (`auto`).
    pub balance: Option<Balance>,
}

/// Automatic loss balancing: every `every` Adam steps each term's factor becomes
/// λ̂ᵢ = Σⱼ sⱼ / sᵢ, blended as λᵢ ← 0.9 λᵢ + 0.1 λ̂ᵢ, sᵢ being the term's size by `by`.
/// Quasi-Newton stages keep the factors fixed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Balance {
    pub every: usize,
    pub by: BalanceBy,
}

/// What measures a term's size for [`Balance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalanceBy {
    /// ‖∇Lᵢ‖, Lᵢ the term's loss with its fixed weight, without λ: learning-rate annealing
    /// (Wang, Teng & Perdikaris, SIAM J. Sci. Comput. 43 (2021) A3055, in the form of Wang,
    /// Wang & Perdikaris's "expert's guide", 2023), so every term's gradient pulls about as
    /// hard as the others'.
    GradientNorm,
    /// The trace of the term's neural tangent kernel over its point count, the mean over
    /// its points of ‖∂r/∂θ‖² (Wang, Yu & Perdikaris, JCP 449 (2022) 110768), so every
    /// term's residuals converge at about the same rate under gradient flow.
    KernelTrace,
}

impl BalanceBy {
    pub fn name(self) -> &'static str {
        match self {
            BalanceBy::GradientNorm => "gradnorm",
            BalanceBy::KernelTrace => "ntk",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Causal {
    pub eps: f64,
    pub chunks: usize,
}

/// Residual-based attention (Anagnostopoulos et al., CMAME 421 (2024) 116805): each point
/// of an equation's term has a weight λ, updated after every Adam step as
/// λ ← (1 − 1/memory) λ + eta |r| / max |r|, so points whose residual stays large weigh more
/// (up to eta · memory). The loss is the mean of (λ r)²; quasi-Newton stages keep the weights
/// fixed, since their line search and curvature pairs need one objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attention {
    pub eta: f64,
    pub memory: usize,
}

pub(super) fn read(s: &Options, model: Option<&Model>) -> TrainSettings {
    let variables = model.map_or(0, |m| m.variables.len());
    let points = s.record("points");
    let weights = s.record("weights");
    let output = s.record("output");
    let default_grid = match variables {
        0 | 1 => 1001,
        2 => 101,
        _ => 41,
    };
    let mut grid: Vec<usize> = match output.get("grid") {
        Some(SettingValue::List(items)) => items
            .iter()
            .map(|v| match v {
                SettingValue::Int(n) => (*n).max(2) as usize,
                _ => default_grid,
            })
            .collect(),
        _ => Vec::new(),
    };
    grid.resize(variables, default_grid);
    TrainSettings {
        nets: nets(s, model),
        points: Points {
            interior: points.int("interior"),
            initial: points.int("initial"),
            boundary: points.int("boundary"),
            data: points.count("data"),
            sampler: match points.name("sampler") {
                "uniform" => Sampler::Uniform,
                "lhs" => Sampler::LatinHypercube,
                _ => Sampler::Sobol,
            },
            resample: points.count("resample"),
            adaptive: points.boolean("adaptive"),
        },
        stages: stages(s),
        weights: LossWeights {
            pde: weights.num("pde"),
            initial: weights.num("initial"),
            boundary: weights.num("boundary"),
            data: weights.num("data"),
            constraint: weights.num("constraint"),
            balance: match weights.name("auto") {
                "gradnorm" => Some(BalanceBy::GradientNorm),
                "ntk" => Some(BalanceBy::KernelTrace),
                _ => None,
            }
            .map(|by| Balance {
                every: weights.int("every").max(1),
                by,
            }),
        },
        causal: s.get("causal").map(|_| {
            let causal = s.record("causal");
            Causal {
                eps: causal.num("eps"),
                chunks: causal.int("chunks").max(1),
            }
        }),
        attention: s.get("attention").map(|_| {
            let attention = s.record("attention");
            Attention {
                eta: attention.num("eta"),
                memory: attention.int("memory").max(1),
            }
        }),
        compare: s.string("compare").map(|path| Spanned {
            value: path.to_string(),
            span: s.span("compare").unwrap_or_default(),
        }),
        predict: s.string("predict").map(|path| Spanned {
            value: path.to_string(),
            span: s.span("predict").unwrap_or_default(),
        }),
        precision: Precision::named(s.name("precision")),
        seed: s.int("seed") as u64,
        grid,
        checkpoint_every: output.int("every").max(1),
    }
}

/// The networks of `net`: the single call, or one per `name: call` pair. The checker has
/// made sure every field comes from one of them.
fn nets(s: &Options, model: Option<&Model>) -> Vec<Net> {
    let field_names: Vec<&str> = model.map_or(Vec::new(), |m| {
        m.fields.iter().map(|f| f.name.as_str()).collect()
    });
    let fields_of = |options: &Options, default: Vec<usize>| -> Vec<usize> {
        match options.get("fields") {
            Some(_) => {
                let listed = options.names("fields");
                (0..field_names.len())
                    .filter(|&f| listed.iter().any(|n| n == field_names[f]))
                    .collect()
            }
            None => default,
        }
    };
    let named = s.named_calls("net");
    if named.is_empty() {
        let Some((kind, options)) = s.call("net") else {
            unreachable!("`net` has a default call in the schema")
        };
        let fields = fields_of(&options, (0..field_names.len()).collect());
        let all = (0..model.map_or(0, |m| m.variables.len())).collect();
        return vec![net("net", kind, &options, fields, all, model)];
    }
    let mut nets: Vec<Net> = named
        .into_iter()
        .map(|(name, kind, options)| {
            let own = field_names.iter().position(|f| *f == name);
            let fields = fields_of(&options, own.into_iter().collect());
            let mut inputs: Vec<VarId> = fields
                .iter()
                .flat_map(|&f| model.map_or(Vec::new(), |m| m.fields[f].inputs.clone()))
                .collect();
            inputs.sort_unstable();
            inputs.dedup();
            net(name, kind, &options, fields, inputs, model)
        })
        .collect();
    nets.sort_by_key(|n| n.fields.first().copied());
    nets
}

/// The initialisation a name in `init` or `inits` chooses.
fn init_named(name: &str) -> Init {
    match name {
        "he" => Init::He,
        "siren" => Init::Siren { omega: 30.0 },
        _ => Init::Glorot,
    }
}

/// The items of a list option (empty when not given).
fn list_items<'o>(options: &'o Options, key: &str) -> &'o [SettingValue] {
    match options.get(key) {
        Some(SettingValue::List(items)) => items,
        _ => &[],
    }
}

/// A `[from, to]` pair of layer numbers (≥ 1, the schema's bound).
fn list_pair(value: &SettingValue) -> Option<(usize, usize)> {
    match value {
        SettingValue::List(items) => match items.as_slice() {
            [SettingValue::Int(a), SettingValue::Int(b)] => {
                Some(((*a).max(1) as usize, (*b).max(1) as usize))
            }
            _ => None,
        },
        _ => None,
    }
}

/// One network; `inputs` are the variables it takes unless its `inputs` option says.
fn net(
    name: &str,
    kind: &str,
    options: &Options,
    fields: Vec<usize>,
    inputs: Vec<VarId>,
    model: Option<&Model>,
) -> Net {
    let kind = match kind {
        "siren" => NetKind::Siren,
        "decompose" => NetKind::Decompose,
        "modified_mlp" => NetKind::ModifiedMlp,
        "pirate" => NetKind::Pirate,
        "kan" => NetKind::Kan,
        _ => NetKind::Mlp,
    };
    let inputs = match options.get("inputs") {
        Some(SettingValue::List(items)) => items
            .iter()
            .filter_map(|v| match v {
                SettingValue::Name(n) => model?.variables.iter().position(|var| &var.name == n),
                _ => None,
            })
            .collect(),
        _ => inputs,
    };
    let features = options.call("features").map(|(name, f)| {
        let (count, sigma) = (f.int("count"), f.num("sigma"));
        if name == "gaussian" {
            Features::Gaussian { count, sigma }
        } else {
            Features::Fourier { count, sigma }
        }
    });
    let (init, activation) = match kind {
        NetKind::Siren => (
            Init::Siren {
                omega: options.num("omega"),
            },
            Activation::Builtin("sin".into()),
        ),
        // A KAN has no activation or initialisation to choose: its basis is T_k(tanh x).
        NetKind::Kan => (Init::Glorot, Activation::Builtin("tanh".into())),
        NetKind::Mlp | NetKind::Decompose | NetKind::ModifiedMlp | NetKind::Pirate => (
            init_named(options.name("init")),
            match options.get("act") {
                Some(SettingValue::Function(f)) => Activation::Function(f.clone()),
                _ => Activation::Builtin(options.name("act").to_string()),
            },
        ),
    };
    Net {
        name: name.to_string(),
        fields,
        kind,
        widths: match options.get("widths") {
            Some(SettingValue::List(items)) => Some(
                items
                    .iter()
                    .map(|v| match v {
                        SettingValue::Int(n) => (*n).max(1) as usize,
                        _ => 1,
                    })
                    .collect(),
            ),
            _ => None,
        },
        width: options.int("width"),
        depth: options.int("depth"),
        activation,
        activations: match options.get("acts") {
            Some(SettingValue::List(items)) => Some(
                items
                    .iter()
                    .filter_map(|v| match v {
                        SettingValue::Name(n) => Some(Activation::Builtin(n.clone())),
                        SettingValue::Function(f) => Some(Activation::Function(f.clone())),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        },
        features,
        init,
        factorize: options
            .call("factorize")
            .map(|(_, rwf)| (rwf.num("mean"), rwf.num("std"))),
        decompose: (kind == NetKind::Decompose).then(|| Decompose {
            subdomains: match options.get("subdomains") {
                Some(SettingValue::List(items)) => items
                    .iter()
                    .map(|v| match v {
                        SettingValue::Int(n) => (*n).max(1) as usize,
                        _ => 1,
                    })
                    .collect(),
                _ => Vec::new(),
            },
            overlap: options.num("overlap"),
        }),
        degree: (kind == NetKind::Kan).then(|| options.int("degree")),
        layer_inits: list_items(options, "inits")
            .iter()
            .map(|v| match v {
                SettingValue::Name(n) => init_named(n),
                _ => Init::Glorot,
            })
            .collect(),
        residuals: list_items(options, "residuals")
            .iter()
            .filter_map(|pair| list_pair(pair).map(|(from, to)| (from - 1, to - 1)))
            .collect(),
        gated: list_items(options, "gated")
            .iter()
            .filter_map(|v| match v {
                SettingValue::Int(k) => Some((*k).max(1) as usize),
                _ => None,
            })
            .collect(),
        inputs,
    }
}

fn stages(s: &Options) -> Vec<OptimizerStage> {
    let given = s.stages("optimize");
    if given.is_empty() {
        // The default sequence (the schema's `optimize` default): Adam, then self-scaled
        // Broyden, each with its options' defaults but the number of steps.
        let call = |name| s.default_call("optimize", name).map(|(n, o)| stage(n, &o));
        let history = s
            .default_call("optimize", "lbfgs")
            .map_or(50, |(_, o)| o.int("history"));
        let mut stages: Vec<OptimizerStage> =
            ["adam", "ssbroyden"].into_iter().filter_map(call).collect();
        for stage in &mut stages {
            match stage {
                OptimizerStage::Adam { steps, .. } => *steps = DEFAULT_ADAM_STEPS,
                OptimizerStage::Bfgs {
                    steps,
                    too_large,
                    resample,
                    ..
                } => {
                    *steps = DEFAULT_QUASI_NEWTON_STEPS;
                    *too_large = TooLarge::Lbfgs { history };
                    *resample = Some(DEFAULT_QUASI_NEWTON_RESAMPLE);
                }
                OptimizerStage::Lbfgs { .. } | OptimizerStage::Lm { .. } => {}
            }
        }
        return stages;
    }
    given
        .iter()
        .map(|(name, options)| stage(name, options))
        .collect()
}

fn stage(name: &str, options: &Options) -> OptimizerStage {
    let dense = match name {
        "bfgs" => Some(BfgsUpdate::Bfgs),
        "ssbfgs" => Some(BfgsUpdate::SelfScaledBfgs),
        "ssbroyden" => Some(BfgsUpdate::SelfScaledBroyden),
        _ => None,
    };
    if let Some(update) = dense {
        return OptimizerStage::Bfgs {
            update,
            steps: options.int("steps"),
            tol: options.num("tol"),
            too_large: TooLarge::Refuse,
            resample: options.count("resample"),
        };
    }
    if name == "lm" {
        return OptimizerStage::Lm {
            steps: options.int("steps"),
            tol: options.num("tol"),
            resample: options.count("resample"),
        };
    }
    if name == "lbfgs" {
        return OptimizerStage::Lbfgs {
            steps: options.int("steps"),
            history: options.int("history"),
            tol: options.num("tol"),
            resample: options.count("resample"),
        };
    }
    let steps = options.int("steps");
    let schedule = match options.name("schedule") {
        "exponential" => Schedule::Exponential {
            decay_per_1000: options.num("decay"),
        },
        "cosine" => Schedule::Cosine { total_steps: steps },
        _ => Schedule::Constant,
    };
    OptimizerStage::Adam {
        lr: options.num("lr"),
        steps,
        schedule,
    }
}
