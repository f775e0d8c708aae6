//! Prometheus metrics, one registry per server instance (so two servers in one test process
//! never share counters). Every label value comes from a closed set (route templates, known
//! methods, status codes, enums), so no client input can add series. Raw paths (which hold
//! phone number and media ids), raw methods and keys are never labels.

use std::collections::HashSet;

mod inventory;

use std::sync::Mutex;

use axum::http::Method;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    /// A route template (or `unmatched`), never the raw path.
    pub(crate) route: String,
    pub(crate) method: &'static str,
    pub(crate) status: u16,
}

/// A method's label: the standard methods by name, anything else `other`.
pub(crate) fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::HEAD,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    KNOWN.iter().find(|known| *known == method).map_or("other", |known| known.as_str())
}

/// What the connection limits did, the label of `connection_limit_actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types, reason = "the variants are the label values")]
pub(crate) enum LimitAction {
    /// A connection whose request head did not arrive in time was closed.
    header_timeout,
    /// An idle keep-alive connection was closed.
    keep_alive_timeout,
    /// A request body that stopped making progress was cut.
    body_progress_timeout,
    /// An idle connection was closed to make room under the connection cap.
    shed_idle,
    /// A new connection was refused: at the cap with no idle connection to shed.
    refused,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct LimitActionLabels {
    pub(crate) action: LimitAction,
}

/// Where an API key lookup was answered from, the label of `key_lookups`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types, reason = "the variants are the label values")]
pub(crate) enum KeyLookup {
    /// A known key, from the cache.
    cached,
    /// An unknown key, from the small cache of unknown keys.
    cached_unknown,
    /// Asked of the store.
    store,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct KeyLookupLabels {
    pub(crate) source: KeyLookup,
}

#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Mutex<Registry>,
    pub(crate) requests: Family<RequestLabels, Counter>,
    pub(crate) upstream_latency: Histogram,
    pub(crate) rate_limited: Counter,
    pub(crate) open_connections: Gauge,
    pub(crate) limit_actions: Family<LimitActionLabels, Counter>,
    /// `key_lookups`' three series, resolved once (indexed by [`KeyLookup`]): a lookup only
    /// bumps an atomic, with no label hashing per request.
    key_lookups: [Counter; 3],
    /// Build info and the connection gauges read from the store at scrape time.
    pub(crate) inventory: inventory::Inventory,
    /// The hot path's series: in flight, duration, upstream errors, refusals, cache lookups.
    pub(crate) hot: HotPathMetrics,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("wabagate");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        // From 1 ms to about 16 s: Graph calls usually take tens to hundreds of milliseconds.
        let upstream_latency =
            Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(0.001, 2.0, 15));
        registry.register(
            "upstream_latency_seconds",
            "Time from sending a request upstream to receiving its response headers",
            upstream_latency.clone(),
        );
        let rate_limited = Counter::default();
        registry.register(
            "rate_limited",
            "Gateway requests refused by the per-account rate limit",
            rate_limited.clone(),
        );
        let open_connections = Gauge::default();
        registry.register("open_connections", "Client connections open now", open_connections.clone());
        let limit_actions = Family::<LimitActionLabels, Counter>::default();
        registry.register(
            "connection_limit_actions",
            "Client connections and request bodies cut by a timeout or the connection cap, by action",
            limit_actions.clone(),
        );
        let key_lookup_family = Family::<KeyLookupLabels, Counter>::default();
        registry.register(
            "key_lookups",
            "API key lookups, by where they were answered from",
            key_lookup_family.clone(),
        );
        let key_lookups = [KeyLookup::cached, KeyLookup::cached_unknown, KeyLookup::store]
            .map(|source| key_lookup_family.get_or_create(&KeyLookupLabels { source }).clone());
        let inventory = inventory::Inventory::register(&mut registry);
        let hot = HotPathMetrics::register(&mut registry);
        Self {
            registry: Mutex::new(registry),
            requests,
            upstream_latency,
            rate_limited,
            open_connections,
            limit_actions,
            key_lookups,
            inventory,
            hot,
        }
    }

    pub(crate) fn key_lookup(&self, source: KeyLookup) {
        self.key_lookups[source as usize].inc();
    }

    /// Registers a metric kept by another module (the outbox's, `events::metrics`).
    pub(crate) fn register(&self, name: &str, help: &str, metric: impl prometheus_client::registry::Metric) {
        let mut registry = self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        registry.register(name, help, metric);
    }

    /// The Prometheus text exposition of every metric.
    pub(crate) fn render(&self) -> String {
        let mut text = String::new();
        let registry = self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        text
    }
}

