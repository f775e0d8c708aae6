//! The last POSTs made, kept whole (URL, signature header, body bytes) so a tester can
//! have one redelivered byte for byte (`POST /__sandbox/webhooks/deliveries/{id}/redeliver`),
//! as Meta redelivers. Bounded; the app secret itself is never kept, only the signature
//! it made.

use bytes::Bytes;

use crate::bounded_log::BoundedLog;

/// How many past deliveries can be redelivered.
pub const CAPACITY: usize = 256;

/// One notification's POST to one app, as it went out.
#[derive(Debug, Clone)]
pub struct SentPost {
    pub delivery_id: u64,
    pub app_id: String,
    pub field: &'static str,
    pub url: String,
    /// The `X-Hub-Signature-256` value.
    pub signature: String,
    pub body: Bytes,
}

#[derive(Debug)]
pub struct SentBodies {
    posts: BoundedLog<SentPost>,
}

impl Default for SentBodies {
    fn default() -> Self {
        Self { posts: BoundedLog::new(CAPACITY) }
    }
}

impl SentBodies {
    pub fn keep(&self, post: SentPost) {
        self.posts.push(post);
    }

    /// The kept POST of delivery `delivery_id`, if it is still kept.
    pub fn get(&self, delivery_id: u64) -> Option<SentPost> {
        self.posts.entries().into_iter().find(|post| post.delivery_id == delivery_id)
    }
}
