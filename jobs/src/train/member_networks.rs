//! The member networks of a training run, built from the typed `net` settings: each
//! network's kind (dense, decomposed, modified MLP, PirateNet, KAN), its input embedding
//! (box scaling, periodic inputs, features), per-layer activations and factorisation, and
//! the initial parameters drawn from the seed one network after another.

use super::problem::Problem;
use physc_compiler::check::settings::{Features, Net, NetKind, TrainSettings};
use physc_compiler::codegen::cranelift::JitReal;
use physc_runtime::nn::{
    factorize, ChebyshevKan, Decomposed, DecomposedSpec, Embedding, FieldNetworks, MemberNetwork,
    MemberSpec, ModifiedMlp, Network, NetworkSpec, PirateNet, Residual,
};
use physc_runtime::rng::Rng;
use physc_runtime::Scalar;

/// How network `net` sees its inputs (`inputs`: indices into the problem's inputs).
fn embedding(net: &Net, problem: &Problem, inputs: &[usize]) -> Embedding {
    let (center, half_width) = inputs
        .iter()
        .map(|&i| problem.bounds[i])
        .map(|(lo, hi)| (0.5 * (lo + hi), 0.5 * (hi - lo)))
        .unzip();
    let (fourier, gaussian) = match net.features {
        Some(Features::Fourier { count, sigma }) => (Some((count, sigma)), None),
        Some(Features::Gaussian { count, sigma }) => (None, Some((count, sigma))),
        None => (None, None),
    };
    Embedding {
        center,
        half_width,
        period: inputs.iter().map(|&i| problem.periods[i]).collect(),
        fourier,
        gaussian,
    }
}

/// The networks of `config.nets` with their initial parameters, drawn from `rng` one
/// network after another: one network over every input and output is the plain network.
pub(super) fn networks<T: Scalar + JitReal>(
    config: &TrainSettings,
    problem: &Problem,
    rng: &mut Rng,
) -> Result<(FieldNetworks<T>, Vec<T>), String> {
    let mut members = Vec::new();
    let mut params = Vec::new();
    for (net, layout) in config.nets.iter().zip(&problem.networks) {
        // Built only by the kinds with one activation (a dense network builds one per layer).
        let activation = || super::activation_kernels::for_network::<T>(&net.activation);
        if let Some(d) = &net.decompose {
            let names: Vec<&str> = layout
                .inputs
                .iter()
                .map(|&i| problem.input_names[i].as_str())
                .collect();
            if d.subdomains.len() != names.len() {
                return Err(format!(
                    "network `{}`: `subdomains` gives {} count{}, but the network takes {} inputs ({}); give one count per input, 1 where it is not split",
                    net.name,
                    d.subdomains.len(),
                    if d.subdomains.len() == 1 { "" } else { "s" },
                    names.len(),
                    names.join(", ")
                ));
            }
            let spec = DecomposedSpec {
                inputs: layout.inputs.len(),
                outputs: layout.outputs.len(),
                bounds: layout.inputs.iter().map(|&i| problem.bounds[i]).collect(),
                parts: d.subdomains.clone(),
                overlap: d.overlap,
                hidden: net.hidden(),
                init: net.init,
                periods: layout.inputs.iter().map(|&i| problem.periods[i]).collect(),
            };
            let (network, initial) = Decomposed::new(&spec, activation()?, rng)
                .map_err(|e| format!("network `{}`: {e}", net.name))?;
            params.extend(initial);
            members.push(MemberSpec {
                name: net.name.clone(),
                network: network.into(),
                inputs: layout.inputs.clone(),
                outputs: layout.outputs.clone(),
                factorized: false,
            });
            continue;
        }
        let spec = NetworkSpec {
            inputs: layout.inputs.len(),
            outputs: layout.outputs.len(),
            hidden: net.hidden(),
            init: net.init,
            embedding: embedding(net, problem, &layout.inputs),
            layer_inits: net.layer_inits.clone(),
            residuals: net
                .residuals
                .iter()
                .map(|&(from, to)| Residual { from, to })
                .collect(),
        };
        let named = |e: String| format!("network `{}`: {e}", net.name);
        let (network, mut initial): (MemberNetwork<T>, Vec<T>) = match net.kind {
            NetKind::ModifiedMlp => {
                let every: Vec<usize> = (2..=spec.hidden.len()).collect();
                let gated = if net.gated.is_empty() {
                    &every
                } else {
                    &net.gated
                };
                let (network, initial) =
                    ModifiedMlp::with_gates(&spec, gated, activation()?, rng).map_err(named)?;
                (network.into(), initial)
            }
            NetKind::Pirate => {
                let (network, initial) =
                    PirateNet::new(&spec, activation()?, rng).map_err(named)?;
                (network.into(), initial)
            }
            NetKind::Kan => {
                let degree = net.degree.unwrap_or(5);
                let (network, initial) = ChebyshevKan::new(&spec, degree, rng).map_err(named)?;
                (network.into(), initial)
            }
            _ => {
                let activations = net
                    .layer_activations()
                    .iter()
                    .map(super::activation_kernels::for_network::<T>)
                    .collect::<Result<Vec<_>, String>>()?;
                let (network, initial) =
                    Network::with_activations(&spec, activations, rng).map_err(named)?;
                (network.into(), initial)
            }
        };
        if let Some((mean, std)) = net.factorize {
            factorize(&network, &mut initial, mean, std, rng).map_err(named)?;
        }
        params.extend(initial);
        members.push(MemberSpec {
            name: net.name.clone(),
            network,
            inputs: layout.inputs.clone(),
            outputs: layout.outputs.clone(),
            factorized: net.factorize.is_some(),
        });
    }
    let nets = FieldNetworks::new(members, problem.inputs.len(), problem.outputs.len())?;
    Ok((nets, params))
}
