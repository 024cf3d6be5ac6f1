//! `vigil policy check` and `vigil policy eval`: load policies the way the agent does and report
//! per-rule status, or evaluate one CWS JSON event and say which rules match (and why).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;
use vigil_secl::{load_policies, Approval, LoadOptions, RuleSet, RuleStatus};

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Load policies and report every rule's status, summary counts, the fields rules use
    /// that the sensor does not fill yet, and the kernel approvers derived per file type.
    Check {
        /// Policy files or directories of `*.policy` files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Evaluate one event (CWS JSON as Vigil emits it) against policies.
    Eval {
        /// Policy files or directories.
        #[arg(long = "policy", required = true, num_args = 1..)]
        policies: Vec<PathBuf>,
        #[arg(long = "event-file")]
        event_file: PathBuf,
        /// Also explain which sub-expressions of this rule were true or false.
        #[arg(long = "rule-id")]
        rule_id: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: PolicyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::Check { paths, json } => check(&paths, json),
        PolicyCommand::Eval {
            policies,
            event_file,
            rule_id,
            json,
        } => eval(&policies, &event_file, rule_id.as_deref(), json),
    }
}

fn load(paths: &[PathBuf]) -> anyhow::Result<RuleSet> {
    let policies = load_policies(paths)?;
    Ok(RuleSet::load(&policies, &LoadOptions::default()))
}

fn check(paths: &[PathBuf], as_json: bool) -> anyhow::Result<ExitCode> {
    let rs = load(paths)?;
    let mut summary: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rs.reports() {
        *summary.entry(r.status.as_str()).or_default() += 1;
    }
    let unfilled: Vec<&str> = rs.unfilled_fields().iter().copied().collect();
    let approvers = vigil_agent::kernel_filter::approvals(&rs);
    if as_json {
        let approvers_json: BTreeMap<&str, _> = approvers
            .iter()
            .map(|(t, a)| {
                let value = match a {
                    Approval::Approvers(a) => json!({"basenames": a.basenames, "open_flags": a.open_flags_mask, "text": a.to_string()}),
                    Approval::Unfiltered { rule_id } => json!({"unfiltered_by": rule_id}),
                };
                (t.name(), value)
            })
            .collect();
        let rules: Vec<_> = rs
            .reports()
            .iter()
            .map(|r| json!({"id": r.id, "policy": r.policy, "status": r.status.as_str(), "message": r.message}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"rules": rules, "summary": summary, "unfilled_fields": unfilled, "approvers": approvers_json})
            )?
        );
    } else {
        for r in rs.reports() {
            if r.message.is_empty() {
                println!("{:<24} {:<48} {}", r.status.as_str(), r.id, r.policy);
            } else {
                println!(
                    "{:<24} {:<48} {}: {}",
                    r.status.as_str(),
                    r.id,
                    r.policy,
                    r.message
                );
            }
        }
        println!();
        for (status, n) in &summary {
            println!("{status}: {n}");
        }
        if !unfilled.is_empty() {
            println!(
                "fields used that the sensor does not fill yet: {}",
                unfilled.join(", ")
            );
        }
        if !approvers.is_empty() {
            println!(
                "\nkernel approvers (other events of the type are dropped before user space):"
            );
            for (t, a) in &approvers {
                println!("  {:<12} {a}", t.name());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn eval(
    policies: &[PathBuf],
    event_file: &PathBuf,
    rule_id: Option<&str>,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    let rs = load(policies)?;
    let bytes =
        std::fs::read(event_file).with_context(|| format!("reading {}", event_file.display()))?;
    let event = vigil_model::json::from_json(&bytes)
        .with_context(|| format!("decoding {}", event_file.display()))?;
    let mut state = rs.new_state();
    let mut matched = Vec::new();
    rs.evaluate(&event, &mut state, &mut matched);
    let errors: Vec<_> = rs
        .reports()
        .iter()
        .filter(|r| r.status.is_error())
        .collect();
    let explanation = rule_id.map(|id| (id, rs.explain(id, &event, &state)));
    if as_json {
        let matched_json: Vec<_> = matched
            .iter()
            .map(|i| {
                let r = &rs.rule(*i).report;
                json!({"id": r.id, "version": r.version, "policy": r.policy, "tags": r.tags, "silent": r.silent})
            })
            .collect();
        let errors_json: Vec<_> = errors
            .iter()
            .map(|r| json!({"id": r.id, "status": r.status.as_str(), "message": r.message}))
            .collect();
        let mut doc = json!({"matched": matched_json, "errors": errors_json});
        if let Some((id, exp)) = &explanation {
            doc["explain"] = match exp {
                Some(lines) => {
                    json!({"id": id, "nodes": lines.iter().map(|l| json!({"depth": l.depth, "expression": l.text, "value": l.value})).collect::<Vec<_>>()})
                }
                None => json!({"id": id, "error": not_loaded(&rs, id)}),
            };
        }
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        if matched.is_empty() {
            println!("no rule matched");
        }
        for i in &matched {
            println!("matched: {}", rs.rule(*i).report.id);
        }
        for r in &errors {
            println!("error: {} [{}] {}", r.id, r.status.as_str(), r.message);
        }
        if let Some((id, exp)) = &explanation {
            match exp {
                Some(lines) => {
                    println!("\nrule {id}:");
                    for l in lines {
                        println!("{}{} => {}", "  ".repeat(l.depth + 1), l.text, l.value);
                    }
                }
                None => println!("\nrule {id}: {}", not_loaded(&rs, id)),
            }
        }
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn not_loaded(rs: &RuleSet, id: &str) -> String {
    match rs.reports().iter().find(|r| r.id == id) {
        Some(r) if r.status != RuleStatus::Loaded => {
            format!("not loaded ({}: {})", r.status.as_str(), r.message)
        }
        _ => "no such rule".to_string(),
    }
}
