//! A connection as the connection cache keeps it: the store's [`GatewayConnection`] with its
//! upstream `Authorization` value built once, when the account's connections are loaded,
//! rather than formatted and checked again on every proxied request.

use std::fmt;
use std::ops::Deref;

use axum::http::HeaderValue;
use wabagate_store::GatewayConnection;

use crate::error::ApiError;

pub(crate) struct CachedConnection {
    connection: GatewayConnection,
    /// `Bearer <token>`, marked sensitive; `None` when there is no token or it cannot be a
    /// header value.
    bearer: Option<HeaderValue>,
}

impl CachedConnection {
    pub(crate) fn new(connection: GatewayConnection) -> Self {
        let bearer = connection.token.as_ref().and_then(|token| {
            let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose())).ok()?;
            value.set_sensitive(true);
            Some(value)
        });
        Self { connection, bearer }
    }

    /// `Authorization: Bearer <token>` for the upstream, marked sensitive so no layer ever
    /// logs it.
    pub(crate) fn bearer(&self) -> Result<HeaderValue, ApiError> {
        self.bearer.clone().ok_or_else(|| {
            let connection_id = self.connection.connection_id;
            ApiError::Internal(match self.connection.token {
                None => anyhow::anyhow!("ACTIVE connection {connection_id} has no token"),
                Some(_) => anyhow::anyhow!("connection {connection_id} has an unusable token"),
            })
        })
    }
}

impl Deref for CachedConnection {
    type Target = GatewayConnection;

    fn deref(&self) -> &GatewayConnection {
        &self.connection
    }
}

/// The connection (whose token hides itself), never the bearer value.
impl fmt::Debug for CachedConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedConnection").field("connection", &self.connection).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;
    use wabagate_store::{AccessToken, ConnectionStatus, Timestamp};

    use super::*;

    fn cached(token: Option<&str>) -> CachedConnection {
        CachedConnection::new(GatewayConnection {
            connection_id: Uuid::new_v4(),
            app: "whatsapp-business".to_owned(),
            status: ConnectionStatus::Active,
            creation_time: Timestamp::from_unix_micros(0),
            phone_number_ids: Vec::new(),
            token: token.map(AccessToken::new),
        })
    }

    #[test]
    fn the_bearer_is_sensitive_and_never_in_debug_output() {
        let connection = cached(Some("EAAGsecret"));
        let bearer = connection.bearer().unwrap();
        assert_eq!(bearer, "Bearer EAAGsecret");
        assert!(bearer.is_sensitive());
        assert!(!format!("{connection:?}").contains("EAAGsecret"), "{connection:?}");
    }

    #[test]
    fn a_missing_or_unusable_token_is_an_internal_error_that_names_no_token() {
        assert!(matches!(cached(None).bearer(), Err(ApiError::Internal(_))));
        let Err(ApiError::Internal(cause)) = cached(Some("line\nbreak")).bearer() else { panic!("not refused") };
        assert!(!cause.to_string().contains("line"), "{cause}");
    }
}
