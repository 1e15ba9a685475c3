//! Maintainer tasks for the workspace.
//!
//! The one job of this crate is to turn the spec (`openapi/persona.yaml`, imported from
//! Persona's bundle with our overlays by [`import`]; the generator reads the operations the
//! client covers, [`document::in_scope`]) into
//! the generated half of `persona-api` (`persona-api/src/generated/`) and of the `persona`
//! CLI (`persona-cli/src/generated.rs`), and to tell whether the checked-in copies are still
//! what the spec gives. The test suite calls [`generate`] too, so the
//! drift check and the generator can never disagree.

pub mod bench_report;
pub mod cli;
pub mod document;
pub mod emit;
pub mod emit_mock;
pub mod features;
pub mod fixtures;
pub mod follow;
pub mod import;
pub mod import_schema;
pub mod measure_build;
pub mod model;
mod outline;
mod preflight;
mod refine;
mod request_builders;
mod request_types;
pub mod semver;
mod shapes;
pub mod spec_diff;

pub use outline::{outline_by_product, public_outline};

use std::fmt;
use std::path::{Path, PathBuf};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};

/// The spec, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/persona.yaml";
/// The generated client (progenitor's operations and types), relative to the workspace root.
pub const GENERATED_PATH: &str = emit::CLIENT_PATH;

/// Why a task failed; every variant names what is wrong and where.
#[derive(Debug)]
pub enum TaskError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Yaml(String),
    /// Constructs progenitor cannot take, found before calling it (it would panic or misbehave).
    Unsupported(Vec<String>),
    /// The document is OpenAPI but not in the shape `openapiv3` expects.
    Shape(String),
    /// progenitor refused the spec or panicked on it.
    Progenitor(String),
    /// progenitor emitted tokens that are not a Rust file (a progenitor bug).
    Format(String),
    /// A checked-in file is not what its source gives.
    Stale {
        path: String,
        source: String,
        command: String,
    },
    /// The reference material is not in the shape the task reads.
    Reference(String),
    /// Our spec and Persona's differ beyond the allowlist; the text lists each difference.
    Drift(String),
    /// A build the task ran failed; the text says which and what cargo printed.
    Build(String),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            TaskError::Yaml(message) => write!(f, "{SPEC_PATH} is not valid YAML: {message}"),
            TaskError::Unsupported(problems) => {
                write!(
                    f,
                    "{SPEC_PATH} uses constructs progenitor cannot generate from:"
                )?;
                for problem in problems {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
            TaskError::Shape(message) => {
                write!(
                    f,
                    "{SPEC_PATH} is not an OpenAPI 3.0 document progenitor can read: {message}"
                )
            }
            TaskError::Progenitor(message) => {
                write!(
                    f,
                    "progenitor could not generate a client from {SPEC_PATH}: {message}"
                )
            }
            TaskError::Format(message) => {
                write!(
                    f,
                    "progenitor produced code that does not parse as Rust: {message}"
                )
            }
            TaskError::Stale {
                path,
                source,
                command,
            } => write!(
                f,
                "{path} is stale: it differs from what {source} gives. \
                 Run `{command}` and commit the result."
            ),
            TaskError::Reference(message)
            | TaskError::Drift(message)
            | TaskError::Build(message) => {
                write!(f, "{message}")
            }
        }
    }
}

impl std::error::Error for TaskError {}

/// The workspace root, found at run time: the nearest directory at or above the running
/// package's manifest (cargo sets `CARGO_MANIFEST_DIR` for `cargo run` and `cargo test`), or
/// else the current directory, whose `Cargo.toml` declares `[workspace]`. Not a path compiled
/// in: a binary built for one checkout and run from another (a shared target directory) must
/// work on the checkout it runs in.
pub fn workspace_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    start
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "[workspace]"))
        })
        .unwrap_or(&start)
        .to_path_buf()
}

/// Turns an I/O error on `path` into the task error that names it: `.map_err(io(path))`.
pub(crate) fn io(path: &Path) -> impl Fn(std::io::Error) -> TaskError + '_ {
    move |source| TaskError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub(crate) fn read(path: &Path) -> Result<String, TaskError> {
    std::fs::read_to_string(path).map_err(io(path))
}

/// Writes `content` to `path` unless it is there already, or with `check` only compares.
/// Returns whether the file differed.
pub(crate) fn write_or_check(path: &Path, content: &str, check: bool) -> Result<bool, TaskError> {
    let differs = std::fs::read_to_string(path).map_or(true, |actual| actual != content);
    if differs && !check {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::write(path, content).map_err(io(path))?;
    }
    Ok(differs)
}

