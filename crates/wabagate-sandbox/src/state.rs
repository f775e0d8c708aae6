//! The one state every sandbox handler shares, cheap to clone (`Arc` inside).
//!
//! Each part guards itself (concurrent maps or per-entry locks), never the whole
//! sandbox behind one mutex, so sends for different numbers never contend.

use std::sync::Arc;

use crate::clock::Clock;
use crate::directory::{Directory, SeedDirectory};
use crate::events::EventBus;
use crate::oauth::OAuthState;
use crate::tokens::TokenRegistry;
use crate::webhooks::WebhookState;
use crate::windows::CustomerWindows;

/// Shared sandbox state. The Graph-side parts (business, media, templates) and the
/// Meta-side parts (apps, OAuth codes, webhook configuration) are added by their modules.
#[derive(Debug, Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    clock: Clock,
    tokens: TokenRegistry,
    events: EventBus,
    windows: CustomerWindows,
    oauth: OAuthState,
    webhooks: WebhookState,
    directory: Arc<dyn Directory>,
}

impl SandboxState {
    pub fn new(events: EventBus) -> Self {
        Self {
            inner: Arc::new(Inner {
                clock: Clock::default(),
                tokens: TokenRegistry::default(),
                events,
                windows: CustomerWindows::default(),
                oauth: OAuthState::default(),
                webhooks: WebhookState::default(),
                directory: Arc::new(SeedDirectory),
            }),
        }
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub fn tokens(&self) -> &TokenRegistry {
        &self.inner.tokens
    }

    pub fn events(&self) -> &EventBus {
        &self.inner.events
    }

    pub fn windows(&self) -> &CustomerWindows {
        &self.inner.windows
    }

    /// Apps, authorization codes and token lifetimes of the OAuth side.
    pub fn oauth(&self) -> &OAuthState {
        &self.inner.oauth
    }

    /// Webhook configuration, WABA subscriptions and the delivery log.
    pub fn webhooks(&self) -> &WebhookState {
        &self.inner.webhooks
    }

    /// Which WABAs, numbers and customers exist, as the Meta side sees them.
    pub fn directory(&self) -> &dyn Directory {
        &*self.inner.directory
    }
}
