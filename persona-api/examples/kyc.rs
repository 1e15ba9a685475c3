//! A whole KYC integration: what a backend does with Persona from a user's sign-up to a
//! decision, run against an embedded persona-mock (no account, no network).
//!
//! `cargo run -p persona-api --example kyc`
//!
//! The backend registers its webhook endpoint through the API and serves it with axum; every
//! event it waits for arrives there, signed, and is verified with `WebhookVerifier`. Then, for
//! each new user, it:
//!
//! 1. creates an account for the user by reference id;
//! 2. creates an inquiry on that account from a template, prefilled, and hands the person a
//!    one-time link (the sandbox stands in for the person: it completes the inquiry);
//! 3. waits for `inquiry.completed` at its webhook endpoint;
//! 4. retrieves the inquiry with its verifications and reads their checks;
//! 5. runs a watchlist report on the person and waits for `report/watchlist.ready`;
//! 6. opens a case with the inquiry, account and report if a required check failed or the
//!    report matched; otherwise approves the inquiry and tags the account;
//! 7. redacts the inquiry, as a retention policy would.
//!
//! It onboards two people: one clean, and one the sandbox's watchlist matches (persona-mock
//! matches the last name `Sanctioned`). Its tests (`cargo test`) run both and check the state
//! the sandbox ends in.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use persona_api::chrono::NaiveDate;
use persona_api::prelude::*;
use persona_api::requests::{NewAccount, NewCase, NewWatchlistReport, NewWebhook};
use persona_api::types::{self, Included, SimulateAction, SimulateActionData, SimulateActionType};
use persona_api::webhooks::{EventObject, SIGNATURE_HEADER, WebhookEvent, WebhookVerifier};
use persona_api::{
    CheckRequirement, CheckStatus, Client, Decision, NewInquiry, SimulateActions, Tag,
    WebhookEventName as Event,
};
use tokio::sync::mpsc;

type Failure = Box<dyn Error + Send + Sync>;

/// The events the backend acts on; the webhook is registered for these only.
const EVENTS: [Event; 3] = [
    Event::InquiryCompleted,
    Event::ReportWatchlistReady,
    Event::ReportWatchlistMatched,
];
/// The tag an account gets when its person passed.
const PASSED_TAG: &str = "kyc-passed";
/// How long the backend waits for an event before giving up.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a service configures once: the templates its flows use, picked in Persona's
/// dashboard.
#[derive(Clone)]
pub struct Templates {
    pub inquiry: String,
    /// The verification the sandbox runs for the person (`vtmpl_...`).
    pub verification: String,
    pub watchlist_report: String,
    pub case: String,
}

/// A user of the service, as its sign-up form has them.
pub struct Person {
    pub reference_id: String,
    pub name_first: String,
    pub name_last: String,
    pub birthdate: NaiveDate,
}

/// How onboarding ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Approved {
        account: String,
        inquiry: String,
    },
    /// Sent to review: the case holds the inquiry, the account and the report.
    Review {
        account: String,
        inquiry: String,
        case: String,
    },
}

/// The webhook endpoint: verifies each delivery's signature over the raw body, then hands the
/// event to whoever waits for it (a queue or a database, in a service).
struct Endpoint {
    verifier: WebhookVerifier,
    events: mpsc::UnboundedSender<WebhookEvent>,
}

