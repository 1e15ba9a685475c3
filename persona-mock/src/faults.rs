//! Fault injection for client tests: fail, delay or drop the next requests, or a random share.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// One injected fault, applied before authentication, rate limiting and idempotency (as a
/// failing proxy or overloaded front end would), so it is never cached as a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and Persona's error body; a 429 says to retry after a second.
    Status(u16),
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Close the connection without answering, before the request is handled.
    DropConnection,
    /// Handle the request (an inquiry is created, say), then close the connection without
    /// answering: the response is lost, as when a network fails on the way back.
    DropResponse,
}

#[derive(Default)]
struct State {
    queued: VecDeque<Fault>,
    random: Option<RandomFaults>,
}

struct RandomFaults {
    /// Out of 1,000,000 requests.
    per_million: u64,
    choices: Vec<Fault>,
    rng: u64,
}

/// Shared control of the faults of one server; cheap to clone via the server's handle.
#[derive(Default)]
pub struct Faults {
    state: Mutex<State>,
}

impl Faults {
    /// The next `count` requests get `fault`, after any already queued.
    pub fn inject_next(&self, count: usize, fault: Fault) {
        let mut state = self.lock();
        state.queued.extend(std::iter::repeat_n(fault, count));
    }

    /// From now on, each request gets one of `choices` (picked evenly) with probability
    /// `probability`; `seed` makes a run repeatable.
    pub fn inject_randomly(&self, probability: f64, choices: Vec<Fault>, seed: u64) {
        let per_million = (probability.clamp(0.0, 1.0) * 1_000_000.0) as u64;
        self.lock().random = (!choices.is_empty()).then_some(RandomFaults {
            per_million,
            choices,
            rng: seed | 1,
        });
    }

    /// Stops every queued and random fault.
    pub fn clear(&self) {
        *self.lock() = State::default();
    }

    /// The fault for the request that just arrived, if any.
    pub(crate) fn next(&self) -> Option<Fault> {
        let mut state = self.lock();
        if let Some(fault) = state.queued.pop_front() {
            return Some(fault);
        }
        let random = state.random.as_mut()?;
        random.rng ^= random.rng << 13;
        random.rng ^= random.rng >> 7;
        random.rng ^= random.rng << 17;
        let draw = random.rng % 1_000_000;
        (draw < random.per_million).then(|| {
            random.choices[(random.rng / 1_000_000) as usize % random.choices.len()].clone()
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_faults_come_first_and_in_order() {
        let faults = Faults::default();
        faults.inject_next(2, Fault::Status(503));
        faults.inject_next(1, Fault::DropConnection);
        assert_eq!(faults.next(), Some(Fault::Status(503)));
        assert_eq!(faults.next(), Some(Fault::Status(503)));
        assert_eq!(faults.next(), Some(Fault::DropConnection));
        assert_eq!(faults.next(), None);
    }

    #[test]
    fn random_faults_hit_about_the_asked_share() {
        let faults = Faults::default();
        faults.inject_randomly(
            0.2,
            vec![
                Fault::Status(429),
                Fault::Status(503),
                Fault::DropConnection,
            ],
            7,
        );
        let hits = (0..10_000).filter(|_| faults.next().is_some()).count();
        assert!((1_700..2_300).contains(&hits), "{hits} of 10,000");
    }
}
