//! Every operation, called through `persona_api::Client` against a recording server on
//! 127.0.0.1: the method, path, query, headers and body it sends are pinned per operation.

use std::collections::BTreeSet;
use std::future::Future;

use persona_api::types;
use persona_api::{Client, ResponseValue};
use persona_api_tests::fixtures::guide;
use persona_api_tests::recording_server::{RecordedRequest, RecordingServer};
use persona_api_tests::{TEST_API_KEY, operation, operations, product_snapshots};

pub(crate) struct Recorder {
    server: RecordingServer,
    pub(crate) client: Client,
    seen: BTreeSet<String>,
    uploaded: BTreeSet<String>,
}

impl Recorder {
    async fn start() -> Recorder {
        let server = RecordingServer::start().await;
        let client = Client::builder(TEST_API_KEY)
            .base_url(server.base_url())
            .build()
            .expect("valid settings");
        Recorder {
            server,
            client,
            seen: BTreeSet::new(),
            uploaded: BTreeSet::new(),
        }
    }

    /// Sends one call, checks it reached the operation it claims and got the documented success,
    /// and pins the request.
    pub(crate) fn record<T>(
        &mut self,
        operation_id: &str,
        call: impl Future<Output = Result<ResponseValue<T>, impl std::fmt::Display>>,
    ) -> impl Future<Output = RecordedRequest> {
        // Not an async fn awaiting `exchange`: that would hold `call` twice, and the test of
        // every hand-built call would outgrow its thread's stack.
        self.exchange(operation_id, Pinned::Request, call)
    }

    /// As [`record`](Self::record), for an operation's multipart upload, pinned beside its
    /// JSON request.
    pub(crate) fn record_upload<T>(
        &mut self,
        operation_id: &str,
        call: impl Future<Output = Result<ResponseValue<T>, impl std::fmt::Display>>,
    ) -> impl Future<Output = RecordedRequest> {
        self.exchange(operation_id, Pinned::Upload, call)
    }

    async fn exchange<T>(
        &mut self,
        operation_id: &str,
        pinned: Pinned,
        call: impl Future<Output = Result<ResponseValue<T>, impl std::fmt::Display>>,
    ) -> RecordedRequest {
        let response = call
            .await
            .unwrap_or_else(|error| panic!("{operation_id}: {error}"));
        let operation = operation(operation_id);
        assert_eq!(
            response.status().as_u16(),
            operation.success_status,
            "{operation_id}"
        );
        let mut recorded = self.server.take();
        assert_eq!(
            recorded.len(),
            1,
            "{operation_id} sent {} requests",
            recorded.len()
        );
        let request = recorded.remove(0);
        assert!(
            operation.matches(&request.method, &request.path),
            "{operation_id} sent {} {}, not {} {}",
            request.method,
            request.path,
            operation.method,
            operation.path
        );
        insta::with_settings!({ snapshot_path => product_snapshots(operation) }, {
            insta::assert_json_snapshot!(format!("{}_{operation_id}", pinned.prefix()), request);
        });
        match pinned {
            Pinned::Request => &mut self.seen,
            Pinned::Upload => &mut self.uploaded,
        }
        .insert(operation_id.to_string());
        request
    }
}

/// Which request of an operation a snapshot pins.
#[derive(Clone, Copy)]
enum Pinned {
    Request,
    /// Its multipart upload.
    Upload,
}

impl Pinned {
    fn prefix(self) -> &'static str {
        match self {
            Pinned::Request => "request",
            Pinned::Upload => "upload",
        }
    }
}

/// The spec's first request example for an operation as its typed body; for a body Persona
/// gives no example of, the least one its schema takes.
pub(crate) fn example_or_least<T: serde::de::DeserializeOwned>(operation_id: &str) -> T {
    if !operation(operation_id).request_examples.is_empty() {
        return example_body(operation_id);
    }
    let (path, method) = {
        let operation = operation(operation_id);
        (operation.path.clone(), operation.method.to_lowercase())
    };
    let body = &persona_api_tests::spec()["paths"][&path][&method]["requestBody"];
    let content = &persona_api_tests::resolve(body)["content"];
    let schema = match content.get("application/json") {
        Some(json) => &json["schema"],
        None => &content["application/x-www-form-urlencoded"]["schema"],
    };
    serde_json::from_value(persona_api_tests::least_instance(schema))
        .unwrap_or_else(|error| panic!("{operation_id}: its least body does not decode: {error}"))
}

/// The spec's first request example for an operation, as its typed body.
fn example_body<T: serde::de::DeserializeOwned>(operation_id: &str) -> T {
    let (_, example) = operation(operation_id)
        .request_examples
        .first()
        .expect("a request example");
    serde_json::from_value(example.clone())
        .unwrap_or_else(|error| panic!("{operation_id}: {error}"))
}

const INQUIRY: &str = "inq_Qk4uUUDAt6ZZt2zKQNb6SR6J";
const SESSION: &str = "iqse_8bWd1TzKh3fR5pGq2LmYc7Xv";
const TEMPLATE: &str = "itmpl_zxDohzpCMnKNnj4no2dDuah8";

