//! The `physc` command-line tool: a thin client of the physc library. It parses arguments
//! (clap), draws progress bars and handles Ctrl-C (`progress.rs`), prints diagnostics and
//! results, and maps outcomes to exit codes; everything else is a library call.

mod cli;
mod progress;
mod simplify;

fn main() -> std::process::ExitCode {
    cli::main()
}
