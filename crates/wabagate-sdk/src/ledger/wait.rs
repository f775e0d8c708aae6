//! Waiting for a sent message to reach a status: polls `GET /messages/{wamid}` with a
//! bounded backoff until the status is reached or passed, the message fails, or the wait
//! times out. A message the ledger has not recorded yet (404) is polled again: the send's
//! answer can reach the caller before the ledger row is visible. A gateway that has no
//! ledger at all (`unknown_route`) fails the wait at once.

use std::time::{Duration, Instant};

use super::types::{MessageStatus, OneMessage};
use crate::client::Client;
use crate::error::Error;
use crate::response::ApiResponse;

/// How [`Client::wait_for_status`] waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusWait {
    /// `sent`, `delivered` or `read`: the status to reach (a later one also counts).
    pub target: MessageStatus,
    /// The whole wait, polls included.
    pub timeout: Duration,
    /// The pause after the first poll; it doubles after each further one…
    pub first_interval: Duration,
    /// …up to this.
    pub max_interval: Duration,
}

impl StatusWait {
    pub fn new(target: MessageStatus, timeout: Duration) -> Self {
        Self { target, timeout, first_interval: Duration::from_millis(250), max_interval: Duration::from_secs(2) }
    }
}

impl Client {
    /// Polls the ledger until the message `wamid` has reached `wait.target`, and returns
    /// the ledger's last answer.
    ///
    /// Fails with [`Error::MessageFailed`] (Meta's errors) when the message failed, and
    /// with [`Error::WaitTimedOut`] when the timeout passes first.
    pub async fn wait_for_status(&self, wamid: &str, wait: StatusWait) -> Result<ApiResponse<OneMessage>, Error> {
        let started = Instant::now();
        let mut interval = wait.first_interval;
        let mut last_status = None;
        loop {
            match self.ledger_message(wamid).await {
                Ok(answer) => {
                    let message = &answer.message;
                    if message.status.has_reached(wait.target) {
                        return Ok(answer);
                    }
                    if message.status == MessageStatus::Failed {
                        let errors = message.errors.clone().unwrap_or_default();
                        return Err(Error::MessageFailed { wamid: message.wamid.clone(), errors });
                    }
                    last_status = Some(message.status);
                }
                // A gateway without a ledger says so at once; waiting would not help.
                Err(Error::Gateway(error)) if error.gateway_code == "unknown_route" => {
                    return Err(Error::Gateway(error));
                }
                Err(error) if error.status() == Some(404) => {}
                Err(error) => return Err(error),
            }
            let waited = started.elapsed();
            let Some(remaining) = wait.timeout.checked_sub(waited).filter(|remaining| !remaining.is_zero()) else {
                return Err(Error::WaitTimedOut { wamid: wamid.to_owned(), target: wait.target, last_status, waited });
            };
            tokio::time::sleep(interval.min(remaining)).await;
            interval = (interval * 2).min(wait.max_interval);
        }
    }
}
