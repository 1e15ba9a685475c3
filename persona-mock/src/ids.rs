//! Object ids and tokens that look like Persona's: a prefix and 24 base58 characters.

use std::sync::atomic::{AtomicU64, Ordering};

const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Unique per process and unpredictable enough for a mock (not for secrets): splitmix64 over a
/// counter seeded from the clock.
pub fn new_id(prefix: &str) -> String {
    static STATE: AtomicU64 = AtomicU64::new(0);
    if STATE.load(Ordering::Relaxed) == 0 {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        let _ = STATE.compare_exchange(0, seed | 1, Ordering::Relaxed, Ordering::Relaxed);
    }
    let mut id = String::with_capacity(prefix.len() + 24);
    id.push_str(prefix);
    let mut word = 0u64;
    for index in 0..24 {
        if index % 8 == 0 {
            word = splitmix64(STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed));
        }
        id.push(ALPHABET[(word % ALPHABET.len() as u64) as usize] as char);
        word /= ALPHABET.len() as u64;
    }
    id
}

/// The same id in every run for the same seed: the sandbox's templates, which users may write
/// down once.
pub fn stable_id(prefix: &str, seed: &str) -> String {
    // FNV-1a over the seed starts the stream.
    let mut state = seed.bytes().fold(0xCBF2_9CE4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    });
    let mut id = String::with_capacity(prefix.len() + 24);
    id.push_str(prefix);
    let mut word = 0u64;
    for index in 0..24 {
        if index % 8 == 0 {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            word = splitmix64(state);
        }
        id.push(ALPHABET[(word % ALPHABET.len() as u64) as usize] as char);
        word /= ALPHABET.len() as u64;
    }
    id
}

fn splitmix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_have_the_prefix_and_do_not_repeat() {
        let ids: std::collections::HashSet<String> =
            (0..10_000).map(|_| super::new_id("inq_")).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(
            ids.iter()
                .all(|id| id.starts_with("inq_") && id.len() == 28)
        );
    }
}
