//! `AppState`: what every handler shares, built once per server and cheap to clone.

use std::sync::Arc;

use uuid::Uuid;
use wabagate_store::{Account, ApiKeyHash, GatewayConnection, Keyring, Store};

use crate::cache::{ConnectionCache, KeyCache};
use crate::config::ServerConfig;
use crate::metrics::{KeyLookup, KeyLookupLabels, Metrics};
use crate::rate_limit::AccountRateLimit;
use crate::upstream::{UpstreamClient, build_client};

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
    rate_limit: AccountRateLimit,
    /// Seals and opens media links (`gateway::media_link`), under keys derived from the master key.
    media_links: Keyring,
    upstream: UpstreamClient,
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
        let inner = Inner {
            accounts_by_key: KeyCache::new(config.cache_ttl),
            connections: ConnectionCache::new(config.cache_ttl),
            rate_limit: AccountRateLimit::new(config.rate_limit_per_second),
            media_links: store.derive_keyring(crate::gateway::MEDIA_LINK_KEY_PURPOSE),
            upstream: build_client(),
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

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub(crate) fn media_links(&self) -> &Keyring {
        &self.inner.media_links
    }

    pub(crate) fn rate_limit(&self) -> &AccountRateLimit {
        &self.inner.rate_limit
    }

    /// The account a key belongs to, from the cache when fresh.
    pub(crate) async fn account_for_key(
        &self,
        hash: ApiKeyHash,
    ) -> Result<Option<Account>, wabagate_store::StoreError> {
        let cached = self.inner.accounts_by_key.get(&hash);
        let source = match cached {
            Some(Some(_)) => KeyLookup::cached,
            Some(None) => KeyLookup::cached_unknown,
            None => KeyLookup::store,
        };
        self.inner.metrics.key_lookups.get_or_create(&KeyLookupLabels { source }).inc();
        if let Some(cached) = cached {
            return Ok(cached);
        }
        let account = self.inner.store.account_for_key(&hash).await?;
        self.inner.accounts_by_key.insert(hash, account.clone());
        Ok(account)
    }

    /// An account's connections (tokens opened), from the cache when fresh.
    pub(crate) async fn gateway_connections(
        &self,
        account_id: Uuid,
    ) -> Result<Arc<[GatewayConnection]>, wabagate_store::StoreError> {
        if let Some(cached) = self.inner.connections.get(&account_id) {
            return Ok(cached);
        }
        let connections: Arc<[GatewayConnection]> = self.inner.store.gateway_connections(account_id).await?.into();
        self.inner.connections.insert(account_id, connections.clone());
        Ok(connections)
    }

    /// Call after changing an account's connections, so this process sees it at once.
    pub(crate) fn forget_connections(&self, account_id: Uuid) {
        self.inner.connections.remove(&account_id);
    }

    /// Call after revoking a key in this process.
    pub fn forget_keys(&self) {
        self.inner.accounts_by_key.clear();
    }
}
