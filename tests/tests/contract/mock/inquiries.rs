//! Every inquiry operation through the generated client, and what an inquiry's life records
//! as events; searches, sparse fieldsets and updates in detail.

use futures::StreamExt;
use persona_api::types::{self, SimulateActionType};
use persona_api::{Clearable, InquiryStatus};
use persona_api_tests::{create_inquiry, create_jane_doe, jane_doe};
use reqwest::Method;
use serde_json::{Value, json};

use super::{Exercised, actions, api_error, raw_request, sandbox};

pub(super) const OPERATIONS: &[&str] = &[
    "createInquiry",
    "retrieveInquiry",
    "listInquiries",
    "updateInquiry",
    "addInquiryTag",
    "removeInquiryTag",
    "setInquiryTags",
    "generateInquiryOneTimeLink",
    "expireInquiry",
    "resumeInquiry",
    "simulateInquiryActions",
    "markInquiryForReview",
    "declineInquiry",
    "approveInquiry",
    "searchInquiries",
    "printInquiryPdf",
    "redactInquiry",
    "listEvents",
    "retrieveEvent",
];

#[tokio::test]
async fn an_inquiry_goes_through_every_operation_and_records_its_events() {
    let (mock, c) = sandbox().await;
    let mut exercised = Exercised::default();
    let mut saw = |id: &str| exercised.saw(id);

    let created = c
        .create_inquiry()
        .body(jane_doe(mock.template_id()))
        .send()
        .await
        .expect("creates");
    assert_eq!(created.status().as_u16(), 201);
    let inquiry = created.into_inner().data;
    let id = inquiry.id.as_str();
    assert_eq!(inquiry.attributes.status, Some(InquiryStatus::Created));
    saw("createInquiry");

    let retrieved = c
        .retrieve_inquiry()
        .inquiry_id(id)
        .include("inquiry-template,sessions")
        .send()
        .await
        .expect("retrieves")
        .into_inner();
    assert_eq!(
        retrieved.data.attributes.name_first.as_deref(),
        Some("Jane")
    );
    assert_eq!(
        retrieved.included.expect("included")[0].kind(),
        "inquiry-template"
    );
    saw("retrieveInquiry");

    let list = c
        .list_inquiries()
        .filter_status("created")
        .send()
        .await
        .expect("lists")
        .into_inner();
    assert_eq!(list.data.len(), 1);
    saw("listInquiries");

    let update = types::UpdateInquiryRequest::builder().data(
        types::UpdateInquiryRequestData::builder().attributes(
            types::UpdateInquiryAttributes::builder().note(Some("called back".to_string().into())),
        ),
    );
    let updated = c
        .update_inquiry()
        .inquiry_id(id)
        .body(update)
        .send()
        .await
        .expect("updates")
        .into_inner();
    assert_eq!(updated.data.attributes.note.as_deref(), Some("called back"));
    saw("updateInquiry");

    let tag = |name: &str| {
        types::InquiryTagRequest::builder()
            .meta(types::InquiryTagRequestMeta::builder().tag_name(name.to_string()))
    };
    c.add_inquiry_tag()
        .inquiry_id(id)
        .body(tag("vip"))
        .send()
        .await
        .expect("adds a tag");
    c.add_inquiry_tag()
        .inquiry_id(id)
        .body(tag("manual"))
        .send()
        .await
        .expect("adds a tag");
    let removed = c
        .remove_inquiry_tag()
        .inquiry_id(id)
        .body(tag("vip"))
        .send()
        .await
        .expect("removes")
        .into_inner();
    assert_eq!(
        removed.data.attributes.tags,
        Some(vec![Some("manual".to_string())])
    );
    let set = types::SetInquiryTagsRequest::builder().meta(
        types::SetInquiryTagsRequestMeta::builder()
            .tag_name(vec!["a".to_string(), "b".to_string()]),
    );
    let tagged = c
        .set_inquiry_tags()
        .inquiry_id(id)
        .body(set)
        .send()
        .await
        .expect("sets")
        .into_inner();
    assert_eq!(
        tagged.data.attributes.tags,
        Some(vec![Some("a".to_string()), Some("b".to_string())])
    );
    saw("addInquiryTag");
    saw("removeInquiryTag");
    saw("setInquiryTags");

    let link = c
        .generate_inquiry_one_time_link()
        .inquiry_id(id)
        .send()
        .await
        .expect("links")
        .into_inner();
    assert!(
        link.meta
            .one_time_link
            .starts_with("https://withpersona.com/verify?code=otl_")
    );
    saw("generateInquiryOneTimeLink");

    let expired = c
        .expire_inquiry()
        .inquiry_id(id)
        .send()
        .await
        .expect("expires")
        .into_inner();
    assert_eq!(expired.data.attributes.status, Some(InquiryStatus::Expired));
    saw("expireInquiry");
    let resumed = c
        .resume_inquiry()
        .inquiry_id(id)
        .send()
        .await
        .expect("resumes")
        .into_inner();
    assert_eq!(resumed.data.attributes.status, Some(InquiryStatus::Pending));
    assert!(resumed.meta.session_token.starts_with("eyJ"));
    saw("resumeInquiry");

    let completed = c
        .simulate_inquiry_actions()
        .inquiry_id(id)
        .body(actions(&[SimulateActionType::CompleteInquiry]))
        .send()
        .await
        .expect("simulates");
    assert_eq!(
        completed.into_inner().data.attributes.status,
        Some(InquiryStatus::Completed)
    );
    saw("simulateInquiryActions");
    let review = c
        .mark_inquiry_for_review()
        .inquiry_id(id)
        .send()
        .await
        .expect("marks")
        .into_inner();
    assert_eq!(
        review.data.attributes.status,
        Some(InquiryStatus::NeedsReview)
    );
    saw("markInquiryForReview");
    let declined = c
        .decline_inquiry()
        .inquiry_id(id)
        .send()
        .await
        .expect("declines")
        .into_inner();
    assert_eq!(
        declined.data.attributes.status,
        Some(InquiryStatus::Declined)
    );
    saw("declineInquiry");
    // An optional nested object takes `Some(..)` of the built value: typify builders do not
    // convert a builder into an `Option`.
    let meta: types::InquiryDecisionRequestMeta = types::InquiryDecisionRequestMeta::builder()
        .comment("second look".to_string())
        .try_into()
        .expect("meta");
    let decision = types::InquiryDecisionRequest::builder().meta(Some(meta));
    let approved = c
        .approve_inquiry()
        .inquiry_id(id)
        .body(decision)
        .send()
        .await
        .expect("approves")
        .into_inner();
    assert_eq!(
        approved.data.attributes.status,
        Some(InquiryStatus::Approved)
    );
    assert_eq!(
        approved.data.attributes.reviewer_comment.as_deref(),
        Some("second look")
    );
    saw("approveInquiry");

    let search =
        persona_api::InquirySearch::new().query(types::SearchQuery::eq("status", "approved"));
    let found = c
        .search_inquiries()
        .body(search)
        .send()
        .await
        .expect("searches")
        .into_inner();
    assert_eq!(
        found
            .data
            .iter()
            .map(|inquiry| inquiry.id.as_str())
            .collect::<Vec<_>>(),
        vec![id]
    );
    saw("searchInquiries");

    let pdf = c
        .print_inquiry_pdf()
        .inquiry_id(id)
        .send()
        .await
        .expect("prints");
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let mut stream = pdf.into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.expect("a chunk"));
    }
    assert!(bytes.starts_with(b"%PDF-1.4") && bytes.ends_with(b"%%EOF\n"));
    saw("printInquiryPdf");

    let redacted = c
        .redact_inquiry()
        .inquiry_id(id)
        .send()
        .await
        .expect("redacts")
        .into_inner();
    assert!(redacted.data.attributes.redacted_at.is_some());
    assert_eq!(redacted.data.attributes.name_first, None, "PII is gone");
    saw("redactInquiry");

    let events = c
        .list_events()
        .filter_object_id(id)
        .page_size(20)
        .send()
        .await
        .expect("lists events")
        .into_inner();
    let names: Vec<&str> = events
        .data
        .iter()
        .filter_map(|event| event.attributes.name.as_deref())
        .collect();
    assert_eq!(
        names,
        [
            "inquiry.redacted",
            "inquiry.approved",
            "inquiry.declined",
            "inquiry.marked-for-review",
            "inquiry.completed",
            "inquiry.started",
            "inquiry.expired",
            "inquiry.updated-tags",
            "inquiry.updated-tags",
            "inquiry.updated-tags",
            "inquiry.updated-tags",
            "inquiry.created"
        ],
        "newest first; each tag change is an inquiry.updated-tags"
    );
    saw("listEvents");
    let event = c
        .retrieve_event()
        .event_id(&events.data[1].id)
        .send()
        .await
        .expect("retrieves an event")
        .into_inner();
    let payload = event
        .data
        .attributes
        .payload
        .and_then(|payload| payload.data)
        .expect("a payload");
    assert_eq!(
        (payload.type_.as_str(), payload.id.as_str()),
        ("inquiry", id)
    );
    saw("retrieveEvent");

    exercised.assert_exactly(OPERATIONS);
}

