//! Multipart uploads: the importers' files sent as the bytes they are, where the JSON form of
//! the same operation wants them base64-encoded inside the body.
//!
//! Each operation that takes one has a generated `<operation>_from_file` method that names its
//! parts; this module sends them. The form is encoded by reqwest and then held as bytes, so the
//! client's retries (under the call's idempotency key) can send it again: a streamed body
//! cannot be repeated.

use std::marker::PhantomData;
use std::time::Duration;

use http_body_util::BodyExt;
use progenitor_client::{ClientHooks, ClientInfo, Error as Generated, OperationInfo};
use reqwest::header::{ACCEPT, HeaderValue};
use serde::de::DeserializeOwned;

use crate::call::CallOptions;
use crate::generated::types::ErrorBody;
use crate::generated::{Client, ResponseValue};
use crate::{Error, RetryPolicy};

/// A file to upload: its name, media type and bytes.
///
/// ```
/// let file = persona_api::Upload::csv("accounts.csv", "reference_id\nuser-1042\n");
/// assert_eq!(file.file_name(), "accounts.csv");
/// assert_eq!(file.media_type(), "text/csv");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    file_name: String,
    media_type: String,
    bytes: Vec<u8>,
}

impl Upload {
    /// A file of any kind (`application/octet-stream`).
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Upload {
        Upload {
            file_name: file_name.into(),
            media_type: "application/octet-stream".to_string(),
            bytes: bytes.into(),
        }
    }

    /// A CSV file (`text/csv`), what Persona's importers read.
    pub fn csv(file_name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Upload {
        Upload::new(file_name, bytes).with_media_type("text/csv")
    }

    /// The same file with another media type (`text/csv`).
    pub fn with_media_type(mut self, media_type: impl Into<String>) -> Upload {
        self.media_type = media_type.into();
        self
    }

    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

enum Part {
    Text(String),
    File(Upload),
}

/// One multipart call, built by an operation's `<operation>_from_file` method; `T` is what
/// its success holds.
#[must_use = "a request does nothing until it is sent"]
pub struct UploadRequest<'a, T> {
    client: &'a Client,
    operation_id: &'static str,
    path: &'static str,
    parts: Vec<(&'static str, Part)>,
    idempotency_key: Option<String>,
    call: CallOptions,
    answer: PhantomData<fn() -> T>,
}

impl<'a, T: DeserializeOwned> UploadRequest<'a, T> {
    pub(crate) fn new(client: &'a Client, operation_id: &'static str, path: &'static str) -> Self {
        UploadRequest {
            client,
            operation_id,
            path,
            parts: Vec::new(),
            idempotency_key: None,
            call: CallOptions::default(),
            answer: PhantomData,
        }
    }

    pub(crate) fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.parts.push((name, Part::Text(value.into())));
        self
    }

    pub(crate) fn file(mut self, name: &'static str, file: Upload) -> Self {
        self.parts.push((name, Part::File(file)));
        self
    }

    /// The call's `Idempotency-Key`; without one the client makes one up, so that a retry is
    /// not a second import.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Retries for this call only, instead of the client's
    /// [`RetryPolicy`] (`RetryPolicy::none()` for none).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.call.retry = Some(policy);
        self
    }

    /// The time each attempt of this call may take, instead of the client's `timeout`; the
    /// client's `overall_timeout` still bounds the call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.call.timeout = Some(timeout);
        self
    }

    /// Sends the upload: the documented success, or [`Error`] with what went wrong.
    pub async fn send(self) -> Result<ResponseValue<T>, Error> {
        let call = self.call.clone();
        Ok(call.scope(self.exchange()).await?)
    }

    async fn exchange(self) -> Result<ResponseValue<T>, Generated<ErrorBody>> {
        let UploadRequest {
            client,
            operation_id,
            path,
            parts,
            idempotency_key,
            ..
        } = self;
        // The part names carry brackets (`data[attributes][file]`) that must go as they are:
        // reqwest would otherwise percent-encode them into `name*=` form, which Persona does
        // not read.
        let mut form = reqwest::multipart::Form::new().percent_encode_noop();
        for (name, part) in parts {
            form = match part {
                Part::Text(value) => form.text(name, value),
                Part::File(file) => form.part(
                    name,
                    reqwest::multipart::Part::bytes(file.bytes)
                        .file_name(file.file_name)
                        .mime_str(&file.media_type)
                        .map_err(|_| {
                            Generated::InvalidRequest(format!(
                                "{} is not a media type",
                                file.media_type
                            ))
                        })?,
                ),
            };
        }
        let mut request = client
            .client()
            .post(format!("{}{path}", client.baseurl()))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .multipart(form);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let mut request = request.build()?;
        if let Some(body) = request.body_mut().take() {
            let bytes = body.collect().await?.to_bytes();
            *request.body_mut() = Some(bytes.into());
        }
        let info = OperationInfo { operation_id };
        client.pre(&mut request, &info).await?;
        let result = client.exec(request, &info).await;
        client.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200..=299 => ResponseValue::from_response(response).await,
            400..=599 => Err(Generated::ErrorResponse(
                ResponseValue::from_response(response).await?,
            )),
            _ => Err(Generated::UnexpectedResponse(response)),
        }
    }
}