async fn receive(
    State(endpoint): State<Arc<Endpoint>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    match endpoint.verifier.verify_event(signature, &body) {
        Ok(event) => {
            // The receiver is gone only when the backend is shutting down; Persona retries.
            if endpoint.events.send(event).is_err() {
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            StatusCode::OK
        }
        Err(error) => {
            eprintln!("webhook refused: {error}");
            StatusCode::BAD_REQUEST
        }
    }
}

/// Verified events, waited for by name and by the object they are about. Deliveries can
/// arrive in any order and more than once: an event no one waits for yet is kept, and a
/// repeated one is dropped.
pub struct Inbox {
    events: mpsc::UnboundedReceiver<WebhookEvent>,
    early: Vec<WebhookEvent>,
    seen: std::collections::HashSet<String>,
}

impl Inbox {
    pub async fn wait_for(&mut self, name: &str, object_id: &str) -> Result<WebhookEvent, Failure> {
        let wanted =
            |event: &WebhookEvent| event.name == name && event.object.id() == Some(object_id);
        if let Some(index) = self.early.iter().position(wanted) {
            return Ok(self.early.remove(index));
        }
        let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
        loop {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .map_err(|_| format!("no {name} event for {object_id} within {EVENT_TIMEOUT:?}"))?
                .ok_or("the webhook endpoint stopped")?;
            if !self.seen.insert(event.id.to_string()) {
                continue;
            }
            if wanted(&event) {
                return Ok(event);
            }
            self.early.push(event);
        }
    }
}

/// The backend: a client, the templates, and the inbox its webhook endpoint fills.
pub struct Backend {
    client: Client,
    templates: Templates,
    inbox: Inbox,
}

impl Backend {
    /// Serves the webhook endpoint on 127.0.0.1 and registers it with Persona through the API;
    /// the secret Persona gives the new webhook is what the endpoint verifies with.
    pub async fn start(client: Client, templates: Templates) -> Result<Backend, Failure> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/webhooks/persona", listener.local_addr()?);
        let webhook = client
            .create_webhook()
            .body(NewWebhook::new(EVENTS, &url))
            .send()
            .await?
            .into_data();
        let secret = webhook
            .attributes
            .and_then(|attributes| attributes.secret)
            .ok_or("a new webhook comes with its secret")?;
        println!(
            "webhook {} registered for {url}",
            webhook.id.as_deref().unwrap_or("?")
        );
        let (sender, events) = mpsc::unbounded_channel();
        let endpoint = Arc::new(Endpoint {
            verifier: WebhookVerifier::new([secret])?,
            events: sender,
        });
        let app = Router::new()
            .route("/webhooks/persona", post(receive))
            .with_state(endpoint);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Backend {
            client,
            templates,
            inbox: Inbox {
                events,
                early: Vec::new(),
                seen: Default::default(),
            },
        })
    }

    /// Takes a new user through KYC, printing each step.
    pub async fn onboard(&mut self, person: &Person) -> Result<Outcome, Failure> {
        let client = &self.client;
        println!(
            "\nOnboarding {} {} ({})",
            person.name_first, person.name_last, person.reference_id
        );

        let account = client
            .create_account()
            .body(NewAccount::with_reference_id(&person.reference_id))
            .send()
            .await?
            .into_data();
        let account_id = account.id.to_string();
        println!(
            "1. account {account_id} for reference id {}",
            person.reference_id
        );

        let inquiry = client
            .create_inquiry()
            .body(
                NewInquiry::from_template(&self.templates.inquiry)
                    .account_id(account_id.as_str())
                    .name_first(&person.name_first)
                    .name_last(&person.name_last)
                    .birthdate(person.birthdate),
            )
            .send()
            .await?
            .into_data();
        let inquiry_id = inquiry.id.to_string();
        let link = client
            .generate_inquiry_one_time_link()
            .inquiry_id(&inquiry.id)
            .send()
            .await?
            .into_inner()
            .meta
            .one_time_link;
        println!("2. inquiry {inquiry_id}, prefilled; the person gets {link}");
        self.person_completes_the_flow(&inquiry_id).await?;

        self.inbox
            .wait_for("inquiry.completed", &inquiry_id)
            .await?;
        println!("3. inquiry.completed arrived at the webhook, signature verified");

        let document = client
            .retrieve_inquiry()
            .inquiry_id(&inquiry.id)
            .include("verifications")
            .send()
            .await?
            .into_inner();
        let verifications = document
            .data
            .relationships
            .as_ref()
            .map(|links| links.verifications.resolve(&document.included))
            .unwrap_or_default();
        let mut failed_checks = Vec::new();
        for verification in &verifications {
            let Some((id, checks)) = checks_of(verification) else {
                continue;
            };
            let failed: Vec<&str> = checks
                .iter()
                .filter(|check| {
                    check.status == Some(CheckStatus::Failed)
                        && check.requirement == Some(CheckRequirement::Required)
                })
                .filter_map(|check| check.name.as_deref())
                .collect();
            println!(
                "4. verification {id}: {} checks, {} required failed",
                checks.len(),
                failed.len()
            );
            failed_checks.extend(failed.into_iter().map(String::from));
        }

        // A report is one of several kinds, each with a builder of its own.
        let report = client
            .create_report()
            .body(
                NewWatchlistReport::new()
                    .report_template_id(&self.templates.watchlist_report)
                    .account_id(&account_id)
                    .name_first(&person.name_first)
                    .name_last(&person.name_last)
                    .birthdate(person.birthdate.to_string()),
            )
            .send()
            .await?
            .into_data();
        let report_id = report.id().ok_or("a report comes with its id")?.to_string();
        let ready = self
            .inbox
            .wait_for("report/watchlist.ready", &report_id)
            .await?;
        let EventObject::ReportWatchlist(report) = &ready.object else {
            return Err(format!("report/watchlist.ready about {:?}", ready.object).into());
        };
        let matched = report
            .attributes
            .as_ref()
            .and_then(|attributes| attributes.has_match)
            .unwrap_or(false);
        println!(
            "5. watchlist report {report_id} ready: {}",
            if matched { "a match" } else { "no match" }
        );

        let outcome = if matched || !failed_checks.is_empty() {
            let case = client
                .create_case()
                .body(NewCase::new(&self.templates.case).object_ids([
                    &inquiry_id,
                    &account_id,
                    &report_id,
                ]))
                .send()
                .await?
                .into_data();
            let case_id = case.id.ok_or("a case comes with its id")?;
            println!("6. case {case_id} opened for review (failed checks: {failed_checks:?})");
            Outcome::Review {
                account: account_id,
                inquiry: inquiry_id,
                case: case_id,
            }
        } else {
            client
                .approve_inquiry()
                .inquiry_id(&inquiry.id)
                .body(Decision::new().comment("every required check passed, no watchlist match"))
                .send()
                .await?;
            client
                .add_account_tag()
                .account_id(account_id.as_str())
                .body(Tag::named(PASSED_TAG))
                .send()
                .await?;
            println!("6. inquiry approved, account tagged {PASSED_TAG}");
            Outcome::Approved {
                account: account_id,
                inquiry: inquiry_id,
            }
        };

        client
            .redact_inquiry()
            .inquiry_id(&inquiry.id)
            .send()
            .await?;
        println!("7. inquiry redacted");
        Ok(outcome)
    }

    /// In production the person opens the link and goes through Persona's hosted flow; in the
    /// sandbox, simulate actions do what they would: start, pass a verification, complete.
    async fn person_completes_the_flow(&self, inquiry_id: &str) -> Result<(), Failure> {
        let verification = SimulateAction {
            type_: SimulateActionType::CreatePassedVerification,
            data: Some(SimulateActionData {
                verification_template_id: self.templates.verification.clone(),
            }),
        };
        let steps = [
            SimulateActionType::StartInquiry.into(),
            verification,
            SimulateActionType::CompleteInquiry.into(),
        ];
        self.client
            .simulate_inquiry_actions()
            .inquiry_id(inquiry_id)
            .body(SimulateActions::new(steps))
            .send()
            .await?;
        Ok(())
    }
}

