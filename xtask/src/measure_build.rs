//! `cargo xtask measure-build`: what `persona-api` adds to a user's clean build.
//!
//! Builds, each from clean in its own target directory and in the same run (machines are
//! noisy, so only the ratio means much): a floor crate with exactly persona-api's
//! dependencies and features and no code, then persona-api, with the default TLS backend or,
//! with `--tls rustls-ring`, rustls on ring. With `--cli`: persona-api, then the `persona`
//! binary (persona-cli), which is what installing the CLI costs over the library. With
//! `--features`: after those two clean builds, persona-api alone again (its dependencies
//! built) with each product's feature alone, `default` and `full`: what each product adds.
//! With `--mock [--baseline REV]`: persona-mock from clean and alone, here and at REV.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::{TaskError, io, workspace_root};

/// The budget: persona-api may cost at most this much more than its dependencies alone.
pub const TARGET_RATIO: f64 = 1.25;

/// The TLS backends whose builds can be measured: persona-api's feature and what the floor
/// needs for the same dependencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls {
    /// The default `rustls` feature: rustls on aws-lc-rs.
    Rustls,
    /// The `rustls-ring` feature: rustls on ring.
    RustlsRing,
}

impl Tls {
    pub fn from_feature(name: &str) -> Option<Tls> {
        match name {
            "rustls" => Some(Tls::Rustls),
            "rustls-ring" => Some(Tls::RustlsRing),
            _ => None,
        }
    }

    fn feature(self) -> &'static str {
        match self {
            Tls::Rustls => "rustls",
            Tls::RustlsRing => "rustls-ring",
        }
    }

    /// The floor's TLS dependencies, as persona-api's feature sets them.
    fn floor_dependencies(self) -> &'static str {
        match self {
            Tls::Rustls => {
                "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"query\", \"stream\", \"rustls\"] }\n"
            }
            Tls::RustlsRing => {
                "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"query\", \"stream\", \"rustls-no-provider\"] }\n\
                rustls = { version = \"0.23\", default-features = false, features = [\"std\", \"tls12\", \"ring\"] }\n"
            }
        }
    }
}

