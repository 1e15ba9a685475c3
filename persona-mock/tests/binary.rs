//! The persona-mock binary with `--webhook-url`/`--webhook-secret`: it prints the templates it
//! starts with, and an inquiry driven to approved is delivered to a plain HTTP endpoint, in
//! order, each signature valid by an HMAC computed here.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use persona_api::SimulateActions;
use persona_api::types::SimulateActionType::{ApproveInquiry, CompleteInquiry, StartInquiry};

/// The binary, stopped when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

#[tokio::test]
async fn the_binary_delivers_an_inquirys_life_signed_to_a_plain_endpoint() {
    let received: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let log = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let log = log.clone();
            async move {
                let signature = headers
                    .get("persona-signature")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                log.lock().expect("not poisoned").push((signature, body));
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let hook = format!("http://{}/hook", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut child = Command::new(env!("CARGO_BIN_EXE_persona-mock"))
        .args(["--listen", "127.0.0.1:0", "--webhook-url", &hook])
        .args(["--webhook-secret", "wbhsec_binary"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let _running = Running(child);
    // Kept open to the end: the binary prints more lines, and a closed pipe would fail them.
    let mut lines = BufReader::new(stdout).lines();
    let first_line = lines.next().expect("a line").expect("text");
    let base_url = first_line
        .rsplit(' ')
        .next()
        .expect("the base URL ends the line")
        .to_string();
    // Then the templates it starts with, each as `type: id`, the library's own.
    let printed: Vec<String> = lines
        .by_ref()
        .map(|line| line.expect("text"))
        .take_while(|line| !line.starts_with("API key"))
        .filter(|line| !line.starts_with("inquiry template"))
        .collect();
    let library = persona_mock::MockServer::start()
        .await
        .expect("the library starts");
    let expected: Vec<String> = library
        .templates()
        .iter()
        .filter(|template| template.id != library.template_id())
        .map(|template| format!("{}: {}", template.json_type, template.id))
        .collect();
    assert_eq!(printed, expected);
    assert!(
        printed
            .iter()
            .any(|line| line.starts_with("case-template: ctmpl_")),
        "{printed:?}"
    );

    let client = persona_api::Client::builder("persona_sandbox_test_key")
        .base_url(base_url)
        .build()
        .expect("valid");
    let id = client
        .create_inquiry()
        .body(persona_api::NewInquiry::from_template(
            persona_mock::DEFAULT_TEMPLATE_ID,
        ))
        .send()
        .await
        .expect("creates")
        .into_inner()
        .data
        .id;
    for action in [StartInquiry, CompleteInquiry, ApproveInquiry] {
        client
            .simulate_inquiry_actions()
            .inquiry_id(&id)
            .body(SimulateActions::new([action]))
            .send()
            .await
            .expect("simulates");
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while received.lock().expect("not poisoned").len() < 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "five deliveries in time"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let deliveries = received.lock().expect("not poisoned").clone();
    let names: Vec<String> = deliveries
        .iter()
        .map(|(_, body)| {
            let event: serde_json::Value = serde_json::from_str(body).expect("JSON");
            event["data"]["attributes"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "account.created",
            "inquiry.created",
            "inquiry.started",
            "inquiry.completed",
            "inquiry.approved"
        ]
    );
    for (signature, body) in deliveries {
        let (timestamp, digest) = signature
            .strip_prefix("t=")
            .and_then(|rest| rest.split_once(",v1="))
            .expect("t=..,v1=..");
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"wbhsec_binary").expect("any key");
        mac.update(format!("{timestamp}.{body}").as_bytes());
        assert_eq!(digest, hex::encode(mac.finalize().into_bytes()));
    }
    drop(lines);
}
