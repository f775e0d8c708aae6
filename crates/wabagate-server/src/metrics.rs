//! Prometheus metrics, one registry per server instance (so two servers in one test process
//! never share counters). Labels are route templates and status codes: bounded sets. Raw
//! paths (which hold phone number and media ids) and keys are never labels.

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    pub(crate) route: String,
    pub(crate) method: String,
    pub(crate) status: u16,
}

#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Mutex<Registry>,
    pub(crate) requests: Family<RequestLabels, Counter>,
    pub(crate) upstream_latency: Histogram,
    pub(crate) rate_limited: Counter,
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
        Self { registry: Mutex::new(registry), requests, upstream_latency, rate_limited }
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
