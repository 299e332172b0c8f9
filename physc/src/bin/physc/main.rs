//! The `physc` command-line tool: a thin client of the physc library. It parses arguments
//! (clap) and runs the front-end commands (`cli.rs`), runs jobs and shows their results
//! (`run_jobs.rs`), draws points of a domain (`sample.rs`), evaluates a trained network at
//! given points (`predict.rs`), draws progress bars and handles Ctrl-C (`progress.rs`), and
//! maps outcomes to exit codes; everything else is a library call.

mod cli;
mod distributed;
mod predict;
mod progress;
mod run_jobs;
mod sample;
mod simplify;

fn main() -> std::process::ExitCode {
    cli::main()
}
