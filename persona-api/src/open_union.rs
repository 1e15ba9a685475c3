//! Reading and writing the spec's open unions (`x-open-union`): objects whose tag field (such as
//! `type`) picks the shape of the rest. The generator writes one enum per union with a variant
//! per known tag and `Other` for the rest; these functions are what its serde impls share.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeSeed, Error as _, IntoDeserializer, MapAccess, Visitor};
use serde::ser::Error as _;
use serde::{Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// What the generator writes for each open union, for [`deserialize`] to read it with.
pub(crate) trait TaggedUnion: Sized {
    /// The field whose value picks the variant.
    const TAG: &'static str;

    /// For a known tag value, whether its payload holds the tag itself (a resource's `type`);
    /// `None` for a value the union does not know.
    fn known(kind: &str) -> Option<bool>;

    /// Reads the payload of the known variant `kind`.
    fn read<'de, D: Deserializer<'de>>(kind: &str, payload: D) -> Result<Self, D::Error>;

    /// The variant for an unknown kind: the object as sent.
    fn other(object: Map<String, Value>) -> Self;
}

/// Reads an open union. When the tag comes first, as Persona and JSON:API write it, the rest
/// of the object is read straight into the variant's type, in one pass; otherwise the object
/// is read whole first. An unknown tag (or none) gives `other`, the object as sent.
pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: TaggedUnion>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(UnionVisitor(PhantomData))
}

struct UnionVisitor<T>(PhantomData<T>);

impl<'de, T: TaggedUnion> Visitor<'de> for UnionVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "an object with `{}`", T::TAG)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Ok(T::other(Map::new()));
        };
        if first == T::TAG {
            let kind: Value = map.next_value()?;
            if let Value::String(kind) = &kind
                && let Some(keeps_tag) = T::known(kind)
            {
                let tag = keeps_tag.then(|| kind.clone());
                let rest = Prepended {
                    first: tag.map(|kind| (T::TAG, kind)),
                    rest: map,
                };
                return T::read(kind, MapAccessDeserializer::new(rest))
                    .map_err(|error| A::Error::custom(format!("{} '{kind}': {error}", T::TAG)));
            }
            let mut object = Map::new();
            object.insert(first, kind);
            return drain(map, object).map(T::other);
        }
        let value: Value = map.next_value()?;
        let mut object = Map::new();
        object.insert(first, value);
        let mut object = drain(map, object)?;
        let kind = object
            .get(T::TAG)
            .and_then(Value::as_str)
            .map(str::to_string);
        let Some((kind, keeps_tag)) =
            kind.and_then(|kind| T::known(&kind).map(|keeps| (kind, keeps)))
        else {
            return Ok(T::other(object));
        };
        if !keeps_tag {
            object.remove(T::TAG);
        }
        T::read(&kind, Value::Object(object))
            .map_err(|error| A::Error::custom(format!("{} '{kind}': {error}", T::TAG)))
    }
}

/// The rest of an object's entries, after `object`'s.
fn drain<'de, A: MapAccess<'de>>(
    mut map: A,
    mut object: Map<String, Value>,
) -> Result<Map<String, Value>, A::Error> {
    while let Some((key, value)) = map.next_entry::<String, Value>()? {
        object.insert(key, value);
    }
    Ok(object)
}

/// The entries of a map with one put back in front: the tag, for a payload that holds it.
struct Prepended<A> {
    first: Option<(&'static str, String)>,
    rest: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Prepended<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match &self.first {
            Some((key, _)) => seed.deserialize((*key).into_deserializer()).map(Some),
            None => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        // As a JSON value, not serde's plain string deserializer: a payload whose tag member is
        // optional (the bundle's resources) reads it through `deserialize_option`, which only
        // a self-describing deserializer answers.
        match self.first.take() {
            Some((_, value)) => seed
                .deserialize(Value::String(value))
                .map_err(A::Error::custom),
            None => self.rest.next_value_seed(seed),
        }
    }
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
