//! The accept loop and what every request passes before the router: request id, injected
//! faults, authentication, the rate limit, the version and inflection headers.
//!
//! Authentication is the operation's: the API key as a bearer token for nearly all, none for
//! the two that start a relay, and a Privacy Pass token (RFC 9577) for reading a relay's
//! claim. The sandbox takes any non-empty Privacy Pass token: it issues none to verify.
//!
//! The loop is hyper's own (not `axum::serve`) because dropping a connection without an answer
//! needs a service that can fail, and axum's cannot.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::{
    HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, header,
};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::error::ApiError;
use crate::faults::{Fault, Faults};
use crate::generic;
use crate::ids::new_id;
use crate::negotiation::{negotiate, prepared_request, shaped_response};
use crate::operations::{ALL, Operation};
use crate::rate_limit::{RateLimiter, RateStatus};

pub struct Front {
    pub router: Router,
    /// Every request that arrived, faulted ones included.
    pub received: AtomicU64,
    pub faults: Arc<Faults>,
    pub rate: RateLimiter,
}

/// The error that makes hyper close a connection without writing a response.
#[derive(Debug)]
struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedConnection {}

/// Serves until `shutdown` fires; open connections are closed with it.
pub async fn serve(
    listener: TcpListener,
    front: Arc<Front>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let front = front.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request| handle(front.clone(), request));
                    // A failed connection (client gone, injected drop) only ends that connection.
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
            _ = &mut shutdown => break,
        }
        // Reap finished connections so the set does not grow under load.
        while connections.try_join_next().is_some() {}
    }
}

async fn handle(
    front: Arc<Front>,
    request: Request<Incoming>,
) -> Result<Response<Body>, DroppedConnection> {
    front.received.fetch_add(1, Ordering::Relaxed);
    let request_id = new_id("req_");
    let now = Instant::now();
    let (response, rate) = match front.faults.next() {
        Some(Fault::DropConnection) => return Err(DroppedConnection),
        Some(Fault::DropResponse) => {
            let _handled = checked(&front, request.map(Body::new), now).await;
            return Err(DroppedConnection);
        }
        Some(Fault::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut rate = front.rate.peek(now);
            if status == StatusCode::TOO_MANY_REQUESTS {
                rate = RateStatus {
                    remaining: 0,
                    reset_seconds: 1,
                    ..rate
                };
            }
            (ApiError::injected(status).into_response(), rate)
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            checked(&front, request.map(Body::new), now).await
        }
        None => checked(&front, request.map(Body::new), now).await,
    };
    Ok(with_headers(response, &request_id, rate))
}

/// Authentication, the rate limit and the version and inflection headers, then the router
/// (where idempotency wraps each operation).
async fn checked(
    front: &Front,
    request: Request<Body>,
    now: Instant,
) -> (Response<Body>, RateStatus) {
    let security = security_of(request.method(), request.uri().path());
    if let Err(error) = authenticate(security, request.headers()) {
        return (error.into_response(), front.rate.peek(now));
    }
    let rate = front.rate.take(now);
    if !rate.allowed {
        return (ApiError::rate_limited(rate.limit).into_response(), rate);
    }
    let negotiated = match negotiate(request.headers()) {
        Ok(negotiated) => negotiated,
        Err(error) => return (error.into_response(), rate),
    };
    if !negotiated.rewrites() {
        return (route(&front.router, request).await, rate);
    }
    let request = match prepared_request(request, negotiated).await {
        Ok(request) => request,
        Err(error) => {
            return (
                shaped_response(error.into_response(), negotiated).await,
                rate,
            );
        }
    };
    let response = route(&front.router, request).await;
    (shaped_response(response, negotiated).await, rate)
}

async fn route(router: &Router, request: Request<Body>) -> Response<Body> {
    let result: Result<Response<Body>, Infallible> = router.clone().oneshot(request).await;
    match result {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The scheme of the API key, which nearly every operation takes.
const API_KEY: &str = "bearerAuth";
/// The scheme of a relay's claim: a Privacy Pass token.
const PRIVACY_PASS: &str = "privacyPassAuth";

/// The operations that authenticate otherwise than with the API key, found once: matching a
/// request against these few, not all 209, keeps the lookup off every request's cost.
static OTHERWISE_AUTHENTICATED: LazyLock<Vec<&'static Operation>> = LazyLock::new(|| {
    ALL.iter()
        .filter(|operation| operation.security != [API_KEY])
        .collect()
});

/// The security schemes of the operation a request is for.
fn security_of(method: &Method, path: &str) -> &'static [&'static str] {
    generic::best_of(OTHERWISE_AUTHENTICATED.iter().copied(), method, path)
        .map_or(&[API_KEY], |operation| operation.security)
}

fn authenticate(security: &[&str], headers: &HeaderMap) -> Result<(), ApiError> {
    match security {
        [] => Ok(()),
        [PRIVACY_PASS] => privacy_pass(headers),
        _ => api_key(headers),
    }
}

/// A sandbox key in a bearer header; production keys are refused by name.
fn api_key(headers: &HeaderMap) -> Result<(), ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized(None))?;
    let key = value
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::unauthorized(Some(
                "send the API key as `Authorization: Bearer <key>`".to_string(),
            ))
        })?;
    if key.starts_with("persona_production_") {
        return Err(ApiError::unauthorized(Some(
            "persona-mock is a sandbox: use a persona_sandbox_ key, not a production key"
                .to_string(),
        )));
    }
    match key.strip_prefix("persona_sandbox_") {
        Some(rest) if !rest.is_empty() => Ok(()),
        _ => Err(ApiError::unauthorized(Some(
            "Token is invalid: sandbox keys start with persona_sandbox_".to_string(),
        ))),
    }
}

/// A Privacy Pass token, as RFC 9577 sends it: `Authorization: PrivateToken token=<token>`.
fn privacy_pass(headers: &HeaderMap) -> Result<(), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("PrivateToken token="))
        .map(|token| token.trim_matches('"'));
    match token {
        Some(token) if !token.is_empty() => Ok(()),
        _ => Err(ApiError::unauthorized(Some(
            "a relay's claim takes a Privacy Pass token, not the API key: send \
             `Authorization: PrivateToken token=<token>` (RFC 9577)"
                .to_string(),
        ))),
    }
}

fn with_headers(
    mut response: Response<Body>,
    request_id: &str,
    rate: RateStatus,
) -> Response<Body> {
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("request-id", request_id.to_string());
    set("ratelimit-limit", rate.limit.to_string());
    set("ratelimit-remaining", rate.remaining.to_string());
    set("ratelimit-reset", rate.reset_seconds.to_string());
    response
}
