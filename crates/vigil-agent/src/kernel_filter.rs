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

/// Enables the rule set's types and installs its approvers (or, with `use_approvers` false,
/// clears them). Returns, per filtered-or-not file type, how the kernel filters it.
pub fn apply(probe: &mut Probe, ruleset: &RuleSet, use_approvers: bool) -> Result<BTreeMap<String, String>, ProbeError> {
    let approvals = ruleset.approvers();
    let mut shown = BTreeMap::new();
    for pt in ProbeType::ALL.into_iter().filter(|t| t.is_file()) {
        let approval = approvals.iter().find(|(t, _)| probe_type(**t) == Some(pt)).map(|(_, a)| a);
        match approval {
            Some(Approval::Approvers(a)) if use_approvers => {
                let approvers = Approvers {
                    basenames: a.basenames.iter().map(|n| n.as_bytes().to_vec()).collect(),
                    open_flags_mask: (a.open_flags_mask != 0).then_some(a.open_flags_mask),
                };
                probe.set_approvers(pt, &approvers)?;
            }
            _ => probe.clear_approvers(pt)?,
        }
        if let Some(approval) = approval {
            let text = if use_approvers { approval.to_string() } else { "none (approvers disabled)".to_string() };
            shown.insert(pt.name().to_string(), text);
        }
    }
    // Approvers first: a type enabled now starts filtered.
    probe.set_enabled(wanted_types(ruleset))?;
    Ok(shown)
}
