//! The numerics of `evolve` that need no compiler: straight-line programs and their f32/f64
//! evaluation (`program`), mutations (`mutate`), classical starting programs (`seeds`),
//! fitting their constants toward minimax (`fit`; for f32 also against a first-order model
//! of where the roundings add up), tuning f32 constants by discrete search against the true
//! f32 error (`tune`), f32 ULP errors with the exhaustive scan of an interval, whole or in parts (`ulp`), and
//! programs as numbers for messages between processes (`words`).
//! The search itself, the IR and the outputs are the compiler's
//! (`jobs/src/evolve/`).

pub mod fit;
pub mod mutate;
pub mod program;
pub mod seeds;
pub mod tune;
pub mod ulp;
mod words;

pub use fit::{Effort, Metric, Problem};
pub use program::{horner, Arith, Instr, Op, Operand, Program, Scratch};
