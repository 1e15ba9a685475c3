//! The Persona API versions this crate's types read, and what changes between them.

use std::fmt;
use std::str::FromStr;

/// A Persona API version this crate's types read, sent as `Persona-Version` on every request.
///
/// What changes for a user moving from 2023-01-05 to 2025-12-08: an inquiry's personal data
/// (`name-first`, `name-middle`, `name-last`, `birthdate`, `address-*`, `email-address`,
/// `phone-number`, `identification-number`, `social-security-number`) is no longer repeated at
/// the top of its attributes, only in `fields` (`inquiry.attributes.fields["name-first"]`), so
/// the typed top-level attributes read `None`; and creating or updating an inquiry refuses
/// attributes the version does not name. [`crate::NewInquiry`] and [`crate::InquiryUpdate`]
/// already send personal data in `fields`, so requests built with them work in both.
///
/// ```
/// use persona_api::{ApiVersion, Client};
///
/// let client = Client::builder("persona_sandbox_test_key").api_version(ApiVersion::V2025_12_08).build()?;
/// assert_eq!(client.api_version().to_string(), "2025-12-08");
/// assert_eq!("2023-01-05".parse::<ApiVersion>(), Ok(ApiVersion::V2023_01_05));
/// # Ok::<(), persona_api::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// 2023-01-05, the default: the version the types are written for.
    #[default]
    V2023_01_05,
    /// 2025-12-08: personal data only in `fields`; closed create and update attributes.
    V2025_12_08,
}

impl ApiVersion {
    /// Every version this crate reads, oldest first.
    pub const ALL: [ApiVersion; 2] = [ApiVersion::V2023_01_05, ApiVersion::V2025_12_08];

    /// The `Persona-Version` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2023_01_05 => "2023-01-05",
            ApiVersion::V2025_12_08 => "2025-12-08",
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A version this crate does not read, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownApiVersion(pub String);

impl fmt::Display for UnknownApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not an API version this crate reads (it reads 2023-01-05 and 2025-12-08)",
            self.0
        )
    }
}

impl std::error::Error for UnknownApiVersion {}

impl FromStr for ApiVersion {
    type Err = UnknownApiVersion;

    fn from_str(text: &str) -> Result<ApiVersion, UnknownApiVersion> {
        ApiVersion::ALL
            .into_iter()
            .find(|version| version.as_str() == text.trim())
            .ok_or_else(|| UnknownApiVersion(text.to_string()))
    }
}
