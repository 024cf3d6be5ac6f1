//! The `vigil` command line: one binary for the agent, the backend and the tooling.

mod cmd_start;
mod cmd_backend;
mod cmd_events;

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
    /// Run the agent: attach the sensor, evaluate rules, write matched events.
    Start(cmd_start::StartArgs),
    /// Run the backend: event intake, store, search and security signals.
    Backend(cmd_backend::BackendArgs),
    /// Query the events stored in a backend.
    #[command(subcommand)]
    Events(cmd_events::EventsCommand),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Schema => {
            print!("{}", vigil_model::EVENT_SCHEMA);
            Ok(())
        }
        Command::Start(args) => cmd_start::run(args),
        Command::Backend(args) => cmd_backend::run(args),
        Command::Events(command) => cmd_events::run(command),
    }
}
