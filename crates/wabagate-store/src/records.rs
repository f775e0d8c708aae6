//! The rows the store hands out: accounts, API key descriptions and connections.
//! Plain data; nothing here touches the database or holds ciphertext.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use crate::connect_session::FlowSecret;
use crate::sealed_token::AccessToken;
use crate::timestamp::Timestamp;

/// A tenant of the gateway: owns API keys and connections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub account_id: Uuid,
    pub name: String,
    pub creation_time: Timestamp,
}

/// What is known of an API key without the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeyInfo {
    pub key_id: Uuid,
    pub account_id: Uuid,
    /// The first characters of the key (`wbg_AbC123`), enough to tell keys apart.
    pub prefix: String,
    pub creation_time: Timestamp,
    pub revoked_time: Option<Timestamp>,
}

/// The lifecycle of a connection: born PENDING, ACTIVE once a token is stored, FAILED when
/// the business declined or the flow broke, EXPIRED when Meta stopped honouring its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionStatus {
    Pending,
    Active,
    Failed,
    Expired,
}

impl ConnectionStatus {
    pub const ALL: [ConnectionStatus; 4] = [Self::Pending, Self::Active, Self::Failed, Self::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Active => "ACTIVE",
            Self::Failed => "FAILED",
            Self::Expired => "EXPIRED",
        }
    }

    /// Parses the upper-case name used on the wire and in the database.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

/// A connection as the control API shows it (the `url` is added by the server, which
/// knows its public address).
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub connection_id: Uuid,
    pub account_id: Uuid,
    pub app: String,
    pub status: ConnectionStatus,
    pub metadata: serde_json::Value,
    pub creation_time: Timestamp,
    pub last_updated_time: Timestamp,
    /// The token of the connection's current connect session (what its `url` carries), if
    /// it was ever issued one; imported connections have none.
    pub connect_token: Option<FlowSecret>,
    /// What the app that created it attached to it.
    pub options: ConnectionOptions,
}

/// What an app may attach to a connection it creates (`POST /connections`), all optional.
/// Checking them (allowed redirect origins, sizes) is the server's job; the store keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionOptions {
    /// Where the business's browser goes when the connect flow ends.
    pub redirect_url: Option<String>,
    /// The app's own labels, filterable when listing.
    pub tags: BTreeMap<String, String>,
    /// The app's id for the business or person this connection belongs to.
    pub end_user_id: Option<String>,
    /// Allow this connection to share a WABA with another ACTIVE connection of its account.
    pub force: bool,
}

/// Which of an account's connections a listing shows; every part optional.
#[derive(Debug, Clone, Default)]
pub struct ConnectionFilter<'a> {
    pub app: Option<&'a str>,
    pub status: Option<ConnectionStatus>,
    /// Every one of these tags must be set to exactly this value.
    pub tags: &'a [(String, String)],
}

/// A connection as the gateway needs it on the hot path: its token already opened.
#[derive(Debug, Clone)]
pub struct GatewayConnection {
    pub connection_id: Uuid,
    pub app: String,
    pub status: ConnectionStatus,
    pub creation_time: Timestamp,
    /// The business phone numbers this connection may send from (`metadata.phone_numbers[].id`),
    /// so a call naming one can be routed to the connection that owns it.
    pub phone_number_ids: Vec<String>,
    pub token: Option<AccessToken>,
}

impl Connection {
    /// The WABAs the connection's token was granted (`metadata.waba_ids`).
    pub fn waba_ids(&self) -> Vec<String> {
        self.metadata
            .get("waba_ids")
            .and_then(|ids| ids.as_array())
            .map(|ids| ids.iter().filter_map(|id| id.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    pub(crate) fn phone_number_ids(&self) -> Vec<String> {
        self.metadata
            .get("phone_numbers")
            .and_then(|numbers| numbers.as_array())
            .map(|numbers| numbers.iter().filter_map(|number| number.get("id")?.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }
}
