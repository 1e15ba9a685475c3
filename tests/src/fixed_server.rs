//! A server on 127.0.0.1 that gives every request the same response, for bodies a real
//! server would not send (malformed JSON, an HTML error page).

pub struct FixedServer {
    base_url: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl FixedServer {
    pub async fn start(status: u16, content_type: &'static str, body: &'static str) -> FixedServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("local address");
        let status = axum::http::StatusCode::from_u16(status).expect("a status");
        let app = axum::Router::new().fallback(move || async move {
            (
                status,
                [(axum::http::header::CONTENT_TYPE, content_type)],
                body,
            )
        });
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        FixedServer {
            base_url: format!("http://{address}/api/v1"),
            _shutdown: shutdown,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}
