//! Rust bindings for [Persona](https://withpersona.com)'s identity-verification REST API:
//! create inquiries, follow them through their statuses, and decide them.
//!
//! Types follow API version 2023-01-05. The operations and types in [`types`] are generated
//! from the spec in this repository (`openapi/persona.yaml`); [`Client`] adds what the
//! spec cannot say: the API key and its environment, version and inflection headers, retries
//! with idempotency keys, timeouts, and one [`Error`] type.
//!
//! # Create an inquiry for Jane Doe
//!
//! The request of Persona's getting-started guide, in Rust. (This example runs against
//! `persona-mock`, the local sandbox; leave out `base_url` to talk to Persona.)
//!
//! ```
//! use persona_api::chrono::NaiveDate;
//! use persona_api::prelude::*;
//! use persona_api::{Client, InquiryStatus, NewInquiry};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = persona_mock::MockServer::start().await?;
//! # let (api_key, base_url, template_id) = ("persona_sandbox_test_key", sandbox.base_url(), sandbox.template_id());
//! let client = Client::builder(api_key).base_url(base_url).build()?;
//!
//! let jane = NewInquiry::from_template(template_id)
//!     .name_first("Jane")
//!     .name_last("Doe")
//!     .birthdate(NaiveDate::from_ymd_opt(1994, 4, 12).ok_or("a date")?);
//! let inquiry = client.create_inquiry().body(jane).send().await?.into_data();
//! assert!(inquiry.id.starts_with("inq_"));
//! assert_eq!(inquiry.attributes.status, Some(InquiryStatus::Created));
//! assert_eq!(inquiry.attributes.name_first.as_deref(), Some("Jane"));
//! # Ok(())
//! # }
//! ```
//!
//! Every JSON request body of every product has such a builder ([`requests`]):
//! [`SimulateActions`], [`Decision`], [`Tag`], [`InquiryUpdate`], `requests::NewAccount`,
//! `requests::NewCase` and the rest. A body that is one of several kinds has a builder per
//! kind: a report is `requests::NewWatchlistReport`, `requests::NewAdverseMediaReport`, ...
//! The envelope types they build (`types::CreateInquiryRequest` and so on) stay available.
//!
//! # Ids
//!
//! Every id has its kind ([`InquiryId`], [`InquiryTemplateId`], [`AccountId`], [`CaseId`],
//! ...). A path setter, and a body builder's id setter, takes its kind, or text that is
//! checked for the kind's prefix before anything is sent (`send()` fails with the prefix it
//! expected); an id of another kind does not compile:
//!
//! ```compile_fail
//! # async fn run(client: persona_api::Client, template: persona_api::InquiryTemplateId) {
//! client.retrieve_inquiry().inquiry_id(&template).send().await; // an inquiry template is no inquiry
//! # }
//! ```
//!
//! ```
//! # async fn run(client: persona_api::Client, inquiry: persona_api::InquiryId) {
//! client.retrieve_inquiry().inquiry_id(&inquiry).send().await; // the kind it takes
//! client.retrieve_inquiry().inquiry_id("inq_Qk4uUUDAt6ZZt2zKQNb6SR6J").send().await; // checked
//! # }
//! ```
//!
//! # Errors
//!
//! Every operation's `send()` returns [`Error`]. [`Error::Api`] carries the status, every
//! `{title, details, source.pointer, meta}` of Persona's body, the `Request-Id` and the rate
//! limit, and displays like `Bad request: data.attributes.inquiry_template_id must start with
//! itmpl (sent '...')` or `Record not found`, whatever error type `?` passes it on as.
//! Successful responses give the same facts through [`ResponseMetadata`].
//!
//! # Lists
//!
//! With [`Paginate`] in scope, `.into_stream()` on any list or search builder gives a
//! `futures::Stream` of items that fetches page after page as it is read.
//!
//! # Features
//!
//! - `rustls` (default, aws-lc-rs underneath), `rustls-ring` (rustls with ring: a quicker
//!   clean build) or `native-tls`: the TLS backend; with `default-features = false` pick one.
//! - `webhooks`: the `webhooks` module, verification of `Persona-Signature` and typed events:
//!   the object of each of the spec's events (`webhooks::EventObject`) is typed when its
//!   product's feature is on (`Account` with `accounts`, `ReportWatchlist` with `reports`, ...).
//! - `tracing`: one span per attempt.
//! - `uploads`: `Upload`, the file of a multipart upload; the products that have one
//!   (`importers`) turn it on, and each such operation has a `<operation>_from_file` method.
//!
//! # Products
//!
//! Each product of Persona's API is a feature; `default` turns on `inquiries` and `events`,
//! `full` every product. On docs.rs each item says which feature it needs.
//!
#![doc = include_str!("generated/features.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api_key;
mod api_version;
mod call;
mod client;
mod config_error;
mod envelope;
mod error;
mod ids;
pub mod inflection;
mod json_path;
mod jsonapi;
mod open_enum;
// What the generated open unions share; not every product has one.
#[allow(dead_code)]
mod open_union;
mod pagination;
// The envelope-free request bodies, generated, with the constructors that say what a request
// is for.
pub mod requests;
mod response_headers;
mod retry;
mod secret;
mod telemetry;
// The generated `<operation>_from_file` methods build its requests; with `uploads` on but no
// product that has one, nothing does.
#[cfg(feature = "uploads")]
#[allow(dead_code)]
mod upload;
#[cfg(feature = "webhooks")]
pub mod webhooks;

