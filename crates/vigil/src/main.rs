//! The `vigil` command line: one binary for the agent, the backend and the tooling.

mod cmd_backend;
mod cmd_events;
mod cmd_policy;
mod cmd_start;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "vigil",
    version,
    about = "Runtime security for Linux workloads"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the JSON schema that Vigil's security events follow (envelope keys excluded).
    Schema,
    /// Check policies and evaluate events against them.
    #[command(subcommand)]
    Policy(cmd_policy::PolicyCommand),
    /// Run the agent: attach the sensor, evaluate rules, write matched events.
    Start(cmd_start::StartArgs),
    /// Run the backend: event intake, store, search and security signals.
    Backend(cmd_backend::BackendArgs),
    /// Query the events stored in a backend.
    #[command(subcommand)]
    Events(cmd_events::EventsCommand),
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Schema => {
            print!("{}", vigil_model::EVENT_SCHEMA);
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy(cmd) => cmd_policy::run(cmd),
        Command::Start(args) => cmd_start::run(args).map(|()| ExitCode::SUCCESS),
        Command::Backend(args) => cmd_backend::run(args).map(|()| ExitCode::SUCCESS),
        Command::Events(command) => cmd_events::run(command).map(|()| ExitCode::SUCCESS),
    }
}