/// The id and checks of a verification of a kind that has them.
fn checks_of(verification: &Included) -> Option<(&str, &[types::VerificationCheck])> {
    match verification {
        Included::VerificationGovernmentId(verification) => Some((
            &verification.id,
            verification.attributes.as_ref()?.checks.as_deref()?,
        )),
        Included::VerificationDatabase(verification) => Some((
            &verification.id,
            verification.attributes.as_ref()?.checks.as_deref()?,
        )),
        _ => None,
    }
}

/// The sandbox's templates: the ones persona-mock starts with.
pub fn sandbox_templates(mock: &persona_mock::MockServer) -> Result<Templates, Failure> {
    let template_of = |json_type: &str| -> Result<String, Failure> {
        match mock.template_of(json_type) {
            Some(id) => Ok(id.to_string()),
            None => Err(format!("persona-mock has no {json_type}").into()),
        }
    };
    Ok(Templates {
        inquiry: mock.template_id().to_string(),
        verification: template_of("verification-template/government-id")?,
        watchlist_report: template_of("report-template/watchlist")?,
        case: template_of("case-template")?,
    })
}

pub fn clean_person() -> Person {
    Person {
        reference_id: "user-ada".into(),
        name_first: "Ada".into(),
        name_last: "Lovelace".into(),
        birthdate: NaiveDate::from_ymd_opt(1815, 12, 10).expect("a date"),
    }
}

pub fn listed_person() -> Person {
    Person {
        reference_id: "user-sam".into(),
        name_first: "Sam".into(),
        name_last: "Sanctioned".into(),
        birthdate: NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date"),
    }
}

