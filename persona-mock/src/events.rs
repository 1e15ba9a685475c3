//! The event feed: after each operation, the events the store recorded are handed to webhook
//! delivery (`webhooks.rs`), rendered as `GET /events/{id}` renders them, in the order they
//! were recorded, for the endpoints given at start-up and the webhooks made through the API
//! that are enabled then. A route layer, so every operation's events go out, and only once;
//! the sandbox's scheduled work (`scheduled.rs`) hands over what it records the same way.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::response::Response;

use chrono::Utc;

use crate::families::webhooks;
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
/// delivery.
pub async fn deliver_new_events(
    State(feed): State<Arc<EventFeed>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    feed.hand_over();
    response
}

impl EventFeed {
    /// Hands the events recorded since the last hand-over to webhook delivery, rendered as
    /// `GET /events/{id}` would render them, in order: after each operation, and after the
    /// sandbox's own scheduled work (`scheduled.rs`).
    pub fn hand_over(&self) {
        let mut handed_over = self
            .handed_over
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let store = self.shared.store();
        let new_events = store.events.ids_from(*handed_over);
        // Most operations record no event: only then are the webhooks looked up.
        let registered = if new_events.is_empty() {
            Vec::new()
        } else {
            webhooks::endpoints(&store, Utc::now())
        };
        if self.dispatcher.has_fixed_endpoints() || !registered.is_empty() {
            for id in new_events {
                if let Ok(event) = store.events.get(id) {
                    let outgoing = Outgoing {
                        id: event.id.clone(),
                        name: event.name.to_string(),
                        document: crate::webhooks::document(render::event(
                            &store,
                            event,
                            &View::default(),
                        )),
                    };
                    self.dispatcher.send(outgoing, &registered);
                }
            }
        }
        *handed_over = store.events.len();
    }

    /// The sandbox's state, for work done without a request.
    pub fn shared(&self) -> &Shared {
        &self.shared
    }
}
