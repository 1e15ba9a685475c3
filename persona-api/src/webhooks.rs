//! Verifying Persona's webhooks and reading their events (feature `webhooks`).
//!
//! Persona signs each delivery in the `Persona-Signature` header: `t=<unix seconds>,v1=<hex
//! HMAC-SHA256 of "<t>.<raw body>">`. While a secret is being rotated the header carries two
//! such groups, separated by a space, one per secret. Verify over the raw body bytes, before
//! parsing: re-serialized JSON would not match.
//!
//! ```
//! use persona_api::webhooks::{WebhookVerifier, EventObject};
//!
//! let verifier = WebhookVerifier::new(["wbhsec_test_current"])?;
//! let body = br#"{"data":{"type":"event","id":"evt_1","attributes":{"name":"inquiry.approved"}}}"#;
//! let header = "t=1700000000,v1=398d2b5b5401b28b77df7077b1b64e256edc78122e37419c7b93f399f3cd96ce";
//! let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_030);
//! let event = verifier.verify_event_at(header, body, at)?;
//! assert_eq!((event.id.as_str(), event.name.as_str()), ("evt_1", "inquiry.approved"));
//! assert!(matches!(event.object, EventObject::None));
//! # Ok::<(), persona_api::webhooks::WebhookError>(())
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::Secret;
/// The object of an event: typed for every event of the spec whose product's feature is on.
pub use crate::generated::events::EventObject;
use crate::generated::types::{self, IncludedObject};
use crate::inflection::Inflection;

/// The header Persona signs deliveries with.
pub const SIGNATURE_HEADER: &str = "Persona-Signature";
/// How old (or how far ahead) a signature's timestamp may be by default.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Why a delivery was refused; each kind of failure has its own variant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// The verifier was given no secret, or an empty one.
    NoSecret,
    /// The header is not `t=<unix>,v1=<hex>[ t=...,v1=...]`.
    MalformedHeader(String),
    /// Signed longer ago than the tolerance: possibly a replay.
    StaleTimestamp { age: Duration },
    /// Signed further in the future than the tolerance: a clock is wrong, or the header is forged.
    FutureTimestamp { ahead: Duration },
    /// No signature matches any secret for this body: a wrong secret, or a changed body.
    SignatureMismatch,
    /// The signature is good but the body is not an event.
    InvalidPayload { path: String, message: String },
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::NoSecret => {
                f.write_str("no webhook secret to verify with (secrets start with wbhsec_)")
            }
            WebhookError::MalformedHeader(reason) => {
                write!(f, "malformed {SIGNATURE_HEADER} header: {reason}")
            }
            WebhookError::StaleTimestamp { age } => write!(
                f,
                "webhook signed {}s ago, outside the tolerance",
                age.as_secs()
            ),
            WebhookError::FutureTimestamp { ahead } => write!(
                f,
                "webhook signed {}s in the future, outside the tolerance",
                ahead.as_secs()
            ),
            WebhookError::SignatureMismatch => f.write_str(
                "webhook signature does not match: wrong secret, or the body was changed",
            ),
            WebhookError::InvalidPayload { path, message } => {
                write!(f, "webhook body is not an event at `{path}`: {message}")
            }
        }
    }
}

impl std::error::Error for WebhookError {}

/// One `t=...,v1=...` group of the header.
#[derive(Debug)]
struct SignedGroup {
    timestamp: u64,
    signatures: Vec<Vec<u8>>,
}

