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
//! committed (at most two batches and the queue: up to half a second of sends under load),
//! which the same rule turns into `external` messages once Meta reports their statuses.
//!
//! A batch gathers while sends keep coming: it ends once none has come for [`QUIET`], or
//! [`MOST_GATHER`] after its first. Sends that come one at a time (a client sending
//! sequentially, or a light load) so share a transaction instead of paying one each, which
//! is most of what recording a send costs; a steady stream is written in transactions of
//! thousands, which the store inserts in the order of the ledger's indexes: SQLite's share
//! of a send falls by about a fifth, and the bytes it writes per send by half. A status
//! Meta reports for a send still gathering lands first as an `external` row, which the send
//! then makes the gateway's (the ledger's rule for a status that overtakes its send).
//!
//! Readers of the ledger call [`LedgerWriter::caught_up`] first: it waits until every job
//! queued before it is written, so a client that sent a message and then asks for it finds
//! it. A reader's job ends the batch's gathering at once, as a stop does: nobody waits out
//! the gathering.

mod sent_request;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use axum::body::Bytes;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use uuid::Uuid;
use wabagate_store::{MirroredTemplate, SendRecord, Timestamp};

use self::sent_request::SentRequest;
use crate::state::AppState;

/// Jobs queued at most. A send job holds its request and answer (a few hundred bytes each,
/// 64 KiB at most each), so the queue holds at most 128 MiB and usually well under 1 MiB.
const QUEUE: usize = 1024;
/// Template list pages queued at most (each at most `template_list::COPY_LIMIT`).
const TEMPLATE_QUEUE: usize = 16;
/// Sends written per transaction at most.
const BATCH: usize = 8192;
/// The request bodies of one batch's sends, in bytes, at most (each is at most 64 KiB; a
/// batch may pass this by the jobs taken from the queue at once).
const BATCH_BYTES: usize = 8 * 1024 * 1024;
/// Jobs taken from the queue at once.
const TAKEN_AT_ONCE: usize = 64;
/// A batch ends when no send has come for this long: long enough for sequential sends (a
/// few hundred microseconds apart against a fast upstream) to share a transaction, short
/// enough that a send that comes alone is written at once.
const QUIET: Duration = Duration::from_millis(5);
/// A batch ends this long after its first send even while sends keep coming. A long
/// stream of sends so goes into the ledger in large transactions, sorted, which cost SQLite
/// about a fifth less per send than batches of 64 (docs/performance.md, eighth round); a
/// longer gathering measured cheaper still, but a status overtakes its send more often, and
/// a `kill -9` loses at most two gatherings' sends besides the queue.
const MOST_GATHER: Duration = Duration::from_millis(250);
/// How long a request waits for room in a full queue before its record is dropped.
const ROOM_WAIT: Duration = Duration::from_secs(1);
/// How long a ledger reader waits for the writer to catch up before reading anyway.
const CATCH_UP_WAIT: Duration = Duration::from_secs(5);

/// When a batch ends: [`QUIET`] and [`MOST_GATHER`] (other times only in tests).
#[derive(Clone, Copy)]
struct Gathering {
    quiet: Duration,
    most: Duration,
}

const GATHERING: Gathering = Gathering { quiet: QUIET, most: MOST_GATHER };

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
///
/// Each batch is written while the next gathers (both in this task), so the queue keeps
/// draining through a long write; a batch is written only once the one before it is, so a
/// reader's job is answered after every send queued before it.
pub(crate) async fn run(state: AppState, mut queue: LedgerQueue, stopping: impl Future<Output = ()>) {
    tokio::pin!(stopping);
    let mut jobs = Vec::with_capacity(TAKEN_AT_ONCE);
    let mut batch = Batch::default();
    let mut stopped = false;
    while !stopped {
        let pages = take_pages(&mut queue.template_lists);
        let (_, next) = tokio::join!(write(&state, batch, pages), next_batch(&mut queue, &mut jobs, stopping.as_mut()));
        (batch, stopped) = next;
    }
    queue.jobs.close();
    queue.template_lists.close();
    while queue.jobs.recv_many(&mut jobs, TAKEN_AT_ONCE).await > 0 {
        batch.take(&mut jobs);
        if batch.is_full() {
            write(&state, std::mem::take(&mut batch), Vec::new()).await;
        }
    }
    write(&state, batch, take_pages(&mut queue.template_lists)).await;
}

