//! The series that describe the gateway rather than its traffic: `wabagate_build_info`,
//! `wabagate_connections{status}` and `wabagate_token_expiry_seconds`. The last two are
//! read from the store when `/metrics` is scraped ([`Inventory::refresh`]), so they are
//! true whoever changed a connection (this server, `admin` beside it, the expiry watcher),
//! and no request pays for them.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use wabagate_store::{ConnectionCensus, ConnectionStatus, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct StatusLabels {
    /// One of the four statuses: the label set cannot grow.
    status: &'static str,
}

#[derive(Debug)]
pub(crate) struct Inventory {
    connections: Family<StatusLabels, Gauge>,
    token_expiry: Gauge<f64, AtomicU64>,
}

impl Inventory {
    pub(crate) fn register(registry: &mut Registry) -> Self {
        registry.register(
            "build",
            "The running wabagate's version",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        let connections = Family::<StatusLabels, Gauge>::default();
        registry.register("connections", "Connections of every account, by status", connections.clone());
        let token_expiry = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "token_expiry_seconds",
            "Seconds until the soonest ACTIVE connection's token expires (+Inf when none expires)",
            token_expiry.clone(),
        );
        let inventory = Self { connections, token_expiry };
        // Every series exists from the start, even before the first scrape reads the store.
        let nothing_yet =
            ConnectionCensus { by_status: ConnectionStatus::ALL.map(|status| (status, 0)), soonest_token_expiry: None };
        inventory.refresh(&nothing_yet, Timestamp::from_unix_micros(0));
        inventory
    }

    /// Sets the gauges from a census taken at `now`. An overdue token shows 0 until the
    /// expiry watcher marks its connection EXPIRED.
    pub(crate) fn refresh(&self, census: &ConnectionCensus, now: Timestamp) {
        for (status, count) in census.by_status {
            self.connections
                .get_or_create(&StatusLabels { status: status.as_str() })
                .set(i64::try_from(count).unwrap_or(i64::MAX));
        }
        let seconds = census.soonest_token_expiry.map_or(f64::INFINITY, |expiry| {
            // Micros to seconds; f64 holds any plausible lifetime exactly enough.
            (expiry.unix_micros().saturating_sub(now.unix_micros())).max(0) as f64 / 1e6
        });
        self.token_expiry.set(seconds);
    }
}
