//! `send … --wait sent|delivered|read [--timeout S]`: after the send, follow the message in
//! the gateway's ledger until it reaches that status (or a later one). A `failed` status
//! ends the wait with Meta's error and its hint (exit 1), as does a timeout.

use std::io::Write;
use std::time::Duration;

use clap::ValueEnum;
use wabagate_sdk::{Client, MessageStatus, StatusWait};

use crate::client::failure::{Failure, SdkResultExt};
use crate::client::output::write_raw_body;

/// The statuses `--wait` can wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum WaitFor {
    Sent,
    Delivered,
    Read,
}

impl WaitFor {
    fn status(self) -> MessageStatus {
        match self {
            WaitFor::Sent => MessageStatus::Sent,
            WaitFor::Delivered => MessageStatus::Delivered,
            WaitFor::Read => MessageStatus::Read,
        }
    }
}

/// Waits for `wamid` to reach `target` and reports it: the ledger's message body with
/// `--json`, else one line with the status and Meta's time of it.
pub(crate) async fn follow(
    client: &Client,
    wamid: &str,
    target: WaitFor,
    timeout: Duration,
    json: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let answer = client.wait_for_status(wamid, StatusWait::new(target.status(), timeout)).await.or_fail(json)?;
    if json {
        return Ok(write_raw_body(out, &answer.body)?);
    }
    let message = &answer.value.message;
    let at = message
        .statuses
        .iter()
        .find(|change| change.status == message.status)
        .map(|change| format!(" at {}", change.timestamp))
        .unwrap_or_default();
    writeln!(out, "Message {wamid} is {}{at}.", message.status)?;
    Ok(())
}
