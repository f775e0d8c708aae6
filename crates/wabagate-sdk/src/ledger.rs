//! The gateway's message ledger: what happened to every message after it was sent, and
//! what customers wrote (`/messages`, `/conversations`, the template mirror at
//! `/templates`), plus waiting for a sent message to reach a status.
//!
//! - `types`: the ledger's objects as the control API writes them.
//! - `cursor`: following `paging.next_cursor` through keyset-paginated lists.
//! - `wait`: polling one message until it is sent, delivered or read (or failed).

mod cursor;
mod types;
mod wait;

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use reqwest::Method;
use tokio::io::AsyncWriteExt;

pub use types::{
    Conversation, ConversationList, ConversationThread, CursorPaging, LedgerMessage, MessageDirection, MessageError,
    MessageList, MessageOrigin, MessageStatus, MirroredTemplate, MirroredTemplateList, OneConversation, OneMessage,
    ServiceWindow, StatusChange, TemplateSync,
};
pub use wait::StatusWait;

use crate::client::Client;
use crate::error::Error;
use crate::media::Downloaded;
use crate::response::{ApiResponse, Paged};
use crate::send::require_id;
use crate::transport::Retry;
pub(crate) use cursor::{CursorPage, follow_cursor};

/// Which ledger messages to list; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageQuery {
    pub direction: Option<MessageDirection>,
    pub status: Option<MessageStatus>,
    pub phone_number_id: Option<String>,
    /// The customer's wa_id.
    pub peer: Option<String>,
    /// RFC 3339, inclusive.
    pub since: Option<String>,
    /// RFC 3339, exclusive.
    pub until: Option<String>,
    /// Page size asked of the gateway (`limit`).
    pub page_size: Option<u32>,
    /// Start from this page (a `next_cursor` from an earlier listing).
    pub cursor: Option<String>,
    /// Stop after this many messages; `None` follows every page.
    pub max_items: Option<usize>,
}

/// Which conversations to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationQuery {
    pub phone_number_id: Option<String>,
    /// Stop after this many conversations; `None` follows every page.
    pub max_items: Option<usize>,
}

impl Client {
    /// Ledger messages, newest first, every page followed unless
    /// [`MessageQuery::max_items`] stops earlier.
    pub async fn list_messages(&self, query: &MessageQuery) -> Result<Paged<LedgerMessage>, Error> {
        let mut url = self.control_url(&["messages"]);
        {
            let mut pairs = url.query_pairs_mut();
            let page_size = query.page_size.map(|size| size.to_string());
            let filters = [
                ("direction", query.direction.map(MessageDirection::as_str)),
                ("status", query.status.map(MessageStatus::as_str)),
                ("phone_number_id", query.phone_number_id.as_deref()),
                ("peer", query.peer.as_deref()),
                ("since", query.since.as_deref()),
                ("until", query.until.as_deref()),
                ("limit", page_size.as_deref()),
            ];
            for (name, value) in filters {
                if let Some(value) = value {
                    pairs.append_pair(name, value);
                }
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        follow_cursor::<MessageList>(self, url, query.cursor.clone(), query.max_items).await
    }

    /// One message of the ledger, with its status history.
    pub async fn ledger_message(&self, wamid: &str) -> Result<ApiResponse<OneMessage>, Error> {
        require_id("wamid", wamid)?;
        let url = self.control_url(&["messages", wamid]);
        self.execute_json(Retry::Idempotent, || self.request(Method::GET, url.clone())).await
    }

    /// The media of an inbound message, streamed into `writer`.
    pub async fn download_message_media_to(
        &self,
        wamid: &str,
        writer: &mut (impl tokio::io::AsyncWrite + Unpin),
    ) -> Result<Downloaded, Error> {
        require_id("wamid", wamid)?;
        let url = self.control_url(&["messages", wamid, "media"]);
        let response = self.execute(Retry::Idempotent, || self.request(Method::GET, url.clone())).await?;
        let mime_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let output_error = |source| Error::File { path: PathBuf::from("<output>"), source };
        let mut stream = response.bytes_stream();
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|source| Error::Transport { url: url.to_string(), source })?;
            writer.write_all(&chunk).await.map_err(output_error)?;
            written += chunk.len() as u64;
        }
        writer.flush().await.map_err(output_error)?;
        Ok(Downloaded { bytes: written, mime_type })
    }

    /// [`Client::download_message_media_to`] a file at `path` (created or truncated). On
    /// failure the partial file is removed.
    pub async fn download_message_media(&self, wamid: &str, path: &Path) -> Result<Downloaded, Error> {
        let file_error = |source| Error::File { path: path.to_owned(), source };
        let mut file = tokio::fs::File::create(path).await.map_err(file_error)?;
        let outcome = self.download_message_media_to(wamid, &mut file).await;
        if outcome.is_err() {
            drop(file);
            let _ = tokio::fs::remove_file(path).await;
        }
        outcome.map_err(|error| match error {
            Error::File { source, .. } => Error::File { path: path.to_owned(), source },
            other => other,
        })
    }

    /// The customers who wrote to (or were written from) the business numbers, each with
    /// the last message and whether the 24-hour service window is open.
    pub async fn list_conversations(&self, query: &ConversationQuery) -> Result<Paged<Conversation>, Error> {
        let mut url = self.control_url(&["conversations"]);
        if let Some(phone_number_id) = &query.phone_number_id {
            url.query_pairs_mut().append_pair("phone_number_id", phone_number_id);
        }
        follow_cursor::<ConversationList>(self, url, None, query.max_items).await
    }

    /// One customer's thread with one business number, oldest message first.
    pub async fn conversation(
        &self,
        phone_number_id: &str,
        wa_id: &str,
    ) -> Result<ApiResponse<OneConversation>, Error> {
        require_id("phone_number_id", phone_number_id)?;
        require_id("wa_id", wa_id)?;
        let url = self.control_url(&["conversations", phone_number_id, wa_id]);
        self.execute_json(Retry::Idempotent, || self.request(Method::GET, url.clone())).await
    }

    /// The gateway's mirror of a WABA's templates (filled from webhooks and syncs).
    pub async fn mirrored_templates(
        &self,
        waba_id: Option<&str>,
        status: Option<&str>,
    ) -> Result<ApiResponse<MirroredTemplateList>, Error> {
        let mut url = self.control_url(&["templates"]);
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in [("waba_id", waba_id), ("status", status)] {
                if let Some(value) = value {
                    pairs.append_pair(name, value);
                }
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        self.execute_json(Retry::Idempotent, || self.request(Method::GET, url.clone())).await
    }

    /// Refreshes the template mirror of `waba_id` from Meta; answers how many were synced.
    pub async fn sync_templates(&self, waba_id: &str) -> Result<ApiResponse<TemplateSync>, Error> {
        require_id("waba_id", waba_id)?;
        let url = self.control_url(&["templates", "sync"]);
        let body = serde_json::to_vec(&serde_json::json!({ "waba_id": waba_id })).expect("JSON");
        // Syncing twice leaves the mirror as syncing once does.
        self.execute_json(Retry::Idempotent, || {
            self.request(Method::POST, url.clone()).header("Content-Type", "application/json").body(body.clone())
        })
        .await
    }
}
