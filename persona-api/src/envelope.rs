//! The resource in one hop: every success body of the API is a JSON:API document whose `data`
//! is what the call is about (an inquiry, a page of accounts, ...). [`Envelope`] reads it from
//! the document, or straight from the response, where the `Request-Id` and rate limit stay
//! readable until the response is given up.
//!
//! ```
//! use persona_api::prelude::*;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = persona_mock::MockServer::start().await?;
//! # let client = sandbox.client_builder().build()?;
//! # let template_id = sandbox.template_id();
//! let response = client
//!     .create_inquiry()
//!     .body(persona_api::NewInquiry::from_template(template_id).name_first("Jane"))
//!     .send()
//!     .await?;
//! let request_id = response.request_id().map(str::to_string); // for a support ticket
//! let inquiry = response.into_data();
//! assert!(inquiry.id.starts_with("inq_") && request_id.is_some());
//!
//! // Or in one hop, when the request id is not wanted:
//! let same = client.retrieve_inquiry().inquiry_id(&inquiry.id).send().await?.into_data();
//! assert_eq!(same.id, inquiry.id);
//! # Ok(())
//! # }
//! ```

use progenitor_client::ResponseValue;

/// A JSON:API document, or a response holding one: what it carries in `data`.
///
/// The generator implements it for the body of every operation whose `data` is a resource or a
/// page of them (`generated/envelopes.rs`); the wrappers of the document (`included`, `links`,
/// `meta`) stay fields of the body type, for when they are wanted.
pub trait Envelope {
    /// The resource (`Inquiry`), or the items of a page (`Vec<Account>`).
    type Data;

    /// What the document holds in `data`.
    fn data(&self) -> &Self::Data;

    /// What the document holds in `data`; the rest of the document is dropped.
    fn into_data(self) -> Self::Data;
}

impl<D: Envelope> Envelope for ResponseValue<D> {
    type Data = D::Data;

    fn data(&self) -> &D::Data {
        self.as_ref().data()
    }

    fn into_data(self) -> D::Data {
        self.into_inner().into_data()
    }
}
