//! `persona-mock --listen 127.0.0.1:PORT [--rate-limit N] [--template-id itmpl_...]`

use std::net::SocketAddr;
use std::process::ExitCode;

const USAGE: &str =
    "usage: persona-mock [--listen 127.0.0.1:4010] [--rate-limit 300] [--template-id itmpl_...]";

fn parse(args: &[String]) -> Result<persona_mock::MockServerBuilder, String> {
    let mut builder =
        persona_mock::MockServer::builder().listen(SocketAddr::from(([127, 0, 0, 1], 4010)));
    let mut args = args.iter();
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
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        };
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
    println!("API key: any persona_sandbox_... key, for example persona_sandbox_test_key");
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
