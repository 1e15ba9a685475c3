//! The API key: which environment it belongs to, and keeping it out of every printout.

use std::fmt;

use crate::{ConfigError, Secret};

const SANDBOX_PREFIX: &str = "persona_sandbox_";
const PRODUCTION_PREFIX: &str = "persona_production_";

/// The Persona environment an API key belongs to, told by the key's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Environment {
    /// Keys starting `persona_sandbox_`: test data, simulate actions allowed.
    Sandbox,
    /// Keys starting `persona_production_`: real people's data.
    Production,
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Sandbox => "sandbox",
            Environment::Production => "production",
        })
    }
}

/// A Persona API key, checked when it is made.
///
/// `Debug` and `Display` show only the environment, never the key, so a client can be logged.
///
/// ```
/// use persona_api::{ApiKey, Environment};
///
/// let key = ApiKey::new("persona_sandbox_test_key")?;
/// assert_eq!(key.environment(), Environment::Sandbox);
/// assert_eq!(format!("{key:?}"), "ApiKey(sandbox, redacted)");
/// assert!(ApiKey::new("sk_live_123").is_err());
/// # Ok::<(), persona_api::ConfigError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    secret: Secret,
    environment: Environment,
}

impl ApiKey {
    /// Checks the key's prefix and that it can be sent in an HTTP header.
    pub fn new(key: impl Into<String>) -> Result<Self, ConfigError> {
        let secret = key.into();
        let environment = if secret.trim().is_empty() {
            return Err(ConfigError::EmptyApiKey);
        } else if secret.starts_with(SANDBOX_PREFIX) {
            Environment::Sandbox
        } else if secret.starts_with(PRODUCTION_PREFIX) {
            Environment::Production
        } else {
            return Err(ConfigError::UnrecognizedApiKeyPrefix);
        };
        // Visible ASCII only: anything else cannot travel in an `Authorization` header.
        if !secret.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(ConfigError::ApiKeyNotHeaderSafe);
        }
        Ok(ApiKey {
            secret: Secret::new(secret),
            environment,
        })
    }

    /// The environment the key belongs to.
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The key itself; only the auth hook reads it.
    pub(crate) fn expose_secret(&self) -> &str {
        self.secret.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({}, redacted)", self.environment)
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} API key (redacted)", self.environment)
    }
}

impl std::str::FromStr for ApiKey {
    type Err = ConfigError;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        ApiKey::new(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_tell_the_environment() {
        assert_eq!(
            ApiKey::new("persona_sandbox_abc").unwrap().environment(),
            Environment::Sandbox
        );
        assert_eq!(
            ApiKey::new("persona_production_abc").unwrap().environment(),
            Environment::Production
        );
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        for (key, expected) in [
            ("", ConfigError::EmptyApiKey),
            ("   ", ConfigError::EmptyApiKey),
            (
                "persona_staging_secret123",
                ConfigError::UnrecognizedApiKeyPrefix,
            ),
            (
                "persona_sandbox_secret\n123",
                ConfigError::ApiKeyNotHeaderSafe,
            ),
        ] {
            let error = ApiKey::new(key).unwrap_err();
            assert_eq!(error, expected);
            assert!(!error.to_string().contains("secret"), "{error}");
        }
    }

    #[test]
    fn printing_a_key_hides_it() {
        let key = ApiKey::new("persona_production_hunter2").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(production, redacted)");
        assert_eq!(key.to_string(), "production API key (redacted)");
    }
}
