//! The control API: an account's connections (`/connections`), the hosted product's paths
//! and shapes, plus waiting for a new connection to become ACTIVE and reading the phone
//! number and WABA a connection carries.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::Error;
use crate::response::ApiResponse;
use crate::send::require_id;
use crate::transport::Retry;

/// The app wabagate connects.
pub const WHATSAPP_BUSINESS_APP: &str = "whatsapp-business";

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionStatus {
    /// Created; the connect flow in the browser is not finished.
    Pending,
    Active,
    Failed,
    /// Meta no longer accepts its token.
    Expired,
    /// A status this SDK does not know yet.
    #[serde(other)]
    Unknown,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Active => "ACTIVE",
            Self::Failed => "FAILED",
            Self::Expired => "EXPIRED",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// Case-insensitive; `None` for anything but the four known statuses.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Active, Self::Failed, Self::Expired]
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A connection as the control API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub connection_id: String,
    pub status: ConnectionStatus,
    #[serde(default)]
    pub creation_time: String,
    #[serde(default)]
    pub last_updated_time: String,
    /// Open in a browser to finish the connect flow; `None` once there is nothing to finish.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub app: String,
    #[serde(default)]
    pub metadata: serde_json::Value,
    /// Where the business's browser goes when the connect flow ends.
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The app's own id for the business this connection is for.
    #[serde(default)]
    pub end_user_id: Option<String>,
}

/// `{"connection": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneConnection {
    pub connection: Connection,
}

/// `{"connections": […]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionList {
    pub connections: Vec<Connection>,
}

/// Which connections to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionFilter {
    pub app: Option<String>,
    pub status: Option<ConnectionStatus>,
    /// Only connections carrying every one of these tags (name, value).
    pub tags: Vec<(String, String)>,
}

/// What an app attaches to a connection it starts; every part optional. The gateway checks
/// each one (sizes, the redirect origins its operator allows) and answers a 400 otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewConnection {
    /// Where the business's browser goes after the connect flow, with the connection id and
    /// status in the query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Labels to find the connection by (`ConnectionFilter::tags`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The app's own id for the business.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_user_id: Option<String>,
    /// Connect even a WhatsApp Business Account that another ACTIVE connection of the
    /// account already has (refused otherwise, naming that connection).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub force: bool,
}

impl Connection {
    /// The phone number id, when the connection carries exactly one.
    pub fn single_phone_number_id(&self) -> Option<&str> {
        match self.metadata.get("phone_numbers")?.as_array()?.as_slice() {
            [only] => only.get("id")?.as_str(),
            _ => None,
        }
    }

    /// The WhatsApp Business Account id, when the connection carries exactly one.
    pub fn single_waba_id(&self) -> Option<&str> {
        match self.metadata.get("waba_ids")?.as_array()?.as_slice() {
            [only] => only.as_str(),
            _ => None,
        }
    }
}

/// How [`Client::wait_until_active`] polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    pub timeout: Duration,
    pub poll_interval: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(300), poll_interval: Duration::from_secs(2) }
    }
}

