//! JSON:API pieces that the spec cannot describe precisely enough for a generator.

use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// Points at another object: its `type` and its id, typed by what the relationship holds
/// (`InquiryTemplateId` for an inquiry's `inquiry-template`, say; `String` where it can be
/// any kind).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResourceIdentifier<Id = String> {
    #[serde(rename = "type")]
    pub type_: String,
    pub id: Id,
}

/// A link to at most one other object.
///
/// Persona sends `{"data": null}` or, for some unset links, `{"data": {}}`; both read as no
/// link. A partly filled object (`{"type": "account"}`) is an error, not silently no link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ToOneRelationship<Id = String> {
    pub data: Option<ResourceIdentifier<Id>>,
}

impl<Id> Default for ToOneRelationship<Id> {
    fn default() -> Self {
        ToOneRelationship { data: None }
    }
}

impl<Id> ToOneRelationship<Id> {
    /// The id of the linked object, if there is one.
    pub fn id(&self) -> Option<&Id> {
        self.data.as_ref().map(|target| &target.id)
    }
}

impl<'de, Id: Deserialize<'de>> Deserialize<'de> for ToOneRelationship<Id> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct EmptyObject {}

        #[derive(Deserialize)]
        #[serde(untagged, bound = "Id: Deserialize<'de>")]
        enum Linkage<Id> {
            Target(ResourceIdentifier<Id>),
            Empty(EmptyObject),
        }

        #[derive(Deserialize)]
        #[serde(bound = "Id: Deserialize<'de>")]
        struct Wire<Id> {
            #[serde(default)]
            data: Option<Linkage<Id>>,
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

/// Links to any number of objects, in the order Persona sends them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "Id: Deserialize<'de>"))]
pub struct ToManyRelationship<Id = String> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<ResourceIdentifier<Id>>>,
}

impl<Id> Default for ToManyRelationship<Id> {
    fn default() -> Self {
        ToManyRelationship { data: None }
    }
}

impl<Id> ToManyRelationship<Id> {
    /// The ids of the linked objects, in order.
    pub fn ids(&self) -> impl Iterator<Item = &Id> {
        self.data.iter().flatten().map(|target| &target.id)
    }
}

/// An id kind whose objects a document's `included` (a list of `I`) can hold. The generator
/// implements it for the id kinds of the open unions' members: an `AccountId` finds an
/// `Account` in `Included`; a `VerificationId`, whose objects are of several kinds, finds the
/// union itself (`Included::VerificationSelfie`, `Included::Other` for a kind this version does
/// not type, ...).
pub trait IncludedKind<I> {
    /// What a link of this kind resolves to.
    type Object;

    /// `item` as this kind's object, if it is the object with `id`.
    fn find<'a>(item: &'a I, id: &str) -> Option<&'a Self::Object>;
}

/// A document's `included`, however its type holds it: `Option<Vec<I>>`, `Vec<I>` or a slice.
pub trait IncludedObjects<I> {
    fn objects(&self) -> &[I];
}

impl<I> IncludedObjects<I> for [I] {
    fn objects(&self) -> &[I] {
        self
    }
}

impl<I> IncludedObjects<I> for Vec<I> {
    fn objects(&self) -> &[I] {
        self
    }
}

impl<I> IncludedObjects<I> for Option<Vec<I>> {
    fn objects(&self) -> &[I] {
        self.as_deref().unwrap_or_default()
    }
}

