//! `vigil events search`: runs a search against a backend and prints the events as JSON lines,
//! following pagination cursors up to `--limit` events.
use std::io::Write;
use std::path::PathBuf;

use vigil_backend::auth::read_client_key;
use vigil_backend::client::{ApiClient, SearchParams};

use crate::cmd_backend::DEFAULT_DATA_DIR;

#[derive(clap::Subcommand, Debug)]
pub enum EventsCommand {
    /// Search stored events with a SECL expression (empty: everything in the time range).
    Search(SearchArgs),
}

#[derive(clap::Args, Debug)]
pub struct SearchArgs {
    /// SECL expression, e.g. 'open.file.path == "/etc/shadow"'.
    #[arg(default_value = "")]
    query: String,
    /// Backend base URL.
    #[arg(long, default_value = "http://127.0.0.1:8470")]
    backend: String,
    /// File holding the API key [default: /var/lib/vigil/backend/api-key].
    #[arg(long)]
    api_key_file: Option<PathBuf>,
    /// Start of the time range: RFC 3339, Unix ms, or relative (now-2h, -7d) [default: 24h before --to].
    #[arg(long)]
    from: Option<String>,
    /// End of the time range [default: now].
    #[arg(long)]
    to: Option<String>,
    /// Only these hosts (comma-separated).
    #[arg(long)]
    host: Option<String>,
    /// Only these rule ids (comma-separated).
    #[arg(long)]
    rule_id: Option<String>,
    /// Most events to print.
    #[arg(long, default_value_t = 100)]
    limit: usize,
}

/// Events fetched per request.
const PAGE_SIZE: usize = 500;

pub fn run(command: EventsCommand) -> anyhow::Result<()> {
    let EventsCommand::Search(args) = command;
    let key_file = args
        .api_key_file
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR).join("api-key"));
    let key = read_client_key(&key_file).map_err(anyhow::Error::msg)?;
    let client = ApiClient::new(&args.backend, &key);
    let mut params = SearchParams {
        query: args.query,
        from: args.from,
        to: args.to,
        host: args.host,
        rule_id: args.rule_id,
        limit: PAGE_SIZE.min(args.limit.max(1)),
        cursor: None,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut printed = 0;
    while printed < args.limit {
        params.limit = PAGE_SIZE.min(args.limit - printed);
        let page = client.search(&params)?;
        for event in &page.events {
            writeln!(out, "{event}")?;
        }
        printed += page.events.len();
        match page.next_cursor {
            Some(cursor) => params.cursor = Some(cursor),
            None => break,
        }
    }
    out.flush()?;
    Ok(())
}
