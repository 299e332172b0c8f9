//! GPU kernel throughput (run by `bench/gpu`, feature `cuda`): the fused residual and
//! sensitivity kernel of each model given on the command line (default examples/burgers.phys
//! and examples/allen_cahn.phys), in f64 and f32, over `--points` points (default 2^24),
//! every output column written in full. Times `--reps` launches (default 50) after a warm-up,
//! with the stream synchronised around them, and reports points per second and the fraction
//! of the device's memory bandwidth the kernel's compulsory traffic (every input read once,
//! every output written once) uses. The peak is H200's 4.8 TB/s, hard-coded (the driver
//! does not report it); `PHYSC_GPU_PEAK_BW` (bytes/s) overrides it for other GPUs.
//!
//! Prints one line per kernel, `KERNEL model precision points_per_s bw_fraction`, for
//! bench/gpu to read.

use physc_compiler::codegen::cuda::load;
use physc_compiler::codegen::kernels::KernelPlan;
use physc_compiler::{driver, ir};
use physc_runtime::cuda::{CudaDevice, CudaReal};
use std::path::PathBuf;
use std::time::Instant;

const H200_PEAK_BYTES_PER_S: f64 = 4.8e12;

fn main() {
    let mut points: usize = 1 << 24;
    let mut reps: usize = 50;
    let mut models: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--points" => {
                points = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--points N")
            }
            "--reps" => reps = args.next().and_then(|v| v.parse().ok()).expect("--reps N"),
            "--bench" => {}
            other if other.ends_with(".phys") => models.push(other.into()),
            _ => {}
        }
    }
    if models.is_empty() {
        let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples");
        models = vec![
            examples.join("burgers.phys"),
            examples.join("allen_cahn.phys"),
        ];
    }
    let device = match CudaDevice::open(0) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("gpu bench: {e}");
            std::process::exit(2);
        }
    };
    let peak = std::env::var("PHYSC_GPU_PEAK_BW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(H200_PEAK_BYTES_PER_S);
    println!(
        "device 0: {} ({} SMs); peak bandwidth {:.2} TB/s{}",
        device.name().unwrap_or_default(),
        device.multiprocessors().unwrap_or(0),
        peak / 1e12,
        if std::env::var("PHYSC_GPU_PEAK_BW").is_ok() {
            " (PHYSC_GPU_PEAK_BW)"
        } else {
            " (H200, hard-coded)"
        }
    );
    for path in &models {
        let compilation = driver::compile_file(path);
        assert!(!compilation.has_errors(), "{} has errors", path.display());
        let model = &compilation.program.models[0];
        let simplified = ir::pipeline::simplify_model(model, &Default::default());
        let plan = KernelPlan::residuals(&simplified);
        time::<f64>(&device, &plan, &model.name, points, reps, peak);
        time::<f32>(&device, &plan, &model.name, points, reps, peak);
    }
}

fn time<T: CudaReal>(
    device: &CudaDevice,
    plan: &KernelPlan,
    name: &str,
    points: usize,
    reps: usize,
    peak: f64,
) {
    let kernel = load::<T>(device, plan).expect("kernel compiles");
    let params: Vec<T> = plan
        .param_values
        .iter()
        .map(|v| T::from_f64(v.unwrap_or(0.37)))
        .collect();
    let host: Vec<T> = (0..points)
        .map(|i| T::from_f64(-1.0 + 2.0 * (i as f64 + 0.5) / points as f64))
        .collect();
    let inputs: Vec<_> = plan
        .inputs
        .iter()
        .map(|_| device.upload(&host).expect("upload"))
        .collect();
    let mut outputs: Vec<_> = plan
        .outputs
        .iter()
        .map(|_| device.zeros::<T>(points).expect("allocate"))
        .collect();
    let ins: Vec<_> = inputs.iter().collect();
    let mut outs: Vec<_> = outputs.iter_mut().collect();
    kernel.run(&ins, &mut outs, &params).expect("launch");
    device.synchronize().expect("sync");
    let start = Instant::now();
    for _ in 0..reps {
        kernel.run(&ins, &mut outs, &params).expect("launch");
    }
    device.synchronize().expect("sync");
    let seconds = start.elapsed().as_secs_f64() / reps as f64;
    let bytes =
        ((plan.inputs.len() + plan.outputs.len()) * points * std::mem::size_of::<T>()) as f64;
    println!(
        "KERNEL {name} {} {:.4e} {:.4}   ({} inputs, {} outputs, {:.3} ms per launch, {:.0} GB/s)",
        T::NAME,
        points as f64 / seconds,
        bytes / seconds / peak,
        plan.inputs.len(),
        plan.outputs.len(),
        seconds * 1e3,
        bytes / seconds / 1e9
    );
}