/// Parses the header without judging it; every malformation is named.
fn parse_header(header: &str) -> Result<Vec<SignedGroup>, WebhookError> {
    let malformed = |reason: String| WebhookError::MalformedHeader(reason);
    let groups: Vec<&str> = header.split_whitespace().collect();
    if groups.is_empty() {
        return Err(malformed("it is empty".to_string()));
    }
    groups
        .into_iter()
        .map(|group| {
            let mut timestamp = None;
            let mut signatures = Vec::new();
            for pair in group.split(',').filter(|pair| !pair.is_empty()) {
                let (key, value) = pair
                    .split_once('=')
                    .ok_or_else(|| malformed(format!("`{pair}` is not key=value")))?;
                match key {
                    "t" if timestamp.is_some() => {
                        return Err(malformed("a group has two timestamps".to_string()));
                    }
                    "t" => {
                        timestamp = Some(value.parse::<u64>().map_err(|_| {
                            malformed(format!("t=`{value}` is not a unix timestamp"))
                        })?)
                    }
                    "v1" => {
                        let signature = hex::decode(value)
                            .map_err(|_| malformed("v1 is not hexadecimal".to_string()))?;
                        if signature.len() != 32 {
                            return Err(malformed(format!(
                                "v1 has {} bytes, a SHA-256 HMAC has 32",
                                signature.len()
                            )));
                        }
                        signatures.push(signature);
                    }
                    // Other schemes (v0, future versions) are not ours to judge.
                    _ => {}
                }
            }
            let timestamp = timestamp.ok_or_else(|| malformed("a group has no t=".to_string()))?;
            if signatures.is_empty() {
                return Err(malformed("a group has no v1=".to_string()));
            }
            Ok(SignedGroup {
                timestamp,
                signatures,
            })
        })
        .collect()
}

/// Verifies deliveries against one or more secrets (during rotation, give both).
#[derive(Clone, Debug)]
pub struct WebhookVerifier {
    secrets: Vec<Secret>,
    tolerance: Duration,
}

impl WebhookVerifier {
    /// A verifier for these secrets, with the default tolerance of five minutes.
    pub fn new<S: Into<Secret>>(
        secrets: impl IntoIterator<Item = S>,
    ) -> Result<WebhookVerifier, WebhookError> {
        let secrets: Vec<Secret> = secrets.into_iter().map(Into::into).collect();
        if secrets.is_empty()
            || secrets
                .iter()
                .any(|secret| secret.expose_secret().is_empty())
        {
            return Err(WebhookError::NoSecret);
        }
        Ok(WebhookVerifier {
            secrets,
            tolerance: DEFAULT_TOLERANCE,
        })
    }

    /// How far a signature's timestamp may be from now, either way.
    pub fn tolerance(mut self, tolerance: Duration) -> WebhookVerifier {
        self.tolerance = tolerance;
        self
    }

    /// Checks the header against the raw body, now.
    pub fn verify(&self, header: &str, body: &[u8]) -> Result<(), WebhookError> {
        self.verify_at(header, body, SystemTime::now())
    }

    /// Checks the header against the raw body as of `now`.
    ///
    /// The signature is checked before the timestamp, so an unsigned timestamp never decides
    /// anything; comparison is constant-time.
    pub fn verify_at(
        &self,
        header: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        let groups = parse_header(header)?;
        let signed = groups
            .iter()
            .find(|group| self.signature_matches(group, body))
            .ok_or(WebhookError::SignatureMismatch)?;
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        if signed.timestamp > now {
            let ahead = Duration::from_secs(signed.timestamp - now);
            if ahead > self.tolerance {
                return Err(WebhookError::FutureTimestamp { ahead });
            }
        } else {
            let age = Duration::from_secs(now - signed.timestamp);
            if age > self.tolerance {
                return Err(WebhookError::StaleTimestamp { age });
            }
        }
        Ok(())
    }

    fn signature_matches(&self, group: &SignedGroup, body: &[u8]) -> bool {
        self.secrets.iter().any(|secret| {
            let mac = mac(secret.expose_secret(), group.timestamp, body);
            // verify_slice compares in constant time (RustCrypto's subtle).
            group
                .signatures
                .iter()
                .any(|signature| mac.clone().verify_slice(signature).is_ok())
        })
    }

    /// Verifies, then reads the event.
    pub fn verify_event(&self, header: &str, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        self.verify_event_at(header, body, SystemTime::now())
    }

    /// Verifies as of `now`, then reads the event.
    pub fn verify_event_at(
        &self,
        header: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify_at(header, body, now)?;
        WebhookEvent::from_body(body)
    }
}

