//! `AppState`: what every handler shares, built once per server and cheap to clone.

use std::sync::Arc;

use uuid::Uuid;
use wabagate_store::{Account, ApiKeyHash, Keyring, Store};

use crate::cache::{ConnectionCache, KeyCache, Source, WindowCache};
use crate::config::ServerConfig;
use crate::gateway::cached_connection::CachedConnection;
use crate::global_limit::RateLimiter;
use crate::ledger_writer::{LedgerQueue, LedgerWriter};
use crate::metrics::{CacheName, KeyLookup, Metrics};
use crate::upstream::{Origin, UpstreamClient, build_client};

#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ServerConfig,
    store: Store,
    /// Key hash → its account (or that the store does not know it), so the hot path does not
    /// query the store per request.
    accounts_by_key: KeyCache,
    /// Account → all its connections with tokens opened.
    connections: ConnectionCache,
    /// (business number, customer) → the customer's last message, for the window check.
    windows: WindowCache,
    /// Hands what the hot path saw (sends, template lists) to the ledger writer task.
    ledger: LedgerWriter,
    /// The writer task's end of the queue, until `App::serve` takes it.
    ledger_queue: std::sync::Mutex<Option<LedgerQueue>>,
    rate_limit: RateLimiter,
    /// Seals and opens media links (`gateway::media_link`), under keys derived from the master key.
    media_links: Keyring,
    upstream: UpstreamClient,
    upstream_origin: Origin,
    metrics: Metrics,
    /// Wakes the webhook processor when a body has been stored.
    webhook_stored: tokio::sync::Notify,
    /// Wakes the delivery worker and the event streams when events were published.
    outbound: crate::events::Published,
    outbox_metrics: crate::events::OutboxMetrics,
}

impl AppState {
    pub fn new(config: ServerConfig, store: Store) -> Self {
        let metrics = Metrics::new();
        let (ledger, ledger_queue) = LedgerWriter::new();
        let inner = Inner {
            accounts_by_key: KeyCache::new(config.cache_ttl),
            connections: ConnectionCache::new(config.cache_ttl),
            windows: WindowCache::new(),
            ledger,
            ledger_queue: std::sync::Mutex::new(Some(ledger_queue)),
            rate_limit: RateLimiter::new(config.rate_limit_per_second, config.global_rate_limit.as_ref(), &metrics),
            media_links: store.derive_keyring(crate::gateway::MEDIA_LINK_KEY_PURPOSE),
            upstream: build_client(),
            // `serve` accepts only http(s)://host[:port][/path], which always parses.
            upstream_origin: Origin::parse(&config.upstream).expect("the upstream URL is a valid URI origin"),
            webhook_stored: tokio::sync::Notify::new(),
            outbound: crate::events::Published::new(),
            outbox_metrics: crate::events::OutboxMetrics::register(&metrics),
            metrics,
            config,
            store,
        };
        Self { inner: Arc::new(inner) }
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// "Now", from the configured clock.
    pub fn now(&self) -> wabagate_store::Timestamp {
        self.inner.config.clock.now()
    }

    pub(crate) fn webhook_stored(&self) -> &tokio::sync::Notify {
        &self.inner.webhook_stored
    }

    pub(crate) fn outbound(&self) -> &crate::events::Published {
        &self.inner.outbound
    }

    pub(crate) fn outbox_metrics(&self) -> &crate::events::OutboxMetrics {
        &self.inner.outbox_metrics
    }

    pub(crate) fn upstream(&self) -> &UpstreamClient {
        &self.inner.upstream
    }

    pub(crate) fn upstream_origin(&self) -> &Origin {
        &self.inner.upstream_origin
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub(crate) fn media_links(&self) -> &Keyring {
        &self.inner.media_links
    }

    pub(crate) fn rate_limit(&self) -> &RateLimiter {
        &self.inner.rate_limit
    }

    pub(crate) fn ledger(&self) -> &LedgerWriter {
        &self.inner.ledger
    }

    /// The ledger writer's queue; `None` once taken (one server per state).
    pub(crate) fn take_ledger_queue(&self) -> Option<LedgerQueue> {
        self.inner.ledger_queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()
    }

    /// The account a key belongs to, from the cache unless the store changed.
    pub(crate) async fn account_for_key(
        &self,
        hash: ApiKeyHash,
    ) -> Result<Option<Account>, wabagate_store::StoreError> {
        let store = &self.inner.store;
        let (account, source) = self.inner.accounts_by_key.get_or_load(hash, || store.account_for_key(&hash)).await?;
        let source = match (source, &account) {
            (Source::Cache, Some(_)) => KeyLookup::cached,
            (Source::Cache, None) => KeyLookup::cached_unknown,
            (Source::Store, _) => KeyLookup::store,
        };
        self.inner.metrics.key_lookup(source);
        self.inner.metrics.hot.cache_lookup(CacheName::keys, source != KeyLookup::store);
        Ok(account)
    }

    /// An account's connections (tokens opened), from the cache unless the store changed.
    pub(crate) async fn gateway_connections(
        &self,
        account_id: Uuid,
    ) -> Result<Arc<[CachedConnection]>, wabagate_store::StoreError> {
        let store = &self.inner.store;
        let load = || async move {
            Ok(store.gateway_connections(account_id).await?.into_iter().map(CachedConnection::new).collect())
        };
        let (connections, source) = self.inner.connections.get_or_load(account_id, load).await?;
        self.inner.metrics.hot.cache_lookup(CacheName::connections, source == Source::Cache);
        Ok(connections)
    }

    /// When a customer last wrote to a business number (Unix seconds), from the cache the
    /// webhook processor keeps up to date.
    pub(crate) async fn last_inbound(
        &self,
        phone_number_id: &str,
        wa_id: &str,
    ) -> Result<Option<i64>, wabagate_store::StoreError> {
        let store = &self.inner.store;
        let load = || store.last_inbound(phone_number_id, wa_id);
        let (last_inbound, source) = self.inner.windows.get_or_load(phone_number_id, wa_id, load).await?;
        self.inner.metrics.hot.cache_lookup(CacheName::windows, source == Source::Cache);
        Ok(last_inbound)
    }

    /// Call after the webhook processor committed a customer's message that opens a window.
    pub(crate) async fn window_opened(&self, phone_number_id: String, wa_id: String, at: i64) {
        self.inner.windows.opened(phone_number_id, wa_id, at).await;
    }

    /// Call after changing an account's connections, so this process sees it at once. Every
    /// account's list is forgotten: the change moved the store's cache revision, which is
    /// about to clear them all anyway.
    pub(crate) fn forget_connections(&self, _account_id: Uuid) {
        self.inner.connections.clear();
    }

    /// Call after revoking a key in this process.
    pub fn forget_keys(&self) {
        self.inner.accounts_by_key.clear();
    }

    /// Called when the store's cache revision moved: some key or connection changed.
    pub(crate) fn forget_cached_keys_and_connections(&self) {
        self.inner.accounts_by_key.clear();
        self.inner.connections.clear();
    }
}
