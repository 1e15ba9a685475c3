//! Verifications: the sandbox's `create_passed_verification` and `create_failed_verification`
//! simulate actions run a government-id verification on an inquiry. It is a record of its own,
//! linked both ways (the inquiry's `verifications`, its `inquiry`), so `/verifications/{id}`
//! and `/verification/government-ids/{id}` read it and DELETE redacts it; redacting the
//! inquiry redacts it too, as Persona redacts an inquiry's children.
//!
//! What it says is our choice where Persona's docs are silent: what the ID read (the
//! inquiry's name and birthdate, a US driver's licence) and four checks, the one comparing
//! the ID with the inquiry's fields failing when the verification failed.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::records::{Record, resource_type, time};

/// The kind every simulated verification is: what the sandbox's templates verify.
pub const KIND: &str = "verification/government-id";
/// Its verification template's type, for the link to the template it ran.
const TEMPLATE_KIND: &str = "verification-template/government-id";

/// What happens to a simulated verification, in order, for its `verification.*` events.
pub fn happenings(passed: bool) -> [&'static str; 3] {
    [
        "created",
        "submitted",
        if passed { "passed" } else { "failed" },
    ]
}

/// A verification the sandbox ran on an inquiry with these fields, with a template.
pub fn run(
    inquiry_id: &str,
    fields: &Map<String, Value>,
    template_id: &str,
    passed: bool,
    now: DateTime<Utc>,
) -> Result<Record, ApiError> {
    let kind = resource_type(KIND).ok_or_else(ApiError::not_found)?;
    let mut record = Record::new(kind, now)?;
    let field = |name: &str| fields.get(name).cloned().unwrap_or(Value::Null);
    let check = |name: &str, passed: bool| {
        json!({
            "name": name,
            "status": if passed { "passed" } else { "failed" },
            "reasons": if passed { json!([]) } else { json!(["mismatch"]) },
            "requirement": "required",
            "metadata": {}
        })
    };
    for (name, value) in [
        ("status", json!(if passed { "passed" } else { "failed" })),
        ("submitted-at", time(now)),
        ("completed-at", time(now)),
        ("country-code", json!("US")),
        ("id-class", json!("dl")),
        ("name-first", field("name-first")),
        ("name-middle", field("name-middle")),
        ("name-last", field("name-last")),
        ("birthdate", field("birthdate")),
        (
            "checks",
            json!([
                check("id_barcode_detection", true),
                check("id_expired_detection", true),
                check("id_po_box_detection", true),
                check("id_compare_inquiry_fields", passed),
            ]),
        ),
    ] {
        record.attributes.insert(name.into(), value);
    }
    record.relationships.insert(
        "inquiry".into(),
        json!({ "type": "inquiry", "id": inquiry_id }),
    );
    record.relationships.insert(
        "verification-template".into(),
        json!({ "type": TEMPLATE_KIND, "id": template_id }),
    );
    Ok(record)
}
