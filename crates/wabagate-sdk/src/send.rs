//! Sending messages and read receipts: `POST /{phone_number_id}/messages`.

use reqwest::Method;
use wabagate_model::message::MarkRead;
use wabagate_model::responses::{SendMessageResponse, SuccessResponse};
use wabagate_model::violation::{Field, require_text};

use crate::client::Client;
use crate::error::Error;
use crate::message::Message;
use crate::response::ApiResponse;
use crate::transport::Retry;

impl Client {
    /// Sends a built [`Message`] from `phone_number_id`. Not retried on 429/5xx unless the
    /// client was built with [`crate::ClientBuilder::retry_sends`].
    pub async fn send(
        &self,
        phone_number_id: &str,
        message: &Message,
    ) -> Result<ApiResponse<SendMessageResponse>, Error> {
        require_id("phone_number_id", phone_number_id)?;
        let url = self.graph_url(&[phone_number_id, "messages"]);
        let body = serde_json::to_vec(message).expect("a message serialises");
        self.execute_json(Retry::Send, || {
            self.request(Method::POST, url.clone()).header("Content-Type", "application/json").body(body.clone())
        })
        .await
    }

    /// Marks the inbound message `message_id` as read (blue ticks).
    pub async fn mark_read(
        &self,
        phone_number_id: &str,
        message_id: &str,
    ) -> Result<ApiResponse<SuccessResponse>, Error> {
        require_id("phone_number_id", phone_number_id)?;
        let receipt = MarkRead::new(message_id);
        receipt.validate()?;
        let url = self.graph_url(&[phone_number_id, "messages"]);
        let body = serde_json::to_vec(&receipt).expect("a read receipt serialises");
        // Marking as read twice is harmless, so it is retried like a read.
        self.execute_json(Retry::Idempotent, || {
            self.request(Method::POST, url.clone()).header("Content-Type", "application/json").body(body.clone())
        })
        .await
    }
}

impl ApiResponse<SendMessageResponse> {
    /// The `wamid.…` of the sent message.
    pub fn message_id(&self) -> Option<&str> {
        self.value.messages.first().map(|message| message.id.as_str())
    }

    /// The WhatsApp id Meta resolved the recipient to.
    pub fn wa_id(&self) -> Option<&str> {
        self.value.contacts.first().map(|contact| contact.wa_id.as_str())
    }
}

/// An id that goes into a path must be there; fails with [`Error::Invalid`] on `name`.
pub(crate) fn require_id(name: &str, id: &str) -> Result<(), Error> {
    require_text(&Field::root(name), Some(id))?;
    Ok(())
}