/// A relationship followed into the objects `include` returned with it, typed by its id kind:
/// a to-one link gives `Option<&Account>`, a to-many link a `Vec` of its objects in the link's
/// order (those `included` does not hold are left out); an absent relationship gives nothing.
///
/// ```
/// use persona_api::prelude::*;
/// use persona_api::types::{Included, InquiryDocument};
///
/// let document: InquiryDocument = serde_json::from_value(serde_json::json!({
///     "data": {"type": "inquiry", "id": "inq_1", "attributes": {"status": "completed"},
///              "relationships": {
///                  "account": {"data": {"type": "account", "id": "act_1"}},
///                  "verifications": {"data": [{"type": "verification/government-id", "id": "ver_1"}]}}},
///     "included": [
///         {"type": "account", "id": "act_1", "attributes": {"reference-id": "user-42"}},
///         {"type": "verification/government-id", "id": "ver_1",
///          "attributes": {"status": "passed", "name-first": "JANE",
///                         "checks": [{"name": "id_barcode_detection", "status": "passed"}]}}]
/// }))?;
/// let links = document.data.relationships.as_ref().ok_or("relationships")?;
/// let account = links.account.resolve(&document.included).ok_or("the account")?;
/// assert_eq!(account.attributes.as_ref().and_then(|a| a.reference_id.as_deref()), Some("user-42"));
/// let verifications = links.verifications.resolve(&document.included);
/// assert!(matches!(
///     verifications.as_slice(),
///     [Included::VerificationGovernmentId(id)]
///         if id.attributes.as_ref().and_then(|a| a.name_first.as_deref()) == Some("JANE")
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Resolve<'a, I: 'a> {
    /// `Option<&Object>` for a to-one link, `Vec<&Object>` for a to-many link.
    type Resolved;

    fn resolve(&'a self, included: &'a (impl IncludedObjects<I> + ?Sized)) -> Self::Resolved;
}

impl<'a, I: 'a, Id> Resolve<'a, I> for ToOneRelationship<Id>
where
    Id: IncludedKind<I> + Deref<Target = str> + 'a,
{
    type Resolved = Option<&'a Id::Object>;

    fn resolve(&'a self, included: &'a (impl IncludedObjects<I> + ?Sized)) -> Self::Resolved {
        let id = self.id()?;
        included
            .objects()
            .iter()
            .find_map(|item| Id::find(item, id))
    }
}

impl<'a, I: 'a, Id> Resolve<'a, I> for ToManyRelationship<Id>
where
    Id: IncludedKind<I> + Deref<Target = str> + 'a,
{
    type Resolved = Vec<&'a Id::Object>;

    fn resolve(&'a self, included: &'a (impl IncludedObjects<I> + ?Sized)) -> Self::Resolved {
        let objects = included.objects();
        self.ids()
            .filter_map(|id| objects.iter().find_map(|item| Id::find(item, id)))
            .collect()
    }
}

/// A relationship the object may not have (every relationship of the generated types is
/// optional): resolves to nothing when absent.
impl<'a, I: 'a, R> Resolve<'a, I> for Option<R>
where
    R: Resolve<'a, I>,
    R::Resolved: Default,
{
    type Resolved = R::Resolved;

    fn resolve(&'a self, included: &'a (impl IncludedObjects<I> + ?Sized)) -> Self::Resolved {
        self.as_ref()
            .map(|link| link.resolve(included))
            .unwrap_or_default()
    }
}

/// Reads an optional request field that was sent, handing its value, `null` included, to the
/// field type's own deserializer (serde alone reads `null` on an `Option` as if the field were
/// absent). The generator puts it on two kinds of request field: one the spec does not let be
/// `null`, which then refuses it (what Persona's schema refuses, persona-mock refuses), and a
/// [`Clearable`] one, which reads `null` as [`Clearable::Clear`] (an update that clears).
/// Only some products' request types use it.
#[allow(dead_code)]
pub(crate) fn as_sent<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A new value for an attribute an update can clear.
///
/// An update's attribute has three states: leave it out (`None`: the value stays as it is),
/// `Some(Clearable::Set(value))` to change it, or `Some(Clearable::Clear)` to send `null` and
/// clear it. [`crate::InquiryUpdate`] writes these for you: a setter sets, `clear_*` clears,
/// and what you do not name is left out.
///
/// ```
/// use persona_api::InquiryUpdate;
/// use persona_api::types::UpdateInquiryRequest;
///
/// let update = InquiryUpdate::new().clear_note().redirect_uri("https://example.com/done");
/// let json = serde_json::to_value(UpdateInquiryRequest::try_from(update)?)?;
/// assert_eq!(
///     json,
///     serde_json::json!({"data": {"attributes": {"note": null, "redirect-uri": "https://example.com/done"}}})
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clearable<T> {
    /// Set the attribute to this value.
    Set(T),
    /// Clear the attribute: sent as `null`.
    Clear,
}

