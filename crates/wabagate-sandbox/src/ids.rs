//! Identifiers in Meta's shapes: numeric Graph ids, `wamid.…` message ids, fbtrace ids.

use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::Rng;

/// Hands out new Graph object ids (media, templates). Ids are 16 digits, start at a random
/// point so that two fresh sandboxes rarely agree, and never repeat within one state.
#[derive(Debug)]
pub struct IdGenerator {
    next: AtomicU64,
}

impl Default for IdGenerator {
    fn default() -> Self {
        Self::starting_at(rand::thread_rng().gen_range(2_000_000_000_000_000..8_000_000_000_000_000))
    }
}

impl IdGenerator {
    pub fn starting_at(next: u64) -> Self {
        Self { next: AtomicU64::new(next) }
    }

    pub fn next_id(&self) -> String {
        self.next.fetch_add(1, Ordering::Relaxed).to_string()
    }

    /// The next id that would be handed out, for the state file.
    pub fn peek(&self) -> u64 {
        self.next.load(Ordering::Relaxed)
    }
}

/// A message id shaped like Meta's: `wamid.` + base64 of a small binary record that
/// embeds the recipient, as real wamids do.
pub fn new_wamid(wa_id: &str) -> String {
    let mut raw = Vec::with_capacity(48);
    raw.extend_from_slice(&[0x1c, 0x18]);
    raw.push(u8::try_from(wa_id.len()).unwrap_or(u8::MAX));
    raw.extend_from_slice(wa_id.as_bytes());
    raw.extend_from_slice(&[0x15, 0x02, 0x00, 0x11, 0x18, 0x12]);
    let tail: [u8; 9] = rand::thread_rng().r#gen();
    raw.extend_from_slice(hex::encode_upper(tail).as_bytes());
    raw.push(0x00);
    format!("wamid.{}", STANDARD.encode(raw))
}

/// A request trace id like Graph's `fbtrace_id` (about 23 URL-safe characters).
pub fn new_trace_id() -> String {
    let bytes: [u8; 17] = rand::thread_rng().r#gen();
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wamids_embed_the_recipient_and_differ() {
        let first = new_wamid("16505551234");
        assert!(first.starts_with("wamid.HBgLMTY1MDU1NTEyMzQVAgAR"), "{first}");
        assert_ne!(first, new_wamid("16505551234"));
    }

    #[test]
    fn graph_ids_count_up_from_their_start() {
        let ids = IdGenerator::starting_at(1_000_000_000_000_500);
        assert_eq!(ids.next_id(), "1000000000000500");
        assert_eq!(ids.next_id(), "1000000000000501");
        assert_eq!(ids.peek(), 1_000_000_000_000_502);
    }
}
