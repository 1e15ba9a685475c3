//! Decodes JSON into the generated Rust type of a schema, by the schema's name in the spec, so
//! that every example can be checked against the type its operation declares, and written
//! back with nothing lost. The names are
//! the spec's request and response bodies (`decoders.rs`, written by `cargo xtask generate`).

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Something done with the Rust type of a body schema, which [`with_type`] picks by the
/// schema's name: decoding an example in a test, timing a decode in a benchmark.
pub trait ForType {
    type Output;

    fn run<T: DeserializeOwned + Serialize + Debug>(self) -> Self::Output;
}

pub use crate::decoders::with_type;

/// Decodes `json` as the Rust type generated for schema `schema`, returning the pretty `Debug`
/// form of the value, or the decoding error with its JSON path.
pub fn decode(schema: &str, json: &Value) -> Result<String, String> {
    with_type(schema, Typed(json))
        .unwrap_or_else(|| panic!("no operation of the spec has a body of schema {schema}"))
}

/// Decodes through the JSON text, as the client does, so that the error names the JSON path;
/// then writes the value back, which must have lost nothing ([`lost`]).
struct Typed<'a>(&'a Value);

impl ForType for Typed<'_> {
    type Output = Result<String, String>;

    fn run<T: DeserializeOwned + Serialize + Debug>(self) -> Self::Output {
        typed::<T>(self.0)
    }
}

fn typed<T: DeserializeOwned + Serialize + Debug>(json: &Value) -> Result<String, String> {
    // Both orders of an object's members: sorted, as a `Value` writes them (`type` after
    // `attributes`), and as Persona writes them (`type` and `id` first), which the open unions
    // read by different paths.
    let read = |text: &str, order: &str| {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize::<_, T>(deserializer)
            .map_err(|error| format!("{order}: at `{}`: {}", error.path(), error.inner()))
    };
    let value = read(&json.to_string(), "members sorted")?;
    let as_persona_writes = read(&in_persona_order(json), "type and id first")?;
    let (sorted, first) = (format!("{value:#?}"), format!("{as_persona_writes:#?}"));
    if sorted != first {
        return Err(format!(
            "read differently with type and id first: {}",
            similar::TextDiff::from_lines(&sorted, &first).unified_diff()
        ));
    }
    let written = serde_json::to_value(&value).map_err(|error| error.to_string())?;
    let differences = lost(json, &written);
    if !differences.is_empty() {
        return Err(format!(
            "written back, it differs: {}",
            differences.join("; ")
        ));
    }
    Ok(format!("{value:#?}"))
}

/// `value` as JSON text as Persona writes it: in each object `type` and `id` first, then the
/// other members (sorted, as a `Value` holds them).
pub fn in_persona_order(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(members) => {
                const FIRST: [&str; 2] = ["type", "id"];
                let first = FIRST.into_iter().filter(|key| members.contains_key(*key));
                let rest = members.keys().map(String::as_str);
                out.push('{');
                for (at, key) in first
                    .chain(rest.filter(|key| !FIRST.contains(key)))
                    .enumerate()
                {
                    if at > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::from(key).to_string());
                    out.push(':');
                    write(&members[key], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (at, item) in items.iter().enumerate() {
                    if at > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// Where `written` (a value typed and serialized again) differs from `sent`, by JSON path: a
/// member missing or changed, or one added with a value. A `null` sent and left out on the
/// way back, or the reverse, is the same, and so is an empty array or object (typify's types
/// leave out an optional one that is empty), and a time written in another RFC 3339 form (`.000Z` as
/// `Z`).
pub fn lost(sent: &Value, written: &Value) -> Vec<String> {
    let mut differences = Vec::new();
    compare(sent, written, "$", &mut differences);
    differences
}

fn compare(sent: &Value, written: &Value, at: &str, differences: &mut Vec<String>) {
    let empty = |value: &Value| {
        value.is_null()
            || value.as_array().is_some_and(Vec::is_empty)
            || value.as_object().is_some_and(serde_json::Map::is_empty)
    };
    match (sent, written) {
        (left, right) if empty(left) && empty(right) => {}
        (Value::Object(sent), Value::Object(written)) => {
            let keys: std::collections::BTreeSet<&String> =
                sent.keys().chain(written.keys()).collect();
            for key in keys {
                let (left, right) = (
                    sent.get(key).unwrap_or(&Value::Null),
                    written.get(key).unwrap_or(&Value::Null),
                );
                compare(left, right, &format!("{at}.{key}"), differences);
            }
        }
        (Value::Array(sent), Value::Array(written)) if sent.len() == written.len() => {
            for (index, (left, right)) in sent.iter().zip(written).enumerate() {
                compare(left, right, &format!("{at}[{index}]"), differences);
            }
        }
        (Value::Number(left), Value::Number(right)) if left.as_f64() == right.as_f64() => {}
        (Value::String(left), Value::String(right)) if same_instant(left, right) => {}
        (left, right) if left == right => {}
        (left, right) => differences.push(format!("{at}: sent {left}, written {right}")),
    }
}

/// Read as the types read times (chrono's `FromStr`, which takes `2023-09-1T06:30:44.000Z`
/// as well, as Persona's examples write some).
fn same_instant(left: &str, right: &str) -> bool {
    let instant = |text: &str| text.parse::<chrono::DateTime<chrono::FixedOffset>>().ok();
    instant(left).is_some() && instant(left) == instant(right)
}