/// The client generated from the spec by `cargo xtask generate`. Do not edit: see ARCHITECTURE.md.
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod generated;

pub use api_key::{ApiKey, Environment};
pub use api_version::{ApiVersion, UnknownApiVersion};
/// The date and time types of the generated types (birthdates, timestamps), so users need
/// not match its version.
pub use chrono;
pub use client::{Client, ClientBuilder, ClientContext, DEFAULT_BASE_URL, PERSONA_VERSION};
pub use config_error::ConfigError;
pub use envelope::Envelope;
pub use error::{ApiError, DecodeError, Error, ErrorDetail};
/// Every set of values the spec marks open (`InquiryStatus`, `CheckStatus`, ...).
pub use generated::enums::*;
/// Every kind of id the spec names (`InquiryId`, `AccountId`, ...), each with its prefix.
pub use generated::ids::*;
pub use generated::{ByteStream, ResponseValue};
pub use ids::IdError;
pub use jsonapi::{
    Clearable, IncludedKind, IncludedObjects, Resolve, ResourceIdentifier, ToManyRelationship,
    ToOneRelationship,
};
pub use pagination::Paginate;
#[cfg(feature = "inquiries")]
pub use requests::{
    Decision, ExpireSessions, InquirySearch, InquiryUpdate, NewInquiry, NewInquirySession,
    OneTimeLinkOptions, SimulateActions, Tag, TagSet, TranslationImport,
};
pub use response_headers::{RateLimit, ResponseMetadata};
pub use retry::{AttemptOutcome, RetryPolicy};
pub use secret::Secret;
#[cfg(feature = "uploads")]
#[cfg_attr(docsrs, doc(cfg(feature = "uploads")))]
pub use upload::{Upload, UploadRequest};

/// The traits a caller of the client uses on nearly every call: `use persona_api::prelude::*;`.
pub mod prelude {
    pub use crate::envelope::Envelope;
    pub use crate::jsonapi::Resolve;
    pub use crate::pagination::Paginate;
    pub use crate::response_headers::ResponseMetadata;
}

/// Request and response bodies of every operation; request bodies (and what they hold) keep
/// typify's builders, though the envelope-free ones in [`requests`] are the easier way.
pub mod types {
    pub use crate::generated::enums::*;
    pub use crate::generated::types::*;
    pub use crate::jsonapi::{ResourceIdentifier, ToManyRelationship, ToOneRelationship};
}
