//! The `sigmaforge` command line; all logic lives in the library, the CLI only wires it.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
