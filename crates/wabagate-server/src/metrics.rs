//! Prometheus metrics, one registry per server instance (so two servers in one test process
//! never share counters). Every label value comes from a closed set (route templates, known
//! methods, status codes, enums), so no client input can add series. Raw paths (which hold
//! phone number and media ids), raw methods and keys are never labels.

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
    pub(crate) key_lookups: Family<KeyLookupLabels, Counter>,
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
        let key_lookups = Family::<KeyLookupLabels, Counter>::default();
        registry.register("key_lookups", "API key lookups, by where they were answered from", key_lookups.clone());
        Self {
            registry: Mutex::new(registry),
            requests,
            upstream_latency,
            rate_limited,
            open_connections,
            limit_actions,
            key_lookups,
        }
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
