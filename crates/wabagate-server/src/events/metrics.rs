//! The outbox on `/metrics`: deliveries per stage (read from the store every few seconds by
//! the worker, so several instances agree), the age of the oldest undelivered event, and
//! the attempts this instance made by outcome. Every label is a closed enum.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use wabagate_store::{OutboxCounts, Timestamp};

use crate::metrics::Metrics;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types, reason = "the variants are the label values")]
pub(crate) enum Stage {
    queued,
    in_flight,
    delivered,
    failed,
    dead,
    skipped,
}

impl Stage {
    const ALL: [Self; 6] = [Self::queued, Self::in_flight, Self::delivered, Self::failed, Self::dead, Self::skipped];

    fn of_status(status: &str) -> Option<Self> {
        Some(match status {
            "pending" => Self::queued,
            "in_flight" => Self::in_flight,
            "delivered" => Self::delivered,
            "failed" => Self::failed,
            "dead" => Self::dead,
            "skipped" => Self::skipped,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct StageLabels {
    stage: Stage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EncodeLabelValue)]
#[allow(non_camel_case_types, reason = "the variants are the label values")]
pub(crate) enum Outcome {
    delivered,
    failed,
    dead,
    gone,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(crate) struct OutcomeLabels {
    pub(crate) outcome: Outcome,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct OutboxMetrics {
    deliveries: Family<StageLabels, Gauge>,
    oldest_undelivered_seconds: Gauge,
    pub(crate) attempts: Family<OutcomeLabels, Counter>,
}

impl OutboxMetrics {
    pub(crate) fn register(metrics: &Metrics) -> Self {
        let this = Self::default();
        metrics.register(
            "webhook_deliveries",
            "Outbound webhook deliveries in the outbox, by stage",
            this.deliveries.clone(),
        );
        metrics.register(
            "webhook_oldest_undelivered_event_age_seconds",
            "Age of the oldest event still waiting for a delivery (0 when none waits)",
            this.oldest_undelivered_seconds.clone(),
        );
        metrics.register(
            "webhook_attempts",
            "Outbound webhook attempts made by this instance, by outcome",
            this.attempts.clone(),
        );
        this
    }

    pub(crate) fn observe(&self, counts: &OutboxCounts, now: Timestamp) {
        for stage in Stage::ALL {
            let count = counts
                .by_status
                .iter()
                .filter(|(status, _)| Stage::of_status(status) == Some(stage))
                .map(|(_, count)| *count)
                .sum::<u64>();
            self.deliveries.get_or_create(&StageLabels { stage }).set(i64::try_from(count).unwrap_or(i64::MAX));
        }
        let age = counts.oldest_undelivered.map_or(0, |at| (now.unix_micros() - at.unix_micros()).max(0) / 1_000_000);
        self.oldest_undelivered_seconds.set(age);
    }
}
