//! The settings each job block accepts: names, types, ranges, choices and one-line docs.
//! This table is the single source for validation, for "valid settings are …" help, and for
//! the settings reference in `spec/language.md`.

use crate::syntax::ast::JobKind;

#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// A constant number: > 0 when `positive`, else ≥ 0.
    Num {
        positive: bool,
    },
    /// A constant integer ≥ `min`.
    Int {
        min: i64,
    },
    Bool,
    /// A string (a file path).
    Str,
    /// One of these names.
    Choice(&'static [&'static str]),
    /// One of these calls (or the bare name, when all its options are optional).
    Calls(&'static [CallSchema]),
    /// Named values: `interior: 8192, boundary: 256`.
    Record(&'static [Opt]),
    /// Stages joined by `then`.
    Seq(&'static Ty),
    /// A list of the model's variable names.
    Variables,
    /// A built-in activation or a user function of one argument.
    Activation,
    /// `[lo, hi]` with constant ends.
    Interval,
    /// A list of positive integers.
    Sizes,
    /// A data file (string) or the name of a model whose simulation provides the data.
    DataSource,
    /// A name (a column or variable of the data).
    Name,
    /// A list of names.
    Names,
    /// A list of generator calls (`poly(degree: 2)`) and expressions (`x*y`).
    Library,
    /// A function to approximate: built-in or a user function of one argument.
    Target,
    /// A positive number or `auto`.
    NumOrAuto,
    /// A list of operation names.
    Ops,
    /// Grid sizes keyed by the model's space variables: `x: 256, y: 128`.
    PerVariable,
}

#[derive(Debug, Clone, Copy)]
pub struct Opt {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub doc: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct CallSchema {
    pub name: &'static str,
    pub options: &'static [Opt],
    pub doc: &'static str,
}

const fn opt(name: &'static str, ty: Ty, doc: &'static str) -> Opt {
    Opt {
        name,
        ty,
        required: false,
        doc,
    }
}

const fn req(name: &'static str, ty: Ty, doc: &'static str) -> Opt {
    Opt {
        name,
        ty,
        required: true,
        doc,
    }
}

const POSITIVE: Ty = Ty::Num { positive: true };
const COUNT: Ty = Ty::Int { min: 1 };
const NATURAL: Ty = Ty::Int { min: 0 };

pub const ACTIVATION_DOC: &str =
    "tanh, sin, gelu, swish, relu, sigmoid, softplus, or a user fn of one argument";

const FEATURES: &[CallSchema] = &[
    CallSchema {
        name: "fourier",
        options: &[
            opt("count", COUNT, "number of random frequencies"),
            opt("sigma", POSITIVE, "standard deviation of the frequencies"),
        ],
        doc: "random Fourier feature embedding of the inputs",
    },
    CallSchema {
        name: "gaussian",
        options: &[
            opt("count", COUNT, "number of trainable Gaussian features"),
            opt("sigma", POSITIVE, "initial width of each Gaussian"),
        ],
        doc: "trainable Gaussian features (Physics-Informed Gaussians)",
    },
];

const NETS: &[CallSchema] = &[
    CallSchema {
        name: "mlp",
        options: &[
            opt("width", COUNT, "neurons per hidden layer"),
            opt("depth", COUNT, "number of hidden layers"),
            opt("act", Ty::Activation, ACTIVATION_DOC),
            opt(
                "features",
                Ty::Calls(FEATURES),
                "input embedding: fourier(...) or gaussian(...)",
            ),
            opt(
                "init",
                Ty::Choice(&["glorot", "he", "siren"]),
                "weight initialisation",
            ),
            opt(
                "inputs",
                Ty::Variables,
                "the variables fed to the network (default: all)",
            ),
        ],
        doc: "multilayer perceptron",
    },
    CallSchema {
        name: "siren",
        options: &[
            opt("width", COUNT, "neurons per hidden layer"),
            opt("depth", COUNT, "number of hidden layers"),
            opt("omega", POSITIVE, "frequency of the first layer"),
            opt(
                "inputs",
                Ty::Variables,
                "the variables fed to the network (default: all)",
            ),
        ],
        doc: "sine-activated network with SIREN initialisation",
    },
];

const OPTIMIZERS: &[CallSchema] = &[
    CallSchema {
        name: "adam",
        options: &[
            opt("lr", POSITIVE, "learning rate"),
            opt("steps", COUNT, "number of steps"),
            opt(
                "schedule",
                Ty::Choice(&["constant", "exponential", "cosine"]),
                "learning-rate schedule",
            ),
            opt(
                "decay",
                POSITIVE,
                "decay factor per 1000 steps (exponential schedule)",
            ),
        ],
        doc: "Adam",
    },
    CallSchema {
        name: "lbfgs",
        options: &[
            opt("steps", COUNT, "number of iterations"),
            opt("history", COUNT, "number of correction pairs kept"),
            opt("tol", POSITIVE, "gradient-norm tolerance"),
        ],
        doc: "L-BFGS with a strong-Wolfe line search",
    },
];

const TRAIN: &[Opt] = &[
    opt("net", Ty::Calls(NETS), "the network architecture"),
    opt(
        "points",
        Ty::Record(&[
            opt("interior", COUNT, "collocation points inside the domain"),
            opt("initial", COUNT, "points at the start of time"),
            opt("boundary", COUNT, "points on the boundary"),
            opt("data", COUNT, "observations used per step"),
            opt(
                "sampler",
                Ty::Choice(&["uniform", "lhs", "sobol"]),
                "how points are drawn",
            ),
            opt("resample", COUNT, "draw new points every this many steps"),
            opt("adaptive", Ty::Bool, "residual-based adaptive refinement"),
        ]),
        "collocation points",
    ),
    opt(
        "optimize",
        Ty::Seq(&Ty::Calls(OPTIMIZERS)),
        "optimizers, in sequence: adam(...) then lbfgs(...)",
    ),
    opt(
        "weights",
        Ty::Record(&[
            opt("pde", POSITIVE, "weight of the equation residuals"),
            opt("initial", POSITIVE, "weight of initial conditions"),
            opt("boundary", POSITIVE, "weight of boundary conditions"),
            opt("data", POSITIVE, "weight of observations"),
            opt("constraint", POSITIVE, "weight of soft constraints"),
        ]),
        "loss weights",
    ),
    opt(
        "causal",
        Ty::Record(&[
            opt("eps", POSITIVE, "causality strength"),
            opt("chunks", COUNT, "number of time chunks"),
        ]),
        "causal training (temporal weights)",
    ),
    opt(
        "compare",
        Ty::Str,
        "reference solution (.npz) to compare against",
    ),
    opt(
        "precision",
        Ty::Choice(&["f32", "f64"]),
        "floating-point precision",
    ),
    opt("seed", NATURAL, "random seed"),
    opt(
        "output",
        Ty::Record(&[
            opt("grid", Ty::Sizes, "points per variable of the output grid"),
            opt("every", COUNT, "checkpoint every this many steps"),
        ]),
        "outputs and checkpoints",
    ),
];

const METHODS: &[CallSchema] = &[
    CallSchema {
        name: "dopri5",
        options: &[
            opt("rtol", POSITIVE, "relative tolerance"),
            opt("atol", POSITIVE, "absolute tolerance"),
        ],
        doc: "adaptive Dormand–Prince 5(4)",
    },
    CallSchema {
        name: "rk4",
        options: &[opt("dt", POSITIVE, "time step")],
        doc: "classical fixed-step Runge–Kutta",
    },
    CallSchema {
        name: "rosenbrock",
        options: &[
            opt("rtol", POSITIVE, "relative tolerance"),
            opt("atol", POSITIVE, "absolute tolerance"),
        ],
        doc: "implicit Rosenbrock method for stiff systems (symbolic Jacobian)",
    },
    CallSchema {
        name: "etdrk4",
        options: &[opt("dt", POSITIVE, "time step")],
        doc: "exponential time differencing RK4 (spectral, stiff PDEs)",
    },
];

const SIMULATE: &[Opt] = &[
    opt("method", Ty::Calls(METHODS), "time integrator"),
    opt(
        "grid",
        Ty::PerVariable,
        "grid points per space variable: `x: 256`",
    ),
    opt(
        "scheme",
        Ty::Choice(&["fd2", "fd4", "spectral"]),
        "spatial discretisation",
    ),
    opt(
        "output",
        Ty::Record(&[
            opt("every", POSITIVE, "output interval in time units"),
            opt("points", COUNT, "number of output times"),
        ]),
        "output times",
    ),
    opt("seed", NATURAL, "random seed"),
];

const DERIVATIVES: &[CallSchema] = &[
    CallSchema {
        name: "fd",
        options: &[],
        doc: "finite differences",
    },
    CallSchema {
        name: "savgol",
        options: &[
            opt("window", COUNT, "window length"),
            opt("order", COUNT, "polynomial order"),
        ],
        doc: "Savitzky–Golay smoothed differences",
    },
    CallSchema {
        name: "tv",
        options: &[opt("alpha", POSITIVE, "regularisation strength")],
        doc: "total-variation regularised differentiation",
    },
];

const REGRESSIONS: &[CallSchema] = &[
    CallSchema {
        name: "stlsq",
        options: &[
            opt("threshold", Ty::NumOrAuto, "coefficient threshold, or auto"),
            opt("alpha", Ty::Num { positive: false }, "ridge regularisation"),
            opt("ensemble", COUNT, "number of bagged fits"),
        ],
        doc: "sequentially thresholded least squares (SINDy)",
    },
    CallSchema {
        name: "sr",
        options: &[
            opt("population", COUNT, "population size"),
            opt("generations", COUNT, "number of generations"),
            opt("max_size", COUNT, "largest expression size"),
        ],
        doc: "symbolic regression by genetic programming",
    },
];

pub const GENERATORS: &[CallSchema] = &[
    CallSchema {
        name: "poly",
        options: &[opt("degree", COUNT, "highest total degree")],
        doc: "all monomials of the variables up to a degree",
    },
    CallSchema {
        name: "trig",
        options: &[opt("harmonics", COUNT, "number of harmonics")],
        doc: "sin(k v) and cos(k v) of every variable",
    },
];

const DISCOVER: &[Opt] = &[
    req(
        "data",
        Ty::DataSource,
        "a CSV/NPY/NPZ file, or a model whose simulate block provides data",
    ),
    opt("time", Ty::Name, "the time column"),
    opt(
        "space",
        Ty::Names,
        "space columns, for PDE discovery from gridded fields",
    ),
    opt("vars", Ty::Names, "state variables or fields"),
    opt(
        "library",
        Ty::Library,
        "candidate terms: generators and expressions",
    ),
    opt(
        "derivative",
        Ty::Calls(DERIVATIVES),
        "how time derivatives are estimated",
    ),
    opt(
        "method",
        Ty::Calls(REGRESSIONS),
        "sparse or symbolic regression",
    ),
    opt(
        "noise",
        Ty::Num { positive: false },
        "add Gaussian noise of this relative size",
    ),
    opt("seed", NATURAL, "random seed"),
];

pub const EVOLVE_TARGETS: &[&str] = &["exp", "exp2", "log", "sin", "cos", "tanh", "sigmoid", "erf"];
pub const EVOLVE_OPS: &[&str] = &["add", "sub", "mul", "div", "fma", "sqrt"];

const EVOLVE: &[Opt] = &[
    req(
        "target",
        Ty::Target,
        "exp, log, sin, cos, tanh, sigmoid, erf, or a user fn of one argument",
    ),
    req("range", Ty::Interval, "input range [a, b]"),
    opt("precision", Ty::Choice(&["f32", "f64"]), "target precision"),
    opt("ops", Ty::Ops, "allowed operations"),
    opt(
        "budget",
        Ty::Record(&[
            opt("minutes", POSITIVE, "wall-time budget"),
            opt("generations", COUNT, "generation budget"),
            opt("evaluations", COUNT, "evaluation budget"),
        ]),
        "search budget",
    ),
    opt(
        "cost",
        Ty::Choice(&["ops", "measured"]),
        "cost: operations that depend on x, or measured run time",
    ),
    opt("population", COUNT, "population size"),
    opt("max_ops", COUNT, "longest program, in operations"),
    opt("seed", NATURAL, "random seed"),
];

pub fn settings(kind: JobKind) -> &'static [Opt] {
    match kind {
        JobKind::Train => TRAIN,
        JobKind::Simulate => SIMULATE,
        JobKind::Discover => DISCOVER,
        JobKind::Evolve => EVOLVE,
    }
}