#[tokio::test]
async fn every_operation_sends_its_pinned_request() {
    let mut r = Recorder::start().await;
    let c = r.client.clone();

    // The getting-started request, built the way a user would.
    let fields = serde_json::from_value::<types::FieldValues>(serde_json::json!({
        "name-first": "Jane", "name-last": "Doe", "birthdate": "1994-04-12"
    }))
    .expect("field values");
    let attributes = types::CreateInquiryAttributes::builder()
        .inquiry_template_id(
            "itmpl_YOURTEMPLATEID"
                .parse::<persona_api::InquiryTemplateId>()
                .ok(),
        )
        .fields(fields);
    let create = types::CreateInquiryRequest::builder()
        .data(types::CreateInquiryData::builder().attributes(attributes));
    let request = r
        .record(
            "createInquiry",
            c.create_inquiry()
                .idempotency_key("7f9c2d0e-create-jane-doe")
                .body(create)
                .send(),
        )
        .await;
    assert_eq!(
        request.body.as_ref(),
        Some(&guide().request),
        "the client sends the guide's body exactly"
    );

    r.record(
        "listInquiries",
        c.list_inquiries()
            .page_size(2)
            .page_after(INQUIRY)
            .filter_status("completed,approved")
            .filter_reference_id("user-1042")
            .filter_created_at_start(
                "2025-03-01T00:00:00Z"
                    .parse::<chrono::DateTime<chrono::Utc>>()
                    .expect("date"),
            )
            .fields_inquiry("status,created-at")
            .send(),
    )
    .await;
    r.record(
        "searchInquiries",
        c.search_inquiries()
            .page_size(25)
            .body(example_body::<types::SearchInquiriesRequest>(
                "searchInquiries",
            ))
            .send(),
    )
    .await;
    r.record(
        "retrieveInquiry",
        c.retrieve_inquiry()
            .inquiry_id(INQUIRY)
            .include("inquiry-template,sessions")
            .send(),
    )
    .await;
    r.record(
        "updateInquiry",
        c.update_inquiry()
            .inquiry_id(INQUIRY)
            .body(example_body::<types::UpdateInquiryRequest>("updateInquiry"))
            .send(),
    )
    .await;
    r.record(
        "redactInquiry",
        c.redact_inquiry().inquiry_id(INQUIRY).send(),
    )
    .await;
    r.record(
        "approveInquiry",
        c.approve_inquiry()
            .inquiry_id(INQUIRY)
            .body(example_body::<types::InquiryDecisionRequest>(
                "approveInquiry",
            ))
            .send(),
    )
    .await;
    // Without a comment the body is an empty object, which Persona accepts.
    r.record(
        "declineInquiry",
        c.decline_inquiry().inquiry_id(INQUIRY).send(),
    )
    .await;
    r.record(
        "markInquiryForReview",
        c.mark_inquiry_for_review().inquiry_id(INQUIRY).send(),
    )
    .await;
    r.record(
        "expireInquiry",
        c.expire_inquiry().inquiry_id(INQUIRY).send(),
    )
    .await;
    r.record(
        "resumeInquiry",
        c.resume_inquiry().inquiry_id(INQUIRY).send(),
    )
    .await;
    r.record(
        "generateInquiryOneTimeLink",
        c.generate_inquiry_one_time_link()
            .inquiry_id(INQUIRY)
            .body(example_body::<types::GenerateOneTimeLinkRequest>(
                "generateInquiryOneTimeLink",
            ))
            .send(),
    )
    .await;
    r.record(
        "printInquiryPdf",
        c.print_inquiry_pdf().inquiry_id(INQUIRY).send(),
    )
    .await;
    r.record(
        "addInquiryTag",
        c.add_inquiry_tag()
            .inquiry_id(INQUIRY)
            .body(example_body::<types::InquiryTagRequest>("addInquiryTag"))
            .send(),
    )
    .await;
    r.record(
        "removeInquiryTag",
        c.remove_inquiry_tag()
            .inquiry_id(INQUIRY)
            .body(example_body::<types::InquiryTagRequest>("removeInquiryTag"))
            .send(),
    )
    .await;
    r.record(
        "setInquiryTags",
        c.set_inquiry_tags()
            .inquiry_id(INQUIRY)
            .body(example_body::<types::SetInquiryTagsRequest>(
                "setInquiryTags",
            ))
            .send(),
    )
    .await;
    r.record(
        "simulateInquiryActions",
        c.simulate_inquiry_actions()
            .inquiry_id(INQUIRY)
            .body(example_body::<types::SimulateActionsRequest>(
                "simulateInquiryActions",
            ))
            .send(),
    )
    .await;

    r.record(
        "listInquirySessions",
        c.list_inquiry_sessions().filter_inquiry_id(INQUIRY).send(),
    )
    .await;
    r.record(
        "createInquirySession",
        c.create_inquiry_session()
            .body(example_body::<types::CreateInquirySessionRequest>(
                "createInquirySession",
            ))
            .send(),
    )
    .await;
    r.record(
        "expireAllInquirySessions",
        c.expire_all_inquiry_sessions()
            .body(example_body::<types::ExpireAllInquirySessionsRequest>(
                "expireAllInquirySessions",
            ))
            .send(),
    )
    .await;
    r.record(
        "retrieveInquirySession",
        c.retrieve_inquiry_session()
            .inquiry_session_id(SESSION)
            .fields_inquiry_session("status")
            .send(),
    )
    .await;
    r.record(
        "expireInquirySession",
        c.expire_inquiry_session()
            .inquiry_session_id(SESSION)
            .send(),
    )
    .await;
    r.record(
        "generateInquirySessionOneTimeLink",
        c.generate_inquiry_session_one_time_link()
            .inquiry_session_id(SESSION)
            .send(),
    )
    .await;

    r.record(
        "listInquiryTemplates",
        c.list_inquiry_templates().page_size(10).send(),
    )
    .await;
    r.record(
        "retrieveInquiryTemplate",
        c.retrieve_inquiry_template()
            .inquiry_template_id(TEMPLATE)
            .include("latest-published-version")
            .send(),
    )
    .await;
    r.record(
        "retrieveInquiryTemplateTranslations",
        c.retrieve_inquiry_template_translations()
            .inquiry_template_id(TEMPLATE)
            .send(),
    )
    .await;
    r.record(
        "importInquiryTemplateTranslations",
        c.import_inquiry_template_translations()
            .inquiry_template_id(TEMPLATE)
            .body(example_body::<types::ImportTranslationsRequest>(
                "importInquiryTemplateTranslations",
            ))
            .send(),
    )
    .await;
    r.record(
        "listInquiryTemplateVersions",
        c.list_inquiry_template_versions()
            .filter_inquiry_template_id(TEMPLATE)
            .page_size(5)
            .send(),
    )
    .await;

    r.record(
        "listEvents",
        c.list_events()
            .filter_name("inquiry.approved")
            .filter_object_id(INQUIRY)
            .page_size(20)
            .send(),
    )
    .await;
    r.record(
        "retrieveEvent",
        c.retrieve_event()
            .event_id("evt_Lq3mXn8RtV2cZw6BjY4pKd9F")
            .send(),
    )
    .await;

    let all: BTreeSet<String> = operations()
        .iter()
        .filter(|operation| operation.shape_from_overlay)
        .map(|operation| operation.id.clone())
        .collect();
    let missing: Vec<&String> = all.difference(&r.seen).collect();
    assert!(
        missing.is_empty(),
        "operations without a pinned request: {missing:?}"
    );
}

