//! Following an inquiry's relationships into the objects `include` returned with it, typed by
//! kind.
//!
//! ```
//! use persona_api::types::{Included, InquiryDocument};
//! use persona_api::WithIncluded;
//!
//! let document: InquiryDocument = serde_json::from_value(serde_json::json!({
//!     "data": {"type": "inquiry", "id": "inq_1", "attributes": {"status": "completed"},
//!              "relationships": {"verifications": {"data": [{"type": "verification/government-id", "id": "ver_1"}]}}},
//!     "included": [{"type": "verification/government-id", "id": "ver_1",
//!                   "attributes": {"status": "passed", "name-first": "JANE", "birthdate": "1994-04-12",
//!                                  "checks": [{"name": "id_barcode_detection", "status": "passed"}]}}]
//! }))?;
//! let verifications = document.verifications();
//! assert!(matches!(
//!     verifications.as_slice(),
//!     [Included::VerificationGovernmentId(id)]
//!         if id.attributes.as_ref().and_then(|a| a.name_first.as_deref()) == Some("JANE")
//! ));
//! # Ok::<(), serde_json::Error>(())
//! ```

use crate::generated::types::{
    Included, Inquiry, InquiryCreated, InquiryDocument, InquiryOneTimeLink, InquiryRelationships,
    InquiryResumed,
};
use crate::jsonapi::ToManyRelationship;

/// A document holding an inquiry and the related objects asked for with `include`.
pub trait WithIncluded {
    /// The inquiry.
    fn inquiry(&self) -> &Inquiry;

    /// Everything `include` returned, in the order it came.
    fn included(&self) -> &[Included];

    /// The inquiry's verifications that came in `included`, in the order of its relationship.
    fn verifications(&self) -> Vec<&Included> {
        linked(self, |links| many(&links.verifications))
    }

    /// The inquiry's reports that came in `included`, in order.
    fn reports(&self) -> Vec<&Included> {
        linked(self, |links| many(&links.reports))
    }

    /// The inquiry's documents that came in `included`, in order.
    fn documents(&self) -> Vec<&Included> {
        linked(self, |links| many(&links.documents))
    }

    /// The inquiry's sessions that came in `included`, in order.
    fn sessions(&self) -> Vec<&Included> {
        linked(self, |links| many(&links.sessions))
    }

    /// The inquiry's account, if it came in `included`.
    fn account(&self) -> Option<&Included> {
        linked(self, |links| {
            links
                .account
                .iter()
                .filter_map(|link| link.id())
                .map(|id| id.as_str())
                .collect()
        })
        .into_iter()
        .next()
    }
}

/// The ids a to-many relationship holds, in order.
fn many<Id: std::ops::Deref<Target = str>>(link: &Option<ToManyRelationship<Id>>) -> Vec<&str> {
    link.iter()
        .flat_map(|link| link.ids())
        .map(|id| &**id)
        .collect()
}

/// The included objects a relationship names, in its order; ones not included are skipped.
fn linked<D: WithIncluded + ?Sized>(
    document: &D,
    ids: impl FnOnce(&InquiryRelationships) -> Vec<&str>,
) -> Vec<&Included> {
    let Some(links) = document.inquiry().relationships.as_ref() else {
        return Vec::new();
    };
    ids(links)
        .into_iter()
        .filter_map(|id| {
            document
                .included()
                .iter()
                .find(|object| object.id() == Some(id))
        })
        .collect()
}

macro_rules! with_included {
    ($($document:ty),+) => {$(
        impl WithIncluded for $document {
            fn inquiry(&self) -> &Inquiry {
                &self.data
            }

            fn included(&self) -> &[Included] {
                self.included.as_deref().unwrap_or_default()
            }
        }
    )+};
}

with_included!(
    InquiryDocument,
    InquiryCreated,
    InquiryResumed,
    InquiryOneTimeLink
);