#[tokio::test]
async fn search_combines_predicates() {
    let (mock, c) = sandbox().await;
    let mut ids = Vec::new();
    for reference in ["a", "b", "c"] {
        let body = jane_doe(mock.template_id()).reference_id(reference);
        ids.push(create_inquiry(&c, body).await.expect("creates"));
    }
    c.approve_inquiry()
        .inquiry_id(&ids[1])
        .send()
        .await
        .expect("approves");
    let query: types::SearchInquiriesRequest = serde_json::from_value(json!({
        "query": {"or": [
            {"attribute": "status", "operator": "eq", "value": "approved"},
            {"and": [{"attribute": "reference_id", "operator": "eq", "value": "c"}, {"not": {"attribute": "created_at", "operator": "lt", "value": "2000-01-01"}}]}
        ]},
        "sort": {"attribute": "created_at", "direction": "asc"}
    }))
    .expect("query");
    let found = c
        .search_inquiries()
        .body(query)
        .send()
        .await
        .expect("searches")
        .into_inner();
    assert_eq!(
        found
            .data
            .iter()
            .map(|inquiry| inquiry.id.clone())
            .collect::<Vec<_>>(),
        vec![ids[1].clone(), ids[2].clone()]
    );

    let unknown: types::SearchInquiriesRequest = serde_json::from_value(
        json!({"query": {"attribute": "name_first", "operator": "eq", "value": "Jane"}}),
    )
    .expect("query");
    let (status, _, details) = api_error(c.search_inquiries().body(unknown).send().await);
    assert_eq!(status, 400);
    assert!(
        details
            .expect("details")
            .contains("'name_first' is not searchable")
    );
}

