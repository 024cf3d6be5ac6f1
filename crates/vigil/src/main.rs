//! The `vigil` command line: one binary for the agent, the backend and the tooling.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "vigil", version, about = "Runtime security for Linux workloads")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the JSON schema that Vigil's security events follow (envelope keys excluded).
    Schema,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Schema => {
            print!("{}", vigil_model::EVENT_SCHEMA);
            Ok(())
        }
    }
}
