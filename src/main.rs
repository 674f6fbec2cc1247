//! The `sigmaforge` command line; all logic lives in the library, the CLI only wires it.

mod cli;

/// The shipped static (musl) binary would otherwise use musl's allocator, which is slow for the
/// many small allocations of parsing and contended with two threads.
#[cfg(target_env = "musl")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
