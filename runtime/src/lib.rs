//! physc-runtime: execution for the jobs the compiler plans. It will own buffers and
//! tensors, the ABI of compiled kernels, GEMM/BLAS, networks and their Taylor-mode jets,
//! optimizers, samplers, ODE integrators, and result I/O (NPZ, CSV, VTK, PNG).
//!
//! Nothing runs here yet: the front end (crate `physc`) is the first stage to land, and
//! `physc run` reports each job kind as not implemented until its runtime exists.
