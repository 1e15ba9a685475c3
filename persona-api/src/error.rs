//! The one error type of the crate, and the response metadata (`Request-Id`, rate limit) that
//! errors and successful responses share.

use std::fmt;

use reqwest::StatusCode;

use crate::generated::types::ErrorBody;
use crate::response_headers::{RateLimit, request_id};
use crate::{ConfigError, IdError, ResponseValue, json_path};

/// Anything that can go wrong calling Persona.
///
/// Every operation's `send()` returns it, and its `Display` is Persona's own message, so it
/// reads well wherever `?` takes it (`Box<dyn Error>`, anyhow). No variant ever contains the
/// API key.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Persona answered with an error status and its `{errors: [...]}` body.
    Api(ApiError),
    /// No response arrived within the timeout (per request, or overall across retries).
    Timeout(reqwest::Error),
    /// The connection failed, was refused, or dropped before a response.
    Transport(reqwest::Error),
    /// A response arrived but its body does not decode into the documented type.
    Decode(DecodeError),
    /// A status the spec does not document for this operation.
    UnexpectedStatus {
        status: StatusCode,
        request_id: Option<String>,
    },
    /// A request value failed its schema before anything was sent.
    InvalidRequest(String),
    /// An id given by the caller has the wrong prefix.
    InvalidId(IdError),
    /// The client could not be built.
    Config(ConfigError),
}

/// An error response from Persona.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Every entry of the body's `errors` array, in order.
    pub errors: Vec<ErrorDetail>,
    /// Persona's `Request-Id` (`req_...`): quote it to Persona's support.
    pub request_id: Option<String>,
    pub rate_limit: Option<RateLimit>,
}

/// One entry of an error body.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDetail {
    pub title: Option<String>,
    pub details: Option<String>,
    /// `source.pointer`: the member of the request that was wrong, such as `/data/attributes/fields`.
    pub pointer: Option<String>,
    pub meta: serde_json::Map<String, serde_json::Value>,
}

/// A body that did not decode, with where and a bounded piece of it.
#[derive(Debug)]
pub struct DecodeError {
    /// The JSON path of the member that failed, such as `data.attributes.created-at`.
    pub path: String,
    pub message: String,
    /// At most 120 characters of the body around the failure, marked `…` where cut.
    pub snippet: String,
}

impl ApiError {
    fn from_response(response: ResponseValue<ErrorBody>) -> ApiError {
        let status = response.status();
        let request_id = request_id(response.headers()).map(String::from);
        let rate_limit = RateLimit::from_headers(response.headers());
        let errors = response
            .into_inner()
            .errors
            .into_iter()
            .map(|error| ErrorDetail {
                title: error.title,
                details: error.details,
                pointer: error.source.and_then(|source| source.pointer),
                meta: error.meta,
            })
            .collect();
        ApiError {
            status,
            errors,
            request_id,
            rate_limit,
        }
    }

    /// Whether retrying later may succeed: rate limited, or a server error.
    pub fn is_retryable(&self) -> bool {
        crate::retry::is_retryable_status(self.status.as_u16())
    }
}

impl fmt::Display for ApiError {
    /// `Bad request: data.attributes.inquiry_template_id must start with itmpl (sent 'itm_...')`;
    /// several errors are joined with `; `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.errors.is_empty() {
            return write!(f, "Persona answered {}", self.status);
        }
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            match (&error.title, &error.details) {
                (Some(title), Some(details)) => write!(f, "{title}: {details}")?,
                (Some(text), None) | (None, Some(text)) => f.write_str(text)?,
                (None, None) => write!(f, "Persona answered {}", self.status)?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(error) => error.fmt(f),
            Error::Timeout(error) => write!(f, "Persona did not answer in time: {error}"),
            Error::Transport(error) => write!(f, "could not reach Persona: {error}"),
            Error::Decode(error) => write!(
                f,
                "unexpected response body at `{}`: {} (body: {})",
                error.path, error.message, error.snippet
            ),
            Error::UnexpectedStatus { status, request_id } => {
                write!(
                    f,
                    "Persona answered {status}, which this operation does not document"
                )?;
                request_id
                    .as_ref()
                    .map_or(Ok(()), |id| write!(f, " (request {id})"))
            }
            Error::InvalidRequest(message) => write!(f, "invalid request: {message}"),
            Error::InvalidId(error) => error.fmt(f),
            Error::Config(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Timeout(error) | Error::Transport(error) => Some(error),
            Error::InvalidId(error) => Some(error),
            Error::Config(error) => Some(error),
            _ => None,
        }
    }
}

impl Error {
    /// The API error, if Persona answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(error) => Some(error),
            _ => None,
        }
    }

    /// The HTTP status, if a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(error) => Some(error.status),
            Error::UnexpectedStatus { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl From<progenitor_client::Error<ErrorBody>> for Error {
    fn from(error: progenitor_client::Error<ErrorBody>) -> Error {
        use progenitor_client::Error as Generated;
        match error {
            Generated::ErrorResponse(response) => Error::Api(ApiError::from_response(response)),
            Generated::CommunicationError(error)
            | Generated::ResponseBodyError(error)
            | Generated::InvalidUpgrade(error) => {
                if error.is_timeout() {
                    Error::Timeout(error)
                } else {
                    Error::Transport(error)
                }
            }
            Generated::InvalidResponsePayload(body, error) => Error::Decode(DecodeError {
                path: json_path::path_at(&body, error.line(), error.column()),
                message: json_path::truncated(&error.to_string(), 200),
                snippet: json_path::snippet(&body, error.line(), error.column(), 120),
            }),
            Generated::UnexpectedResponse(response) => Error::UnexpectedStatus {
                status: response.status(),
                request_id: request_id(response.headers()).map(String::from),
            },
            Generated::InvalidRequest(message) | Generated::Custom(message) => {
                Error::InvalidRequest(message)
            }
        }
    }
}

impl From<ConfigError> for Error {
    fn from(error: ConfigError) -> Error {
        Error::Config(error)
    }
}

impl From<IdError> for Error {
    fn from(error: IdError) -> Error {
        Error::InvalidId(error)
    }
}
