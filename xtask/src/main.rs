//! `cargo xtask <task>`: see the crate docs of `xtask`.

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

  generate [--check]                  regenerate persona-api/src/generated/, tests/src/decoders.rs and
                                      persona-cli/src/generated.rs from openapi/persona.yaml;
                                      with --check, exit 1 naming the stale file instead
  import --from <bundle.json> [--check]
                                      write openapi/persona.yaml from one of Persona's 3.1 bundles (structure only)
                                      and openapi/overlay/; with --check, exit 1 if it is stale
  check-features                      cargo check persona-api with each product's feature alone; exit 1 on an error
                                      or a warning
  client-spec [--ours] --out <file>   write what the generator reads of openapi/persona.yaml (the operations the
                                      client covers and the components they use), for outside linters; with
                                      --ours, only the operations whose shape our overlays write
  fixtures --from <reference> [--check]
                                      write tests/fixtures/ from the reference material (the getting-started guide
                                      and Persona's 2023-01-05 bundle); with --check, exit 1 if they are stale
  spec-diff <bundle.json>             compare openapi/ with one of Persona's published bundles over every
                                      operation; exit 1 on a difference openapi/spec-diff-allow/ does not
                                      explain (_common.yaml, or its product's file), or an entry that explains none
  spec-diff <old.json> <new.json>     print what changes between two of Persona's bundles
  import-schema [--responses] <bundle.json> <component>...
                                      print components of a Persona bundle in our spec's OpenAPI 3.0 dialect
                                      (structure only: write their descriptions yourself); with --responses,
                                      named our way and loosened for reading (all optional, nullable, open)
  semver [--baseline <rev>]           what this checkout changes in persona-api's public API, by cargo-semver-checks,
                                      against the last release (the state before the last version bump); exit 1
                                      on a breaking change the version does not allow
  follow <new.json> [--since <old.json>]
                                      the maintainer's flow for a new Persona bundle: what changed from old.json by
                                      product, import, generate, the snapshots that changed (written as .snap.new for
                                      `cargo insta review`) and semver's verdict, as one report; commits nothing
  measure-build [--tls rustls-ring]   time clean builds of persona-api and of its dependencies alone; print the ratio
  measure-build --features            and then persona-api's own build with each product's feature alone, default
                                      and full, as a table
  measure-build --cli                 time clean builds of persona-api and of the persona binary; print the difference
  measure-build --mock [--baseline <rev>]
                                      time persona-mock's clean build and its own compile, here and at <rev>
  bench-report                        print the saved benchmark results as ratios against their floors";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["generate"] => xtask::generate_client(false),
        ["generate", "--check"] => xtask::generate_client(true),
        ["import", "--from", bundle] => xtask::import::run(Path::new(bundle), false),
        ["import", "--from", bundle, "--check"] | ["import", "--check", "--from", bundle] => {
            xtask::import::run(Path::new(bundle), true)
        }
        ["check-features"] => xtask::check_features(),
        ["client-spec", "--out", out] => xtask::write_client_spec(Path::new(out), false),
        ["client-spec", "--ours", "--out", out] => xtask::write_client_spec(Path::new(out), true),
        ["fixtures", "--from", reference] => xtask::fixtures::run(Path::new(reference), false),
        ["fixtures", "--from", reference, "--check"]
        | ["fixtures", "--check", "--from", reference] => {
            xtask::fixtures::run(Path::new(reference), true)
        }
        ["spec-diff", bundle] => xtask::spec_diff::against_ours(Path::new(bundle)),
        ["spec-diff", old, new] => {
            xtask::spec_diff::between_bundles(Path::new(old), Path::new(new))
        }
        ["import-schema", "--responses", bundle, components @ ..] if !components.is_empty() => {
            xtask::import_schema::run(
                Path::new(bundle),
                components,
                xtask::import_schema::Use::Responses,
            )
        }
        ["import-schema", bundle, components @ ..] if !components.is_empty() => {
            xtask::import_schema::run(
                Path::new(bundle),
                components,
                xtask::import_schema::Use::AsPublished,
            )
        }
        ["measure-build"] => xtask::measure_build::run(xtask::measure_build::Tls::Rustls),
        ["measure-build", "--cli"] => xtask::measure_build::run_cli(),
        ["measure-build", "--features"] => xtask::measure_features(),
        ["measure-build", "--mock"] => xtask::measure_build::run_mock(None),
        ["measure-build", "--mock", "--baseline", revision] => {
            xtask::measure_build::run_mock(Some(revision))
        }
        ["measure-build", "--tls", feature] => {
            match xtask::measure_build::Tls::from_feature(feature) {
                Some(tls) => xtask::measure_build::run(tls),
                None => Err(xtask::TaskError::Shape(format!(
                    "--tls takes rustls or rustls-ring, not {feature}"
                ))),
            }
        }
        ["bench-report"] => xtask::bench_report::run(),
        ["semver"] => xtask::semver::run(None),
        ["semver", "--baseline", revision] => xtask::semver::run(Some(revision)),
        ["follow", new] => xtask::follow::run(Path::new(new), None),
        ["follow", new, "--since", old] | ["follow", "--since", old, new] => {
            xtask::follow::run(Path::new(new), Some(Path::new(old)))
        }
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
