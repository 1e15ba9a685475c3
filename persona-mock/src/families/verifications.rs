//! Verifications: the sandbox's `create_passed_verification` and `create_failed_verification`
//! simulate actions run a verification on an inquiry, of the kind of the verification
//! template they name. The sandbox has one template of each kind Persona's sandbox simulates
//! (government id, selfie, database, document); an id it does not have is refused, naming
//! the ones it has.
//!
//! A verification is a record of its own, linked both ways (the inquiry's `verifications`,
//! its `inquiry`), so `/verifications/{id}` and `/verification/<kind>s/{id}` read it and DELETE
//! redacts it; redacting the inquiry redacts it too, as Persona redacts an inquiry's children.
//! A kind that captures something leaves it behind as a record too: the ID's or document's
//! `document/...` (the verification's `document`, the inquiry's `documents`), the selfie
//! (the inquiry's `selfies`).
//!
//! What it says is our choice where Persona's docs are silent: what was read (the inquiry's
//! name and birthdate, a US driver's licence), the checks listed below (names from Persona's
//! bundle), the last of them comparing the capture with the inquiry and failing when the
//! verification failed.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::ids::stable_id;
use crate::records::{Link, Record, family, time};
use crate::sandbox::SandboxTemplate;

/// The prefix of a verification template id. Verification templates are not a resource of
/// Persona's API, so the model has no id kind for them; Persona's docs give the prefix.
const TEMPLATE_PREFIX: &str = "vtmpl_";

/// A kind of verification the simulate actions run.
pub struct Simulated {
    /// The verification's type: `verification/government-id`.
    pub verification: &'static str,
    /// The type of the template that runs it, under which the sandbox lists it.
    pub template: &'static str,
    /// The checks it reports; the last compares the capture with the inquiry.
    checks: &'static [&'static str],
    /// The type of what it captures, kept as a record of its own.
    capture: Option<&'static str>,
}

/// The kinds Persona's sandbox simulates, with our choice of checks.
pub const SIMULATED: &[Simulated] = &[
    Simulated {
        verification: "verification/government-id",
        template: "verification-template/government-id",
        checks: &[
            "id_expired_detection",
            "id_po_box_detection",
            "id_compromised_detection",
            "id_inquiry_comparison",
        ],
        capture: Some("document/government-id"),
    },
    Simulated {
        verification: "verification/selfie",
        template: "verification-template/selfie",
        checks: &[
            "selfie_liveness_detection",
            "selfie_pose_detection",
            "selfie_id_comparison",
        ],
        capture: Some("selfie/profile-and-center"),
    },
    Simulated {
        verification: "verification/database",
        template: "verification-template/database",
        checks: &[
            "database_address_comparison",
            "database_birthdate_comparison",
            "database_name_comparison",
        ],
        capture: None,
    },
    Simulated {
        verification: "verification/document",
        template: "verification-template/document",
        checks: &[
            "document_type_detection",
            "document_expired_detection",
            "document_extracted_properties_detection",
        ],
        capture: Some("document/generic"),
    },
];

/// The sandbox's verification templates, one of each simulated kind, the same in every run.
pub fn templates() -> impl Iterator<Item = SandboxTemplate> {
    SIMULATED.iter().map(|kind| SandboxTemplate {
        json_type: kind.template,
        id: stable_id(TEMPLATE_PREFIX, kind.template),
    })
}

/// The kind a verification template id runs; refused, naming what the sandbox has, when it
/// is none of the sandbox's (`pointer` is where the request named it).
pub fn kind_of(template_id: &str, pointer: &str) -> Result<&'static Simulated, ApiError> {
    let found = SIMULATED
        .iter()
        .zip(templates())
        .find(|(_, template)| template.id == template_id);
    match found {
        Some((kind, _)) => Ok(kind),
        None => {
            let known: Vec<String> = templates()
                .map(|template| format!("{} ({})", template.id, template.json_type))
                .collect();
            Err(ApiError::unprocessable(
                format!(
                    "the sandbox has no verification template '{template_id}' (it has {})",
                    known.join(", ")
                ),
                pointer,
            ))
        }
    }
}

/// What a verification's run leaves: the verification, and what it captured.
pub struct Run {
    pub verification: Record,
    pub capture: Option<Record>,
}

impl Run {
    /// The records with the events each announces, in the order they happen: the capture is
    /// created, submitted and processed before the verification is decided.
    pub fn happenings(&self) -> Vec<(&Record, &'static str)> {
        let passed = self.verification.attributes.get("status") == Some(&json!("passed"));
        let capture = self.capture.iter().flat_map(|capture| {
            ["created", "submitted", "processed"].map(|happening| (capture, happening))
        });
        let verification = [
            "created",
            "submitted",
            if passed { "passed" } else { "failed" },
        ]
        .map(|happening| (&self.verification, happening));
        capture.chain(verification).collect()
    }
}

/// Whether an inquiry holds a record its verifications made under this relationship: the
/// plural of the record's family (`verifications`, `documents`, `selfies`).
pub fn is_held_as(json_type: &str, relationship: &str) -> bool {
    relationship.strip_suffix('s') == Some(family(json_type))
}

impl Simulated {
    /// A verification of this kind run on an inquiry with these fields.
    pub fn run(
        &self,
        inquiry_id: &str,
        fields: &Map<String, Value>,
        template_id: &str,
        passed: bool,
        now: DateTime<Utc>,
    ) -> Result<Run, ApiError> {
        let verdict = |passed: bool| if passed { "passed" } else { "failed" };
        let mut verification = Record::of_type(self.verification, now)?;
        let last = self.checks.len().saturating_sub(1);
        let checks: Vec<Value> = self
            .checks
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let passed = passed || index != last;
                json!({
                    "name": name,
                    "status": verdict(passed),
                    "reasons": if passed { json!([]) } else { json!(["mismatch"]) },
                    "requirement": "required",
                    "metadata": {}
                })
            })
            .collect();
        fill(
            &mut verification,
            fields,
            [
                ("status", json!(verdict(passed))),
                ("submitted-at", time(now)),
                ("completed-at", time(now)),
                ("country-code", json!("US")),
                ("id-class", json!("dl")),
                ("checks", Value::Array(checks)),
            ],
        );
        let inquiry = Link::new("inquiry", inquiry_id);
        verification.link_one("inquiry", inquiry.clone());
        verification.link_one(
            "verification-template",
            Link::new(self.template, template_id),
        );
        let capture = match self.capture {
            Some(json_type) => {
                let mut capture = Record::of_type(json_type, now)?;
                fill(
                    &mut capture,
                    fields,
                    [
                        ("status", json!("processed")),
                        ("processed-at", time(now)),
                        ("id-class", json!("dl")),
                    ],
                );
                capture.link_one("inquiry", inquiry);
                if family(json_type) == "document" {
                    verification.link_one("document", Link::new(json_type, &capture.id));
                }
                Some(capture)
            }
            None => None,
        };
        Ok(Run {
            verification,
            capture,
        })
    }
}

/// Sets what the record's type has of these, and of the person's name and birthdate as the
/// inquiry's fields give them.
fn fill(
    record: &mut Record,
    fields: &Map<String, Value>,
    values: impl IntoIterator<Item = (&'static str, Value)>,
) {
    let person = ["name-first", "name-middle", "name-last", "birthdate"]
        .map(|name| (name, fields.get(name).cloned().unwrap_or(Value::Null)));
    for (name, value) in values.into_iter().chain(person) {
        if record.has_attribute(name) {
            record.attributes.insert(name.into(), value);
        }
    }
}
