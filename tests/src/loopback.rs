//! Serving an axum app on 127.0.0.1, on a port the system picks, for as long as the handle lives.

use std::net::SocketAddr;

pub struct Loopback {
    pub address: SocketAddr,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// Starts serving `app`; dropping the handle stops it.
pub async fn serve(app: axum::Router) -> Loopback {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("local address");
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .expect("the test server runs");
    });
    Loopback {
        address,
        _shutdown: shutdown,
    }
}

impl Loopback {
    /// The URL of `path` (such as `/api/v1`) on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}
