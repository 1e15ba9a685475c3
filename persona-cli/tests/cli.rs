//! The `persona` binary against persona-mock: what it prints, and how it exits.

use std::io::Write;
use std::process::{Command, Stdio};

use persona_mock::{MockServer, SANDBOX_API_KEY};
use serde_json::{Value, json};

/// One run of the binary.
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}): {}", self.stdout))
    }
}

/// Runs `persona ARGS` with the mock's URL and the sandbox key in its environment, and `stdin`
/// on its standard input. Off the runtime's thread, so the mock keeps answering.
async fn persona(mock: &MockServer, args: &[&str], stdin: Option<&str>) -> Run {
    run_with(mock.base_url(), SANDBOX_API_KEY, args, stdin).await
}

async fn run_with(base_url: &str, key: &str, args: &[&str], stdin: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_persona"));
    command
        .args(args)
        .env("PERSONA_API_KEY", key)
        .env("PERSONA_API_BASE_URL", base_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let stdin = stdin.map(String::from);
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("the binary starts");
        let mut input = child.stdin.take().expect("piped");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).expect("stdin is open");
        }
        drop(input);
        let output = child.wait_with_output().expect("the binary ends");
        Run {
            status: output.status.code().expect("exited, not killed"),
            stdout: String::from_utf8(output.stdout).expect("UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("UTF-8"),
        }
    })
    .await
    .expect("the blocking task ends")
}

/// The request body of Persona's getting-started guide, as a file.
fn guide_request_file() -> std::path::PathBuf {
    let guide: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/guide.json")).expect("JSON");
    let path = std::env::temp_dir().join(format!("persona-cli-guide-{}.json", std::process::id()));
    std::fs::write(&path, guide["request"].to_string()).expect("temp dir is writable");
    path
}

