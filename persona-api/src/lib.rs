//! Rust bindings for [Persona](https://withpersona.com)'s identity-verification REST API:
//! create inquiries, follow them through their statuses, and decide them.
//!
//! Types follow API version 2023-01-05. The operations and types in [`types`] are generated
//! from the spec in this repository (`openapi/persona-inquiries.yaml`); [`Client`] adds what the
//! spec cannot say: the API key and its environment, the version and inflection headers, the
//! user agent and timeouts.
//!
//! # Create an inquiry for Jane Doe
//!
//! The request of Persona's getting-started guide, in Rust:
//!
//! ```no_run
//! use persona_api::{types, Client, InquiryStatus};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(std::env::var("PERSONA_API_KEY")?)?;
//!
//! let fields = serde_json::json!({
//!     "name-first": "Jane",
//!     "name-last": "Doe",
//!     "birthdate": "1994-04-12",
//! });
//! let attributes = types::CreateInquiryAttributes::builder()
//!     .inquiry_template_id("itmpl_zxDohzpCMnKNnj4no2dDuah8".to_string())
//!     .fields(serde_json::from_value::<types::FieldValues>(fields)?);
//! let request = types::CreateInquiryRequest::builder()
//!     .data(types::CreateInquiryData::builder().attributes(attributes));
//!
//! let created = client.create_inquiry().body(request).send().await?;
//! let inquiry = created.into_inner().data;
//! println!("created {}", inquiry.id);
//! assert_eq!(inquiry.attributes.status, Some(InquiryStatus::Created));
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! Every operation returns `Result<ResponseValue<T>, Error<types::ErrorBody>>`: an error status
//! from Persona arrives as [`Error::ErrorResponse`] with the decoded `{errors: [...]}` body,
//! its status and headers (including `Request-Id`).
//!
//! # TLS
//!
//! `rustls` (the default feature) or `native-tls`; with `default-features = false` pick one.

mod api_key;
mod client;
mod config_error;
mod error;
mod ids;
mod json_path;
mod jsonapi;
mod open_enum;
mod pagination;
mod retry;
mod secret;
mod telemetry;
#[cfg(feature = "webhooks")]
pub mod webhooks;

/// The client generated from the spec by `cargo xtask generate`. Do not edit: see ARCHITECTURE.md.
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod generated;

pub use api_key::{ApiKey, Environment};
pub use client::{Client, ClientBuilder, ClientContext, DEFAULT_BASE_URL, PERSONA_VERSION};
pub use config_error::ConfigError;
pub use error::{ApiError, DecodeError, Error, ErrorDetail, RateLimit, ResponseMetadata};
pub use generated::{ByteStream, ResponseValue};
pub use ids::{
    AccountId, IdError, InquiryId, InquirySessionId, InquiryTemplateId, InquiryTemplateVersionId,
    TemplateId,
};
pub use jsonapi::ToOneRelationship;
pub use open_enum::{InquirySessionStatus, InquiryStatus};
pub use pagination::Paginate;
pub use retry::RetryPolicy;
pub use secret::Secret;

/// Request and response bodies of every operation, with their builders.
pub mod types {
    pub use crate::generated::types::*;
    pub use crate::jsonapi::ToOneRelationship;
    pub use crate::open_enum::{InquirySessionStatus, InquiryStatus};
}