#[tokio::test]
async fn every_request_carries_auth_version_and_inflection_and_no_stray_header() {
    let r = Recorder::start().await;
    let c = r.client.clone();
    c.retrieve_inquiry()
        .inquiry_id(INQUIRY)
        .send()
        .await
        .expect("retrieves");
    let request = r.server.take().remove(0);
    let header = |name: &str| request.headers.get(name).map(String::as_str);
    assert_eq!(
        header("authorization"),
        Some("Bearer persona_sandbox_[redacted]")
    );
    assert_eq!(header("persona-version"), Some("2023-01-05"));
    assert_eq!(header("key-inflection"), Some("kebab"));
    assert!(
        header("user-agent")
            .expect("a user agent")
            .starts_with("persona-api/")
    );
    assert_eq!(
        header("api-version"),
        None,
        "progenitor's own version header must not reach Persona"
    );
}

#[tokio::test]
async fn an_application_user_agent_comes_before_the_crates() {
    let server = RecordingServer::start().await;
    let client = Client::builder(TEST_API_KEY)
        .base_url(server.base_url())
        .user_agent("acme-onboarding/2.3")
        .build()
        .expect("valid");
    client
        .retrieve_inquiry()
        .inquiry_id(INQUIRY)
        .send()
        .await
        .expect("retrieves");
    let request = server.take().remove(0);
    assert!(request.headers["user-agent"].starts_with("acme-onboarding/2.3 persona-api/"));
}

/// Every operation taken from Persona's bundle as it is sends the request pinned for it, and
/// gets the documented success from a server answering with the spec's example.
#[tokio::test]
async fn every_imported_operation_sends_its_pinned_request() {
    // On a test thread's 2 MiB of stack, in a debug build: the bundle's unions are chosen by
    // their tag, not tried member by member (a verification of any of 44 kinds took 4 MiB).
    let mut r = Recorder::start().await;
    crate::imported_requests::record_each(&mut r).await;
    crate::imported_requests::upload_each(&mut r).await;
    let (seen, uploaded) = (r.seen, r.uploaded);
    let imported: BTreeSet<String> = operations()
        .iter()
        .filter(|operation| !operation.shape_from_overlay)
        .map(|operation| operation.id.clone())
        .collect();
    assert_eq!(seen, imported);
    let uploads: BTreeSet<String> = persona_api_tests::model()
        .operations
        .iter()
        .filter(|operation| operation.upload.is_some())
        .map(|operation| operation.id.clone())
        .collect();
    assert_eq!(
        uploaded, uploads,
        "every upload is sent as multipart and pinned"
    );
}