/// What `cargo xtask generate` writes: each file with its path relative to the workspace root.
#[derive(Debug, PartialEq, Eq)]
pub struct Generated {
    files: Vec<(&'static str, String)>,
}

impl Generated {
    /// Each file with its path relative to the workspace root: the client, the tables written
    /// from the model, and the command line that calls the client.
    pub fn files(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.files.iter().map(|(path, code)| (*path, code.as_str()))
    }
}

/// Generates the client, its tables and the CLI sources from the text of a spec.
/// Deterministic: the same spec gives the same bytes.
pub fn generate(spec_yaml: &str) -> Result<Generated, TaskError> {
    let document: serde_json::Value =
        serde_yaml_ng::from_str(spec_yaml).map_err(|error| TaskError::Yaml(error.to_string()))?;
    let client_view = document::Document { root: document }.client_view();
    let model = model::Model::read(&client_view)?;
    let document = client_view.progenitor_view().root;
    let problems = preflight::problems(&document);
    if !problems.is_empty() {
        return Err(TaskError::Unsupported(problems));
    }
    let reader = document::Document {
        root: document.clone(),
    };
    let (builders, flattened) = request_builders::wanted(&document, &model);
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(document).map_err(|error| TaskError::Shape(error.to_string()))?;

    let tokens = run_progenitor(&spec, &model)?;
    let mut file =
        syn::parse2::<syn::File>(tokens).map_err(|error| TaskError::Format(error.to_string()))?;
    let operations = spec.operations().count();
    let sends = refine::rewrite_builders(&mut file)?;
    refine::add_open_unions(&mut file, &model.open_unions)?;
    refine::add_included_kinds(&mut file, &model)?;
    request_builders::add(&mut file, &builders, &flattened)?;
    request_types::refuse_nulls(&mut file, &reader)?;
    request_types::drop_response_builders(&mut file, &reader)?;
    if sends != operations {
        return Err(TaskError::Format(format!(
            "{sends} builders' send() were rewritten for {operations} operations"
        )));
    }
    let cli = cli::generate(&reader, &model, &file)?;
    features::gate(&mut file, &model)?;
    let client = emit::formatted(&file);
    let manifest = features::cargo_toml(
        &read(&workspace_root().join(features::MANIFEST_PATH))?,
        &model,
    )?;
    let readme = features::readme(
        &read(&workspace_root().join(features::README_PATH))?,
        &model,
    )?;
    Ok(Generated {
        files: vec![
            (emit::CLIENT_PATH, client),
            (emit::MODULE_PATH, emit::file(emit::module())?),
            (emit::IDS_PATH, emit::ids(&model)?),
            (emit::ENUMS_PATH, emit::enums(&model)?),
            (emit::PAGINATION_PATH, emit::pagination(&model)?),
            (emit::ENVELOPES_PATH, emit::file(emit::envelopes(&model))?),
            (emit::UPLOADS_PATH, emit::file(emit::uploads(&model)?)?),
            (emit::EVENTS_PATH, emit::file(emit::events(&model))?),
            (emit::DECODERS_PATH, emit::file(emit::decoders(&model))?),
            (
                emit::TEST_ID_KINDS_PATH,
                emit::file(emit::test_id_kinds(&model))?,
            ),
            (
                emit::TEST_INCLUDED_KINDS_PATH,
                emit::file(emit::test_included_kinds(&model))?,
            ),
            (
                emit_mock::OPERATIONS_PATH,
                emit::file(emit_mock::operations(&model))?,
            ),
            (
                emit_mock::BODIES_PATH,
                emit::file(emit_mock::bodies(&model))?,
            ),
            (
                emit_mock::RESOURCE_TYPES_PATH,
                emit::file(emit_mock::resource_types(&model))?,
            ),
            (
                emit::IMPORTED_REQUESTS_PATH,
                emit::file(emit::imported_requests(&model))?,
            ),
            (cli::CLI_GENERATED_PATH, cli),
            (features::MANIFEST_PATH, manifest),
            (features::README_PATH, readme),
            (features::DOCS_TABLE_PATH, features::table(&model)),
        ],
    })
}

/// Each schema with the given extension, and the extension's value.
fn schemas_with<'a>(
    spec: &'a openapiv3::OpenAPI,
    extension: &'a str,
) -> impl Iterator<Item = (&'a str, &'a serde_json::Value)> + 'a {
    spec.components
        .iter()
        .flat_map(|components| &components.schemas)
        .filter_map(move |(name, schema)| {
            let value = schema.as_item()?.schema_data.extensions.get(extension)?;
            Some((name.as_str(), value))
        })
}