/// The next batch, gathered from the first job or template list page on; and whether the
/// writer is to stop (`stopping` resolved, or the queue closed).
async fn next_batch(
    queue: &mut LedgerQueue,
    jobs: &mut Vec<LedgerJob>,
    mut stopping: Pin<&mut impl Future<Output = ()>>,
) -> (Batch, bool) {
    let mut batch = Batch::default();
    tokio::select! {
        received = queue.jobs.recv_many(jobs, TAKEN_AT_ONCE) => {
            if received == 0 {
                return (batch, true);
            }
            batch.take(jobs);
            let gathered = gather(&mut queue.jobs, jobs, &mut batch, GATHERING, stopping.as_mut()).await;
            (batch, gathered == Gathered::Stopping)
        }
        // A template list alone (no send gathering) is written at once.
        received = queue.template_lists.recv_many(&mut batch.pages, TEMPLATE_QUEUE) => (batch, received == 0),
        () = stopping.as_mut() => (batch, true),
    }
}

/// The template list pages queued so far.
fn take_pages(template_lists: &mut mpsc::Receiver<TemplateListPage>) -> Vec<TemplateListPage> {
    std::iter::from_fn(|| template_lists.try_recv().ok()).collect()
}

/// What one transaction writes: the sends as the ledger records them (parsed as they come,
/// so the batch holds no request or answer bytes), the readers waiting for them, and the
/// template list pages.
#[derive(Default)]
struct Batch {
    sends: Vec<SendRecord>,
    /// The sends' request bodies, in bytes: what bounds the batch's memory.
    bytes: usize,
    waiting: Vec<oneshot::Sender<()>>,
    pages: Vec<TemplateListPage>,
}

impl Batch {
    fn take(&mut self, jobs: &mut Vec<LedgerJob>) {
        for job in jobs.drain(..) {
            match job {
                LedgerJob::Send(sent) => {
                    if let Some(record) = send_record(sent) {
                        self.bytes += record.content.as_ref().map_or(0, String::len);
                        self.sends.push(record);
                    }
                }
                LedgerJob::CaughtUp(done) => self.waiting.push(done),
            }
        }
    }

    fn is_full(&self) -> bool {
        self.sends.len() >= BATCH || self.bytes >= BATCH_BYTES
    }
}

#[derive(PartialEq, Eq)]
enum Gathered {
    Batch,
    Stopping,
}

/// Adds to `batch` the sends that keep coming: until none has come for `gathering.quiet`,
/// or `gathering.most` has passed since the first, or the batch is full or holds a reader's
/// job (who must not wait); says whether `stopping` resolved meanwhile.
async fn gather(
    queue: &mut mpsc::Receiver<LedgerJob>,
    jobs: &mut Vec<LedgerJob>,
    batch: &mut Batch,
    gathering: Gathering,
    mut stopping: Pin<&mut impl Future<Output = ()>>,
) -> Gathered {
    let last_moment = Instant::now() + gathering.most;
    let quiet_until = || last_moment.min(Instant::now() + gathering.quiet);
    let quiet = tokio::time::sleep_until(quiet_until());
    tokio::pin!(quiet);
    while !batch.is_full() && batch.waiting.is_empty() {
        tokio::select! {
            biased;
            () = stopping.as_mut() => return Gathered::Stopping,
            received = queue.recv_many(jobs, TAKEN_AT_ONCE) => {
                if received == 0 {
                    break;
                }
                batch.take(jobs);
                quiet.as_mut().reset(quiet_until());
            }
            () = quiet.as_mut() => break,
        }
    }
    Gathered::Batch
}

