//! Request bodies without their JSON:API envelopes, one per body the API takes: build one and
//! pass it to an operation's `.body(..)`.
//!
//! The builders and their setters are generated from the spec with the rest of the client (a
//! setter per attribute and `meta` option, the standard template fields as setters of their
//! own); this module adds the constructors that say what a request is for.
//!
//! ```
//! use persona_api::chrono::NaiveDate;
//! use persona_api::prelude::*;
//! use persona_api::types::SimulateActionType::{CompleteInquiry, StartInquiry};
//! use persona_api::{Client, Decision, NewInquiry, SimulateActions, Tag};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = persona_mock::MockServer::start().await?;
//! # let client = sandbox.client_builder().build()?;
//! # let template_id = sandbox.template_id();
//! let inquiry = client
//!     .create_inquiry()
//!     .body(
//!         NewInquiry::from_template(template_id)
//!             .name_first("Jane")
//!             .name_last("Doe")
//!             .birthdate(NaiveDate::from_ymd_opt(1994, 4, 12).ok_or("a date")?)
//!             .field("selected-country-code", "US")
//!             .reference_id("user-1"),
//!     )
//!     .send()
//!     .await?
//!     .into_data();
//! let id = &inquiry.id;
//! client.simulate_inquiry_actions().inquiry_id(id).body(SimulateActions::new([StartInquiry, CompleteInquiry])).send().await?;
//! client.add_inquiry_tag().inquiry_id(id).body(Tag::named("vip")).send().await?;
//! client.approve_inquiry().inquiry_id(id).body(Decision::with_comment("documents match")).send().await?;
//! # Ok(())
//! # }
//! ```

// A build whose products take no JSON body (documents alone) has no builder to re-export.
#[allow(unused_imports)]
pub use crate::generated::requests::*;

#[cfg(feature = "inquiries")]
mod inquiries;

// `Tag` and `TagSet` serve every product that tags (the generator gates them so).
#[cfg(any(
    feature = "accounts",
    feature = "cases",
    feature = "inquiries",
    feature = "reports",
    feature = "transactions"
))]
mod tags;

#[cfg(feature = "accounts")]
impl NewAccount {
    /// An account for one of your users, by your own id for them: Persona keeps one account
    /// per reference id.
    pub fn with_reference_id(reference_id: impl Into<String>) -> NewAccount {
        NewAccount::new().reference_id(reference_id)
    }
}

/// A builder's body as it goes on the wire: the tests' view of what `.body(..)` sends.
#[cfg(test)]
fn wire<B, R>(body: B) -> serde_json::Value
where
    R: TryFrom<B, Error = crate::generated::types::error::ConversionError> + serde::Serialize,
{
    serde_json::to_value(R::try_from(body).expect("a valid body")).expect("serializes")
}

// The shapes the builders of the other products take (the inquiry ones are tested beside their
// constructors): attributes in an optional `data`, an optional `meta` sent only when set, one
// builder for several products' bodies, and a `data` that is a part of its own.
#[cfg(all(test, feature = "full"))]
mod tests {
    use super::*;
    use crate::generated::types;
    use serde_json::json;

    #[test]
    fn an_account_by_reference_id() {
        let body = NewAccount::with_reference_id("user-1").name_first("Ada");
        assert_eq!(
            wire::<_, types::CreateAccountBody>(body),
            json!({"data": {"attributes": {"reference-id": "user-1", "name-first": "Ada"}}})
        );
    }

    #[test]
    fn a_case_sends_its_meta_only_when_given() {
        assert_eq!(
            wire::<_, types::CreateCaseBody>(NewCase::new("ctmpl_1")),
            json!({"data": {"attributes": {"case-template-id": "ctmpl_1"}}})
        );
        let with_objects = NewCase::new("ctmpl_1").object_ids(["inq_1", "act_1"]);
        assert_eq!(
            wire::<_, types::CreateCaseBody>(with_objects),
            json!({"data": {"attributes": {"case-template-id": "ctmpl_1"}},
                   "meta": {"object-ids": ["inq_1", "act_1"]}})
        );
    }

    #[test]
    fn an_id_in_a_body_is_checked_for_its_kind_before_anything_is_sent() {
        let refused = types::CreateCaseBody::try_from(NewCase::new("itmpl_1"))
            .expect_err("an inquiry template is no case template");
        assert_eq!(
            refused.to_string(),
            "a case template id must start with `ctmpl_` (sent 'itmpl_1')"
        );
        let refused = types::CreateReportBody::try_from(
            NewWatchlistReport::new()
                .report_template_id("rptp_1")
                .account_id("inq_1"),
        )
        .expect_err("an inquiry is no account");
        assert!(refused.to_string().contains("`act_`"), "{refused}");
    }

    #[test]
    fn one_tag_builder_serves_every_product_that_tags() {
        let expected = json!({"meta": {"tag-name": "vip"}});
        assert_eq!(
            wire::<_, types::AddAccountTagBody>(Tag::named("vip")),
            expected
        );
        assert_eq!(
            wire::<_, types::AddCaseTagBody>(Tag::named("vip")),
            expected
        );
        assert_eq!(
            wire::<_, types::InquiryTagRequest>(Tag::named("vip")),
            expected
        );
        assert_eq!(
            wire::<_, types::RemoveTransactionTagBody>(Tag::named("vip")),
            expected
        );
        assert_eq!(
            wire::<_, types::SetReportTagsBody>(TagSet::named(["a", "b"])),
            json!({"meta": {"tag-name": ["a", "b"]}})
        );
    }

    #[test]
    fn a_webhook_subscribes_to_every_event_or_to_one_persona_added_since() {
        let body = NewWebhook::new(
            [
                crate::WebhookEventName::InquiryApproved,
                crate::WebhookEventName::All,
                "thing.invented-tomorrow".into(),
            ],
            "https://example.com/hooks",
        );
        assert_eq!(
            wire::<_, types::CreateWebhookBody>(body)["data"]["attributes"]["enabled-events"],
            json!(["inquiry.approved", "*", "thing.invented-tomorrow"])
        );
    }

    #[test]
    fn a_report_of_each_kind_has_a_builder_that_sends_its_type() {
        let watchlist = NewWatchlistReport::new()
            .report_template_id("rptp_1")
            .name_first("Ada")
            .name_last("Lovelace");
        assert_eq!(
            wire::<_, types::CreateReportBody>(watchlist),
            json!({"data": {"type": "report/watchlist", "attributes": {
                "report-template-id": "rptp_1",
                "query": {"name-first": "Ada", "name-last": "Lovelace"}}}})
        );
        // The body's `meta` goes with every kind, sent only when set.
        let adverse_media = NewAdverseMediaReport::new()
            .term("Ada Lovelace")
            .auto_create_account(true);
        let body = wire::<_, types::CreateReportBody>(adverse_media);
        assert_eq!(body["data"]["type"], "report/adverse-media");
        assert_eq!(body["data"]["attributes"]["query"]["term"], "Ada Lovelace");
        assert_eq!(body["meta"], json!({"auto-create-account": true}));
    }

    #[test]
    fn an_action_whose_data_is_more_than_attributes() {
        let body = RunAccountAction::new("aca_1");
        assert_eq!(
            wire::<_, types::RunAccountActionBody>(body)["data"]["account-action-id"],
            "aca_1"
        );
        let run = NewWorkflowRun::new(serde_json::Map::from_iter([(
            "reference-id".to_string(),
            json!("user-1"),
        )]));
        assert_eq!(
            wire::<_, types::CreateWorkflowRunBody>(run),
            json!({"data": {"attributes": {"reference-id": "user-1"}}})
        );
    }
}
