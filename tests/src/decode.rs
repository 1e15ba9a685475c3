//! Decodes JSON into the generated Rust type of a schema, by the schema's name in the spec, so
//! that every example can be checked against the type its operation declares. The names are
//! the spec's request and response bodies (`decoders.rs`, written by `cargo xtask generate`).

use serde_json::Value;

/// Decodes `json` as the Rust type generated for schema `schema`, returning the pretty `Debug`
/// form of the value, or the decoding error with its JSON path.
pub fn decode(schema: &str, json: &Value) -> Result<String, String> {
    crate::decoders::decode_as(schema, json)
        .unwrap_or_else(|| panic!("no operation of the spec has a body of schema {schema}"))
}

/// Decodes through the JSON text, as the client does, so that the error names the JSON path.
pub(crate) fn typed<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    json: &Value,
) -> Result<String, String> {
    let text = json.to_string();
    let deserializer = &mut serde_json::Deserializer::from_str(&text);
    match serde_path_to_error::deserialize::<_, T>(deserializer) {
        Ok(value) => Ok(format!("{value:#?}")),
        Err(error) => Err(format!("at `{}`: {}", error.path(), error.inner())),
    }
}