/// The HMAC-SHA256 Persona signs with: of `"<timestamp>.<body>"`, keyed by the secret.
fn mac(secret: &str, timestamp: u64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// A `Persona-Signature` header value for `body`, signed with `secret` at `timestamp` (unix
/// seconds): what Persona sends, so a handler can be tested without a server. During a
/// rotation Persona sends one group per secret, separated by a space.
///
/// ```
/// use persona_api::webhooks::{sign, WebhookVerifier};
///
/// let body = br#"{"data":{"type":"event","id":"evt_1","attributes":{"name":"inquiry.approved"}}}"#;
/// let now = std::time::SystemTime::now();
/// let seconds = now.duration_since(std::time::UNIX_EPOCH)?.as_secs();
/// let header = sign("wbhsec_test", body, seconds);
/// WebhookVerifier::new(["wbhsec_test"])?.verify_at(&header, body, now)?;
/// let rotating = format!("{} {}", sign("wbhsec_new", body, seconds), sign("wbhsec_old", body, seconds));
/// WebhookVerifier::new(["wbhsec_old"])?.verify_at(&rotating, body, now)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign(secret: &str, body: &[u8], timestamp: u64) -> String {
    let signature = hex::encode(mac(secret, timestamp, body).finalize().into_bytes());
    format!("t={timestamp},v1={signature}")
}

/// A webhook delivery: the event and the object it is about.
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// `evt_...`; deliveries can repeat, so deduplicate on it.
    pub id: crate::EventId,
    /// Such as `inquiry.approved`; names this crate does not know are kept as they are.
    pub name: String,
    /// When it happened; deliveries can arrive out of order, so order by it.
    pub created_at: Option<DateTime<Utc>>,
    pub object: EventObject,
    /// Related objects, when the webhook is set to include them, typed by kind.
    pub included: Vec<types::Included>,
}

impl WebhookEvent {
    /// Reads a delivery body (`{"data": <event>}`) without verifying it, in whichever key
    /// inflection the webhook is set to send (kebab-case, camelCase or snake_case).
    pub fn from_body(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        let mut document: types::EventDocument = decode(body)?;
        // In camelCase or snake_case, `created-at` arrives as a key the types do not name,
        // and says which of the two the webhook sends.
        let keys = || document.data.attributes.extra.keys();
        let inflection = if keys().any(|key| key.contains(|c: char| c.is_ascii_uppercase())) {
            Some(Inflection::Camel)
        } else if keys().any(|key| key.contains('_')) {
            Some(Inflection::Snake)
        } else {
            None
        };
        if let Some(inflection) = inflection {
            document = decode(&kebab_case_body(body, inflection)?)?;
        }
        let event = document.data;
        let payload = event.attributes.payload;
        let name = event.attributes.name.unwrap_or_default();
        let object = match payload.as_ref().and_then(|payload| payload.data.as_ref()) {
            None => EventObject::None,
            Some(object) => crate::generated::events::typed(&name, object)?,
        };
        Ok(WebhookEvent {
            id: event.id,
            name,
            created_at: event.attributes.created_at,
            object,
            included: payload
                .and_then(|payload| payload.included)
                .unwrap_or_default(),
        })
    }
}

