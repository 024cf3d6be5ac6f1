//! The `vigil` command line: one binary for the agent, the backend and the tooling.
use clap::Parser;

#[derive(Parser)]
#[command(name = "vigil", version, about = "Runtime security for Linux workloads")]
struct Cli {}

fn main() -> anyhow::Result<()> {
    let _cli = Cli::parse();
    Ok(())
}
