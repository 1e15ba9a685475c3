//! `cargo xtask generate [--check]`: see the crate docs of `xtask`.

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask generate [--check]

  generate          regenerate persona-api/src/generated.rs from openapi/persona-inquiries.yaml
  generate --check  exit non-zero, naming the stale file, if the checked-in code is not what the spec gives";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["generate"] => xtask::write_generated_client(),
        ["generate", "--check"] => xtask::check_generated_client(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
