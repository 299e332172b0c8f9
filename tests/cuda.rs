//! On a GPU (feature `cuda`): every example's kernel and hundreds of random expressions
//! compiled by NVRTC and run on the device against the reference interpreter; a cuBLAS
//! GEMM against a host product; shape errors refused before launch. Without a device every
//! test prints why it skipped and passes. `bench/gpu` runs these.

mod cuda_support;

use cuda_support::{compare, example_cases, params, random_cases, random_columns, Rng};
use physc_compiler::codegen::cuda::{load, Precision};
use physc_runtime::cuda::{CudaDevice, CudaKernel, CudaReal, Matrix};

fn device() -> Option<CudaDevice> {
    let ordinal = std::env::var("PHYSC_CUDA_DEVICE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    match CudaDevice::open(ordinal) {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!("skipping: no CUDA device: {e}");
            None
        }
    }
}

/// Run a kernel on columns given in f64 (converted to `T`); outputs back in f64.
fn run_on<T: CudaReal>(
    device: &CudaDevice,
    kernel: &CudaKernel<T>,
    columns: &[Vec<f64>],
    params: &[f64],
) -> Vec<Vec<f64>> {
    let n = columns.first().map_or(0, Vec::len);
    let inputs: Vec<_> = columns
        .iter()
        .map(|c| {
            device
                .upload(&c.iter().map(|&v| T::from_f64(v)).collect::<Vec<T>>())
                .unwrap()
        })
        .collect();
    let mut outputs: Vec<_> = kernel
        .outputs
        .iter()
        .map(|_| device.zeros::<T>(n).unwrap())
        .collect();
    let params: Vec<T> = params.iter().map(|&p| T::from_f64(p)).collect();
    let ins: Vec<_> = inputs.iter().collect();
    let mut outs: Vec<_> = outputs.iter_mut().collect();
    kernel.run(&ins, &mut outs, &params).expect("launches");
    outputs
        .iter()
        .map(|o| {
            device
                .download(o)
                .unwrap()
                .into_iter()
                .map(T::to_f64)
                .collect()
        })
        .collect()
}

#[test]
fn gpu_kernels_match_the_interpreter() {
    let Some(device) = device() else { return };
    let mut rng = Rng(0x9e0);
    let mut cases = example_cases();
    let examples_end = cases.len();
    cases.extend(random_cases(&mut rng, 300));
    for (c, case) in cases.iter().enumerate() {
        let params = params(&case.plan);
        let (points, special) = if c < examples_end {
            (4096, false)
        } else {
            (256, c % 4 == 0)
        };
        let columns = random_columns(&mut rng, &case.plan, points, special);
        let got = match case.precision {
            Precision::F64 => {
                let k = load::<f64>(&device, &case.plan).expect("compiles with NVRTC");
                run_on(&device, &k, &columns, &params)
            }
            Precision::F32 => {
                let k = load::<f32>(&device, &case.plan).expect("compiles with NVRTC");
                run_on(&device, &k, &columns, &params)
            }
        };
        // libdevice is within 2 ULP of the correctly rounded result in f64, as glibc is
        // within 1: a few ULP of the largest intermediate value.
        compare(case, &columns, &params, &got, 1e-11);
    }
}

#[test]
fn gpu_kernels_refuse_wrong_shapes() {
    let Some(device) = device() else { return };
    let case = &example_cases()[0];
    let kernel = load::<f64>(&device, &case.plan).unwrap();
    let n = 100;
    let inputs: Vec<_> = case
        .plan
        .inputs
        .iter()
        .map(|_| device.zeros::<f64>(n).unwrap())
        .collect();
    let mut outputs: Vec<_> = kernel
        .outputs
        .iter()
        .map(|_| device.zeros::<f64>(n - 1).unwrap())
        .collect();
    let ins: Vec<_> = inputs.iter().collect();
    let mut outs: Vec<_> = outputs.iter_mut().collect();
    let params = params(&case.plan);
    assert!(kernel.run(&ins, &mut outs, &params).is_err());
    assert!(kernel.run(&ins[1..], &mut outs, &params).is_err());
}

#[test]
fn cublas_gemm_matches_a_host_product() {
    let Some(device) = device() else { return };
    let blas = device.blas().expect("cuBLAS loads");
    let (m, k, n) = (37, 19, 23);
    let a: Vec<f64> = (0..m * k).map(|i| ((i * 7) % 11) as f64 - 5.0).collect();
    let b: Vec<f64> = (0..k * n).map(|i| ((i * 5) % 13) as f64 - 6.0).collect();
    let (da, db) = (device.upload(&a).unwrap(), device.upload(&b).unwrap());
    let mut dc = device.zeros::<f64>(m * n).unwrap();
    let mat = |data, rows, cols, transposed| Matrix {
        data,
        rows,
        cols,
        transposed,
    };
    blas.gemm(
        1.0,
        mat(&da, m, k, false),
        mat(&db, k, n, false),
        0.0,
        &mut dc,
        (m, n),
    )
    .unwrap();
    let c = device.download(&dc).unwrap();
    for i in 0..m {
        for j in 0..n {
            let want: f64 = (0..k).map(|l| a[i * k + l] * b[l * n + j]).sum();
            assert_eq!(c[i * n + j], want, "C[{i}][{j}]");
        }
    }
    // Aᵀ·A (k × k) with A used transposed.
    let mut dt = device.zeros::<f64>(k * k).unwrap();
    blas.gemm(
        1.0,
        mat(&da, m, k, true),
        mat(&da, m, k, false),
        0.0,
        &mut dt,
        (k, k),
    )
    .unwrap();
    let t = device.download(&dt).unwrap();
    for i in 0..k {
        for j in 0..k {
            let want: f64 = (0..m).map(|l| a[l * k + i] * a[l * k + j]).sum();
            assert_eq!(t[i * k + j], want, "AᵀA[{i}][{j}]");
        }
    }
    assert!(blas
        .gemm(
            1.0,
            mat(&da, m, k, false),
            mat(&da, m, k, false),
            0.0,
            &mut dc,
            (m, n)
        )
        .is_err());
}

/// NCCL over one GPU (one rank, started without MPI): every collective returns what one
/// rank holds, through the device. Skips without a GPU or without libnccl.
#[test]
fn nccl_collectives_on_one_gpu_return_the_ranks_own_numbers() {
    use physc_runtime::comm::{single_process, Communicator, Nccl};
    let Some(device) = device() else { return };
    let nccl = match Nccl::over(single_process().as_ref(), device) {
        Ok(nccl) => nccl,
        Err(e) => {
            eprintln!("skipping: {e}");
            return;
        }
    };
    let mut buffer = vec![1.5, -2.25, 1e300, 0.0];
    let original = buffer.clone();
    nccl.all_reduce_sum(&mut buffer);
    assert_eq!(buffer, original);
    nccl.all_reduce_max(&mut buffer);
    assert_eq!(buffer, original);
    assert_eq!(nccl.all_gather(&original), original);
    nccl.broadcast(&mut buffer, 0);
    assert_eq!(buffer, original);
    assert_eq!(nccl.all_gather_varying(&[3.0]), vec![vec![3.0]]);
    assert!(nccl.any(true) && !nccl.any(false));
    assert_eq!(nccl.failure(), None);
    assert!(nccl.transport().starts_with("NCCL"), "{}", nccl.transport());
}
