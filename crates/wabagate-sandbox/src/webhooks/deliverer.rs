//! The deliverer: turns [`SandboxEvent`]s into Meta's notifications, finds the subscribed
//! apps' callback URLs, signs the exact bytes and POSTs them, retrying failures with
//! backoff. Like Meta it promises no ordering: every notification is delivered by its own
//! task, so a slow or failing receiver never holds back other notifications.

use std::time::Duration;

use futures_util::future::join_all;
use rand::Rng;
use reqwest::header;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

use crate::events::SandboxEvent;
use crate::state::SandboxState;

use super::delivery_log::DeliveryAttempt;
use super::json_encoding::{self, BodyEncoding};
use super::payload::{self, Metadata, Notification, OutboundMessage, Progress};
use super::retry::RetryPolicy;
use super::signature::{SIGNATURE_HEADER, signature_header_value};

/// Timing and format of deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySettings {
    /// From an accepted send to its `sent` (or `failed`) status.
    pub sent_after: Duration,
    /// From `sent` to `delivered`.
    pub delivered_after: Duration,
    /// From `delivered` to `read`.
    pub read_after: Duration,
    pub retry: RetryPolicy,
    /// How long one POST may take before it counts as failed.
    pub request_timeout: Duration,
    pub encoding: BodyEncoding,
    /// The major Graph version of the app's subscription; it decides the status shape.
    pub graph_version: u32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            sent_after: Duration::from_millis(500),
            delivered_after: Duration::from_secs(1),
            read_after: Duration::from_secs(2),
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(5),
            encoding: BodyEncoding::AsciiEscaped,
            graph_version: 23,
        }
    }
}

/// Starts delivering the events of `events` (the receiver from
/// [`crate::events::EventBus::new`]). The task runs until aborted; aborting it cancels
/// pending and retrying deliveries.
pub fn spawn_deliverer(
    state: SandboxState,
    events: mpsc::UnboundedReceiver<SandboxEvent>,
    settings: DeliverySettings,
) -> JoinHandle<()> {
    tokio::spawn(run(state, events, settings))
}

async fn run(state: SandboxState, mut events: mpsc::UnboundedReceiver<SandboxEvent>, settings: DeliverySettings) {
    // Owning the tasks in a JoinSet ties their lifetime to this task's.
    let mut deliveries = JoinSet::new();
    loop {
        tokio::select! {
            Some(event) = events.recv() => schedule(&mut deliveries, &state, &settings, event),
            Some(_) = deliveries.join_next(), if !deliveries.is_empty() => {}
            else => break,
        }
    }
}

/// One task per notification; each waits for its moment, then delivers with retries.
fn schedule(deliveries: &mut JoinSet<()>, state: &SandboxState, settings: &DeliverySettings, event: SandboxEvent) {
    match event {
        SandboxEvent::MessageAccepted {
            waba_id,
            phone_number_id,
            display_phone_number,
            wamid,
            recipient_wa_id,
            failure,
        } => {
            let now = state.clock().unix();
            let message = OutboundMessage {
                in_service_window: state.windows().is_open(&phone_number_id, &recipient_wa_id, now),
                waba_id,
                metadata: Metadata::new(&phone_number_id, &display_phone_number),
                wamid,
                recipient_wa_id,
                conversation_id: new_conversation_id(),
                graph_version: settings.graph_version,
            };
            if let Some(error) = failure {
                deliveries.spawn(deliver_later(state.clone(), settings.clone(), settings.sent_after, move |now| {
                    message.failed(&error, now)
                }));
                return;
            }
            let sent_at = settings.sent_after;
            let delivered_at = sent_at + settings.delivered_after;
            let read_at = delivered_at + settings.read_after;
            for (progress, at) in
                [(Progress::Sent, sent_at), (Progress::Delivered, delivered_at), (Progress::Read, read_at)]
            {
                let message = message.clone();
                deliveries.spawn(deliver_later(state.clone(), settings.clone(), at, move |now| {
                    message.progress(progress, now)
                }));
            }
        }
        SandboxEvent::TemplateStatusChanged { waba_id, template_id, name, language, status, reason } => {
            deliveries.spawn(deliver_later(state.clone(), settings.clone(), Duration::ZERO, move |now| {
                payload::template_status(&waba_id, now, &template_id, &name, &language, &status, reason.as_deref())
            }));
        }
        SandboxEvent::InboundMessage { waba_id, phone_number_id, display_phone_number, profile_name, message } => {
            deliveries.spawn(deliver_later(state.clone(), settings.clone(), Duration::ZERO, move |_| {
                payload::inbound(
                    &waba_id,
                    Metadata::new(&phone_number_id, &display_phone_number),
                    &profile_name,
                    message,
                )
            }));
        }
    }
}

/// Waits `delay`, builds the notification stamped with the sandbox time of that moment,
/// and delivers it to every subscribed app at once.
async fn deliver_later(
    state: SandboxState,
    settings: DeliverySettings,
    delay: Duration,
    build: impl FnOnce(i64) -> Notification,
) {
    tokio::time::sleep(delay).await;
    let notification = build(state.clock().unix());
    let body = json_encoding::encode(&notification, settings.encoding);
    let destinations = super::destinations::resolve(&state, notification.waba_id(), notification.is_number_scoped());
    join_all(
        destinations
            .into_iter()
            .map(|destination| deliver_with_retries(&state, &settings, destination, notification.field(), &body)),
    )
    .await;
}

async fn deliver_with_retries(
    state: &SandboxState,
    settings: &DeliverySettings,
    destination: super::destinations::Destination,
    field: &'static str,
    body: &[u8],
) {
    let log = state.webhooks().deliveries();
    let delivery_id = log.next_delivery_id();
    let signature = signature_header_value(&destination.app_secret, body);
    let mut attempt = 1;
    while let Some(delay) = settings.retry.delay_before(attempt) {
        tokio::time::sleep(delay).await;
        let outcome = state
            .webhooks()
            .client()
            .post(&destination.url)
            .timeout(settings.request_timeout)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, "facebookexternalua")
            .header(SIGNATURE_HEADER, &signature)
            .body(body.to_vec())
            .send()
            .await;
        let (status, error) = match &outcome {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(error) => (None, Some(error.to_string())),
        };
        // Meta asks for 200; any 2xx is taken as success, as observers report Meta does.
        let succeeded = status.is_some_and(|status| (200..300).contains(&status));
        log.record(DeliveryAttempt {
            delivery_id,
            app_id: destination.app_id.clone(),
            field,
            url: destination.url.clone(),
            attempt,
            status,
            error,
            succeeded,
            at: state.clock().unix(),
        });
        if succeeded {
            return;
        }
        attempt += 1;
    }
    tracing::warn!(app_id = %destination.app_id, field, attempts = attempt - 1, "webhook delivery abandoned");
}

/// Meta's conversation ids: 32 lowercase hex characters.
fn new_conversation_id() -> String {
    let bytes: [u8; 16] = rand::thread_rng().r#gen();
    hex::encode(bytes)
}
