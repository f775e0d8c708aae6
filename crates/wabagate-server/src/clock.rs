//! The server's one source of "now" for what Meta's time decides (service windows, token
//! expiry, retention). Real deployments use the system clock; with the in-process sandbox
//! the binary passes the sandbox's movable clock, so a test that advances it moves the
//! gateway's windows and expiries too. The server never learns what is behind the seam.

use std::fmt;
use std::sync::Arc;

use wabagate_store::Timestamp;

/// Tells the current time.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock shared by the whole server, cheap to clone.
#[derive(Clone)]
pub struct SharedClock(Arc<dyn Clock>);

impl SharedClock {
    pub fn new(clock: impl Clock + 'static) -> Self {
        Self(Arc::new(clock))
    }

    pub fn now(&self) -> Timestamp {
        self.0.now()
    }
}

impl Default for SharedClock {
    fn default() -> Self {
        Self::new(SystemClock)
    }
}

impl fmt::Debug for SharedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedClock")
    }
}
