//! The ledger writer: what the gateway's hot path learns for the ledger (a send Meta
//! accepted, a template list Meta answered) is handed over as raw bytes to one task, which
//! parses it and writes many of them per transaction. A proxied request never waits for the
//! store, nor parses more than it must to answer.
//!
//! The queue of sends is bounded ([`QUEUE`] jobs). When it is full (the store is slower than
//! the sends) a request waits for room for at most [`ROOM_WAIT`], then its record is dropped
//! (logged): the send still went out, and its statuses will land as an `origin: "external"`
//! message. Template lists have a small queue of their own ([`TEMPLATE_QUEUE`]), never
//! waited for: a list is a refresh of the mirror, and dropping one when the writer is busy
//! costs only freshness, while a page may be a MiB. On a graceful stop the queue is closed and drained before
//! the store closes, so nothing is lost; a `kill -9` loses what was queued and not yet
//! committed (at most one batch and the queue, about a second of sends under load), which
//! the same rule turns into `external` messages once Meta reports their statuses.
//!
//! A batch gathers for at most [`LINGER`] after its first send, so sends that come one at a
//! time (a client sending sequentially, or a light load) share a transaction instead of
//! paying one each, which is most of what recording a send costs.
//!
//! Readers of the ledger call [`LedgerWriter::caught_up`] first: it waits until every job
//! queued before it is written, so a client that sent a message and then asks for it finds
//! it. A reader's job ends the batch's gathering at once, as a stop does: nobody waits out
//! the linger.

mod sent_request;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use axum::body::Bytes;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;
use wabagate_store::{MirroredTemplate, SendRecord, Timestamp};

use self::sent_request::SentRequest;
use crate::state::AppState;

/// Jobs queued at most. A send job holds its request and answer (a few hundred bytes each,
/// 64 KiB at most each), so the queue holds at most 128 MiB and usually well under 1 MiB.
const QUEUE: usize = 1024;
/// Template list pages queued at most (each at most `template_list::COPY_LIMIT`).
const TEMPLATE_QUEUE: usize = 16;
/// Jobs written per transaction at most.
const BATCH: usize = 256;
/// How long a batch gathers jobs after its first: short enough that a `kill -9` loses only
/// the sends of these few milliseconds besides the queue, long enough for sequential sends
/// (a few hundred microseconds apart against a fast upstream) to share a transaction.
const LINGER: Duration = Duration::from_millis(5);
/// How long a request waits for room in a full queue before its record is dropped.
const ROOM_WAIT: Duration = Duration::from_secs(1);
/// How long a ledger reader waits for the writer to catch up before reading anyway.
const CATCH_UP_WAIT: Duration = Duration::from_secs(5);

/// Something the hot path saw that the ledger should keep.
pub(crate) enum LedgerJob {
    /// `POST /{phone_number_id}/messages` answered 2xx: the request and the answer as they went.
    Send(SentMessage),
    /// Answered once every job queued before it has been written.
    CaughtUp(oneshot::Sender<()>),
}

/// `GET /{waba_id}/message_templates` answered 200: one page of the list, for the mirror.
pub(crate) struct TemplateListPage {
    pub(crate) waba_id: String,
    pub(crate) answer: Bytes,
    pub(crate) at: Timestamp,
}

/// A send as it went through the gateway, parsed only by the writer.
pub(crate) struct SentMessage {
    pub(crate) account_id: Uuid,
    pub(crate) connection_id: Uuid,
    pub(crate) phone_number_id: String,
    pub(crate) request: Bytes,
    pub(crate) answer: Bytes,
    pub(crate) request_id: Option<String>,
    pub(crate) sent_at: Timestamp,
}

/// The hot path's end of the queue; cheap to share.
#[derive(Debug, Clone)]
pub(crate) struct LedgerWriter {
    jobs: mpsc::Sender<LedgerJob>,
    template_lists: mpsc::Sender<TemplateListPage>,
}

/// The writer task's end, taken once by `App::serve`.
#[derive(Debug)]
pub(crate) struct LedgerQueue {
    jobs: mpsc::Receiver<LedgerJob>,
    template_lists: mpsc::Receiver<TemplateListPage>,
}

impl LedgerWriter {
    pub(crate) fn new() -> (Self, LedgerQueue) {
        let (jobs, jobs_queue) = mpsc::channel(QUEUE);
        let (template_lists, template_queue) = mpsc::channel(TEMPLATE_QUEUE);
        (Self { jobs, template_lists }, LedgerQueue { jobs: jobs_queue, template_lists: template_queue })
    }

    /// Queues a template list page for the mirror, unless the writer is busy.
    pub(crate) fn mirror(&self, page: TemplateListPage) {
        if self.template_lists.try_send(page).is_err() {
            tracing::info!("the ledger writer is busy; a proxied template list does not refresh the mirror");
        }
    }

