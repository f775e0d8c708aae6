//! Which of an account's connections carries a gateway request.
//!
//! `Maton-Connection` names one explicitly. Without it, a path whose node is a phone number
//! id goes to the ACTIVE connection that owns that number; anything else goes to the
//! account's oldest ACTIVE connection, as the hosted product does.

use axum::http::HeaderValue;
use uuid::Uuid;
use wabagate_store::ConnectionStatus;

use super::cached_connection::CachedConnection;
use crate::error::ApiError;

/// The app whose connections the gateway routes over.
pub(crate) const APP: &str = "whatsapp-business";

pub(crate) fn pick<'a>(
    connections: &'a [CachedConnection],
    named: Option<&HeaderValue>,
    graph_path: &str,
) -> Result<&'a CachedConnection, ApiError> {
    let mut of_app = connections.iter().filter(|connection| connection.app == APP);
    if let Some(named) = named {
        let connection_id = named
            .to_str()
            .ok()
            .and_then(|value| Uuid::parse_str(value.trim()).ok())
            .ok_or(ApiError::InvalidConnectionId)?;
        let connection = of_app
            .find(|connection| connection.connection_id == connection_id)
            .ok_or(ApiError::ConnectionNotFound(connection_id))?;
        return match connection.status {
            ConnectionStatus::Active => Ok(connection),
            status => Err(ApiError::ConnectionNotActive { connection_id, status }),
        };
    }
    let of_app: Vec<&CachedConnection> = of_app.collect();
    let active: Vec<&CachedConnection> =
        of_app.iter().copied().filter(|connection| connection.status == ConnectionStatus::Active).collect();
    let node = graph_node(graph_path);
    let owner = node.and_then(|node| {
        active.iter().find(|connection| connection.phone_number_ids.iter().any(|id| id == node)).copied()
    });
    owner.or_else(|| active.first().copied()).ok_or_else(|| no_active_connection(&of_app))
}

/// With no ACTIVE connection, the most useful thing to say: which connection could carry the
/// request once fixed (an EXPIRED one to reconnect first, then one still PENDING, then a
/// FAILED one), or that there is none at all.
fn no_active_connection(of_app: &[&CachedConnection]) -> ApiError {
    let by_priority = [ConnectionStatus::Expired, ConnectionStatus::Pending, ConnectionStatus::Failed];
    by_priority.into_iter().find_map(|status| of_app.iter().find(|connection| connection.status == status)).map_or(
        ApiError::MissingConnection,
        |connection| ApiError::ConnectionNotActive {
            connection_id: connection.connection_id,
            status: connection.status,
        },
    )
}

/// The Graph node a path addresses: its first segment after an optional version
/// (`/v21.0/123/messages` → `123`).
fn graph_node(graph_path: &str) -> Option<&str> {
    let mut segments = graph_path.trim_start_matches('/').split('/');
    let first = segments.next()?;
    let is_version =
        first.strip_prefix('v').is_some_and(|rest| rest.split('.').all(|part| part.parse::<u16>().is_ok()));
    if is_version { segments.next() } else { Some(first) }
}

#[cfg(test)]
mod tests {
    use wabagate_store::{AccessToken, GatewayConnection, Timestamp};

    use super::*;

    fn connection(status: ConnectionStatus, created: i64, phone_numbers: &[&str]) -> CachedConnection {
        CachedConnection::new(GatewayConnection {
            connection_id: Uuid::new_v4(),
            app: APP.to_owned(),
            status,
            creation_time: Timestamp::from_unix_micros(created),
            phone_number_ids: phone_numbers.iter().map(|id| (*id).to_owned()).collect(),
            token: Some(AccessToken::new("t")),
        })
    }

    #[test]
    fn without_a_header_the_oldest_active_connection_is_used() {
        let connections = [
            connection(ConnectionStatus::Pending, 1, &[]),
            connection(ConnectionStatus::Active, 2, &[]),
            connection(ConnectionStatus::Active, 3, &[]),
        ];
        let picked = pick(&connections, None, "/v21.0/me").unwrap();
        assert_eq!(picked.connection_id, connections[1].connection_id);
    }

    #[test]
    fn a_phone_number_in_the_path_prefers_the_connection_that_owns_it() {
        let connections =
            [connection(ConnectionStatus::Active, 1, &["111"]), connection(ConnectionStatus::Active, 2, &["222"])];
        let picked = pick(&connections, None, "/v21.0/222/messages").unwrap();
        assert_eq!(picked.connection_id, connections[1].connection_id);
        let unversioned = pick(&connections, None, "/222").unwrap();
        assert_eq!(unversioned.connection_id, connections[1].connection_id);
    }

    #[test]
    fn a_named_connection_must_exist_and_be_active() {
        let connections = [connection(ConnectionStatus::Expired, 1, &[])];
        let expired = HeaderValue::from_str(&connections[0].connection_id.to_string()).unwrap();
        assert!(matches!(
            pick(&connections, Some(&expired), "/x"),
            Err(ApiError::ConnectionNotActive { status: ConnectionStatus::Expired, .. })
        ));
        let unknown = HeaderValue::from_str(&Uuid::new_v4().to_string()).unwrap();
        assert!(matches!(pick(&connections, Some(&unknown), "/x"), Err(ApiError::ConnectionNotFound(_))));
        let malformed = HeaderValue::from_static("not-a-uuid");
        assert!(matches!(pick(&connections, Some(&malformed), "/x"), Err(ApiError::InvalidConnectionId)));
    }

    #[test]
    fn no_connection_at_all_is_a_missing_connection() {
        assert!(matches!(pick(&[], None, "/x"), Err(ApiError::MissingConnection)));
    }

    #[test]
    fn without_an_active_connection_the_one_to_fix_is_named() {
        let connections = [
            connection(ConnectionStatus::Failed, 1, &[]),
            connection(ConnectionStatus::Pending, 2, &[]),
            connection(ConnectionStatus::Expired, 3, &[]),
        ];
        let named = |connections: &[CachedConnection]| match pick(connections, None, "/x") {
            Err(ApiError::ConnectionNotActive { status, .. }) => status,
            other => panic!("{other:?}"),
        };
        assert_eq!(named(&connections), ConnectionStatus::Expired);
        assert_eq!(named(&connections[..2]), ConnectionStatus::Pending);
        assert_eq!(named(&connections[..1]), ConnectionStatus::Failed);
    }
}