/// A schema the spec gives a hand-written Rust type: its name, the type's path, and the traits
/// the type implements, which typify needs to know.
type Replacement<'a> = (&'a str, &'a str, Vec<TypeImpl>);

/// The schemas marked `x-rust-replacement: <path>` (with `x-rust-impls`).
fn replacements(spec: &openapiv3::OpenAPI) -> Result<Vec<Replacement<'_>>, TaskError> {
    schemas_with(spec, "x-rust-replacement")
        .map(|(name, path)| {
            let problem = |what: String| TaskError::Unsupported(vec![format!("{name}: {what}")]);
            let path = path
                .as_str()
                .ok_or_else(|| problem("x-rust-replacement must be a Rust path".into()))?;
            let impls = spec
                .components
                .as_ref()
                .and_then(|components| components.schemas.get(name))
                .and_then(|schema| schema.as_item())
                .and_then(|schema| schema.schema_data.extensions.get("x-rust-impls"))
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .map(|value| {
                    value
                        .as_str()
                        .and_then(|text| text.parse::<TypeImpl>().ok())
                        .ok_or_else(|| problem(format!("{value} is not a trait typify knows")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((name, path, impls))
        })
        .collect()
}

/// The generator settings, and the reason for each.
fn settings(
    spec: &openapiv3::OpenAPI,
    model: &model::Model,
) -> Result<GenerationSettings, TaskError> {
    let mut settings = GenerationSettings::new();
    // typify's enum for a oneOf refuses a kind it does not know; an open union is written by
    // `refine::add_open_unions` instead, so typify is told to use that one.
    for union in &model.open_unions {
        settings.with_replacement(
            &union.name,
            format!("crate::generated::types::{}", union.name),
            std::iter::empty(),
        );
    }
    // Closed enums would fail a whole response on one new status: every set the spec marks
    // open is swapped for the enum `emit::enums` writes from the model, which keeps unknown
    // values.
    for open in &model.open_enums {
        settings.with_replacement(
            &open.name,
            format!("crate::generated::enums::{}", open.name),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    // Ids are typed by kind, with the prefix the spec gives (`emit::ids`).
    for kind in &model.ids {
        settings.with_replacement(
            &kind.name,
            format!("crate::generated::ids::{}", kind.name),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    // What the spec cannot say, the spec names a hand-written type for: the JSON:API links
    // that read both `null` and `{}`, an update's three-state attributes.
    let replaced = replacements(spec)?;
    // A link narrowed to an id kind is its generic relationship's type over that kind.
    for link in &model.links {
        let (_, path, impls) = replaced
            .iter()
            .find(|(name, _, _)| *name == link.base)
            .ok_or_else(|| {
                TaskError::Unsupported(vec![format!(
                    "{}: its relationship {} names no x-rust-replacement",
                    link.schema, link.base
                )])
            })?;
        settings.with_replacement(
            &link.schema,
            format!("{path}<crate::generated::ids::{}>", link.kind),
            impls.iter().cloned(),
        );
    }
    for (name, path, impls) in replaced {
        settings.with_replacement(name, path, impls.into_iter());
    }
    settings
        // Builder methods do not reorder call sites when the spec gains a parameter.
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // persona-api must implement ClientHooks (auth and version headers); forgetting it is a
        // compile error rather than a client that silently sends no key.
        .with_hooks(HooksMode::Expected)
        .with_inner_type(
            "crate::client::ClientContext"
                .parse()
                .expect("a valid Rust path"),
        )
        // Ordered maps keep serialized bodies and snapshots stable.
        .with_map_type("::std::collections::BTreeMap");
    Ok(settings)
}

/// Runs progenitor, turning its panics (it asserts on some specs) into an error that names the
/// cause instead of a backtrace.
fn run_progenitor(
    spec: &openapiv3::OpenAPI,
    model: &model::Model,
) -> Result<proc_macro2::TokenStream, TaskError> {
    let settings = settings(spec, model)?;
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(|| Generator::new(&settings).generate_tokens(spec));
    std::panic::set_hook(previous_hook);
    match outcome {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(error)) => Err(TaskError::Progenitor(error.to_string())),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
                .unwrap_or_else(|| "no message".to_string());
            Err(TaskError::Progenitor(format!("it panicked: {message}")))
        }
    }
}

/// `verification-government-id` or `relation-schema` as `VerificationGovernmentId` or
/// `RelationSchema`: a Rust type or variant name for one of Persona's.
pub(crate) fn pascal_case(name: &str) -> String {
    name.split(|character: char| !character.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut characters = word.chars();
            characters
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + characters.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A product as the files kept per product are named (allowlist, snapshot folders):
/// `API Keys` as `api-keys`.
pub fn product_slug(product: &str) -> String {
    product.to_lowercase().replace(' ', "-")
}

/// `generateInquiryOneTimeLink` as `generate-inquiry-one-time-link`.
pub(crate) fn kebab_case(operation_id: &str) -> String {
    let mut name = String::new();
    for character in operation_id.chars() {
        if character.is_ascii_uppercase() {
            if !name.is_empty() {
                name.push('-');
            }
            name.push(character.to_ascii_lowercase());
        } else {
            name.push(character);
        }
    }
    name
}

/// An operation's method on the client, as progenitor names it: `listInquiries` as
/// `list_inquiries`.
pub(crate) fn method_name(operation_id: &str) -> String {
    kebab_case(operation_id).replace('-', "_")
}

/// A parameter's name as progenitor names its setter: `page[size]` as `page_size`,
/// `Persona-Version` as `persona_version`.
pub(crate) fn snake_case(wire_name: &str) -> String {
    wire_name
        .to_ascii_lowercase()
        .split(|character: char| !character.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// The cargo that runs this task (`CARGO`), for the builds a task starts.
pub(crate) fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// `cargo xtask check-features`: each product's feature builds alone.
pub fn check_features() -> Result<String, TaskError> {
    features::check_each(&client_model()?)
}

/// `cargo xtask measure-build --features`: what each product's feature costs to build.
pub fn measure_features() -> Result<String, TaskError> {
    let model = client_model()?;
    let features: std::collections::BTreeSet<String> = model.features.values().cloned().collect();
    measure_build::run_features(&features.into_iter().collect::<Vec<_>>())
}

/// What the generator reads of the checked-in spec ([`document::Document::client_view`]).
pub fn client_document() -> Result<document::Document, TaskError> {
    Ok(document::Document::load(&workspace_root().join(SPEC_PATH))?.client_view())
}

/// The model of what the client covers.
fn client_model() -> Result<model::Model, TaskError> {
    model::Model::read(&client_document()?)
}

/// `cargo xtask client-spec --out <file>`: what the generator reads of the spec, as a document
/// of its own (JSON, which YAML readers take too), for tools that lint or fuzz it from outside.
pub fn write_client_spec(out: &Path, ours_only: bool) -> Result<String, TaskError> {
    let mut view = client_document()?;
    if ours_only {
        view = view.overlay_view();
    }
    let text = serde_json::to_string_pretty(&view.root)
        .map_err(|error| TaskError::Shape(error.to_string()))?;
    std::fs::write(out, text + "\n").map_err(io(out))?;
    let operations = view.operations().count();
    Ok(format!(
        "wrote {} ({operations} operations of {SPEC_PATH})",
        out.display()
    ))
}

/// Reads the spec and generates the client and CLI sources from it.
pub fn generate_from_workspace() -> Result<Generated, TaskError> {
    generate(&read(&workspace_root().join(SPEC_PATH))?)
}

/// `cargo xtask generate`: rewrites the generated files; with `check`, fails instead when a
/// checked-in file is not what the spec gives.
pub fn generate_client(check: bool) -> Result<String, TaskError> {
    let generated = generate_from_workspace()?;
    let mut report = Vec::new();
    for (path, code) in generated.files() {
        let stale = write_or_check(&workspace_root().join(path), code, check)?;
        match (check, stale) {
            (true, true) => {
                return Err(TaskError::Stale {
                    path: path.to_string(),
                    source: SPEC_PATH.to_string(),
                    command: "cargo xtask generate".to_string(),
                });
            }
            (true, false) => report.push(format!("{path} is up to date with {SPEC_PATH}")),
            (false, true) => report.push(format!(
                "wrote {path} ({} lines) from {SPEC_PATH}: changed",
                code.lines().count()
            )),
            (false, false) => report.push(format!("{path}: unchanged")),
        }
    }
    Ok(report.join("\n"))
}
