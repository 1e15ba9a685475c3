//! Errors in building a client, found before any request is sent.

use std::fmt;

/// A client could not be built from the settings given.
///
/// No variant carries the API key, so the error can be logged as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The API key is empty or only whitespace.
    EmptyApiKey,
    /// The API key starts with neither `persona_sandbox_` nor `persona_production_`.
    UnrecognizedApiKeyPrefix,
    /// The API key has characters (spaces, newlines, non-ASCII) that cannot be sent in a header.
    ApiKeyNotHeaderSafe,
    /// The base URL does not parse, or is not http(s).
    InvalidBaseUrl { url: String, reason: String },
    /// The user agent cannot be sent in a header.
    InvalidUserAgent,
    /// reqwest could not build its HTTP client (for example, the TLS backend failed to start).
    HttpClient(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::EmptyApiKey => f.write_str("the Persona API key is empty"),
            ConfigError::UnrecognizedApiKeyPrefix => f.write_str(
                "the Persona API key must start with `persona_sandbox_` or `persona_production_` \
                 (copy it from Dashboard > API > API Keys)",
            ),
            ConfigError::ApiKeyNotHeaderSafe => f.write_str(
                "the Persona API key contains whitespace or non-ASCII characters; \
                 check that it was copied whole and without a trailing newline",
            ),
            ConfigError::InvalidBaseUrl { url, reason } => {
                write!(f, "invalid base URL `{url}`: {reason}")
            }
            ConfigError::InvalidUserAgent => {
                f.write_str("the user agent contains characters that cannot be sent in a header")
            }
            ConfigError::HttpClient(reason) => {
                write!(f, "could not build the HTTP client: {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}