/// The body with its keys in kebab-case, the inflection the types read.
fn kebab_case_body(body: &[u8], inflection: Inflection) -> Result<Vec<u8>, WebhookError> {
    let mut value: serde_json::Value = decode(body)?;
    inflection.to_kebab(&mut value);
    serde_json::to_vec(&value).map_err(|error| WebhookError::InvalidPayload {
        path: String::new(),
        message: error.to_string(),
    })
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WebhookError> {
    serde_json::from_slice(body).map_err(|error| WebhookError::InvalidPayload {
        path: crate::json_path::path_at(body, error.line(), error.column()),
        message: crate::json_path::truncated(&error.to_string(), 200),
    })
}

/// Reads a generic resource as the type its event names. (Unused when no product whose events
/// are typed is on.)
#[allow(dead_code)]
pub(crate) fn retype<T: serde::de::DeserializeOwned>(
    object: &IncludedObject,
) -> Result<T, WebhookError> {
    let value = serde_json::to_value(object).map_err(|error| WebhookError::InvalidPayload {
        path: "data.attributes.payload.data".into(),
        message: crate::json_path::truncated(&error.to_string(), 200),
    })?;
    serde_json::from_value(value).map_err(|error| WebhookError::InvalidPayload {
        path: "data.attributes.payload.data".into(),
        message: crate::json_path::truncated(&error.to_string(), 200),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] =
        br#"{"data":{"type":"event","id":"evt_1","attributes":{"name":"inquiry.approved"}}}"#;
    /// Computed with Python's hmac module, independently of this code.
    const CURRENT: &str = "398d2b5b5401b28b77df7077b1b64e256edc78122e37419c7b93f399f3cd96ce";
    const PREVIOUS: &str = "cbfa574cb73483ebdc3da8160df82c0b62d4cf51893fbd18e7b8d9cef5027598";

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn each_failure_has_its_own_error() {
        let verifier = WebhookVerifier::new(["wbhsec_test_current"]).unwrap();
        let good = format!("t=1700000000,v1={CURRENT}");
        assert_eq!(verifier.verify_at(&good, BODY, at(1_700_000_010)), Ok(()));
        assert_eq!(
            verifier.verify_at(
                &format!("t=1700000000,v1={PREVIOUS}"),
                BODY,
                at(1_700_000_010)
            ),
            Err(WebhookError::SignatureMismatch)
        );
        assert_eq!(
            verifier.verify_at(&good, b"{\"data\":{}}", at(1_700_000_010)),
            Err(WebhookError::SignatureMismatch)
        );
        assert_eq!(
            verifier.verify_at(&good, BODY, at(1_700_000_301)),
            Err(WebhookError::StaleTimestamp {
                age: Duration::from_secs(301)
            })
        );
        assert_eq!(
            verifier.verify_at(&good, BODY, at(1_699_999_000)),
            Err(WebhookError::FutureTimestamp {
                ahead: Duration::from_secs(1000)
            })
        );
        assert!(matches!(
            verifier.verify_at("v1=abc", BODY, at(0)),
            Err(WebhookError::MalformedHeader(_))
        ));
        assert_eq!(
            WebhookVerifier::new(Vec::<String>::new()).unwrap_err(),
            WebhookError::NoSecret
        );
    }

    #[test]
    fn rotation_accepts_either_group_and_either_secret() {
        let both = format!("t=1700000000,v1={PREVIOUS} t=1700000000,v1={CURRENT}");
        let current_only = WebhookVerifier::new(["wbhsec_test_current"]).unwrap();
        let previous_only = WebhookVerifier::new(["wbhsec_test_previous"]).unwrap();
        let either = WebhookVerifier::new(["wbhsec_other", "wbhsec_test_previous"]).unwrap();
        for verifier in [current_only, previous_only, either] {
            assert_eq!(verifier.verify_at(&both, BODY, at(1_700_000_000)), Ok(()));
        }
    }

    #[test]
    fn malformed_headers_are_named() {
        let verifier = WebhookVerifier::new(["s"]).unwrap();
        for (header, reason) in [
            ("", "it is empty"),
            ("t=1,v1", "`v1` is not key=value"),
            ("t=x,v1=00", "t=`x` is not a unix timestamp"),
            ("t=1,v1=zz", "v1 is not hexadecimal"),
            ("t=1,v1=00", "v1 has 1 bytes, a SHA-256 HMAC has 32"),
            ("v1=00", "v1 has 1 bytes, a SHA-256 HMAC has 32"),
            (&format!("v1={CURRENT}"), "a group has no t="),
            ("t=1", "a group has no v1="),
            (
                &format!("t=1,t=2,v1={CURRENT}"),
                "a group has two timestamps",
            ),
        ] {
            assert_eq!(
                verifier.verify_at(header, BODY, at(1)),
                Err(WebhookError::MalformedHeader(reason.to_string())),
                "{header}"
            );
        }
    }

    #[test]
    fn sign_matches_pythons_hmac() {
        assert_eq!(
            sign("wbhsec_test_current", BODY, 1_700_000_000),
            format!("t=1700000000,v1={CURRENT}")
        );
        assert_eq!(
            sign("wbhsec_test_previous", BODY, 1_700_000_000),
            format!("t=1700000000,v1={PREVIOUS}")
        );
    }

    #[test]
    fn secrets_never_print() {
        let verifier = WebhookVerifier::new(["wbhsec_hunter2"]).unwrap();
        assert!(!format!("{verifier:?}").contains("hunter2"));
    }
}
