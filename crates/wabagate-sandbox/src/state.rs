//! The one state every sandbox handler shares, cheap to clone (`Arc` inside).
//!
//! Each part guards itself (concurrent maps or per-entry locks), never the whole
//! sandbox behind one mutex, so sends for different numbers never contend.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use rand::Rng;

use crate::bounded_log::BoundedLog;
use crate::business::Businesses;
use crate::clock::Clock;
use crate::config::SandboxConfig;
use crate::directory::Directory;
use crate::events::{EventBus, SandboxEvent};
use crate::flows::FlowStore;
use crate::groups::GroupStore;
use crate::ids::IdGenerator;
use crate::media_store::MediaStore;
use crate::number_settings::NumberSettingsStore;
use crate::oauth::OAuthState;
use crate::rate_limit::RateLimiter;
use crate::recorder::RequestRecorder;
use crate::seed::DemoBusiness;
use crate::sent_log::AcceptedMessage;
use crate::signups::SignupStore;
use crate::templates::TemplateStore;
use crate::tokens::TokenRegistry;
use crate::upload_sessions::UploadSessions;
use crate::webhooks::WebhookState;
use crate::windows::CustomerWindows;

/// Shared sandbox state.
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
    config: SandboxConfig,
    demo: DemoBusiness,
    businesses: Businesses,
    media: MediaStore,
    templates: TemplateStore,
    number_settings: NumberSettingsStore,
    flows: FlowStore,
    groups: GroupStore,
    signups: SignupStore,
    uploads: UploadSessions,
    ids: IdGenerator,
    throughput: RateLimiter<String>,
    pair_rate: RateLimiter<(String, String)>,
    recorder: RequestRecorder,
    sent: BoundedLog<AcceptedMessage>,
    public_url: OnceLock<String>,
    media_url_secret: String,
    /// Set when something a `--state` file keeps may have changed since it was last written.
    unsaved_changes: AtomicBool,
    oauth: OAuthState,
    webhooks: WebhookState,
}

impl SandboxState {
    /// A sandbox with the default configuration and the demo business seeded.
    pub fn new(events: EventBus) -> Self {
        Self::with_config(SandboxConfig::default(), events)
    }

    /// A sandbox seeded with the demo business; with a `state_file` that exists, the
    /// business's mutable state (tokens, templates, media, profiles, windows, clock) is
    /// restored from it instead of seeded fresh.
    pub fn with_config(config: SandboxConfig, events: EventBus) -> Self {
        let snapshot = config.state_file.as_deref().and_then(crate::persist::load);
        let ids =
            snapshot.as_ref().map_or_else(IdGenerator::default, |snapshot| IdGenerator::starting_at(snapshot.next_id));
        let media_url_secret = snapshot.as_ref().map_or_else(
            || hex::encode(rand::thread_rng().r#gen::<[u8; 16]>()),
            |snapshot| snapshot.media_url_secret.clone(),
        );
        let state = Self {
            inner: Arc::new(Inner {
                clock: Clock::default(),
                tokens: TokenRegistry::default(),
                events,
                windows: CustomerWindows::default(),
                throughput: RateLimiter::per_second(config.throughput_per_second),
                pair_rate: RateLimiter::new(config.pair_rate.burst, config.pair_rate.period),
                recorder: RequestRecorder::new(config.recorder_capacity),
                sent: BoundedLog::new(config.sent_log_capacity),
                config,
                demo: DemoBusiness::default(),
                businesses: Businesses::default(),
                media: MediaStore::default(),
                templates: TemplateStore::default(),
                number_settings: NumberSettingsStore::default(),
                flows: FlowStore::default(),
                groups: GroupStore::default(),
                signups: SignupStore::default(),
                uploads: UploadSessions::default(),
                ids,
                public_url: OnceLock::new(),
                media_url_secret,
                unsaved_changes: AtomicBool::new(false),
                oauth: OAuthState::default(),
                webhooks: WebhookState::default(),
            }),
        };
        crate::seed::seed_business(&state);
        match snapshot {
            Some(snapshot) => crate::persist::restore(&state, snapshot),
            None => crate::seed::seed_activity(&state),
        }
        state
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

    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// The seeded demo business.
    pub fn demo(&self) -> &DemoBusiness {
        &self.inner.demo
    }

    pub fn businesses(&self) -> &Businesses {
        &self.inner.businesses
    }

    pub fn media(&self) -> &MediaStore {
        &self.inner.media
    }

    pub fn templates(&self) -> &TemplateStore {
        &self.inner.templates
    }

    /// What each business number has configured beyond its profile.
    pub fn number_settings(&self) -> &NumberSettingsStore {
        &self.inner.number_settings
    }

    /// Every WABA's WhatsApp Flows.
    pub fn flows(&self) -> &FlowStore {
        &self.inner.flows
    }

    /// The groups business numbers created.
    pub fn groups(&self) -> &GroupStore {
        &self.inner.groups
    }

    /// The WABAs' marketing sign-up links.
    pub fn signups(&self) -> &SignupStore {
        &self.inner.signups
    }

    /// Open sessions of the resumable upload API.
    pub fn uploads(&self) -> &UploadSessions {
        &self.inner.uploads
    }

    pub fn ids(&self) -> &IdGenerator {
        &self.inner.ids
    }

    /// Per business number throughput (130429).
    pub fn throughput(&self) -> &RateLimiter<String> {
        &self.inner.throughput
    }

    /// Per (business number, customer) rate (131056).
    pub fn pair_rate(&self) -> &RateLimiter<(String, String)> {
        &self.inner.pair_rate
    }

    /// What "Meta" received.
    pub fn recorder(&self) -> &RequestRecorder {
        &self.inner.recorder
    }

    /// The sends "Meta" accepted.
    pub fn sent(&self) -> &BoundedLog<AcceptedMessage> {
        &self.inner.sent
    }

    /// The secret that signs media download URLs.
    pub fn media_url_secret(&self) -> &str {
        &self.inner.media_url_secret
    }

    /// The origin in URLs the sandbox hands out (media downloads, paging links).
    pub fn public_url(&self) -> &str {
        self.inner.public_url.get().map_or("http://127.0.0.1", String::as_str)
    }

    /// Fixes the public origin; the first call wins (it is set once when serving starts).
    pub fn set_public_url(&self, url: String) {
        let _ = self.inner.public_url.set(url.trim_end_matches('/').to_owned());
    }

    /// Decides template reviews that are due and announces each outcome.
    pub fn settle_template_reviews(&self) {
        for template in self.templates().settle(self.clock().unix()) {
            self.mark_changed();
            self.events().publish(SandboxEvent::TemplateStatusChanged {
                waba_id: template.waba_id.clone(),
                template_id: template.id.clone(),
                name: template.definition.name.clone(),
                language: template.definition.language.clone(),
                status: template.status.as_str().to_owned(),
                reason: template.rejected_reason.clone(),
            });
        }
    }

    /// Notes that the state a `--state` file keeps may have changed.
    pub fn mark_changed(&self) {
        self.inner.unsaved_changes.store(true, Ordering::Release);
    }

    /// Whether anything changed since the last call (which clears the mark).
    pub fn take_changed(&self) -> bool {
        self.inner.unsaved_changes.swap(false, Ordering::AcqRel)
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
        &self.inner.businesses
    }
}