/// A new inquiry, made through the library, and its id.
async fn created_inquiry(mock: &MockServer) -> String {
    use persona_api::Envelope;
    let client = mock.client_builder().build().expect("valid");
    client
        .create_inquiry()
        .body(persona_api::NewInquiry::from_template(mock.template_id()))
        .send()
        .await
        .expect("creates")
        .into_data()
        .id
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guides_inquiry_is_created_from_a_file_then_retrieved_and_listed() {
    let mock = MockServer::start().await.expect("starts");
    let guide = guide_request_file();
    let created = persona(
        &mock,
        &[
            "inquiry",
            "create",
            "--json-body",
            guide.to_str().expect("UTF-8 path"),
        ],
        None,
    )
    .await;
    std::fs::remove_file(&guide).ok();
    assert_eq!(created.status, 0, "{}", created.stderr);
    let inquiry = &created.json()["data"];
    let id = inquiry["id"].as_str().expect("an id");
    assert!(id.starts_with("inq_"), "{id}");
    assert_eq!(inquiry["attributes"]["name-first"], "Jane");
    assert_eq!(
        inquiry["attributes"]["fields"]["birthdate"]["value"],
        "1994-04-12"
    );

    let retrieved = persona(&mock, &["inquiry", "retrieve", id], None).await;
    assert_eq!(retrieved.status, 0, "{}", retrieved.stderr);
    assert_eq!(retrieved.json()["data"]["id"], id);
    // Pretty-printed, for people; `jq` reads it the same.
    assert!(
        retrieved.stdout.starts_with("{\n  \"data\": {\n"),
        "{}",
        retrieved.stdout
    );

    let listed = persona(&mock, &["inquiry", "list"], None).await;
    assert_eq!(listed.status, 0, "{}", listed.stderr);
    let page = listed.json();
    let ids: Vec<&str> = page["data"]
        .as_array()
        .expect("a page")
        .iter()
        .filter_map(|inquiry| inquiry["id"].as_str())
        .collect();
    assert_eq!(ids, [id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_inquiry_prints_persona_s_message_and_exits_1() {
    let mock = MockServer::start().await.expect("starts");
    let run = persona(
        &mock,
        &["inquiry", "retrieve", "inq_DoesNotExist1234567890"],
        None,
    )
    .await;
    assert_eq!(run.status, 1);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("persona: Record not found (request req_"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_flags_write_into_a_body_from_standard_input() {
    let mock = MockServer::start().await.expect("starts");
    let body = json!({"data": {"attributes": {"inquiry-template-id": mock.template_id(), "fields": {"name-first": "Overridden"}}}});
    let run = persona(
        &mock,
        &[
            "inquiry",
            "create",
            "--json-body",
            "-",
            "--name-first",
            "Ada",
            "--birthdate",
            "1990-01-02",
            "--reference-id",
            "user-42",
            "--tags",
            "vip",
            "--tags",
            "beta",
            "--field",
            "identification-number=X123",
            "--auto-create-one-time-link",
            "true",
        ],
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.stderr);
    let attributes = &run.json()["data"]["attributes"];
    assert_eq!(attributes["name-first"], "Ada");
    assert_eq!(attributes["reference-id"], "user-42");
    assert_eq!(attributes["tags"], json!(["vip", "beta"]));
    assert_eq!(attributes["fields"]["birthdate"]["value"], "1990-01-02");
    assert_eq!(
        attributes["fields"]["identification-number"]["value"],
        "X123"
    );
    assert!(
        run.json()["meta"]["one-time-link"].is_string(),
        "--auto-create-one-time-link reached meta: {}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_fit_is_refused_before_anything_is_sent() {
    let mock = MockServer::start().await.expect("starts");
    let before = mock.requests_received();
    let run = persona(
        &mock,
        &[
            "inquiry",
            "create",
            "--inquiry-template-id",
            mock.template_id(),
            "--birthdate",
            "12/04/1994",
        ],
        None,
    )
    .await;
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("data.attributes.fields.birthdate"),
        "{}",
        run.stderr
    );
    let not_json = persona(
        &mock,
        &["inquiry", "create", "--json-body", "-"],
        Some("{\"data\": "),
    )
    .await;
    assert_eq!(not_json.status, 2);
    assert!(
        not_json.stderr.contains("--json-body - is not JSON"),
        "{}",
        not_json.stderr
    );
    let wrong_id = persona(&mock, &["inquiry", "approve", "itmpl_NotAnInquiry"], None).await;
    assert_eq!(wrong_id.status, 2);
    assert!(
        wrong_id
            .stderr
            .contains("an inquiry id must start with `inq_`"),
        "{}",
        wrong_id.stderr
    );
    // An id in the body is checked for its kind as well as one in the path.
    let wrong_body_id = persona(
        &mock,
        &[
            "case",
            "create",
            "--case-template-id",
            "itmpl_NotACaseTemplate",
        ],
        None,
    )
    .await;
    assert_eq!(wrong_body_id.status, 2);
    assert!(
        wrong_body_id
            .stderr
            .contains("a case template id must start with `ctmpl_`"),
        "{}",
        wrong_body_id.stderr
    );
    let bad_page = persona(&mock, &["inquiry", "list", "--page-size", "0"], None).await;
    assert_eq!(bad_page.status, 2, "clap's usage status");
    assert!(
        bad_page.stderr.contains("--page-size"),
        "{}",
        bad_page.stderr
    );
    assert_eq!(mock.requests_received(), before);
    assert_eq!(mock.inquiry_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_follows_every_page_as_an_array_or_as_lines() {
    let mock = MockServer::start().await.expect("starts");
    for _ in 0..5 {
        created_inquiry(&mock).await;
    }
    let array = persona(
        &mock,
        &["inquiry", "list", "--page-size", "2", "--all"],
        None,
    )
    .await;
    assert_eq!(array.status, 0, "{}", array.stderr);
    let items = array.json();
    let mut ids: Vec<&str> = items
        .as_array()
        .expect("an array of every item")
        .iter()
        .filter_map(|inquiry| inquiry["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 5);

    let lines = persona(
        &mock,
        &["inquiry", "list", "--page-size", "2", "--all", "--ndjson"],
        None,
    )
    .await;
    assert_eq!(lines.status, 0, "{}", lines.stderr);
    let line_ids: Vec<String> = lines
        .stdout
        .lines()
        .map(|line| {
            let item: Value = serde_json::from_str(line).expect("one JSON item per line");
            item["id"].as_str().expect("an id").to_string()
        })
        .collect();
    assert_eq!(line_ids, ids);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 5, "no item twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_production_key_needs_yes_to_redact_and_nothing_is_sent_without_it() {
    let mock = MockServer::start().await.expect("starts");
    let before = mock.requests_received();
    let run = run_with(
        mock.base_url(),
        "persona_production_test_key",
        &["inquiry", "redact", "inq_AnyInquiry1234567890ab"],
        None,
    )
    .await;
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    assert_eq!(mock.requests_received(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_api_exits_3_and_the_key_is_never_printed() {
    let unreachable = run_with(
        "http://127.0.0.1:1/api/v1",
        "persona_sandbox_SECRETVALUE",
        &["event", "list"],
        None,
    )
    .await;
    assert_eq!(unreachable.status, 3, "{}", unreachable.stderr);
    assert!(
        unreachable.stderr.contains("could not reach Persona"),
        "{}",
        unreachable.stderr
    );

    let mock = MockServer::start().await.expect("starts");
    let listed = run_with(
        mock.base_url(),
        "persona_sandbox_SECRETVALUE",
        &["event", "list"],
        None,
    )
    .await;
    assert_eq!(listed.status, 0, "{}", listed.stderr);
    let help = run_with(
        mock.base_url(),
        "persona_sandbox_SECRETVALUE",
        &["event", "list", "--help"],
        None,
    )
    .await;
    assert_eq!(help.status, 0);
    for run in [&unreachable, &listed, &help] {
        assert!(
            !run.stdout.contains("SECRETVALUE") && !run.stderr.contains("SECRETVALUE"),
            "{}{}",
            run.stdout,
            run.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pdf_is_written_as_it_came_and_completions_cover_every_shell() {
    let mock = MockServer::start().await.expect("starts");
    let id = created_inquiry(&mock).await;
    let pdf = persona(&mock, &["inquiry", "print-pdf", &id], None).await;
    assert_eq!(pdf.status, 0, "{}", pdf.stderr);
    assert!(pdf.stdout.starts_with("%PDF-"), "{}", pdf.stdout);

    for shell in ["bash", "zsh", "fish"] {
        let script = persona(&mock, &["completions", shell], None).await;
        assert_eq!(script.status, 0, "{}", script.stderr);
        assert!(script.stdout.contains("simulate-actions"), "{shell}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_idempotency_key_creates_once() {
    let mock = MockServer::start().await.expect("starts");
    let create = [
        "inquiry",
        "create",
        "--inquiry-template-id",
        mock.template_id(),
        "--idempotency-key",
        "cli-test-key-1",
    ];
    let first = persona(&mock, &create, None).await;
    let second = persona(&mock, &create, None).await;
    assert_eq!(
        (first.status, second.status),
        (0, 0),
        "{}{}",
        first.stderr,
        second.stderr
    );
    assert_eq!(first.json()["data"]["id"], second.json()["data"]["id"]);
    assert_eq!(mock.inquiry_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_clears_a_member_and_cannot_be_combined_with_a_value() {
    let mock = MockServer::start().await.expect("starts");
    let created = persona(
        &mock,
        &[
            "inquiry",
            "create",
            "--inquiry-template-id",
            mock.template_id(),
            "--note",
            "call back",
        ],
        None,
    )
    .await;
    assert_eq!(created.status, 0, "{}", created.stderr);
    let id = created.json()["data"]["id"]
        .as_str()
        .expect("an id")
        .to_string();
    assert_eq!(created.json()["data"]["attributes"]["note"], "call back");

    let contradiction = persona(
        &mock,
        &["inquiry", "update", &id, "--note", "x", "--null", "note"],
        None,
    )
    .await;
    assert_eq!(contradiction.status, 2);
    assert!(
        contradiction.stderr.contains("--note and --null note"),
        "{}",
        contradiction.stderr
    );

    let cleared = persona(&mock, &["inquiry", "update", &id, "--null", "note"], None).await;
    assert_eq!(cleared.status, 0, "{}", cleared.stderr);
    let retrieved = persona(&mock, &["inquiry", "retrieve", &id], None).await;
    // A null attribute is left out when the document is written back.
    assert_eq!(retrieved.json()["data"]["attributes"].get("note"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_inquiry_is_driven_to_approved_from_the_command_line() {
    let mock = MockServer::start().await.expect("starts");
    let id = created_inquiry(&mock).await;
    let simulated = persona(
        &mock,
        &[
            "inquiry",
            "simulate-actions",
            &id,
            "--simulate-actions",
            r#"{"type": "start_inquiry"}"#,
            "--simulate-actions",
            r#"{"type": "complete_inquiry"}"#,
        ],
        None,
    )
    .await;
    assert_eq!(simulated.status, 0, "{}", simulated.stderr);
    assert_eq!(
        simulated.json()["data"]["attributes"]["status"],
        "completed"
    );
    let approved = persona(
        &mock,
        &["inquiry", "approve", &id, "--comment", "documents match"],
        None,
    )
    .await;
    assert_eq!(approved.status, 0, "{}", approved.stderr);
    assert_eq!(approved.json()["data"]["attributes"]["status"], "approved");
}

/// The commands listed under `Commands:` in a help text, but `help` and `completions`.
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.strip_prefix("  "))
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help" && *name != "completions")
        .map(str::to_string)
        .collect()
}

/// Every command, `persona NOUN VERB`, run with made-up values for its id and required flags:
/// whatever Persona (the mock) answers, the binary ends with one of its documented statuses,
/// never a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_runs_to_a_documented_exit_status() {
    let mock = MockServer::start().await.expect("starts");
    let id = created_inquiry(&mock).await;
    let help = persona(&mock, &["--help"], None).await;
    let mut commands = Vec::new();
    for noun in listed_commands(&help.stdout) {
        let verbs = persona(&mock, &[&noun, "--help"], None).await;
        assert_eq!(verbs.status, 0, "{}", verbs.stderr);
        let verbs = listed_commands(&verbs.stdout);
        assert!(!verbs.is_empty(), "{noun} has verbs");
        commands.extend(verbs.into_iter().map(|verb| (noun.clone(), verb)));
    }
    assert_eq!(commands.len(), 209, "{}", help.stdout);
    for (noun, verb) in &commands {
        let usage = persona(&mock, &[noun, verb, "--help"], None).await;
        let usage_line = usage
            .stdout
            .lines()
            .find(|line| line.starts_with("Usage:"))
            .expect("a usage line")
            .to_string();
        let mut args = vec![noun.clone(), verb.clone()];
        // `--flag <flag>` for a required flag, `<name>` for the id the command acts on.
        let words: Vec<&str> = usage_line.split_whitespace().collect();
        for (at, word) in words.iter().enumerate() {
            let (name, flag) = match word.strip_prefix("--") {
                Some(name) => (name, true),
                None if word.starts_with('<') && (at == 0 || !words[at - 1].starts_with("--")) => {
                    (word.trim_matches(|c| c == '<' || c == '>'), false)
                }
                None => continue,
            };
            let value = match name {
                "inquiry-id" => id.clone(),
                "inquiry-session-id" => "iqse_MadeUp1234567890abcdefgh".to_string(),
                "inquiry-template-id" | "filter-inquiry-template-id" => {
                    mock.template_id().to_string()
                }
                "event-id" => "evt_MadeUp1234567890abcdefghij".to_string(),
                // What the operations taken from Persona's bundle as they are require (ids, a
                // relay token, ...): any text, which the mock refuses as Persona would.
                _ => "made_up_1234567890".to_string(),
            };
            if flag {
                args.push(word.to_string());
            }
            args.push(value);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = persona(&mock, &args, Some("")).await;
        assert!(
            [0, 1, 2].contains(&run.status) && !run.stderr.contains("panicked"),
            "persona {args:?} exited {}: {}",
            run.status,
            run.stderr
        );
    }
}
