//! The deliverer: turns [`SandboxEvent`]s into Meta's notifications, finds the subscribed
//! apps' callback URLs, signs the exact bytes and POSTs them, retrying failures with
//! backoff. Like Meta it promises no ordering: every notification is delivered by its own
//! task, so a slow or failing receiver never holds back other notifications. Each fresh
//! notification passes the [`super::habits`] first (which may hold, batch or double it);
//! what the control endpoints release or redeliver arrives as a [`Dispatch`].

use std::time::Duration;

use bytes::Bytes;
use futures_util::future::join_all;
use rand::Rng;
use reqwest::header;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

use crate::events::SandboxEvent;
use crate::state::SandboxState;

use super::Dispatch;
use super::delivery_log::DeliveryAttempt;
use super::habits::Outgoing;
use super::json_encoding::{self, BodyEncoding};
use super::payload::{self, Metadata, Notification, OutboundMessage, Progress};
use super::retry::RetryPolicy;
use super::sent_bodies::SentPost;
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
    let mut dispatched = state.webhooks().take_dispatched();
    let mut events_open = true;
    loop {
        tokio::select! {
            event = events.recv(), if events_open => match event {
                Some(event) => schedule(&mut deliveries, &state, &settings, event),
                None => events_open = false,
            },
            Some(dispatch) = async { dispatched.as_mut()?.recv().await }, if dispatched.is_some() => {
                let (state, settings) = (state.clone(), settings.clone());
                deliveries.spawn(async move {
                    match dispatch {
                        Dispatch::Notify(outgoing) => deliver_outgoing(&state, &settings, outgoing).await,
                        Dispatch::Redeliver(post) => {
                            deliver_post(&state, &settings, &post, Some(post.delivery_id)).await;
                        }
                    }
                });
            }
            Some(_) = deliveries.join_next(), if !deliveries.is_empty() => {}
        }
        if !events_open && deliveries.is_empty() {
            break;
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
            message_type,
            biz_opaque_callback_data,
            to_group,
        } => {
            let now = state.clock().unix();
            let message = OutboundMessage {
                to_group,
                in_service_window: state.windows().is_open(&phone_number_id, &recipient_wa_id, now),
                waba_id,
                metadata: Metadata::new(&phone_number_id, &display_phone_number),
                wamid,
                recipient_wa_id,
                conversation_id: new_conversation_id(),
                graph_version: settings.graph_version,
                biz_opaque_callback_data,
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
            // A reaction is only ever `sent`: Meta reports no delivery or read for it. Nor
            // does a group message, as a sandbox group has no participant to deliver to.
            let steps = if message_type == "reaction" || to_group { 1 } else { 3 };
            for (progress, at) in
                [(Progress::Sent, sent_at), (Progress::Delivered, delivered_at), (Progress::Read, read_at)]
                    .into_iter()
                    .take(steps)
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
/// and delivers what the habits let through.
async fn deliver_later(
    state: SandboxState,
    settings: DeliverySettings,
    delay: Duration,
    build: impl FnOnce(i64) -> Notification,
) {
    tokio::time::sleep(delay).await;
    let notification = build(state.clock().unix());
    let outgoing = state.webhooks().habits().admit(notification);
    join_all(outgoing.into_iter().map(|outgoing| deliver_outgoing(&state, &settings, outgoing))).await;
}

/// Delivers one notification to every subscribed app at once; a duplicate repeats each
/// app's POST, byte for byte, once the first has gone.
async fn deliver_outgoing(state: &SandboxState, settings: &DeliverySettings, outgoing: Outgoing) {
    let notification = &outgoing.notification;
    let body = Bytes::from(json_encoding::encode(notification, settings.encoding));
    let destinations = super::destinations::resolve(state, notification.waba_id(), notification.is_number_scoped());
    join_all(destinations.into_iter().map(|destination| {
        let post = SentPost {
            delivery_id: state.webhooks().deliveries().next_delivery_id(),
            signature: signature_header_value(&destination.app_secret, &body),
            app_id: destination.app_id,
            field: notification.field(),
            url: destination.url,
            body: body.clone(),
        };
        state.webhooks().sent_bodies().keep(post.clone());
        async move {
            deliver_post(state, settings, &post, None).await;
            for _ in 1..outgoing.copies {
                deliver_post(state, settings, &post, Some(post.delivery_id)).await;
            }
        }
    }))
    .await;
}

/// POSTs `post` with retries; a repeat of an earlier delivery gets its own delivery id.
async fn deliver_post(state: &SandboxState, settings: &DeliverySettings, post: &SentPost, redelivery_of: Option<u64>) {
    let log = state.webhooks().deliveries();
    let delivery_id = match redelivery_of {
        Some(_) => log.next_delivery_id(),
        None => post.delivery_id,
    };
    let mut attempt = 1;
    while let Some(delay) = settings.retry.delay_before(attempt) {
        tokio::time::sleep(delay).await;
        let outcome = state
            .webhooks()
            .client()
            .post(&post.url)
            .timeout(settings.request_timeout)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, "facebookexternalua")
            .header(SIGNATURE_HEADER, &post.signature)
            .body(post.body.clone())
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
            app_id: post.app_id.clone(),
            field: post.field,
            url: post.url.clone(),
            attempt,
            status,
            error,
            succeeded,
            at: state.clock().unix(),
            redelivery_of,
        });
        if succeeded {
            return;
        }
        attempt += 1;
    }
    tracing::warn!(app_id = %post.app_id, field = post.field, attempts = attempt - 1, "webhook delivery abandoned");
}

/// Meta's conversation ids: 32 lowercase hex characters.
fn new_conversation_id() -> String {
    let bytes: [u8; 16] = rand::thread_rng().r#gen();
    hex::encode(bytes)
}