/// The floor: persona-api's `[dependencies]` (with the TLS backend's) and an empty library.
fn write_floor_crate(dir: &Path, tls: Tls) -> Result<(), TaskError> {
    let manifest = workspace_root().join("persona-api/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(io(&manifest))?;
    let lock = workspace_root().join("Cargo.lock");
    std::fs::create_dir_all(dir.join("src")).map_err(io(dir))?;
    let floor = "[package]\nname = \"persona-api-floor\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n\
         progenitor-client = \"0.15.1\"\n\
         serde = { version = \"1\", features = [\"derive\"] }\n\
         serde_json = \"1\"\n\
         chrono = { version = \"0.4\", default-features = false, features = [\"serde\", \"std\", \"clock\"] }\n\
         tokio = { version = \"1\", features = [\"time\"] }\n\
         http = \"1\"\n\
         futures-util = { version = \"0.3\", default-features = false, features = [\"std\"] }\n\
         form_urlencoded = \"1\"\n"
        .to_string()
        + tls.floor_dependencies();
    // Every dependency of the floor must be one persona-api declares, so the floor is honest.
    for name in [
        "progenitor-client",
        "reqwest",
        "serde",
        "serde_json",
        "chrono",
        "tokio",
        "http",
        "futures-util",
        "form_urlencoded",
    ] {
        if !text.contains(name) {
            return Err(TaskError::Shape(format!(
                "persona-api no longer depends on {name}; update the floor in xtask/src/measure_build.rs"
            )));
        }
    }
    std::fs::write(dir.join("Cargo.toml"), &floor).map_err(io(dir))?;
    std::fs::write(dir.join("src/lib.rs"), "").map_err(io(dir))?;
    // Same versions as the workspace resolves, so both builds compile the same crates.
    std::fs::copy(&lock, dir.join("Cargo.lock")).map_err(io(&lock))?;
    Ok(())
}

fn timed_clean_build(
    manifest: &Path,
    package: &str,
    features: &[&str],
    target: &Path,
) -> Result<Duration, TaskError> {
    let _ = std::fs::remove_dir_all(target);
    timed_build(manifest, package, features, target)
}

/// Removes what `target` holds of `package` alone, so the next build compiles only it.
fn clean_package(manifest: &Path, package: &str, target: &Path) -> Result<(), TaskError> {
    let status = crate::cargo()
        .args(["clean", "--quiet", "-p", package, "--manifest-path"])
        .arg(manifest)
        .arg("--target-dir")
        .arg(target)
        .status()
        .map_err(io(manifest))?;
    if !status.success() {
        return Err(TaskError::Build(format!("cargo clean -p {package} failed")));
    }
    Ok(())
}

/// Builds `package` in `target` as it is (nothing removed first).
fn timed_build(
    manifest: &Path,
    package: &str,
    features: &[&str],
    target: &Path,
) -> Result<Duration, TaskError> {
    let started = Instant::now();
    let status = crate::cargo()
        .args(["build", "--quiet", "--manifest-path"])
        .arg(manifest)
        .args(["--package", package, "--target-dir"])
        .arg(target)
        .args(features)
        .status()
        .map_err(io(manifest))?;
    if !status.success() {
        return Err(TaskError::Build(format!("building {package} failed")));
    }
    Ok(started.elapsed())
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join("persona-api-measure-build")
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}

/// `measure-build --cli`: the `persona` binary against persona-api alone, both from clean.
pub fn run_cli() -> Result<String, TaskError> {
    let manifest = workspace_root().join("Cargo.toml");
    println!("building persona-api from clean...");
    let library = timed_clean_build(
        &manifest,
        "persona-api",
        &[],
        &scratch().join("target-persona-api"),
    )?;
    println!("building persona-cli (the persona binary) from clean...");
    let cli = timed_clean_build(
        &manifest,
        "persona-cli",
        &[],
        &scratch().join("target-persona-cli"),
    )?;
    Ok(format!(
        "clean debug build, {} cores, default features\n  persona-api:         {:>6.1} s\n  persona-cli (binary): {:>5.1} s\n  the CLI adds {:.1} s ({:.2}x)",
        cores(),
        library.as_secs_f64(),
        cli.as_secs_f64(),
        cli.as_secs_f64() - library.as_secs_f64(),
        cli.as_secs_f64() / library.as_secs_f64(),
    ))
}

/// `measure-build --mock [--baseline REV]`: persona-mock's clean build and its own compile on
/// built dependencies, for this checkout and, with a baseline, for that revision (checked out
/// in a scratch worktree), each in a clean target directory of its own.
pub fn run_mock(baseline: Option<&str>) -> Result<String, TaskError> {
    let root = workspace_root();
    let mut rows = vec![("this checkout".to_string(), mock_builds(&root)?)];
    if let Some(revision) = baseline {
        let tree = scratch().join("baseline");
        let tree_arg = tree.to_string_lossy().into_owned();
        // A worktree left by an interrupted run is replaced.
        let _ = crate::semver::git(&root, &["worktree", "remove", "--force", &tree_arg]);
        let _ = std::fs::remove_dir_all(&tree);
        crate::semver::git(&root, &["worktree", "add", "--detach", &tree_arg, revision])?;
        let measured = mock_builds(&tree);
        crate::semver::git(&root, &["worktree", "remove", "--force", &tree_arg])?;
        rows.push((revision.to_string(), measured?));
    }
    let mut table = format!(
        "persona-mock, clean debug build, {} cores\n\n| revision | clean build | persona-mock alone |\n| --- | ---: | ---: |\n",
        cores()
    );
    for (revision, (clean, own)) in rows {
        table.push_str(&format!(
            "| {revision} | {:.1} s | {:.1} s |\n",
            clean.as_secs_f64(),
            own.as_secs_f64()
        ));
    }
    Ok(table)
}

/// persona-mock of the workspace at `root`: from clean, then alone again on its built
/// dependencies.
fn mock_builds(root: &Path) -> Result<(Duration, Duration), TaskError> {
    let manifest = root.join("Cargo.toml");
    let target = scratch().join("target-persona-mock");
    println!("building persona-mock from clean in {}...", root.display());
    let clean = timed_clean_build(&manifest, "persona-mock", &[], &target)?;
    clean_package(&manifest, "persona-mock", &target)?;
    println!("building persona-mock alone...");
    let own = timed_build(&manifest, "persona-mock", &[], &target)?;
    Ok((clean, own))
}

pub fn run(tls: Tls) -> Result<String, TaskError> {
    clean_builds(tls).map(|(report, _)| report)
}

/// The two clean builds of [`run`]: the report, and the floor's time.
fn clean_builds(tls: Tls) -> Result<(String, Duration), TaskError> {
    let scratch = scratch();
    let floor_dir = scratch.join("floor");
    write_floor_crate(&floor_dir, tls)?;
    println!(
        "building the floor (dependencies only, {}) from clean...",
        tls.feature()
    );
    let floor = timed_clean_build(
        &floor_dir.join("Cargo.toml"),
        "persona-api-floor",
        &[],
        &scratch.join("target-floor"),
    )?;
    println!("building persona-api ({}) from clean...", tls.feature());
    let features = match tls {
        Tls::Rustls => vec![],
        Tls::RustlsRing => vec!["--no-default-features", "--features", "rustls-ring"],
    };
    let ours = timed_clean_build(
        &workspace_root().join("Cargo.toml"),
        "persona-api",
        &features,
        &scratch.join("target-persona-api"),
    )?;
    let ratio = ours.as_secs_f64() / floor.as_secs_f64();
    let report = format!(
        "clean debug build, {} cores, TLS feature {}\n  floor (dependencies, no code): {:>6.1} s\n  persona-api:                   {:>6.1} s\n  ratio: {ratio:.2}x (target at most {TARGET_RATIO:.2}x: {})",
        cores(),
        tls.feature(),
        floor.as_secs_f64(),
        ours.as_secs_f64(),
        if ratio <= TARGET_RATIO {
            "met"
        } else {
            "missed"
        }
    );
    Ok((report, floor))
}

/// The budget for `full`: every product at most this much more than the dependencies alone.
pub const FULL_TARGET_RATIO: f64 = 2.0;

/// `cargo xtask measure-build --features`: the clean builds of [`run`], then persona-api's own
/// build with each feature set, its dependencies already built, as a table.
pub fn run_features(features: &[String]) -> Result<String, TaskError> {
    let (clean, floor) = clean_builds(Tls::Rustls)?;
    let target = scratch().join("target-persona-api");
    let manifest = workspace_root().join("Cargo.toml");
    let mut sets: Vec<(String, Vec<String>)> = vec![("default".into(), vec![])];
    for feature in features {
        sets.push((
            feature.clone(),
            vec![
                "--no-default-features".into(),
                "--features".into(),
                format!("rustls,{feature}"),
            ],
        ));
    }
    sets.push(("full".into(), vec!["--features".into(), "full".into()]));
    let mut table = format!(
        "{clean}\n\npersona-api alone on built dependencies, by feature (floor {:.1} s):\n\n| feature | persona-api | floor + it, over the floor |\n| --- | ---: | ---: |\n",
        floor.as_secs_f64()
    );
    for (name, flags) in &sets {
        clean_package(&manifest, "persona-api", &target)?;
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let own = timed_build(&manifest, "persona-api", &flags, &target)?;
        let ratio = (floor + own).as_secs_f64() / floor.as_secs_f64();
        table.push_str(&format!(
            "| {name} | {:.1} s | {ratio:.2}x |\n",
            own.as_secs_f64()
        ));
    }
    table.push_str(&format!(
        "\n(budgets: default at most {TARGET_RATIO:.2}x, full at most {FULL_TARGET_RATIO:.2}x)"
    ));
    Ok(table)
}
