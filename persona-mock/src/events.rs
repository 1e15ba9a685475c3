//! The event feed: after each operation, the events the store recorded are handed to webhook
//! delivery (`webhooks.rs`), rendered as `GET /events/{id}` renders them, in the order they
//! were recorded. A route layer, so every operation's events go out, and only once.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::response::Response;

use crate::render::{self, View};
use crate::routes::Shared;
use crate::webhooks::{Dispatcher, Outgoing};

/// The events not yet handed to webhook delivery, and where they go.
pub struct EventFeed {
    shared: Arc<Shared>,
    dispatcher: Dispatcher,
    /// How many events have been handed over, in the order the store recorded them.
    handed_over: Mutex<usize>,
}

impl EventFeed {
    pub fn new(shared: Arc<Shared>, dispatcher: Dispatcher) -> EventFeed {
        EventFeed {
            shared,
            dispatcher,
            handed_over: Mutex::new(0),
        }
    }
}

/// The route layer that, after each operation, hands the events it recorded to webhook
/// delivery, rendered as `GET /events/{id}` would render them, in order.
pub async fn deliver_new_events(
    State(feed): State<Arc<EventFeed>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    if feed.dispatcher.is_active() {
        let mut handed_over = feed
            .handed_over
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let store = feed.shared.store();
        for id in store.events.ids_from(*handed_over) {
            if let Ok(event) = store.events.get(id) {
                feed.dispatcher.send(Outgoing {
                    id: event.id.clone(),
                    name: event.name.to_string(),
                    document: crate::webhooks::document(render::event(
                        &store,
                        event,
                        &View::default(),
                    )),
                });
            }
        }
        *handed_over = store.events.len();
    }
    response
}
