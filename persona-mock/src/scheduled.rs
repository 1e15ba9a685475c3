//! What the sandbox does later, without a request: the reports that stay `pending` for the
//! configured delay run when it has passed, and their events go to webhook delivery as an
//! operation's do. Only started when there is a delay; it stops with the server.

use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::Utc;

use crate::events::EventFeed;
use crate::families::reports;

/// The longest the runner sleeps between looks at the schedule, so a report made while it
/// sleeps is not kept waiting much past its time.
const LONGEST_NAP: Duration = Duration::from_millis(50);

/// Runs due reports until the server is gone (its event feed dropped).
pub async fn run_due_reports(feed: Weak<EventFeed>) {
    loop {
        let nap = {
            let Some(feed) = feed.upgrade() else { return };
            let now = Utc::now();
            let (ran, next_due) = {
                let mut store = feed.shared().store();
                let ran = reports::run_due(&mut store, now);
                (ran, store.reports.next_due())
            };
            if ran {
                feed.hand_over();
            }
            next_due
                .and_then(|at| (at - now).to_std().ok())
                .map_or(LONGEST_NAP, |until| until.min(LONGEST_NAP))
        };
        tokio::time::sleep(nap).await;
    }
}

/// Starts the runner beside a server whose reports run after a delay.
pub fn start(feed: &Arc<EventFeed>) {
    tokio::spawn(run_due_reports(Arc::downgrade(feed)));
}
