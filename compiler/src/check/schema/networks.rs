//! The network calls of a `train` block's `net` setting (`mlp`, `siren`, `modified_mlp`,
//! `pirate`, `kan`, `decompose`) with their embeddings and factorisations: the part of the
//! settings table a new network kind adds to. The options every network call shares are
//! written once here.

use super::{described, int, name, num, opt, req, CallSchema, Opt, Ty, COUNT, POSITIVE};

pub const ACTIVATION_DOC: &str =
    "tanh, sin, gelu, swish, relu, sigmoid, softplus, or a user fn of one argument";

const FEATURES: &[CallSchema] = &[
    CallSchema {
        name: "fourier",
        options: &[
            opt("count", int(64), COUNT, "number of random frequencies"),
            opt(
                "sigma",
                num(1.0),
                POSITIVE,
                "standard deviation of the frequencies",
            ),
        ],
        doc: "random Fourier feature embedding of the inputs",
    },
    CallSchema {
        name: "gaussian",
        options: &[
            opt(
                "count",
                int(64),
                COUNT,
                "number of trainable Gaussian features",
            ),
            opt(
                "sigma",
                num(0.1),
                POSITIVE,
                "initial width of each Gaussian",
            ),
        ],
        doc: "trainable Gaussian features (Physics-Informed Gaussians)",
    },
];

const FACTORIZATIONS: &[CallSchema] = &[CallSchema {
    name: "rwf",
    options: &[
        opt(
            "mean",
            num(1.0),
            Ty::Num { positive: false },
            "mean of the initial log-scales",
        ),
        opt(
            "std",
            num(0.1),
            Ty::Num { positive: false },
            "standard deviation of the initial log-scales",
        ),
    ],
    doc: "random weight factorisation W = diag(exp(s)) V (Wang, Wang & Perdikaris 2022)",
}];

/// Options every network call shares: what it takes and what it gives.
const NET_INPUTS: Opt = opt(
    "inputs",
    described("all variables (one network), its fields' variables (one per field)"),
    Ty::Variables,
    "the variables fed to the network",
);
const NET_FIELDS: Opt = opt(
    "fields",
    described("the field the network is named after (every field for a single network)"),
    Ty::Names,
    "the fields this network gives",
);
const NET_ACT: Opt = opt("act", name("tanh"), Ty::Activation, ACTIVATION_DOC);
const INIT_CHOICES: &[&str] = &["glorot", "he", "siren"];
const NET_INIT: Opt = opt(
    "init",
    name("glorot"),
    Ty::Choice(INIT_CHOICES),
    "weight initialisation",
);
const NET_FEATURES: Opt = opt(
    "features",
    described("none"),
    Ty::Calls(FEATURES),
    "input embedding: fourier(...) or gaussian(...)",
);
const NET_FACTORIZE: Opt = opt(
    "factorize",
    described("none"),
    Ty::Calls(FACTORIZATIONS),
    "trainable per-neuron weight scales: rwf(...)",
);
/// For networks that cannot train their embedding: Fourier features only.
const NET_FOURIER_FEATURES: Opt = opt(
    "features",
    described("none"),
    Ty::Calls(FEATURES.split_at(1).0),
    "input embedding: fourier(...)",
);
const NET_WIDTHS: Opt = opt(
    "widths",
    described("`depth` layers of `width`"),
    Ty::Sizes { min: 1 },
    "the width of each hidden layer, first to last (instead of width and depth)",
);

pub(super) const NETS: &[CallSchema] = &[
    CallSchema {
        name: "mlp",
        options: &[
            opt("width", int(32), COUNT, "neurons per hidden layer"),
            opt("depth", int(4), COUNT, "number of hidden layers"),
            NET_WIDTHS,
            NET_ACT,
            opt(
                "acts",
                described("`act` for every layer"),
                Ty::List(&Ty::Activation),
                "the activation of each hidden layer, first to last (instead of act)",
            ),
            NET_FEATURES,
            NET_INIT,
            opt(
                "inits",
                described("`init` for every layer"),
                Ty::List(&Ty::Choice(INIT_CHOICES)),
                "the initialisation of each hidden layer, first to last (the output layer takes `init`)",
            ),
            opt(
                "residuals",
                described("none"),
                Ty::List(&Ty::Sizes { min: 1 }),
                "skip connections `[from, to]` between hidden layers of equal width (1 is the first): layer `to` passes on its activations plus those of `from`",
            ),
            NET_FACTORIZE,
            NET_INPUTS,
            NET_FIELDS,
        ],
        doc: "multilayer perceptron",
    },
    CallSchema {
        name: "siren",
        options: &[
            opt("width", int(32), COUNT, "neurons per hidden layer"),
            opt("depth", int(4), COUNT, "number of hidden layers"),
            opt("omega", num(30.0), POSITIVE, "frequency of the first layer"),
            NET_INPUTS,
            NET_FIELDS,
        ],
        doc: "sine-activated network with SIREN initialisation",
    },
    CallSchema {
        name: "modified_mlp",
        options: &[
            opt("width", int(32), COUNT, "neurons per hidden layer (all equal)"),
            opt("depth", int(4), COUNT, "number of hidden layers"),
            NET_ACT,
            opt(
                "gated",
                described("every layer from the second"),
                Ty::Sizes { min: 2 },
                "the hidden layers the encoders gate (2 is the first that can be; the others pass their activations on as in an MLP)",
            ),
            NET_FOURIER_FEATURES,
            NET_INIT,
            NET_FACTORIZE,
            NET_INPUTS,
            NET_FIELDS,
        ],
        doc: "modified MLP: two encoders of the inputs gate every hidden layer (Wang, Teng & Perdikaris 2021)",
    },
    CallSchema {
        name: "pirate",
        options: &[
            opt("width", int(32), COUNT, "neurons per layer (all equal)"),
            opt("depth", int(3), COUNT, "number of residual blocks"),
            NET_ACT,
            NET_FOURIER_FEATURES,
            NET_INIT,
            NET_FACTORIZE,
            NET_INPUTS,
            NET_FIELDS,
        ],
        doc: "PirateNet: residual blocks gated by two encoders, each block's adaptive skip weight starting at 0 so the network starts shallow (Wang et al. 2024)",
    },
    CallSchema {
        name: "kan",
        options: &[
            opt("width", int(16), COUNT, "features per hidden layer"),
            opt("depth", int(2), COUNT, "number of hidden layers"),
            NET_WIDTHS,
            opt(
                "degree",
                int(5),
                Ty::Int { min: 1, max: 16 },
                "highest Chebyshev degree of each edge's function",
            ),
            NET_FOURIER_FEATURES,
            NET_INPUTS,
            NET_FIELDS,
        ],
        doc: "Chebyshev Kolmogorov–Arnold network: every edge a learned sum of T_k(tanh x) (SS et al. 2024)",
    },
    CallSchema {
        name: "decompose",
        options: &[
            req(
                "subdomains",
                Ty::Sizes { min: 1 },
                "subdomains along each of the network's inputs, in input order (1: not split)",
            ),
            opt(
                "overlap",
                num(0.5),
                POSITIVE,
                "how far neighbouring subdomains overlap, as a fraction of a subdomain's width (at most 1)",
            ),
            opt("width", int(16), COUNT, "neurons per hidden layer of each subdomain's network"),
            opt("depth", int(2), COUNT, "hidden layers of each subdomain's network"),
            NET_ACT,
            NET_INIT,
            NET_INPUTS,
            NET_FIELDS,
        ],
        doc: "finite-basis network: a small network per subdomain, blended by a smooth partition of unity (Moseley et al. 2023)",
    },
];
