//! `cargo xtask follow <new.json> [--since <old.json>]`: the maintainer's whole flow when
//! Persona publishes a new bundle, as one command that ends in a report.
//!
//! It runs the steps README's "Working on it" lists, in order, and stops at the first that
//! cannot go on (a bundle the import refuses, a spec the generator refuses). What needs a
//! person's judgement is collected, not decided: the snapshots that changed are written as
//! `.snap.new` for `cargo insta review`, and cargo-semver-checks' verdict is reported with the
//! version bump it asks for. Nothing is committed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{TaskError, workspace_root};

/// The test targets that hold snapshots: the generated code and the wire shapes per product,
/// and the CLI's command tree.
const SNAPSHOT_TESTS: [&[&str]; 2] = [
    &[
        "-p",
        "persona-api-tests",
        "--test",
        "contract",
        "--",
        "generated_code::",
        "requests::",
        "responses::",
    ],
    &["-p", "persona-cli", "--bin", "persona", "--", "tests::"],
];

pub fn run(new: &Path, since: Option<&Path>) -> Result<String, TaskError> {
    let root = workspace_root();
    let mut report = String::new();
    let mut section = |title: &str, body: &str| {
        writeln!(report, "## {title}\n\n{}\n", body.trim_end()).expect("writing to a String");
    };

    if let Some(old) = since {
        section(
            "What Persona changed, by product",
            &crate::spec_diff::between_bundles(old, new)?,
        );
    }
    section("Import", &crate::import::run(new, false)?);
    section("Generate", &crate::generate_client(false)?);
    section("Snapshots to review", &snapshots_to_review(&root)?);
    section("Public API (cargo-semver-checks)", &semver_verdict());
    section(
        "Left to you",
        &format!(
            "- review each `.snap.new` (`cargo insta review`) and accept only what you meant;\n\
             - bump persona-api's version if the verdict above asks for it;\n\
             - add a CHANGELOG.md entry naming the bundle ({}) and what users see change;\n\
             - commit the spec, the generated code and the snapshots together.",
            new.display()
        ),
    );
    Ok(report)
}

/// Runs the snapshot tests so that every changed snapshot is written beside the old one as
/// `.snap.new` (insta's review files) instead of failing the run, then lists them.
fn snapshots_to_review(root: &Path) -> Result<String, TaskError> {
    for args in SNAPSHOT_TESTS {
        let status = Command::new(env!("CARGO"))
            .arg("test")
            .args(args)
            .env("INSTA_UPDATE", "new")
            .env("INSTA_FORCE_PASS", "1")
            // The tests' own output goes beside cargo's, so stdout is the report alone.
            .stdout(Stdio::from(std::io::stderr()))
            .current_dir(root)
            .status()
            .map_err(|error| TaskError::Reference(format!("cargo test could not run: {error}")))?;
        if !status.success() {
            return Err(TaskError::Drift(format!(
                "`cargo test {}` failed for a reason other than a snapshot: fix it before \
                 reviewing the snapshots",
                args.join(" ")
            )));
        }
    }
    let mut pending = Vec::new();
    for dir in [
        "tests/tests/contract/snapshots",
        "persona-cli/src/snapshots",
    ] {
        collect_pending(&root.join(dir), &mut pending)?;
    }
    pending.sort();
    Ok(if pending.is_empty() {
        "none changed".to_string()
    } else {
        let mut text = format!(
            "{} changed (review with `cargo insta review`):\n",
            pending.len()
        );
        for path in &pending {
            let shown = path.strip_prefix(root).unwrap_or(path);
            writeln!(text, "- {}", shown.display()).expect("writing to a String");
        }
        text
    })
}

fn collect_pending(dir: &Path, pending: &mut Vec<PathBuf>) -> Result<(), TaskError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| TaskError::Reference(format!("{}: {error}", dir.display())))?;
    for entry in entries {
        let path = entry
            .map_err(|error| TaskError::Reference(format!("{}: {error}", dir.display())))?
            .path();
        if path.is_dir() {
            collect_pending(&path, pending)?;
        } else if path.extension().is_some_and(|extension| extension == "new") {
            pending.push(path);
        }
    }
    Ok(())
}

/// The semver task's verdict as a line of the report: a break is reported, not raised, since
/// the maintainer's answer to it is a version bump in the same change.
fn semver_verdict() -> String {
    match crate::semver::run(None) {
        Ok(verdict) => verdict,
        Err(error) => format!("{error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::collect_pending;

    #[test]
    fn pending_snapshots_are_found_in_product_folders_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("follow-pending-{}", std::process::id()));
        let product = dir.join("accounts");
        std::fs::create_dir_all(&product).unwrap();
        for file in [
            "top.snap.new",
            "top.snap",
            "accounts/create.snap.new",
            "accounts/create.snap",
        ] {
            std::fs::write(dir.join(file), "").unwrap();
        }
        let mut pending = Vec::new();
        collect_pending(&dir, &mut pending).unwrap();
        pending.sort();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            pending,
            [product.join("create.snap.new"), dir.join("top.snap.new")]
        );
    }
}
