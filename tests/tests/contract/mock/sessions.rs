//! Every inquiry-session operation through the generated client.

use persona_api::InquirySessionStatus;
use persona_api::types;
use persona_api_tests::{create_jane_doe, jane_doe};
use reqwest::Method;
use serde_json::json;

use super::{Exercised, raw_request, sandbox, sandbox_state};

pub(super) const OPERATIONS: &[&str] = &[
    "listInquirySessions",
    "createInquirySession",
    "retrieveInquirySession",
    "generateInquirySessionOneTimeLink",
    "expireInquirySession",
    "expireAllInquirySessions",
];

#[tokio::test]
async fn a_session_goes_through_every_operation() {
    let (mock, c) = sandbox().await;
    let mut exercised = Exercised::default();
    let mut saw = |id: &str| exercised.saw(id);
    let id = create_jane_doe(&c, mock.template_id())
        .await
        .expect("creates");
    let id = id.as_str();

    // Two sessions: one to expire by id, one left open for expire-all.
    for _ in 0..2 {
        let session_body = types::CreateInquirySessionRequest::builder().data(
            types::CreateInquirySessionRequestData::builder().attributes(
                types::CreateInquirySessionRequestDataAttributes::builder()
                    .inquiry_id(id.to_string()),
            ),
        );
        let new_session = c
            .create_inquiry_session()
            .body(session_body)
            .send()
            .await
            .expect("opens a session");
        assert_eq!(new_session.status().as_u16(), 201);
    }
    saw("createInquirySession");
    let sessions = c
        .list_inquiry_sessions()
        .filter_inquiry_id(id)
        .send()
        .await
        .expect("lists sessions")
        .into_inner();
    assert_eq!(sessions.data.len(), 2);
    let session_id = sessions.data[0].id.clone();
    saw("listInquirySessions");
    let session = c
        .retrieve_inquiry_session()
        .inquiry_session_id(&session_id)
        .send()
        .await
        .expect("retrieves")
        .into_inner();
    assert_eq!(
        session.data.attributes.status,
        Some(InquirySessionStatus::New)
    );
    saw("retrieveInquirySession");
    let session_link = c
        .generate_inquiry_session_one_time_link()
        .inquiry_session_id(&session_id)
        .send()
        .await
        .expect("links")
        .into_inner();
    assert!(session_link.meta.one_time_link.contains("otl_"));
    saw("generateInquirySessionOneTimeLink");
    let expired = c
        .expire_inquiry_session()
        .inquiry_session_id(&session_id)
        .send()
        .await
        .expect("expires")
        .into_inner();
    assert_eq!(
        expired.data.attributes.status,
        Some(InquirySessionStatus::Expired)
    );
    saw("expireInquirySession");
    let expire_all = types::ExpireAllInquirySessionsRequest::builder().meta(
        types::ExpireAllInquirySessionsRequestMeta::builder()
            .inquiry_ids(vec![persona_api::InquiryId::from_server(id)]),
    );
    let all = c
        .expire_all_inquiry_sessions()
        .body(expire_all)
        .send()
        .await
        .expect("expires all")
        .into_inner();
    assert_eq!(all.data.len(), 1, "only the session still open is expired");
    saw("expireAllInquirySessions");

    exercised.assert_exactly(OPERATIONS);
}

#[tokio::test]
async fn asking_for_a_session_token_and_a_one_time_link_opens_one_session() {
    let (mock, _c) = sandbox().await;
    let (status, created) = raw_request(
        &mock,
        Method::POST,
        "/inquiries",
        Some(&json!({
            "data": {"attributes": {"inquiry-template-id": mock.template_id()}},
            "meta": {"auto-create-inquiry-session": true, "auto-create-one-time-link": true}
        })),
        None,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(created["meta"]["session-token"].is_string(), "{created}");
    assert!(created["meta"]["one-time-link"].is_string(), "{created}");
    assert_eq!(
        sandbox_state(&mock).await["inquiry-sessions"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn starting_opens_the_newest_session_and_a_decision_cancels_the_open_ones() {
    use persona_api::types::SimulateActionType::StartInquiry;
    let (mock, c) = sandbox().await;
    let created = c
        .create_inquiry()
        .body(jane_doe(mock.template_id()).auto_create_inquiry_session(true))
        .send()
        .await
        .expect("creates")
        .into_inner()
        .data;
    c.simulate_inquiry_actions()
        .inquiry_id(&created.id)
        .body(persona_api::SimulateActions::new([StartInquiry]))
        .send()
        .await
        .expect("starts");
    let session = c
        .list_inquiry_sessions()
        .filter_inquiry_id(&created.id)
        .send()
        .await
        .expect("lists")
        .into_inner()
        .data
        .remove(0);
    assert_eq!(
        session.attributes.status,
        Some(InquirySessionStatus::Active)
    );
    assert!(session.attributes.started_at.is_some());
    assert_eq!(
        event_names(&c, &session.id).await,
        ["inquiry-session.started"]
    );

    // A decision cancels the sessions still open: nobody can go on in them.
    c.approve_inquiry()
        .inquiry_id(&created.id)
        .send()
        .await
        .expect("approves");
    let session = c
        .retrieve_inquiry_session()
        .inquiry_session_id(&session.id)
        .send()
        .await
        .expect("retrieves")
        .into_inner()
        .data;
    assert_eq!(
        session.attributes.status,
        Some(InquirySessionStatus::Canceled)
    );
    assert_eq!(
        event_names(&c, &session.id).await,
        ["inquiry-session.canceled", "inquiry-session.started"],
        "newest first"
    );
}

/// The names of the events about one object, newest first.
async fn event_names(c: &persona_api::Client, object_id: &str) -> Vec<String> {
    c.list_events()
        .filter_object_id(object_id)
        .send()
        .await
        .expect("lists events")
        .into_inner()
        .data
        .into_iter()
        .filter_map(|event| event.attributes.name)
        .collect()
}
