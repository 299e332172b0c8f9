//! Physics-informed neural networks: fully connected networks evaluated with Taylor-mode
//! jets (the output and chosen partial derivatives with respect to the inputs, `jets`) and
//! a hand-written reverse pass from a loss on those jets to every parameter (`network`), and
//! several of them as one (`field_networks`: a network per field or group of fields, each
//! over its own inputs, optionally with random weight factorisation).
//! It owns the jet sets and their Faà di Bruno tables (`jets`, `compose`), the activation
//! interface and its closed-form fallback (`activation`), the input embedding (`embedding`:
//! normalisation, exact periodicity, Fourier features; `gaussian`: trainable Gaussian
//! features), the forward record (`tape`), finite-basis networks over a decomposed domain
//! (`decomposed`), the modified MLP of Wang, Teng & Perdikaris (`modified`) and the jets of
//! element-wise products it needs (`product`), Chebyshev Kolmogorov–Arnold networks
//! (`kan`), and the PirateNets of Wang, Sankaran, Wang & Perdikaris (`pirate`: residual
//! blocks gated like the modified MLP, with adaptive skip weights). Training loops, losses
//! and optimizers live elsewhere.

pub mod activation;
mod compose;
pub mod decomposed;
pub mod embedding;
mod field_networks;
mod gaussian;
pub mod jets;
pub mod kan;
mod modified;
pub mod network;
mod pirate;
mod product;
mod tape;

pub use activation::{Activation, Builtin, BuiltinKind};
pub use decomposed::{Decomposed, DecomposedSpec, DecomposedTape};
pub use embedding::Embedding;
pub use field_networks::{factorize, FieldNetworks, FieldTape, MemberNetwork, MemberSpec};
pub use jets::{FdbTerm, JetSet, MAX_ORDER};
pub use kan::{ChebyshevKan, KanTape};
pub use modified::{ModifiedMlp, ModifiedTape};
pub use network::{Init, Network, NetworkSpec, Residual};
pub use pirate::{PirateNet, PirateTape};
pub use tape::Tape;

#[cfg(test)]
mod decomposed_tests;
#[cfg(test)]
mod fd_checks;
#[cfg(test)]
mod kan_tests;
#[cfg(test)]
mod modified_tests;
#[cfg(test)]
mod pirate_tests;
#[cfg(test)]
mod tests;
