//! A server on 127.0.0.1 that gives every request the same response, for bodies a real
//! server would not send (malformed JSON, an HTML error page).

use crate::loopback::{self, Loopback};
use crate::recording_server::BASE_PATH;

pub struct FixedServer {
    server: Loopback,
}

impl FixedServer {
    pub async fn start(status: u16, content_type: &'static str, body: &'static str) -> FixedServer {
        let status = axum::http::StatusCode::from_u16(status).expect("a status");
        let app = axum::Router::new().fallback(move || async move {
            (
                status,
                [(axum::http::header::CONTENT_TYPE, content_type)],
                body,
            )
        });
        FixedServer {
            server: loopback::serve(app).await,
        }
    }

    pub fn base_url(&self) -> String {
        self.server.url(BASE_PATH)
    }
}
