//! Reading and writing the spec's open unions (`x-open-union`): objects whose tag field (such as
//! `type`) picks the shape of the rest. The generator writes one enum per union with a variant
//! per known tag and `Other` for the rest; these functions are what its serde impls share.

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Reads an object, then lets `pick` choose the variant by its tag (`""` when the tag is
/// missing or not a string, which an enum reads as `Other`).
pub(crate) fn deserialize<'de, D, T>(
    deserializer: D,
    tag: &str,
    pick: impl FnOnce(&str, Map<String, Value>) -> Result<T, serde_json::Error>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let object = Map::deserialize(deserializer)?;
    let kind = object
        .get(tag)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    pick(&kind, object).map_err(|error| D::Error::custom(format!("{tag} '{kind}': {error}")))
}

/// A known variant's payload that holds its tag itself (a JSON:API resource's `type`).
pub(crate) fn variant_with_tag<T: DeserializeOwned>(
    object: Map<String, Value>,
) -> Result<T, serde_json::Error> {
    serde_json::from_value(Value::Object(object))
}

/// A known variant's payload: the object without its tag.
pub(crate) fn variant<T: DeserializeOwned>(
    mut object: Map<String, Value>,
    tag: &str,
) -> Result<T, serde_json::Error> {
    object.remove(tag);
    serde_json::from_value(Value::Object(object))
}

/// A known variant's payload with its tag put back.
pub(crate) fn serialize<S: Serializer, T: Serialize>(
    serializer: S,
    tag: &str,
    kind: &str,
    payload: &T,
) -> Result<S::Ok, S::Error> {
    let mut value = serde_json::to_value(payload).map_err(S::Error::custom)?;
    let Value::Object(object) = &mut value else {
        return Err(S::Error::custom(format!(
            "the payload of {tag} '{kind}' is not an object"
        )));
    };
    object.insert(tag.to_string(), Value::String(kind.to_string()));
    value.serialize(serializer)
}