/// Writes one batch: the sends in one transaction, then the template list pages (taken
/// after the sends were gathered, so a reader waiting in this batch finds a page that was
/// queued before it asked); then answers the readers.
async fn write(state: &AppState, batch: Batch, queued_pages: Vec<TemplateListPage>) {
    if !batch.sends.is_empty() {
        if let Err(error) = state.store().record_sends(&batch.sends).await {
            tracing::warn!(error = %error, sends = batch.sends.len(), "recording sends in the ledger failed");
        }
    }
    let templates: Vec<MirroredTemplate> = batch
        .pages
        .into_iter()
        .chain(queued_pages)
        .flat_map(|page| mirrored_templates(&page.waba_id, &page.answer, page.at))
        .collect();
    if !templates.is_empty() {
        if let Err(error) = state.store().mirror_templates(&templates).await {
            tracing::warn!(error = %error, "mirroring a proxied template list failed");
        }
    }
    for done in batch.waiting {
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

    fn a_send(body_bytes: usize) -> LedgerJob {
        let request = format!(r#"{{"to":"15550100","type":"text","text":{{"body":"{}"}}}}"#, "x".repeat(body_bytes));
        LedgerJob::Send(sent(&request, r#"{"messages":[{"id":"wamid.A"}]}"#))
    }

    /// What the writer gathers from `queue` after its first job, and how long it took.
    async fn gather_from(queue: &mut mpsc::Receiver<LedgerJob>, gathering: Gathering) -> (Batch, Duration) {
        let (mut jobs, mut batch) = (Vec::new(), Batch::default());
        queue.recv_many(&mut jobs, TAKEN_AT_ONCE).await;
        let started = Instant::now();
        batch.take(&mut jobs);
        let stopping = std::future::pending::<()>();
        tokio::pin!(stopping);
        let gathered = tokio::time::timeout(NEVER, gather(queue, &mut jobs, &mut batch, gathering, stopping.as_mut()));
        assert!(gathered.await.expect("the gathering ends") == Gathered::Batch);
        (batch, started.elapsed())
    }

    /// Longer than any of these tests may take: a gathering that lasts it has hung.
    const NEVER: Duration = Duration::from_secs(30);

    #[tokio::test]
    async fn a_send_alone_is_written_once_no_other_came_for_the_quiet_time() {
        let (sender, mut queue) = mpsc::channel(QUEUE);
        sender.send(a_send(2)).await.unwrap();
        let quiet = Duration::from_millis(50);
        let (batch, took) = gather_from(&mut queue, Gathering { quiet, most: NEVER }).await;
        assert_eq!(batch.sends.len(), 1);
        assert!(took >= quiet, "{took:?}");
    }

    #[tokio::test]
    async fn a_steady_stream_is_cut_into_batches_of_the_longest_gathering() {
        let (sender, mut queue) = mpsc::channel(QUEUE);
        tokio::spawn(async move {
            while sender.send(a_send(2)).await.is_ok() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        let most = Duration::from_millis(100);
        let (batch, took) = gather_from(&mut queue, Gathering { quiet: NEVER, most }).await;
        assert!(took >= most, "{took:?}");
        assert!(batch.sends.len() > 1, "{} sends gathered", batch.sends.len());
    }

    #[tokio::test]
    async fn a_readers_job_ends_the_gathering_at_once() {
        let (sender, mut queue) = mpsc::channel(QUEUE);
        sender.send(a_send(2)).await.unwrap();
        let (done, _written) = oneshot::channel();
        sender.send(LedgerJob::CaughtUp(done)).await.unwrap();
        let (batch, _) = gather_from(&mut queue, Gathering { quiet: NEVER, most: NEVER }).await;
        assert_eq!((batch.sends.len(), batch.waiting.len()), (1, 1));
    }

    #[tokio::test]
    async fn a_batch_holds_at_most_its_bytes_of_request_bodies() {
        let (sender, mut queue) = mpsc::channel(TAKEN_AT_ONCE);
        tokio::spawn(async move { while sender.send(a_send(64 * 1024)).await.is_ok() {} });
        let (batch, _) = gather_from(&mut queue, Gathering { quiet: NEVER, most: NEVER }).await;
        let most = BATCH_BYTES + TAKEN_AT_ONCE * 65 * 1024;
        assert!((BATCH_BYTES..most).contains(&batch.bytes), "{} bytes gathered", batch.bytes);
    }

    #[test]
    fn template_entries_without_a_status_are_left_out() {
        let answer = br#"{"data":[{"id":"1","name":"a","language":"en","status":"APPROVED"},{"id":"2","name":"b"}]}"#;
        let templates = mirrored_templates("w", answer, Timestamp::from_unix_micros(0));
        assert_eq!(templates.iter().map(|template| template.id.as_str()).collect::<Vec<_>>(), ["1"]);
    }
}
