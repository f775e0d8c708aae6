//! Customer service windows: a business number may send free-form messages to a customer
//! only within 24 hours of that customer's last inbound message (whatsapp-cloud-api.md §2.14).
//! Inbound messages open a window; sends consult it.

use dashmap::DashMap;

/// How long a window stays open after the customer's last message, in seconds.
pub const WINDOW_SECONDS: i64 = 24 * 60 * 60;

/// The last inbound message time of each (business phone number id, customer wa_id) pair.
#[derive(Debug, Default)]
pub struct CustomerWindows {
    last_inbound: DashMap<(String, String), i64>,
}

impl CustomerWindows {
    /// Records that `wa_id` wrote to `phone_number_id` at `unix` seconds.
    pub fn open(&self, phone_number_id: &str, wa_id: &str, unix: i64) {
        self.last_inbound.insert((phone_number_id.to_owned(), wa_id.to_owned()), unix);
    }

    /// Whether a free-form message from `phone_number_id` to `wa_id` is allowed at `now`.
    pub fn is_open(&self, phone_number_id: &str, wa_id: &str, now: i64) -> bool {
        self.last_inbound
            .get(&(phone_number_id.to_owned(), wa_id.to_owned()))
            .is_some_and(|last| now - *last < WINDOW_SECONDS)
    }

    /// A snapshot for the state file.
    pub fn snapshot(&self) -> Vec<(String, String, i64)> {
        self.last_inbound.iter().map(|entry| (entry.key().0.clone(), entry.key().1.clone(), *entry.value())).collect()
    }
}
