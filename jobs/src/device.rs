//! Where `physc run` computes: `--device cpu` (the default) or `--device cuda[:N]`. Choosing
//! a GPU checks, before any job starts, that this build has the `cuda` feature, that a CUDA
//! driver loads and that device N exists, so a missing GPU is one clear error. The jobs
//! themselves still run on the CPU: on a GPU the CUDA backend compiles and runs kernels
//! (`codegen::cuda`, `physc_runtime::cuda`), but training and simulation are not wired to it
//! yet, so `run_job` refuses them on `cuda` instead of silently using the CPU.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    #[default]
    Cpu,
    /// CUDA device by ordinal (`cuda` is `cuda:0`).
    Cuda(usize),
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
            Device::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

impl FromStr for Device {
    type Err = String;

    fn from_str(text: &str) -> Result<Device, String> {
        match text {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            _ => text
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(Device::Cuda)
                .ok_or_else(|| {
                    format!("unknown device `{text}`: expected `cpu`, `cuda` or `cuda:N`")
                }),
        }
    }
}

/// Check that the device can be used by this build on this machine; the error says why not.
pub fn check(device: Device) -> Result<(), String> {
    match device {
        Device::Cpu => Ok(()),
        Device::Cuda(ordinal) => cuda_available(ordinal),
    }
}

#[cfg(feature = "cuda")]
fn cuda_available(ordinal: usize) -> Result<(), String> {
    physc_runtime::cuda::CudaDevice::open(ordinal)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(not(feature = "cuda"))]
fn cuda_available(_ordinal: usize) -> Result<(), String> {
    Err(
        "this physc was built without the `cuda` feature (rebuild with \
         `cargo build --release --features cuda`)"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_devices() {
        assert_eq!("cpu".parse(), Ok(Device::Cpu));
        assert_eq!("cuda".parse(), Ok(Device::Cuda(0)));
        assert_eq!("cuda:3".parse(), Ok(Device::Cuda(3)));
        for bad in ["gpu", "cuda:", "cuda:-1", "cuda:x", "CPU", ""] {
            assert!(bad.parse::<Device>().is_err(), "{bad}");
        }
        assert_eq!(Device::Cuda(2).to_string(), "cuda:2");
    }

    #[test]
    fn cpu_is_always_available() {
        assert_eq!(check(Device::Cpu), Ok(()));
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_the_feature_says_so() {
        let why = check(Device::Cuda(0)).unwrap_err();
        assert!(why.contains("without the `cuda` feature"), "{why}");
    }
}