#[tokio::test]
async fn sparse_fieldsets_and_include_shape_the_response() {
    let (mock, c) = sandbox().await;
    let id = create_jane_doe(&c, mock.template_id())
        .await
        .expect("creates");
    let sparse = c
        .retrieve_inquiry()
        .inquiry_id(&id)
        .fields_inquiry("status,created-at")
        .send()
        .await
        .expect("retrieves")
        .into_inner();
    assert_eq!(sparse.data.attributes.status, Some(InquiryStatus::Created));
    assert!(sparse.data.attributes.created_at.is_some());
    assert!(sparse.data.attributes.name_first.is_none() && sparse.data.relationships.is_none());

    let (status, _, details) = api_error(
        c.retrieve_inquiry()
            .inquiry_id(&id)
            .include("reviewer-notes")
            .send()
            .await,
    );
    assert_eq!(status, 400);
    assert!(
        details
            .expect("details")
            .contains("unknown relationship 'reviewer-notes'")
    );
}

#[tokio::test]
async fn an_update_leaves_sets_or_clears_each_attribute() {
    let (mock, c) = sandbox().await;
    let id = create_jane_doe(&c, mock.template_id())
        .await
        .expect("creates");
    let update = |attributes: types::builder::UpdateInquiryAttributes| {
        c.update_inquiry()
            .inquiry_id(&id)
            .body(
                types::UpdateInquiryRequest::builder()
                    .data(types::UpdateInquiryRequestData::builder().attributes(attributes)),
            )
            .send()
    };
    let set = update(
        types::UpdateInquiryAttributes::builder()
            .note(Some("called back".to_string().into()))
            .redirect_uri(Some("https://example.com/done".to_string().into())),
    )
    .await
    .expect("sets")
    .into_inner();
    assert_eq!(set.data.attributes.note.as_deref(), Some("called back"));

    // Only the note is named, as null: it is cleared.
    let cleared = update(types::UpdateInquiryAttributes::builder().note(Some(Clearable::Clear)))
        .await
        .expect("clears")
        .into_inner();
    assert_eq!(cleared.data.attributes.note, None);
    let (_, raw) = raw_request(&mock, Method::GET, &format!("/inquiries/{id}"), None, None).await;
    assert_eq!(raw["data"]["attributes"]["note"], Value::Null);

    // Nothing named: nothing changes. `fields` cleared sets every value given to null.
    let untouched = update(types::UpdateInquiryAttributes::builder())
        .await
        .expect("no change")
        .into_inner();
    assert_eq!(
        untouched.data.attributes.name_first.as_deref(),
        Some("Jane")
    );
    let no_fields =
        update(types::UpdateInquiryAttributes::builder().fields(Some(Clearable::Clear)))
            .await
            .expect("clears the fields")
            .into_inner();
    let fields = no_fields
        .data
        .attributes
        .fields
        .expect("fields are rendered");
    for name in ["name-first", "name-last", "birthdate"] {
        assert_eq!(fields[name].value, Value::Null, "{name}");
    }
}

