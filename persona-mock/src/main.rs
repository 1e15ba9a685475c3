//! `persona-mock --listen 127.0.0.1:PORT [--rate-limit N] [--template-id itmpl_...]
//! [--webhook-url URL --webhook-secret SECRET]... [--webhook URL=SECRET]...
//! [--webhook-retry-scale F] [--report-delay-ms MS]`

use std::net::SocketAddr;
use std::process::ExitCode;

const USAGE: &str =
    "usage: persona-mock [--listen 127.0.0.1:4010] [--rate-limit 300] [--template-id itmpl_...]
                    [--webhook-url URL --webhook-secret SECRET]... [--webhook URL=SECRET]...
                    [--webhook-retry-scale 0.00002] [--report-delay-ms 0]";

fn parse(args: &[String]) -> Result<persona_mock::MockServerBuilder, String> {
    let mut builder =
        persona_mock::MockServer::builder().listen(SocketAddr::from(([127, 0, 0, 1], 4010)));
    let mut args = args.iter();
    // A --webhook-url waits for its --webhook-secret.
    let mut pending_url: Option<String> = None;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        builder = match flag.as_str() {
            "--listen" => builder.listen(
                value()?
                    .parse()
                    .map_err(|error| format!("--listen: {error}"))?,
            ),
            "--rate-limit" => builder.rate_limit_per_minute(
                value()?
                    .parse()
                    .map_err(|error| format!("--rate-limit: {error}"))?,
            ),
            "--template-id" => builder.template_id(value()?.clone()),
            "--webhook-url" => {
                if let Some(url) = pending_url.replace(value()?.clone()) {
                    return Err(format!("--webhook-url {url} has no --webhook-secret"));
                }
                builder
            }
            "--webhook-secret" => {
                let secret = value()?.clone();
                let url = pending_url
                    .take()
                    .ok_or("--webhook-secret must follow a --webhook-url")?;
                builder.webhook(persona_mock::WebhookEndpoint::new(url, secret))
            }
            "--webhook" => {
                let pair = value()?;
                let (url, secret) = pair
                    .rsplit_once('=')
                    .filter(|(url, secret)| !url.is_empty() && !secret.is_empty())
                    .ok_or_else(|| format!("--webhook takes URL=SECRET (sent '{pair}')"))?;
                builder.webhook(persona_mock::WebhookEndpoint::new(url, secret))
            }
            "--webhook-retry-scale" => builder.webhook_retry_scale(
                value()?
                    .parse()
                    .map_err(|error| format!("--webhook-retry-scale: {error}"))?,
            ),
            "--report-delay-ms" => builder.report_delay(std::time::Duration::from_millis(
                value()?
                    .parse()
                    .map_err(|error| format!("--report-delay-ms: {error}"))?,
            )),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        };
    }
    if let Some(url) = pending_url {
        return Err(format!("--webhook-url {url} has no --webhook-secret"));
    }
    Ok(builder)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let builder = match parse(&args) {
        Ok(builder) => builder,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mock = match builder.start().await {
        Ok(mock) => mock,
        Err(error) => {
            eprintln!("error: cannot start persona-mock: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("persona-mock listening; base URL {}", mock.base_url());
    println!(
        "inquiry template: {} (and itmpl_YOURTEMPLATEID)",
        mock.template_id()
    );
    let others = mock.templates().iter();
    for template in others.filter(|template| template.id != mock.template_id()) {
        println!("{}: {}", template.json_type, template.id);
    }
    println!("API key: any persona_sandbox_... key, for example persona_sandbox_test_key");
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
