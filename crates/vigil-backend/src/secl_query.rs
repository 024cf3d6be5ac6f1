//! Search queries in SECL, compiled by the project's SECL engine (`vigil-secl`): the
//! expression's push-down predicates on promoted fields become SQL filters, and the whole
//! expression is evaluated on each remaining stored record, deserialized into the model event.
use vigil_secl::{Expression, Predicate, PredicateTest};

use crate::query::{CompiledSearch, QueryCompiler};
use crate::record::CUSTOM_EVENT_CATEGORY;
use crate::store::{FieldFilter, FilterTest, PromotedField, RecordPredicate};

/// Event types whose `<type>.file.path` SECL field is serialized as the record's `file.path`
/// (the promoted `file_path` column).
const FILE_PATH_EVENT_TYPES: &[&str] = &[
    "exec", "open", "chmod", "chown", "link", "rename", "unlink", "mkdir", "rmdir", "utimes",
    "chdir",
];

pub struct SeclQueryCompiler;

impl QueryCompiler for SeclQueryCompiler {
    fn compile(&self, query: &str) -> Result<CompiledSearch, String> {
        let expression = Expression::compile(query).map_err(|e| e.to_string())?;
        let filters = expression
            .pushdown()
            .into_iter()
            .filter_map(promoted_filter)
            .collect();
        Ok(CompiledSearch {
            filters,
            predicate: Some(Box::new(SeclPredicate { expression })),
        })
    }
}

/// The promoted column holding a SECL field's value, if any.
pub fn promoted_field(secl_field: &str) -> Option<PromotedField> {
    match secl_field {
        "evt.name" => Some(PromotedField::EventName),
        "process.file.path" => Some(PromotedField::ProcessPath),
        "container.id" => Some(PromotedField::ContainerId),
        other => other
            .strip_suffix(".file.path")
            .filter(|event_type| FILE_PATH_EVENT_TYPES.contains(event_type))
            .map(|_| PromotedField::FilePath),
    }
}

fn promoted_filter(predicate: Predicate) -> Option<FieldFilter> {
    let field = promoted_field(&predicate.field)?;
    let test = match predicate.test {
        PredicateTest::OneOf(values) => FilterTest::OneOf(values),
        PredicateTest::Prefix(prefix) if !prefix.is_empty() => FilterTest::Prefix(prefix),
        PredicateTest::Prefix(_) | PredicateTest::IntOneOf(_) => return None,
    };
    Some(FieldFilter { field, test })
}

struct SeclPredicate {
    expression: Expression,
}

impl RecordPredicate for SeclPredicate {
    fn matches(&self, doc: &str) -> Result<bool, String> {
        match vigil_model::json::from_json(doc.as_bytes()) {
            Ok(event) => Ok(self.expression.matches(&event)),
            // The agent's own custom events are not CWS events: SECL never matches them.
            Err(_) if is_custom_event(doc) => Ok(false),
            Err(e) => Err(format!("stored record does not decode: {e}")),
        }
    }
}

