//! JSON:API pieces that the spec cannot describe precisely enough for a generator.

use serde::{Deserialize, Serialize};

use crate::generated::types::ResourceIdentifier;

/// A link to at most one other object.
///
/// Persona sends `{"data": null}` or, for some unset links, `{"data": {}}`; both read as no
/// link. A partly filled object (`{"type": "account"}`) is an error, not silently no link.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ToOneRelationship {
    pub data: Option<ResourceIdentifier>,
}

impl ToOneRelationship {
    /// The id of the linked object, if there is one.
    pub fn id(&self) -> Option<&str> {
        self.data.as_ref().map(|target| target.id.as_str())
    }
}

impl<'de> Deserialize<'de> for ToOneRelationship {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct EmptyObject {}

        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Linkage {
            Target(ResourceIdentifier),
            Empty(EmptyObject),
        }

        #[derive(Deserialize)]
        struct Wire {
            #[serde(default)]
            data: Option<Linkage>,
        }

        let wire = Wire::deserialize(deserializer)?;
        Ok(ToOneRelationship {
            data: match wire.data {
                Some(Linkage::Target(target)) => Some(target),
                Some(Linkage::Empty(_)) | None => None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ToOneRelationship;

    #[test]
    fn null_and_empty_object_both_mean_no_link() {
        for wire in [r#"{"data":null}"#, r#"{"data":{}}"#, "{}"] {
            let link: ToOneRelationship = serde_json::from_str(wire).unwrap();
            assert_eq!(link.id(), None, "{wire}");
        }
        let link: ToOneRelationship =
            serde_json::from_str(r#"{"data":{"type":"account","id":"act_1"}}"#).unwrap();
        assert_eq!(link.id(), Some("act_1"));
    }

    #[test]
    fn a_half_filled_link_is_an_error() {
        assert!(
            serde_json::from_str::<ToOneRelationship>(r#"{"data":{"type":"account"}}"#).is_err()
        );
    }
}