/// The series of the proxy's hot path, each resolved once at start so a request only bumps
/// an atomic (or looks up a label set it shares with every request like it).
#[derive(Debug)]
pub(crate) struct HotPathMetrics {
    pub(crate) in_flight: Gauge,
    pub(crate) request_duration: Histogram,
    upstream_errors: Family<UpstreamErrorLabels, Counter>,
    rate_limited_by_account: Family<AccountLabels, Counter>,
    /// The accounts that have a series of their own in `rate_limited_by_account`.
    labelled_accounts: Mutex<HashSet<uuid::Uuid>>,
    /// `cache_lookups`' six series, resolved once: `[cache][hit]`.
    cache_lookups: [[Counter; 2]; 3],
}

/// Accounts refused by the rate limit that get a series of their own; the rest share `other`.
const LABELLED_ACCOUNTS: usize = 100;

/// Why a request did not get an answer from the upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types, reason = "the variants are the label values")]
pub(crate) enum UpstreamError {
    /// Not reached: connecting (or the connection) failed.
    connect,
    /// No response head within the upstream timeout.
    timeout,
    /// It answered with something that is not HTTP.
    bad_answer,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct UpstreamErrorLabels {
    kind: UpstreamError,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct AccountLabels {
    /// An account id, or `other` past the first [`LABELLED_ACCOUNTS`].
    account: String,
}

/// Which hot-path cache a lookup asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types, reason = "the variants are the label values")]
pub(crate) enum CacheName {
    keys,
    connections,
    windows,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types, reason = "the variants are the label values")]
enum CacheResult {
    hit,
    miss,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CacheLookupLabels {
    cache: CacheName,
    result: CacheResult,
}

impl HotPathMetrics {
    fn register(registry: &mut Registry) -> Self {
        let in_flight = Gauge::default();
        registry.register("requests_in_flight", "HTTP requests being answered now", in_flight.clone());
        // 0.5 ms to about 33 s: past the default upstream timeout (30 s), so a timed-out
        // request lands in a bucket of its own rather than in +Inf with the streams.
        let request_duration =
            Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(0.0005, 2.0, 17));
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's head to its response's head, every route",
            request_duration.clone(),
        );
        let upstream_errors = Family::<UpstreamErrorLabels, Counter>::default();
        // Every kind is served from the start at 0, so a first error is a rise `rate()` sees.
        for kind in [UpstreamError::connect, UpstreamError::timeout, UpstreamError::bad_answer] {
            let _ = upstream_errors.get_or_create(&UpstreamErrorLabels { kind });
        }
        registry.register(
            "upstream_errors",
            "Proxied requests the upstream did not answer, by kind (connect, timeout, bad_answer)",
            upstream_errors.clone(),
        );
        let rate_limited_by_account = Family::<AccountLabels, Counter>::default();
        registry.register(
            "rate_limited_by_account",
            "Gateway requests refused by the per-account rate limit, by account (the first 100 refused; the rest `other`)",
            rate_limited_by_account.clone(),
        );
        let cache_lookup_family = Family::<CacheLookupLabels, Counter>::default();
        registry.register(
            "cache_lookups",
            "Hot-path cache lookups, by cache (keys, connections, windows) and result (hit, miss)",
            cache_lookup_family.clone(),
        );
        let cache_lookups = [CacheName::keys, CacheName::connections, CacheName::windows].map(|cache| {
            [CacheResult::miss, CacheResult::hit]
                .map(|result| cache_lookup_family.get_or_create(&CacheLookupLabels { cache, result }).clone())
        });
        Self {
            in_flight,
            request_duration,
            upstream_errors,
            rate_limited_by_account,
            labelled_accounts: Mutex::new(HashSet::new()),
            cache_lookups,
        }
    }

    pub(crate) fn upstream_failed(&self, kind: UpstreamError) {
        self.upstream_errors.get_or_create(&UpstreamErrorLabels { kind }).inc();
    }

    pub(crate) fn rate_limited(&self, account_id: uuid::Uuid) {
        let labelled = {
            let mut accounts = self.labelled_accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            accounts.contains(&account_id) || (accounts.len() < LABELLED_ACCOUNTS && accounts.insert(account_id))
        };
        let account = if labelled { account_id.to_string() } else { "other".to_owned() };
        self.rate_limited_by_account.get_or_create(&AccountLabels { account }).inc();
    }

    pub(crate) fn cache_lookup(&self, cache: CacheName, hit: bool) {
        self.cache_lookups[cache as usize][usize::from(hit)].inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_accounts_past_the_cap_share_one_series() {
        let metrics = Metrics::new();
        for _ in 0..LABELLED_ACCOUNTS + 50 {
            metrics.hot.rate_limited(uuid::Uuid::new_v4());
        }
        let text = metrics.render();
        let series = text.lines().filter(|line| line.starts_with("wabagate_rate_limited_by_account_total{")).count();
        assert_eq!(series, LABELLED_ACCOUNTS + 1);
        assert!(text.contains(r#"wabagate_rate_limited_by_account_total{account="other"} 50"#), "{text}");
    }
}
