//! The account logs in Redis: `sliding_log.lua` run once per request, atomically on the
//! server, through one multiplexed connection that reconnects by itself.
//!
//! Every call is bounded by the call timeout, so a Redis that hangs costs a request that
//! timeout at most, and only the request that found out: after a failure the caller stops
//! asking until [`super::outage`] sees Redis answer again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use uuid::Uuid;

use super::WINDOW;

/// The namespace of the logs, so a Redis shared with other programs keeps them apart.
const KEY_PREFIX: &str = "wabagate:rl:";

pub(super) struct SlidingLog {
    connection: ConnectionManager,
    script: redis::Script,
    limit: u32,
    call_timeout: Duration,
    /// This process's part of each log member, and a counter for the rest: members must be
    /// unique across instances, or two requests admitted in one microsecond would count once.
    instance: u64,
    requests: AtomicU64,
}

impl std::fmt::Debug for SlidingLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlidingLog").field("limit", &self.limit).field("call_timeout", &self.call_timeout).finish()
    }
}

/// Why Redis gave no verdict (the message names no secret: Redis errors carry no password).
#[derive(Debug, thiserror::Error)]
pub(crate) enum Unreachable {
    #[error("no answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    #[error(transparent)]
    Failed(#[from] redis::RedisError),
}

impl SlidingLog {
    /// Connects lazily: nothing is sent until the first call, so a gateway starts (and
    /// serves, on the local limit) while Redis is still down.
    pub(super) fn new(client: redis::Client, limit: u32, call_timeout: Duration) -> redis::RedisResult<Self> {
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(call_timeout))
            .set_connection_timeout(Some(super::outage::PROBE_TIMEOUT))
            // One attempt per reconnect: the outage watcher paces the retries, with backoff.
            .set_number_of_retries(0)
            // Room for a burst of requests' scripts queued to the connection (50 by default),
            // so a burst does not wait its way into the call timeout.
            .set_pipeline_buffer_size(1024);
        Ok(Self {
            connection: ConnectionManager::new_lazy_with_config(client, config)?,
            script: redis::Script::new(include_str!("sliding_log.lua")),
            limit,
            call_timeout,
            instance: rand::random(),
            requests: AtomicU64::new(0),
        })
    }

    /// Counts a request of `account_id` if the shared log has room: `Ok(Ok(()))` admitted,
    /// `Ok(Err(wait))` refused until `wait` has passed.
    pub(super) async fn check(&self, account_id: Uuid) -> Result<Result<(), Duration>, Unreachable> {
        let member = format!("{:016x}:{}", self.instance, self.requests.fetch_add(1, Ordering::Relaxed));
        let mut connection = self.connection.clone();
        let mut invocation = self.script.key(format!("{KEY_PREFIX}{account_id}"));
        invocation.arg(self.limit).arg(WINDOW.as_micros() as u64).arg(member);
        let wait_micros: u64 = tokio::time::timeout(self.call_timeout, invocation.invoke_async(&mut connection))
            .await
            .map_err(|_| Unreachable::Timeout(self.call_timeout))??;
        match wait_micros {
            0 => Ok(Ok(())),
            wait => Ok(Err(Duration::from_micros(wait))),
        }
    }

    pub(super) fn call_timeout(&self) -> Duration {
        self.call_timeout
    }

    /// Loads the script into Redis's script cache, within `timeout`: the outage watcher's
    /// probe, so the first requests after a (re)connection find it there (else each would
    /// need three round trips: EVALSHA, SCRIPT LOAD, EVALSHA).
    pub(super) async fn load_script(&self, timeout: Duration) -> Result<(), Unreachable> {
        let mut connection = self.connection.clone();
        let invocation = self.script.prepare_invoke();
        let load = invocation.load_async(&mut connection);
        tokio::time::timeout(timeout, load).await.map_err(|_| Unreachable::Timeout(timeout))??;
        Ok(())
    }

    /// `PING`, within `timeout` (`/readyz`'s question).
    pub(super) async fn ping(&self, timeout: Duration) -> Result<(), Unreachable> {
        let mut connection = self.connection.clone();
        let command = redis::cmd("PING");
        let ping = command.query_async::<String>(&mut connection);
        tokio::time::timeout(timeout, ping).await.map_err(|_| Unreachable::Timeout(timeout))??;
        Ok(())
    }
}
