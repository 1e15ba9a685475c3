//! `cargo xtask generate [--check]`: see the crate docs of `xtask`.

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

  generate          regenerate persona-api/src/generated.rs from openapi/persona-inquiries.yaml
  generate --check  exit non-zero, naming the stale file, if the checked-in code is not what the spec gives
  measure-build     time clean builds of persona-api and of its dependencies alone; print the ratio
  bench-report      print the saved benchmark results as ratios against their floors";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["generate"] => xtask::write_generated_client(),
        ["generate", "--check"] => xtask::check_generated_client(),
        ["measure-build"] => xtask::measure_build::run(),
        ["bench-report"] => xtask::bench_report::run(),
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