fn is_custom_event(doc: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(doc)
        .ok()
        .and_then(|v| {
            v.get("evt")?
                .get("category")?
                .as_str()
                .map(|c| c == CUSTOM_EVENT_CATEGORY)
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use vigil_model::event::*;
    use vigil_model::record::{write_event_record, AgentContext, Envelope};
    use vigil_model::{ContainerContext, File, Process};

    use super::*;
    use crate::record::{validate, AcceptWindow, ValidRecord};

    const WIDE: AcceptWindow = AcceptWindow {
        oldest_ms: 0,
        newest_ms: i64::MAX,
    };

    fn file(path: &str) -> File {
        File {
            path: path.into(),
            name: path.rsplit('/').next().unwrap_or_default().into(),
            ..File::default()
        }
    }

    fn stored(data: EventData) -> (String, ValidRecord) {
        let process = Process {
            pid: 42,
            tid: 42,
            comm: "tool".into(),
            file: file("/usr/bin/tool"),
            container: Some(ContainerContext {
                id: "c0ffee".into(),
                created_at: 0,
            }),
            ..Process::default()
        };
        let event = Event::new(1_795_428_000_000_000_000, Arc::new(process), data);
        let env = Envelope {
            agent: AgentContext::for_rule("r"),
            title: "t".into(),
            hostname: "h".into(),
            service: "s".into(),
        };
        let mut out = Vec::new();
        write_event_record(&mut out, &env, &event);
        let line = String::from_utf8(out).unwrap().trim_end().to_owned();
        let record = validate(&line, WIDE).unwrap();
        (line, record)
    }

    fn column(record: &ValidRecord, field: PromotedField) -> Option<&str> {
        match field {
            PromotedField::EventName => Some(&record.evt_name),
            PromotedField::ProcessPath => record.exe_path.as_deref(),
            PromotedField::ContainerId => record.container_id.as_deref(),
            PromotedField::FilePath => record.file_path.as_deref(),
            PromotedField::Host => Some(&record.host),
            PromotedField::RuleId => Some(&record.rule_id),
        }
    }

    /// For every mapped SECL field: the expression `field == <value>` matches the stored record,
    /// and its push-down filter selects the record's promoted column with that same value.
    fn assert_consistent(data: EventData, secl_field: &str, value: &str) {
        let (line, record) = stored(data);
        let compiled = SeclQueryCompiler
            .compile(&format!("{secl_field} == \"{value}\""))
            .unwrap();
        assert_eq!(
            compiled.predicate.as_ref().unwrap().matches(&line),
            Ok(true),
            "{secl_field} on {line}"
        );
        let filter = compiled
            .filters
            .iter()
            .find(|f| f.field == promoted_field(secl_field).unwrap())
            .expect("pushed down");
        assert_eq!(filter.test, FilterTest::OneOf(vec![value.to_owned()]));
        assert_eq!(column(&record, filter.field), Some(value), "{secl_field}");
        for other in &compiled.filters {
            let FilterTest::OneOf(values) = &other.test else {
                panic!("unexpected prefix")
            };
            assert!(
                values
                    .iter()
                    .any(|v| Some(v.as_str()) == column(&record, other.field)),
                "{other:?} drops the record"
            );
        }
    }

    #[test]
    fn pushdown_columns_agree_with_secl_fields() {
        let f = || file("/srv/data/x");
        let cases: Vec<(&str, EventData)> = vec![
            ("exec", EventData::Exec),
            (
                "open",
                EventData::Open(OpenEvent {
                    file: f(),
                    ..Default::default()
                }),
            ),
            (
                "chmod",
                EventData::Chmod(ChmodEvent {
                    file: f(),
                    ..Default::default()
                }),
            ),
            (
                "chown",
                EventData::Chown(ChownEvent {
                    file: f(),
                    ..Default::default()
                }),
            ),
            (
                "link",
                EventData::Link(LinkEvent {
                    source: f(),
                    target: file("/srv/other"),
                }),
            ),
            (
                "rename",
                EventData::Rename(RenameEvent {
                    old: f(),
                    new: file("/srv/other"),
                }),
            ),
            (
                "unlink",
                EventData::Unlink(UnlinkEvent {
                    file: f(),
                    ..Default::default()
                }),
            ),
            (
                "mkdir",
                EventData::Mkdir(MkdirEvent {
                    file: f(),
                    ..Default::default()
                }),
            ),
            ("rmdir", EventData::Rmdir(RmdirEvent { file: f() })),
            (
                "utimes",
                EventData::Utimes(UtimesEvent {
                    file: f(),
                    ..Default::default()
                }),
            ),
            ("chdir", EventData::Chdir(ChdirEvent { file: f() })),
        ];
        assert_eq!(cases.len(), FILE_PATH_EVENT_TYPES.len());
        for (event_type, data) in cases {
            let path = if event_type == "exec" {
                "/usr/bin/tool"
            } else {
                "/srv/data/x"
            };
            assert_consistent(data.clone(), &format!("{event_type}.file.path"), path);
            assert_consistent(data.clone(), "process.file.path", "/usr/bin/tool");
            assert_consistent(data, "container.id", "c0ffee");
        }
    }

    #[test]
    fn errors_prefixes_and_custom_events() {
        assert!(SeclQueryCompiler.compile("open.file.path ==").is_err());
        assert!(SeclQueryCompiler.compile("no.such.field == 1").is_err());
        let compiled = SeclQueryCompiler
            .compile(r#"open.file.path =~ "/etc/*" && process.pid == 3"#)
            .unwrap();
        assert!(compiled.filters.contains(&FieldFilter {
            field: PromotedField::FilePath,
            test: FilterTest::Prefix("/etc/".into())
        }));
        assert!(compiled.filters.contains(&FieldFilter::one_of(
            PromotedField::EventName,
            vec!["open".into()]
        )));
        let custom = r#"{"evt":{"name":"heartbeat","category":"Vigil"},"date":"2026-11-23T10:00:00Z","heartbeat":{}}"#;
        assert_eq!(
            compiled.predicate.as_ref().unwrap().matches(custom),
            Ok(false)
        );
        assert!(compiled
            .predicate
            .as_ref()
            .unwrap()
            .matches(r#"{"evt":{"name":"open"},"bogus":1}"#)
            .is_err());
    }
}
