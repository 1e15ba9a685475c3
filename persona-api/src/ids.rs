//! Ids users pass in, checked for their prefix before any request is sent.
//!
//! The kinds and their prefixes come from the spec (`generated/ids.rs`, written by
//! `cargo xtask generate` through [`id_kinds!`]); this module is what every kind has.
//!
//! Parsing (`"inq_...".parse::<InquiryId>()`) checks the prefix and says what was expected and
//! what was sent. Ids that come from Persona are taken as they are ([`InquiryId::from_server`]):
//! Persona may change prefixes without a new API version. A path setter takes its kind (an id,
//! or a reference to one, goes in as it is: `client.retrieve_inquiry().inquiry_id(&id)`) or
//! text, which it checks like parsing does.

use std::fmt;

/// An id that does not start with the prefix its kind requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    /// What the id should be, with its article, such as `an inquiry template`.
    pub kind: &'static str,
    pub expected_prefix: &'static str,
    pub sent: String,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sent.is_empty() {
            write!(
                f,
                "{} id is required (it starts with `{}`)",
                self.kind, self.expected_prefix
            )
        } else {
            write!(
                f,
                "{} id must start with `{}` (sent '{}')",
                self.kind, self.expected_prefix, self.sent
            )
        }
    }
}

impl std::error::Error for IdError {}

/// The `id` of an object, however its schema types it: an id kind, text, or optional text
/// where the schema does not require one. Lets the events' `EventObject::id` read any
/// object's id alike.
#[cfg(feature = "webhooks")]
#[doc(hidden)]
pub trait ObjectId {
    fn object_id(&self) -> Option<&str>;
}

#[cfg(feature = "webhooks")]
impl ObjectId for String {
    fn object_id(&self) -> Option<&str> {
        Some(self)
    }
}

#[cfg(feature = "webhooks")]
impl ObjectId for Option<String> {
    fn object_id(&self) -> Option<&str> {
        self.as_deref()
    }
}

/// Defines one id type per kind: `Name => "prefix_", "an article and noun";`.
macro_rules! id_kinds {
    ($($(#[$meta:meta])* $name:ident => $prefix:literal, $kind:literal;)+) => {$(
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The prefix ids of this kind start with.
            pub const PREFIX: &'static str = $prefix;

            /// An id as Persona sent it, without checking its prefix.
            pub fn from_server(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ids::IdError;

            fn from_str(id: &str) -> Result<Self, $crate::ids::IdError> {
                let id = id.trim();
                match id.strip_prefix($prefix) {
                    Some(rest) if !rest.is_empty() => Ok($name(id.to_string())),
                    _ => Err($crate::ids::IdError { kind: $kind, expected_prefix: $prefix, sent: id.to_string() }),
                }
            }
        }

        impl TryFrom<&str> for $name {
            type Error = $crate::ids::IdError;

            fn try_from(id: &str) -> Result<Self, $crate::ids::IdError> {
                id.parse()
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::ids::IdError;

            fn try_from(id: String) -> Result<Self, $crate::ids::IdError> {
                id.parse()
            }
        }

        impl TryFrom<&String> for $name {
            type Error = $crate::ids::IdError;

            fn try_from(id: &String) -> Result<Self, $crate::ids::IdError> {
                id.parse()
            }
        }

        /// An id goes into the next call as it is: `.inquiry_id(&inquiry.id)`.
        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl From<&$name> for String {
            fn from(id: &$name) -> String {
                id.0.clone()
            }
        }

        #[cfg(feature = "webhooks")]
        impl $crate::ids::ObjectId for $name {
            fn object_id(&self) -> Option<&str> {
                Some(&self.0)
            }
        }

        /// Reads as the id's text: `id.starts_with("inq_")`, `&*id`.
        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
    )+};
}

pub(crate) use id_kinds;

#[cfg(test)]
mod tests {
    id_kinds! {
        /// Kinds as the spec defines them, for the tests of what every kind does.
        InquiryId => "inq_", "an inquiry";
        /// A template.
        InquiryTemplateId => "itmpl_", "an inquiry template";
    }

    #[test]
    fn prefixes_are_checked_and_named() {
        let error = "itm_zxDohzpCMnKNnj4no2dDuah8"
            .parse::<InquiryTemplateId>()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "an inquiry template id must start with `itmpl_` (sent 'itm_zxDohzpCMnKNnj4no2dDuah8')"
        );
        // A version id is not a template id, although it starts with `itmpl`.
        assert!("itmplv_abc".parse::<InquiryTemplateId>().is_err());
        assert_eq!(
            "".parse::<InquiryId>().unwrap_err().to_string(),
            "an inquiry id is required (it starts with `inq_`)"
        );
        assert_eq!("inq_".parse::<InquiryId>().unwrap_err().sent, "inq_");
        assert_eq!(
            " inq_123 ".parse::<InquiryId>().unwrap().as_str(),
            "inq_123"
        );
    }

    #[test]
    fn server_ids_are_kept_whatever_their_prefix() {
        let id = InquiryId::from_server("inquiry_2f9a");
        assert_eq!(String::from(&id), "inquiry_2f9a");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"inquiry_2f9a\"");
        let read: InquiryId = serde_json::from_str("\"xyz_1\"").unwrap();
        assert_eq!(read.as_str(), "xyz_1");
    }
}