impl Client {
    /// The account's connections, optionally filtered by app and status.
    pub async fn list_connections(&self, filter: &ConnectionFilter) -> Result<ApiResponse<ConnectionList>, Error> {
        let mut url = self.control_url(&["connections"]);
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(app) = &filter.app {
                pairs.append_pair("app", app);
            }
            if let Some(status) = filter.status {
                pairs.append_pair("status", status.as_str());
            }
            for (name, value) in &filter.tags {
                pairs.append_pair(&format!("tag.{name}"), value);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        self.execute_json(Retry::Idempotent, || self.request(Method::GET, url.clone())).await
    }

    /// Starts a new `whatsapp-business` connection; open its `url` to finish it.
    pub async fn create_connection(&self) -> Result<ApiResponse<OneConnection>, Error> {
        self.create_connection_with(&NewConnection::default()).await
    }

    /// Starts a new `whatsapp-business` connection carrying `options`; open its `url` to
    /// finish it.
    pub async fn create_connection_with(&self, options: &NewConnection) -> Result<ApiResponse<OneConnection>, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            app: &'static str,
            #[serde(flatten)]
            options: &'a NewConnection,
        }
        let url = self.control_url(&["connections"]);
        let body = serde_json::to_vec(&Body { app: WHATSAPP_BUSINESS_APP, options }).expect("JSON");
        self.execute_json(Retry::Never, || {
            self.request(Method::POST, url.clone()).header("Content-Type", "application/json").body(body.clone())
        })
        .await
    }

    pub async fn connection(&self, connection_id: &str) -> Result<ApiResponse<OneConnection>, Error> {
        require_id("connection_id", connection_id)?;
        let url = self.control_url(&["connections", connection_id]);
        self.execute_json(Retry::Idempotent, || self.request(Method::GET, url.clone())).await
    }

    pub async fn delete_connection(&self, connection_id: &str) -> Result<ApiResponse<OneConnection>, Error> {
        require_id("connection_id", connection_id)?;
        let url = self.control_url(&["connections", connection_id]);
        self.execute_json(Retry::Idempotent, || self.request(Method::DELETE, url.clone())).await
    }

    /// Starts the connect flow again for a FAILED or EXPIRED connection; open the new `url`.
    pub async fn reconnect_connection(&self, connection_id: &str) -> Result<ApiResponse<OneConnection>, Error> {
        require_id("connection_id", connection_id)?;
        let url = self.control_url(&["connections", connection_id, "reconnect"]);
        self.execute_json(Retry::Never, || self.request(Method::POST, url.clone())).await
    }

    /// Polls the connection until it is ACTIVE. Fails with [`Error::NotActive`] when it
    /// turns FAILED or the timeout passes.
    pub async fn wait_until_active(&self, connection_id: &str, options: WaitOptions) -> Result<Connection, Error> {
        let started = Instant::now();
        loop {
            let connection = self.connection(connection_id).await?.into_inner().connection;
            let waited = started.elapsed();
            match connection.status {
                ConnectionStatus::Active => return Ok(connection),
                ConnectionStatus::Failed => {
                    return Err(Error::NotActive {
                        connection_id: connection.connection_id,
                        status: connection.status,
                        waited,
                    });
                }
                status if waited + options.poll_interval > options.timeout => {
                    return Err(Error::NotActive { connection_id: connection.connection_id, status, waited });
                }
                _ => tokio::time::sleep(options.poll_interval).await,
            }
        }
    }

    /// The connection requests go over: the one named with
    /// [`crate::ClientBuilder::connection_id`], else the oldest ACTIVE `whatsapp-business`
    /// connection (the gateway's default). `None` when the account has no ACTIVE one.
    pub async fn current_connection(&self) -> Result<Option<Connection>, Error> {
        if let Some(connection_id) = self.connection_id() {
            return Ok(Some(self.connection(connection_id).await?.into_inner().connection));
        }
        let filter = ConnectionFilter {
            app: Some(WHATSAPP_BUSINESS_APP.to_owned()),
            status: Some(ConnectionStatus::Active),
            ..ConnectionFilter::default()
        };
        let mut connections = self.list_connections(&filter).await?.into_inner().connections;
        // RFC 3339 timestamps in UTC sort as text.
        connections.sort_by(|a, b| a.creation_time.cmp(&b.creation_time));
        Ok(connections.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn connection(metadata: serde_json::Value) -> Connection {
        serde_json::from_value(json!({
            "connection_id": "21fd90f9-5935-43cd-b6c8-bde9d915ca80", "status": "ACTIVE",
            "creation_time": "2025-12-08T07:20:53.488460Z", "last_updated_time": "2026-01-31T20:03:32.593153Z",
            "url": null, "app": "whatsapp-business", "metadata": metadata
        }))
        .unwrap()
    }

    #[test]
    fn a_single_phone_number_and_waba_are_defaults() {
        let demo = connection(json!({"demo": true, "waba_ids": ["102290129340398"],
            "phone_numbers": [{"id": "106540352242922", "display_phone_number": "+1 555-0100", "verified_name": "Demo"}]}));
        assert_eq!(demo.single_phone_number_id(), Some("106540352242922"));
        assert_eq!(demo.single_waba_id(), Some("102290129340398"));
    }

    #[test]
    fn several_or_no_numbers_give_no_default() {
        let two = connection(json!({"waba_ids": ["1", "2"], "phone_numbers": [{"id": "a"}, {"id": "b"}]}));
        assert_eq!((two.single_phone_number_id(), two.single_waba_id()), (None, None));
        let empty = connection(json!({}));
        assert_eq!((empty.single_phone_number_id(), empty.single_waba_id()), (None, None));
    }

    #[test]
    fn unknown_statuses_still_parse() {
        let status: ConnectionStatus = serde_json::from_value(json!("SUSPENDED")).unwrap();
        assert_eq!(status, ConnectionStatus::Unknown);
        assert_eq!(ConnectionStatus::parse("active"), Some(ConnectionStatus::Active));
        assert_eq!(ConnectionStatus::parse("unknown"), None);
    }
}