    /// Queues a job; waits (at most [`ROOM_WAIT`]) only when the queue is full. Returns
    /// whether it was queued.
    pub(crate) async fn submit(&self, job: LedgerJob) -> bool {
        let job = match self.jobs.try_send(job) {
            Ok(()) => return true,
            Err(mpsc::error::TrySendError::Full(job)) => job,
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::warn!("the ledger writer has stopped; a send or template list is not recorded");
                return false;
            }
        };
        match self.jobs.send_timeout(job, ROOM_WAIT).await {
            Ok(()) => true,
            Err(_) => {
                tracing::warn!("the ledger writer is behind; a send or template list is not recorded");
                false
            }
        }
    }

    /// Waits until the jobs queued so far are written (at most [`CATCH_UP_WAIT`]).
    pub(crate) async fn caught_up(&self) {
        let (done, written) = oneshot::channel();
        if self.submit(LedgerJob::CaughtUp(done)).await {
            let _ = tokio::time::timeout(CATCH_UP_WAIT, written).await;
        }
    }
}

/// Writes jobs as they come until `stopping` resolves; then refuses new ones, writes what is
/// queued, and returns (the server closes the store after that).
pub(crate) async fn run(state: AppState, mut queue: LedgerQueue, stopping: impl Future<Output = ()>) {
    tokio::pin!(stopping);
    let mut jobs = Vec::with_capacity(BATCH);
    let mut pages = Vec::with_capacity(TEMPLATE_QUEUE);
    let mut stopped = false;
    while !stopped {
        tokio::select! {
            received = queue.jobs.recv_many(&mut jobs, BATCH) => {
                if received == 0 {
                    return;
                }
                stopped = gather(&mut queue.jobs, &mut jobs, stopping.as_mut()).await == Gathered::Stopping;
            }
            received = queue.template_lists.recv_many(&mut pages, TEMPLATE_QUEUE) => {
                if received == 0 {
                    return;
                }
            }
            () = &mut stopping => break,
        }
        write(&state, &mut jobs, &mut pages, &mut queue.template_lists).await;
    }
    queue.jobs.close();
    queue.template_lists.close();
    while queue.jobs.recv_many(&mut jobs, BATCH).await > 0 {
        write(&state, &mut jobs, &mut pages, &mut queue.template_lists).await;
    }
    write(&state, &mut jobs, &mut pages, &mut queue.template_lists).await;
}

#[derive(PartialEq, Eq)]
enum Gathered {
    Batch,
    Stopping,
}

/// Adds to `jobs` what comes within [`LINGER`], until the batch is full or holds a reader's
/// job (who must not wait for the linger); says whether `stopping` resolved meanwhile.
async fn gather(
    queue: &mut mpsc::Receiver<LedgerJob>,
    jobs: &mut Vec<LedgerJob>,
    mut stopping: Pin<&mut impl Future<Output = ()>>,
) -> Gathered {
    let linger = tokio::time::sleep(LINGER);
    tokio::pin!(linger);
    let mut looked_at = 0;
    while jobs.len() < BATCH {
        if jobs[looked_at..].iter().any(|job| matches!(job, LedgerJob::CaughtUp(_))) {
            break;
        }
        looked_at = jobs.len();
        tokio::select! {
            biased;
            () = stopping.as_mut() => return Gathered::Stopping,
            received = queue.recv_many(jobs, BATCH - looked_at) => {
                if received == 0 {
                    break;
                }
            }
            () = linger.as_mut() => break,
        }
    }
    Gathered::Batch
}

/// Writes one batch: the sends in one transaction, then the template list pages queued so
/// far (taken after the sends, so a reader waiting in this batch finds a page that was
/// queued before it asked); then answers the readers waiting for it.
async fn write(
    state: &AppState,
    jobs: &mut Vec<LedgerJob>,
    pages: &mut Vec<TemplateListPage>,
    template_lists: &mut mpsc::Receiver<TemplateListPage>,
) {
    let mut sends = Vec::new();
    let mut waiting = Vec::new();
    for job in jobs.drain(..) {
        match job {
            LedgerJob::Send(sent) => sends.extend(send_record(sent)),
            LedgerJob::CaughtUp(done) => waiting.push(done),
        }
    }
    while let Ok(page) = template_lists.try_recv() {
        pages.push(page);
    }
    let templates: Vec<MirroredTemplate> =
        pages.drain(..).flat_map(|page| mirrored_templates(&page.waba_id, &page.answer, page.at)).collect();
    if !sends.is_empty() {
        if let Err(error) = state.store().record_sends(&sends).await {
            tracing::warn!(error = %error, sends = sends.len(), "recording sends in the ledger failed");
        }
    }
    if !templates.is_empty() {
        if let Err(error) = state.store().mirror_templates(&templates).await {
            tracing::warn!(error = %error, "mirroring a proxied template list failed");
        }
    }
    for done in waiting {
        let _ = done.send(());
    }
}

