//! `cargo xtask semver [--baseline REV]`: what the checkout changes in persona-api's public API,
//! judged by cargo-semver-checks (the ecosystem's tool) against the last release.
//!
//! The last release is the state before the last change of persona-api's version: the commit
//! whose `version = ` line differs from the checkout's, found in git. A regeneration after
//! Persona changes its API therefore fails here if it breaks users and the version was not
//! bumped the way semver asks (for 0.x, the minor number). `--baseline REV` compares with any
//! other revision instead.

use std::path::Path;
use std::process::Command;

use crate::{TaskError, workspace_root};

/// The crate users depend on; persona-mock and persona-cli follow its version.
const CRATE: &str = "persona-api";
const MANIFEST: &str = "persona-api/Cargo.toml";
/// The features the check builds with: every one that adds API, and the default TLS backend
/// (native-tls would need OpenSSL's headers, and the TLS features add no items).
const FEATURES: &str = "rustls,webhooks,tracing";

pub(crate) fn git(root: &Path, args: &[&str]) -> Result<String, TaskError> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|error| TaskError::Reference(format!("git {}: {error}", args.join(" "))))?;
    if !output.status.success() {
        return Err(TaskError::Reference(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The revision of the last release: the parent of the newest commit that changed the
/// version line of persona-api's manifest. `None` when the version never changed (nothing
/// was released before it).
pub fn last_release(root: &Path) -> Result<Option<String>, TaskError> {
    let bump = git(
        root,
        &[
            "log",
            "-1",
            "--format=%H",
            "-G",
            "^version = ",
            "--",
            MANIFEST,
        ],
    )?;
    if bump.is_empty() {
        return Ok(None);
    }
    let parents = git(root, &["rev-list", "--parents", "-n", "1", &bump])?;
    Ok(parents.split_whitespace().nth(1).map(str::to_string))
}

/// Runs cargo-semver-checks against `baseline` (or the last release); its report is printed as
/// it comes, and a breaking change without the version bump it needs fails the task.
pub fn run(baseline: Option<&str>) -> Result<String, TaskError> {
    let root = workspace_root();
    let baseline = match baseline {
        Some(revision) => revision.to_string(),
        None => match last_release(&root)? {
            Some(revision) => revision,
            None => {
                return Ok(format!(
                    "{CRATE} has had one version only: no release to compare with"
                ));
            }
        },
    };
    let status = Command::new("cargo")
        .args([
            "semver-checks",
            "check-release",
            "--package",
            CRATE,
            "--baseline-rev",
            &baseline,
            "--only-explicit-features",
            "--features",
            FEATURES,
        ])
        .current_dir(&root)
        .status()
        .map_err(|error| {
            TaskError::Reference(format!(
                "cargo semver-checks could not run ({error}); install it with \
                 `cargo install cargo-semver-checks --locked`"
            ))
        })?;
    if status.success() {
        Ok(format!(
            "{CRATE}: no change that its version does not allow, against {baseline}"
        ))
    } else {
        Err(TaskError::Drift(format!(
            "{CRATE} changes its public API in a way its version does not allow, against \
             {baseline}: bump the version as cargo-semver-checks says above (and say so in \
             CHANGELOG.md), or undo the change"
        )))
    }
}
