//! Persona's getting-started flow in Rust: create an inquiry for Jane Doe, retrieve it, list
//! inquiries, and drive it through the sandbox to approved.
//!
//! `cargo run --example quickstart` runs it against an embedded persona-mock: no account, no
//! network. With `PERSONA_API_KEY` and `PERSONA_INQUIRY_TEMPLATE_ID` set (and optionally
//! `PERSONA_API_BASE_URL`), it runs against that server instead.

use std::error::Error;
use std::process::ExitCode;

use persona_api::chrono::NaiveDate;
use persona_api::prelude::*;
use persona_api::types::{self, SimulateActionType};
use persona_api::{Client, Environment, NewInquiry, SimulateActions};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("quickstart failed: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    // Kept alive until the end: the embedded sandbox stops when dropped.
    let mut _sandbox = None;
    let (client, template_id) = match std::env::var("PERSONA_API_KEY") {
        Ok(key) => {
            let template_id = std::env::var("PERSONA_INQUIRY_TEMPLATE_ID")
                .map_err(|_| "PERSONA_API_KEY is set, so PERSONA_INQUIRY_TEMPLATE_ID must be too (an itmpl_ id from Dashboard > Inquiries > Templates)")?;
            let mut builder = Client::builder(key).user_agent("persona-api-quickstart");
            if let Ok(base_url) = std::env::var("PERSONA_API_BASE_URL") {
                builder = builder.base_url(base_url);
            }
            let client = builder.build()?;
            println!(
                "Using {} at {} ({} key)",
                template_id,
                client.base_url(),
                client.environment()
            );
            (client, template_id)
        }
        Err(_) => {
            let mock = persona_mock::MockServer::start().await?;
            let client = mock
                .client_builder()
                .user_agent("persona-api-quickstart")
                .build()?;
            println!(
                "No PERSONA_API_KEY: using an embedded persona-mock sandbox at {}",
                mock.base_url()
            );
            let template_id = mock.template_id().to_string();
            _sandbox = Some(mock);
            (client, template_id)
        }
    };

    println!("\n1. Create an inquiry for Jane Doe, born 1994-04-12, from template {template_id}");
    let jane = NewInquiry::from_template(&template_id)
        .name_first("Jane")
        .name_last("Doe")
        .birthdate(NaiveDate::from_ymd_opt(1994, 4, 12).ok_or("an invalid date")?);
    let response = client.create_inquiry().body(jane).send().await?;
    // The request id is what Persona's support asks for; it stays on the response until
    // `into_data()` gives the inquiry.
    let request_id = response.request_id().unwrap_or("none").to_string();
    let created = response.into_data();
    let id = created.id.clone();
    println!(
        "   created {id}: {} (request {request_id})",
        describe(&created)
    );

    println!("\n2. Retrieve {id}");
    let inquiry = client
        .retrieve_inquiry()
        .inquiry_id(&id)
        .send()
        .await?
        .into_data();
    let attributes = &inquiry.attributes;
    println!(
        "   {} {}, born {}: {}",
        attributes.name_first.as_deref().unwrap_or("?"),
        attributes.name_last.as_deref().unwrap_or("?"),
        attributes
            .birthdate
            .map(|date| date.to_string())
            .unwrap_or_else(|| "?".into()),
        describe(&inquiry)
    );

    println!("\n3. List the newest inquiries");
    let page = client
        .list_inquiries()
        .page_size(5)
        .send()
        .await?
        .into_inner();
    for listed in &page.data {
        println!("   {}: {}", listed.id, describe(listed));
    }
    let more = page.links.and_then(|links| links.next).is_some();
    println!(
        "   ({} shown{})",
        page.data.len(),
        if more { ", more on the next page" } else { "" }
    );

    if client.environment() == Environment::Production {
        println!("\n4. Skipped: simulate actions exist only in the sandbox");
        return Ok(());
    }
    println!("\n4. Drive it through the sandbox");
    for (action, label) in [
        (SimulateActionType::StartInquiry, "the person starts"),
        (
            SimulateActionType::CompleteInquiry,
            "the person finishes every step",
        ),
        (SimulateActionType::ApproveInquiry, "a reviewer approves"),
    ] {
        let inquiry = client
            .simulate_inquiry_actions()
            .inquiry_id(&id)
            .body(SimulateActions::new([action]))
            .send()
            .await?
            .into_data();
        println!("   {label}: {}", describe(&inquiry));
    }
    println!("\nDone: {id} went from created to approved.");
    Ok(())
}

fn describe(inquiry: &types::Inquiry) -> String {
    let status = inquiry
        .attributes
        .status
        .as_ref()
        .map_or("unknown".to_string(), ToString::to_string);
    match inquiry.attributes.updated_at {
        Some(at) => format!("{status} (updated {})", at.format("%Y-%m-%d %H:%M:%S UTC")),
        None => status,
    }
}
