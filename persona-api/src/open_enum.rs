//! Enums that keep values they do not know.
//!
//! Persona adds statuses without a new API version. A closed enum would fail the whole
//! response on the first new value; these decode it into `Other` and send it back unchanged.
//! The generator swaps them in for every enum the spec marks `x-open-enum: true`.

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

open_enum! {
    /// Where an inquiry is in its life.
    InquiryStatus {
        /// Created, nobody has started it.
        Created => "created",
        /// The person has started.
        Pending => "pending",
        /// Every required verification passed.
        Completed => "completed",
        /// The person ran out of attempts.
        Failed => "failed",
        /// Not finished in time; can be resumed.
        Expired => "expired",
        /// Waiting for a person to review it.
        NeedsReview => "needs_review",
        /// Approved by a workflow, a reviewer or the API.
        Approved => "approved",
        /// Declined by a workflow, a reviewer or the API.
        Declined => "declined",
    }
}

open_enum! {
    /// Where an inquiry session is in its life.
    InquirySessionStatus {
        /// Created, not opened yet.
        New => "new",
        /// Opened by the person.
        Active => "active",
        /// Ran out of time or was expired.
        Expired => "expired",
        /// Canceled.
        Canceled => "canceled",
    }
}

open_enum! {
    /// Whether new inquiries can be created from an inquiry template.
    InquiryTemplateStatus {
        /// In use.
        Active => "active",
        /// Retired: no new inquiries.
        Inactive => "inactive",
    }
}

open_enum! {
    /// Where an inquiry template version is in its life.
    InquiryTemplateVersionStatus {
        /// Still being edited.
        Draft => "draft",
        /// Published: inquiries can run on it.
        Published => "published",
    }
}

open_enum! {
    /// A verification check's outcome.
    CheckStatus {
        /// The check passed.
        Passed => "passed",
        /// The check failed.
        Failed => "failed",
        /// The check did not apply to what was submitted.
        NotApplicable => "not_applicable",
    }
}

open_enum! {
    /// Whether a verification check had to pass.
    CheckRequirement {
        /// A failure fails the verification.
        Required => "required",
        /// A failure is reported but does not fail the verification.
        NotRequired => "not_required",
        /// A failure asks the person to try again.
        RequiresRetry => "requires_retry",
    }
}

#[cfg(test)]
mod tests {
    use super::InquiryStatus;

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
