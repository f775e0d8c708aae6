//! Sessions of Meta's resumable upload API (`POST /{app_id}/uploads`, then
//! `POST /upload:{session}` with the bytes from `file_offset`). Only what Meta reports is
//! kept (offset, hash, handle), never the bytes, so open sessions cost a few bytes each.

use dashmap::DashMap;
use sha2::Sha256;

/// A bound on open sessions; the oldest is dropped beyond it.
pub const MAX_SESSIONS: usize = 1_000;

/// One upload in progress or finished.
#[derive(Debug, Clone)]
pub struct UploadSession {
    pub app_id: String,
    pub file_name: String,
    pub file_type: String,
    pub file_length: u64,
    /// Bytes received so far.
    pub offset: u64,
    pub hasher: Sha256,
    pub created_at: i64,
}

/// Every open session by its id (the part after `upload:`).
#[derive(Debug, Default)]
pub struct UploadSessions {
    sessions: DashMap<String, UploadSession>,
}

impl UploadSessions {
    pub fn open(&self, id: String, session: UploadSession) {
        if self.sessions.len() >= MAX_SESSIONS {
            let oldest = self.sessions.iter().min_by_key(|entry| entry.created_at).map(|entry| entry.key().clone());
            if let Some(oldest) = oldest {
                self.sessions.remove(&oldest);
            }
        }
        self.sessions.insert(id, session);
    }

    pub fn get(&self, id: &str) -> Option<UploadSession> {
        self.sessions.get(id).map(|entry| entry.clone())
    }

    /// Changes a session under its entry's lock; `None` when it does not exist.
    pub fn update<T>(&self, id: &str, change: impl FnOnce(&mut UploadSession) -> T) -> Option<T> {
        self.sessions.get_mut(id).map(|mut entry| change(&mut entry))
    }
}
