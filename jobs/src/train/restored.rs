//! A finished training run brought back from its `checkpoint.npz` without training: the
//! same network and parameters the run ended with, evaluated at the user's points
//! ([`predict`], what `physc predict` calls). The network is rebuilt from the job's
//! settings exactly as training builds it (the seed fixes the Fourier frequencies), then
//! its parameters are replaced by the checkpoint's, which must match it in number.

use super::checkpoint;
use super::loss::kernel_params;
use super::predict::{self, Predictions};
use super::problem::Problem;
use super::session;
use super::trained::FieldsView;
use crate::progress::CancelToken;
use crate::{JobError, RunOptions};
use physc_compiler::check::settings::{Precision, TrainSettings};
use physc_compiler::check::{Job, Model};
use physc_compiler::codegen::cranelift::JitReal;
use physc_compiler::codegen::kernels::cached;
use physc_runtime::comm::single_process;
use physc_runtime::Scalar;

/// The fields of the run of `job` whose checkpoint is in its output folder
/// ([`crate::output_dir`] of `options`; `options.seed` as the run was given it), at the
/// points of the NPZ file `points` (one array per network input, named after its
/// variable, relative to `options.source_dir`): what the job's own `predict` setting would
/// have written. Errors: not a train job, an unusable points file, no checkpoint, or one
/// that does not fit the network the settings describe.
pub fn predict(
    model: &Model,
    job: &Job,
    options: &RunOptions,
    points: &str,
) -> Result<Predictions, JobError> {
    let (config, _, problem) = super::planned(model, job, options)?;
    let points = predict::read(points, &options.source_dir, &problem).map_err(JobError::Failed)?;
    let folder = crate::output_dir(job, options);
    let values = if config.precision == Precision::F32 {
        evaluate::<f32>(&config, &problem, &folder, &points.columns)
    } else {
        evaluate::<f64>(&config, &problem, &folder, &points.columns)
    }?;
    points
        .predictions(&problem, values)
        .map_err(JobError::Failed)
}

fn evaluate<T: Scalar + JitReal>(
    config: &TrainSettings,
    problem: &Problem,
    folder: &std::path::Path,
    columns: &[Vec<f64>],
) -> Result<Vec<Vec<f64>>, JobError> {
    let kernel = cached::<T>(&problem.fields.plan)
        .map_err(|e| JobError::NotSupported(format!("the fields' kernel: {e}")))?;
    let mut session = session::build::<T>(config, problem, CancelToken::new(), single_process())
        .map_err(JobError::NotSupported)?;
    let cannot = |e: String| JobError::Failed(e.replacen("cannot resume", "cannot predict", 1));
    let arrays = checkpoint::read_shared(folder, single_process().as_ref()).map_err(cannot)?;
    checkpoint::restore(folder, &arrays, &mut session).map_err(cannot)?;
    let model_values = session.objective.model_params(&session.params);
    let net_len = session.objective.net_len();
    let view = FieldsView {
        network: &session.objective.net,
        weights: &session.params[..net_len],
        kernel: &kernel,
        sources: &problem.fields.sources,
        kernel_params: &kernel_params(&problem.fields.params, &model_values),
    };
    view.fields_at(columns).map_err(JobError::Failed)
}
