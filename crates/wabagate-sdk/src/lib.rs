//! A typed Rust client for a wabagate gateway (and for the hosted product it is
//! compatible with): send every WhatsApp message type, manage media, templates, phone
//! numbers, the business profile and connections.
//!
//! Every message, template and profile update is checked locally against Meta's rules
//! (from `wabagate-model`) before any network call, and fails with [`Error::Invalid`]
//! naming the field and the limit. Answers of the gateway and of Meta become
//! [`Error::Gateway`] and [`Error::Graph`], with a hint for the common codes.
//!
//! ```no_run
//! # async fn run() -> Result<(), wabagate_sdk::Error> {
//! use wabagate_sdk::{Client, Message};
//!
//! // WABAGATE_URL, WABAGATE_API_KEY (or MATON_API_KEY), WABAGATE_CONNECTION.
//! let client = Client::from_env()?;
//! let connection = client.current_connection().await?.expect("an ACTIVE connection");
//! let phone_number_id = connection.single_phone_number_id().expect("one phone number");
//! let message = Message::text("1234567890", "Hello from WhatsApp Business!").build()?;
//! let sent = client.send(phone_number_id, &message).await?;
//! println!("{}", sent.message_id().unwrap_or_default());
//! # Ok(()) }
//! ```
//!
//! Module map:
//! - [`Client`] (`client`, `transport`, `retry`, `settings`): settings, headers, retries.
//! - [`Message`] and [`Draft`] (`message`): one builder per message type.
//! - `send`, `media`, `templates`, `phone_numbers`, `business_profile`, `connections`:
//!   the operations, one module per group, as `impl Client` blocks.
//! - `ledger`: what happened after a send, and what customers wrote (`/messages`,
//!   `/conversations`, the template mirror), and [`Client::wait_for_status`].
//! - `webhooks`: event subscriptions, their deliveries and replays; `events`: the events
//!   themselves, the resumable [`EventStream`] and the [`Forwarder`] behind `listen`;
//!   [`WebhookSecret`] (`webhook_signature`): Standard Webhooks signing and verifying.
//! - [`RawRequest`] (`raw`): any Graph call, untyped, answered whatever its status.
//! - [`Error`] (`error`, `hint`): the one error type.

mod api_key;
mod business_profile;
mod client;
mod connections;
mod error;
mod events;
mod hint;
mod ledger;
mod media;
mod message;
mod paging;
mod phone_numbers;
mod raw;
mod response;
mod retry;
mod send;
mod settings;
mod template_draft;
mod templates;
mod transport;
mod webhook_signature;
mod webhooks;

pub use api_key::ApiKey;
pub use business_profile::{BusinessProfile, BusinessProfileAnswer, ProfileUpdate};
pub use client::{Client, ClientBuilder};
pub use connections::{
    Connection, ConnectionFilter, ConnectionList, ConnectionStatus, NewConnection, OneConnection,
    WHATSAPP_BUSINESS_APP, WaitOptions,
};
pub use error::{Error, GatewayError, GraphApiError};
pub use events::{
    EVENT_TYPES, Event, EventBody, EventData, EventStream, EventStreamOptions, Forwarded, Forwarder, StreamUpdate,
    event_pattern_matches, is_event_pattern,
};
pub use hint::hint_for_graph_code;
pub use ledger::{
    Conversation, ConversationList, ConversationQuery, ConversationThread, CursorPaging, LedgerMessage,
    MessageDirection, MessageError, MessageList, MessageOrigin, MessageQuery, MessageStatus, MirroredTemplate,
    MirroredTemplateList, OneConversation, OneMessage, ServiceWindow, StatusChange, StatusWait, TemplateSync,
};
pub use media::{Downloaded, MediaUpload, TransferProgress, sniff_mime_type};
pub use message::{Buttons, ContactCard, Content, Draft, List, ListSection, Media, Message, TemplateSend};
pub use phone_numbers::PhoneNumber;
pub use raw::{RawAnswer, RawRequest};
/// The HTTP method of a [`RawRequest`].
pub use reqwest::Method;
pub use response::{ApiResponse, Paged};
pub use retry::RetryPolicy;
pub use settings::{ClientSettings, DEFAULT_BASE_URL, DEFAULT_GRAPH_VERSION};
pub use template_draft::{NewTemplate, NewTemplateBuilder, check_template_definition};
pub use templates::{Template, TemplateQuery};
pub use webhook_signature::{SignatureError, SignedHeaders, WebhookSecret};
pub use webhooks::{
    Accepted, Delivery, DeliveryAttempt, DeliveryList, DeliveryQuery, NewWebhook, OneWebhook, Queued, ReplayRange,
    Webhook, WebhookList, WebhookUpdate,
};

/// The model types SDK signatures use, re-exported so callers need no second dependency.
pub use wabagate_model::business_profile::Vertical;
pub use wabagate_model::media::MediaKind;
pub use wabagate_model::message::Parameter;
pub use wabagate_model::responses::{MediaInfo, MediaUploaded, SendMessageResponse, SuccessResponse, TemplateCreated};
pub use wabagate_model::template::{TemplateCategory, TemplateStatus};
pub use wabagate_model::{ValidationError, Violation};