#[tokio::test]
async fn simulated_verifications_come_back_typed_with_the_inquirys_data_and_checks() {
    use persona_api::types::{Included, SimulateAction, SimulateActionData};
    use persona_api::{CheckStatus, Resolve, SimulateActions};

    let (mock, c) = sandbox().await;
    let government_id = mock
        .template_of("verification-template/government-id")
        .expect("the sandbox's government-id verification template");
    let id = create_jane_doe(&c, mock.template_id())
        .await
        .expect("creates");
    let verification = |kind| SimulateAction {
        type_: kind,
        data: Some(SimulateActionData {
            verification_template_id: government_id.to_string(),
        }),
    };
    c.simulate_inquiry_actions()
        .inquiry_id(&id)
        .body(SimulateActions::new([
            verification(SimulateActionType::CreatePassedVerification),
            verification(SimulateActionType::CreateFailedVerification),
        ]))
        .send()
        .await
        .expect("simulates");
    let document = c
        .retrieve_inquiry()
        .inquiry_id(&id)
        .include("verifications")
        .send()
        .await
        .expect("retrieves")
        .into_inner();
    let links = document.data.relationships.as_ref().expect("links");
    let verifications = links.verifications.resolve(&document.included);
    assert_eq!(verifications.len(), 2, "{verifications:?}");
    for (verification, passed) in verifications.iter().zip([true, false]) {
        let Included::VerificationGovernmentId(government_id) = verification else {
            panic!("a government-id verification: {verification:?}")
        };
        let attributes = government_id.attributes.as_ref().expect("attributes");
        assert_eq!(
            attributes.status.as_deref(),
            Some(if passed { "passed" } else { "failed" })
        );
        assert_eq!(attributes.name_first.as_deref(), Some("Jane"));
        assert_eq!(attributes.birthdate.as_deref(), Some("1994-04-12"));
        let checks = attributes.checks.as_ref().expect("checks");
        let failed = checks
            .iter()
            .filter(|check| check.status == Some(CheckStatus::Failed))
            .count();
        assert_eq!((checks.len(), failed), (4, usize::from(!passed)));
    }
}
