fn main() -> std::process::ExitCode {
    physc::cli::main()
}