/// Meta's answer to a send, of which only the wamid (`messages[0].id`) is kept: read into
/// borrowed fields rather than a whole `Value`, which cost more than the rest of the record.
#[derive(serde::Deserialize)]
struct SendAnswer<'a> {
    #[serde(borrow, default)]
    messages: Vec<AnsweredMessage<'a>>,
}

#[derive(serde::Deserialize)]
struct AnsweredMessage<'a> {
    #[serde(borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
}

/// The ledger's record of a send, if its request sent a message and Meta named the wamid.
/// The request is kept as the JSON text it came as.
fn send_record(sent: SentMessage) -> Option<SendRecord> {
    let content = std::str::from_utf8(&sent.request).ok()?;
    let request = serde_json::from_str::<SentRequest<'_>>(content).ok()?;
    let answer = serde_json::from_slice::<SendAnswer<'_>>(&sent.answer).ok()?;
    let wamid = answer.messages.first()?.id.as_deref().filter(|id| !id.is_empty() && id.len() <= 256)?;
    // A group's thread is named by its id, which is no phone number.
    let recipient = match request.recipient_type.text() {
        Some("group") => request.to.clone().into_owned(),
        _ => crate::inbound::digits(&request.to),
    };
    if recipient.is_empty() {
        return None;
    }
    Some(SendRecord {
        wamid: wamid.to_owned(),
        account_id: sent.account_id,
        connection_id: sent.connection_id,
        phone_number_id: sent.phone_number_id,
        recipient,
        message_type: Some(request.message_type.text().unwrap_or("text").to_owned()),
        template_name: request.template.name().map(str::to_owned),
        biz_opaque_callback_data: request.biz_opaque_callback_data.text().map(str::to_owned),
        request_id: sent.request_id,
        sent_at: sent.sent_at,
        content: Some(content.to_owned()),
    })
}

/// The templates of one page of `GET /{waba_id}/message_templates`. Only complete entries
/// (id, name and status present) are kept: a list asked with `fields=` may omit the status,
/// which must not blank the mirror's.
fn mirrored_templates(waba_id: &str, answer: &[u8], at: Timestamp) -> Vec<MirroredTemplate> {
    let Ok(page) = serde_json::from_slice::<Value>(answer) else { return Vec::new() };
    let data = page.get("data").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    data.iter()
        .filter(|template| template.get("status").and_then(Value::as_str).is_some_and(|status| !status.is_empty()))
        .filter_map(|template| crate::inbound::mirrored_template(waba_id, template, at))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(request: &str, answer: &str) -> SentMessage {
        SentMessage {
            account_id: Uuid::new_v4(),
            connection_id: Uuid::new_v4(),
            phone_number_id: "1000".to_owned(),
            request: Bytes::from(request.to_owned()),
            answer: Bytes::from(answer.to_owned()),
            request_id: None,
            sent_at: Timestamp::from_unix_micros(0),
        }
    }

    #[test]
    fn a_send_is_recorded_with_its_wamid_and_recipient_as_digits() {
        let record = send_record(sent(
            r#"{"to":"+1 555-0100","type":"template","template":{"name":"hello_world"},"biz_opaque_callback_data":"x"}"#,
            r#"{"messages":[{"id":"wamid.A"}]}"#,
        ))
        .unwrap();
        assert_eq!((record.wamid.as_str(), record.recipient.as_str()), ("wamid.A", "15550100"));
        assert_eq!(record.template_name.as_deref(), Some("hello_world"));
        assert_eq!(record.biz_opaque_callback_data.as_deref(), Some("x"));
    }

    #[test]
    fn a_send_to_a_group_is_recorded_under_the_group_id() {
        let request = r#"{"recipient_type":"group","to":"Y2FwaV9ncm91cDox","type":"text","text":{"body":"hi"}}"#;
        let record = send_record(sent(request, r#"{"messages":[{"id":"wamid.G","group_id":"Y2FwaV9ncm91cDox"}]}"#));
        assert_eq!(record.unwrap().recipient, "Y2FwaV9ncm91cDox");
    }

    #[test]
    fn bodies_that_send_nothing_or_answers_without_a_wamid_are_not_recorded() {
        assert!(send_record(sent(r#"{"status":"read","message_id":"wamid.X"}"#, r#"{"success":true}"#)).is_none());
        assert!(send_record(sent(r#"{"to":"1555"}"#, r#"{"messages":[]}"#)).is_none());
        assert!(send_record(sent("not json", r#"{"messages":[{"id":"wamid.A"}]}"#)).is_none());
    }

    #[test]
    fn template_entries_without_a_status_are_left_out() {
        let answer = br#"{"data":[{"id":"1","name":"a","language":"en","status":"APPROVED"},{"id":"2","name":"b"}]}"#;
        let templates = mirrored_templates("w", answer, Timestamp::from_unix_micros(0));
        assert_eq!(templates.iter().map(|template| template.id.as_str()).collect::<Vec<_>>(), ["1"]);
    }
}