/// The sandbox the example runs on: its reports take a moment, as Persona's do, so the
/// backend really waits for `report/watchlist.ready`.
pub async fn start_sandbox() -> std::io::Result<persona_mock::MockServer> {
    persona_mock::MockServer::builder()
        .report_delay(Duration::from_millis(200))
        .start()
        .await
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mock = start_sandbox().await?;
    println!("persona-mock sandbox at {}", mock.base_url());
    let client = mock
        .client_builder()
        .user_agent("persona-api-kyc-example")
        .build()?;
    let mut backend = Backend::start(client, sandbox_templates(&mock)?).await?;
    for person in [clean_person(), listed_person()] {
        let outcome = backend.onboard(&person).await?;
        println!("=> {outcome:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// A sandbox, and a backend on it with its webhook registered.
    async fn backend() -> (persona_mock::MockServer, Backend) {
        let mock = start_sandbox().await.expect("starts");
        let client = mock.client_builder().build().expect("a client");
        let templates = sandbox_templates(&mock).expect("the sandbox's templates");
        let backend = Backend::start(client, templates)
            .await
            .expect("registers its webhook");
        (mock, backend)
    }

    /// What the sandbox holds at `path`, as JSON.
    async fn read(mock: &persona_mock::MockServer, path: &str) -> Value {
        let response = reqwest::Client::new()
            .get(format!("{}{path}", mock.base_url()))
            .bearer_auth(persona_mock::SANDBOX_API_KEY)
            .send()
            .await
            .expect("answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("JSON")
    }

    #[tokio::test]
    async fn a_clean_person_is_approved_tagged_and_redacted() {
        let (mock, mut backend) = backend().await;
        let outcome = backend.onboard(&clean_person()).await.expect("onboarded");
        let Outcome::Approved { account, inquiry } = outcome else {
            panic!("approved: {outcome:?}")
        };

        let inquiry = read(&mock, &format!("/inquiries/{inquiry}")).await;
        let attributes = &inquiry["data"]["attributes"];
        assert_eq!(attributes["status"], "approved");
        assert!(attributes["redacted-at"].is_string(), "{attributes}");
        assert_eq!(attributes["name-last"], Value::Null, "personal data goes");
        assert_eq!(
            inquiry["data"]["relationships"]["account"]["data"]["id"],
            account.as_str()
        );

        let account = read(&mock, &format!("/accounts/{account}")).await;
        assert_eq!(account["data"]["attributes"]["reference-id"], "user-ada");
        assert_eq!(
            account["data"]["attributes"]["tags"],
            serde_json::json!([PASSED_TAG])
        );
        assert_eq!(
            read(&mock, "/cases").await["data"],
            serde_json::json!([]),
            "no case"
        );
    }

    #[tokio::test]
    async fn a_person_on_the_watchlist_goes_to_review_with_a_case_holding_everything() {
        let (mock, mut backend) = backend().await;
        let outcome = backend.onboard(&listed_person()).await.expect("onboarded");
        let Outcome::Review {
            account,
            inquiry,
            case,
        } = outcome
        else {
            panic!("sent to review: {outcome:?}")
        };

        let case = read(&mock, &format!("/cases/{case}")).await;
        let links = &case["data"]["relationships"];
        assert_eq!(
            links["inquiries"]["data"][0]["id"],
            inquiry.as_str(),
            "{links}"
        );
        assert_eq!(
            links["accounts"]["data"][0]["id"],
            account.as_str(),
            "{links}"
        );
        let report = links["reports"]["data"][0]["id"]
            .as_str()
            .expect("the report");
        let report = read(&mock, &format!("/reports/{report}")).await;
        assert_eq!(report["data"]["type"], "report/watchlist");
        assert_eq!(report["data"]["attributes"]["has-match"], true);

        let inquiry = read(&mock, &format!("/inquiries/{inquiry}")).await;
        let attributes = &inquiry["data"]["attributes"];
        assert_eq!(
            attributes["status"], "completed",
            "not approved: a reviewer decides"
        );
        assert!(attributes["redacted-at"].is_string(), "{attributes}");
        let account = read(&mock, &format!("/accounts/{account}")).await;
        assert_eq!(
            account["data"]["attributes"]["tags"],
            serde_json::json!([]),
            "not tagged"
        );
    }

    #[tokio::test]
    async fn a_delivery_signed_with_another_secret_is_refused() {
        let (sender, mut events) = mpsc::unbounded_channel();
        let endpoint = Arc::new(Endpoint {
            verifier: WebhookVerifier::new(["wbhsec_ours"]).expect("a secret"),
            events: sender,
        });
        let body =
            br#"{"data":{"type":"event","id":"evt_1","attributes":{"name":"inquiry.completed"}}}"#;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        let mut headers = HeaderMap::new();
        let forged = persona_api::webhooks::sign("wbhsec_theirs", body, now);
        headers.insert(SIGNATURE_HEADER, forged.parse().expect("a header value"));
        let status = receive(State(endpoint), headers, Bytes::from_static(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(events.try_recv().is_err(), "nothing reaches the backend");
    }
}