impl<T> From<T> for Clearable<T> {
    fn from(value: T) -> Self {
        Clearable::Set(value)
    }
}

impl<T> Clearable<T> {
    /// The new value, or `None` when the attribute is cleared.
    pub fn into_value(self) -> Option<T> {
        match self {
            Clearable::Set(value) => Some(value),
            Clearable::Clear => None,
        }
    }
}

impl<T> Clearable<T> {
    /// The value in `slot` to change part of, made `Set` (from `empty`) if the attribute was
    /// left out or cleared: how a request builder sets one template field at a time. Only the
    /// inquiry product's builders use it.
    #[allow(dead_code)]
    pub(crate) fn set_value(slot: &mut Option<Clearable<T>>, empty: impl FnOnce() -> T) -> &mut T {
        if !matches!(slot, Some(Clearable::Set(_))) {
            *slot = Some(Clearable::Set(empty()));
        }
        match slot {
            Some(Clearable::Set(value)) => value,
            _ => unreachable!("the slot holds a value: it was set just above"),
        }
    }
}

impl<T: Serialize> Serialize for Clearable<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Clearable::Set(value) => value.serialize(serializer),
            Clearable::Clear => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Clearable<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(deserializer)?.map_or(Clearable::Clear, Clearable::Set))
    }
}

#[cfg(test)]
mod tests {
    use super::{Clearable, ToOneRelationship};

    #[test]
    fn clearable_sends_a_value_or_null() {
        let set: Clearable<String> = "x".to_string().into();
        assert_eq!(serde_json::to_string(&set).unwrap(), r#""x""#);
        assert_eq!(
            serde_json::to_string(&Clearable::<String>::Clear).unwrap(),
            "null"
        );
        let read: Clearable<String> = serde_json::from_str("null").unwrap();
        assert_eq!(read, Clearable::Clear);
        assert_eq!(set.into_value(), Some("x".to_string()));
    }

    #[test]
    fn an_update_reads_null_as_clear_and_absence_as_leave() {
        use crate::types::UpdateInquiryAttributes;
        let read = |wire: &str| serde_json::from_str::<UpdateInquiryAttributes>(wire).unwrap();
        assert_eq!(read(r#"{"note": null}"#).note, Some(Clearable::Clear));
        assert_eq!(
            read(r#"{"note": "x"}"#).note,
            Some(Clearable::Set("x".into()))
        );
        assert_eq!(read("{}").note, None);
        assert!(matches!(
            read(r#"{"fields": null}"#).fields,
            Some(Clearable::Clear)
        ));
        // Not nullable: refused, not read as absent.
        assert!(serde_json::from_str::<UpdateInquiryAttributes>(r#"{"tags": null}"#).is_err());
    }

    #[test]
    fn null_and_empty_object_both_mean_no_link() {
        for wire in [r#"{"data":null}"#, r#"{"data":{}}"#, "{}"] {
            let link: ToOneRelationship = serde_json::from_str(wire).unwrap();
            assert_eq!(link.id(), None, "{wire}");
        }
        let link: ToOneRelationship =
            serde_json::from_str(r#"{"data":{"type":"account","id":"act_1"}}"#).unwrap();
        assert_eq!(link.id().map(String::as_str), Some("act_1"));
    }

    #[test]
    fn a_half_filled_link_is_an_error() {
        assert!(
            serde_json::from_str::<ToOneRelationship>(r#"{"data":{"type":"account"}}"#).is_err()
        );
    }
}
