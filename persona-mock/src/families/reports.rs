//! Reports: the sandbox runs a report as soon as it is created, so it answers `ready` at once
//! (with `completed-at`, and the `ready` event of its kind), with the query it ran on in its
//! attributes. With a report delay (`MockServerBuilder::report_delay`), it answers `pending`
//! as Persona's do, and runs when the delay has passed (`scheduled.rs` runs what is due). A report on someone whose last name, or a search term, is `Sanctioned` (any
//! case) matches: `has-match` is true and the `matched` event of its kind follows, where the
//! kind has one (watchlist, politically exposed person, adverse media ...). Persona's docs
//! give the sandbox no rule for matches; this one is ours.
//!
//! The report actions: `run` runs it again at once (`completed-at` and its events as when it
//! was made); `dismiss` dismisses its matches (`has-match` false, the kind's `dismissed`
//! event); `pause` and `resume` turn its continuous monitoring off and on (`is-continuous`).

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::records::{Record, resource_type, time};
use crate::store::Store;

/// Every report kind's JSON:API type starts so: `report/watchlist`.
pub const TYPE_PREFIX: &str = "report/";
/// The name that makes a sandbox report match.
pub const SANDBOX_MATCH: &str = "Sanctioned";

/// When the reports made so far run: at once by default, else after a delay.
#[derive(Default)]
pub struct Schedule {
    /// How long a report stays `pending`; zero runs it as it is made.
    pub delay: TimeDelta,
    /// The pending reports by when they run, in the order they were made.
    due: Vec<(DateTime<Utc>, String)>,
}

impl Schedule {
    /// When the next pending report runs.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.due.iter().map(|(at, _)| *at).min()
    }
}

/// Runs the pending reports whose time has come, announcing what happened to each; a report
/// that is no longer pending (run again by hand, redacted) is left as it is. Whether any ran.
pub fn run_due(store: &mut Store, now: DateTime<Utc>) -> bool {
    let (due, later) = std::mem::take(&mut store.reports.due)
        .into_iter()
        .partition(|(at, _)| *at <= now);
    store.reports.due = later;
    let mut ran_any = false;
    for (_, id) in due {
        let Ok(record) = store.records.get_mut(&id) else {
            continue;
        };
        if record.attributes.get("status") != Some(&json!("pending")) {
            continue;
        }
        let json_type = record.kind.json_type;
        record.updated_at = now;
        for happening in ran(record, now) {
            store.announce(json_type, &id, happening, now);
        }
        ran_any = true;
    }
    ran_any
}

/// A report runs on a template of its own kind: a watchlist report on a watchlist report
/// template (`report-template/watchlist`), where the sandbox has templates of that kind.
pub fn admit(store: &Store, record: &Record) -> Result<(), ApiError> {
    let kind = record.kind.json_type.trim_start_matches(TYPE_PREFIX);
    let wanted = format!("report-template/{kind}");
    // Linked where the report's schema has the relationship, else kept as the attribute sent.
    let template_id = record
        .linked_ids("report-template")
        .first()
        .copied()
        .or_else(|| {
            record
                .attributes
                .get("report-template-id")
                .and_then(Value::as_str)
        });
    // Persona runs a report by its template; our spec's request schema, like the bundle's,
    // leaves the id optional, so the rule is the mock's (and spares a report of no template,
    // which no schema of the spec describes alone).
    let Some(template_id) = template_id else {
        return Err(ApiError::unprocessable(
            format!("data.attributes.report-template-id is required: the {wanted} to run"),
            "/data/attributes/report-template-id",
        ));
    };
    let template = store.records.get(template_id)?;
    if resource_type(&wanted).is_some() && template.kind.json_type != wanted {
        return Err(ApiError::unprocessable(
            format!(
                "data.attributes.report-template-id: {template_id} is a {}, not a {wanted} for a {}",
                template.kind.json_type, record.kind.json_type
            ),
            "/data/attributes/report-template-id",
        ));
    }
    Ok(())
}

pub fn act(store: &mut Store, id: &str, verb: &str, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let record = store.records.get_mut(id)?;
    match verb {
        "run" => {
            let json_type = record.kind.json_type;
            for happening in ran(record, now) {
                store.announce(json_type, id, happening, now);
            }
        }
        "dismiss" => {
            if record.has_attribute("has-match") {
                record.attributes.insert("has-match".into(), json!(false));
            }
        }
        "pause" | "resume" => {
            record
                .attributes
                .insert("is-continuous".into(), json!(verb == "resume"));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

pub fn created(
    record: &mut Record,
    schedule: &mut Schedule,
    now: DateTime<Utc>,
) -> Vec<&'static str> {
    // The query it ran on shows in its attributes: each member the kind has as an attribute
    // of its own (`name-first`, `term` ...) there, the rest as `query` where the kind has one
    // (Persona's business adverse media report takes `query.term` and shows `term`).
    let mut query = match record.attributes.remove("query") {
        Some(Value::Object(query)) => query,
        _ => Map::new(),
    };
    query.retain(|name, value| {
        let own = name != "query" && record.has_attribute(name);
        if own {
            record.attributes.insert(name.clone(), value.clone());
        }
        !own
    });
    if record.has_attribute("query") {
        record
            .attributes
            .insert("query".into(), Value::Object(query));
    }
    // What a new report has where Persona's schemas allow no null: no tags, not recurring, the
    // one version of the sandbox's report templates, and an empty run history (Persona no
    // longer fills it in).
    for (name, value) in [
        ("tags", json!([])),
        ("is-continuous", json!(false)),
        ("is-recurring", json!(false)),
        ("report-template-version-name", json!("v1")),
        ("run-history", json!([])),
    ] {
        if record.has_attribute(name) && !record.attributes.contains_key(name) {
            record.attributes.insert(name.into(), value);
        }
    }
    if schedule.delay.is_zero() {
        return ran(record, now);
    }
    record.attributes.insert("status".into(), json!("pending"));
    schedule.due.push((now + schedule.delay, record.id.clone()));
    Vec::new()
}

/// Runs the report on its query: it is `ready`, and matched if the sandbox's rule says so.
/// What happened, for its events.
fn ran(record: &mut Record, now: DateTime<Utc>) -> Vec<&'static str> {
    record.attributes.insert("status".into(), json!("ready"));
    record.attributes.insert("completed-at".into(), time(now));
    let matched = ["name-last", "term"].iter().any(|name| {
        record
            .attributes
            .get(*name)
            .or_else(|| record.attributes.get("query")?.get(*name))
            .and_then(Value::as_str)
            .is_some_and(|value| value.eq_ignore_ascii_case(SANDBOX_MATCH))
    });
    if record.has_attribute("has-match") {
        record.attributes.insert("has-match".into(), json!(matched));
    }
    if matched {
        vec!["ready", "matched"]
    } else {
        vec!["ready"]
    }
}
