//! Enums that keep values they do not know.
//!
//! Persona adds statuses without a new API version. A closed enum would fail the whole
//! response on the first new value; these decode it into `Other` and send it back unchanged.
//! The generator writes one with [`open_enum!`] for every enum the spec marks
//! `x-open-enum: true` (`generated/enums.rs`) and swaps it in for typify's closed enum.

/// Defines a string enum with known variants and an `Other(String)` that keeps the rest.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$variant_meta:meta])* $variant:ident => $wire:literal,)+ }
    ) => {
        $(#[$meta])*
        ///
        /// Values this version of the crate does not know decode into `Other`, so matching on
        /// it needs a wildcard arm; new variants may be added in minor releases.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)+
            /// A value Persona sent that this crate does not know yet, kept as it was sent.
            Other(String),
        }

        impl $name {
            /// The value as Persona spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(value) => value,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok($name::from(value))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok($name::from(value.as_ref()))
            }
        }
    };
}

pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    open_enum! {
        /// A set as the spec defines one, for the tests of what every open enum does.
        InquiryStatus {
            /// Approved.
            Approved => "approved",
            /// Waiting for review.
            NeedsReview => "needs_review",
        }
    }

    #[test]
    fn known_and_unknown_values_round_trip() {
        for wire in ["\"needs_review\"", "\"escalated_to_legal\""] {
            let status: InquiryStatus = serde_json::from_str(wire).unwrap();
            assert_eq!(serde_json::to_string(&status).unwrap(), wire);
        }
        assert_eq!(
            serde_json::from_str::<InquiryStatus>("\"approved\"").unwrap(),
            InquiryStatus::Approved
        );
        assert_eq!(
            serde_json::from_str::<InquiryStatus>("\"escalated_to_legal\"").unwrap(),
            InquiryStatus::Other("escalated_to_legal".to_string())
        );
    }
}
