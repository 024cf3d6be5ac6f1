//! What the kernel outputs for a rule set: the event types enabled in the probe (the process
//! lifecycle plus every type a rule uses) and, per file type, the approvers derived from the
//! rules, so that events no rule could match never reach user space.

use std::collections::BTreeMap;

use vigil_probe::{Approvers, EventType as ProbeType, EventTypes, Probe, ProbeError};
use vigil_secl::{Approval, RuleSet};

/// The probe's type of a model event type, if the probe produces it.
fn probe_type(t: vigil_model::EventType) -> Option<ProbeType> {
    ProbeType::ALL.into_iter().find(|pt| pt.name() == t.name())
}

/// Probe types needed: the process lifecycle always (it keeps the cache exact), plus whatever
/// the rules use that the probe can produce.
pub fn wanted_types(ruleset: &RuleSet) -> EventTypes {
    let mut types = EventTypes::EXEC | EventTypes::FORK | EventTypes::EXIT;
    for pt in ruleset.event_types().into_iter().filter_map(probe_type) {
        types.insert(pt);
    }
    types
}

/// Per probe file type some rule uses (in probe order): the approvers derived from the rules.
pub fn approvals(ruleset: &RuleSet) -> Vec<(ProbeType, Approval)> {
    ProbeType::ALL
        .into_iter()
        .filter(|t| t.is_file())
        .filter_map(|pt| {
            let t = vigil_model::EventType::ALL
                .iter()
                .copied()
                .find(|t| t.name() == pt.name())?;
            Some((pt, ruleset.approvers(t)?))
        })
        .collect()
}

/// Enables the rule set's types and installs its approvers (or, with `use_approvers` false,
/// clears them). Returns, per file type a rule uses, how the kernel filters it.
pub fn apply(
    probe: &mut Probe,
    ruleset: &RuleSet,
    use_approvers: bool,
) -> Result<BTreeMap<String, String>, ProbeError> {
    let approvals = approvals(ruleset);
    for pt in ProbeType::ALL.into_iter().filter(|t| t.is_file()) {
        match approvals.iter().find(|(t, _)| *t == pt) {
            Some((_, Approval::Approvers(a))) if use_approvers => {
                let approvers = Approvers {
                    basenames: a.basenames.iter().map(|n| n.as_bytes().to_vec()).collect(),
                    open_flags_mask: (a.open_flags_mask != 0).then_some(a.open_flags_mask),
                };
                probe.set_approvers(pt, &approvers)?;
            }
            _ => probe.clear_approvers(pt)?,
        }
    }
    // Approvers first: a type enabled now starts filtered.
    probe.set_enabled(wanted_types(ruleset))?;
    Ok(approvals
        .into_iter()
        .map(|(pt, a)| {
            let shown = if use_approvers {
                a.to_string()
            } else {
                "none (approvers disabled)".to_string()
            };
            (pt.name().to_string(), shown)
        })
        .collect())
}
