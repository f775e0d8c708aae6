//! The errors of the Meta side's own endpoints (token endpoint, `debug_token`,
//! `subscribed_apps`), as constructors on the sandbox's one [`GraphError`], so every error
//! body and `WWW-Authenticate` header is still written in one place
//! (meta-oauth-and-webhooks.md §4.2, §4.7).

use axum::http::{Method, StatusCode};
use serde_json::json;

pub use crate::graph::error::GraphError;
use crate::pacific_time::session_expired_message;
use crate::tokens::TokenRejection;

impl GraphError {
    /// An `OAuthException` of the OAuth endpoints: HTTP 400 and a `WWW-Authenticate` header.
    fn oauth(code: u32, subcode: Option<u32>, message: impl Into<String>) -> Self {
        let mut error = Self::new(400, "OAuthException", code, message);
        error.error.error_subcode = subcode;
        error.authenticate = Some("invalid_request");
        error
    }

    fn with_authenticate(mut self, kind: &'static str) -> Self {
        self.authenticate = Some(kind);
        self
    }

    /// 100 without subcode: a required parameter of an OAuth endpoint is absent.
    pub fn oauth_missing_parameter(name: &str) -> Self {
        Self::oauth(100, None, format!("Missing {name} parameter."))
    }

    /// 100 without subcode: a parameter of an OAuth endpoint has a value Meta does not accept.
    pub fn oauth_invalid_parameter(message: impl Into<String>) -> Self {
        Self::oauth(100, None, message)
    }

    /// 101: the `client_id` names no app.
    pub fn invalid_application_id() -> Self {
        Self::oauth(101, None, "Error validating application. Invalid application ID.")
    }

    /// 1: the `client_secret` is not the app's.
    pub fn invalid_client_secret() -> Self {
        Self::oauth(1, None, "Error validating client secret.")
    }

    /// 100: a code this app never received.
    pub fn invalid_code_format() -> Self {
        Self::oauth(100, None, "Invalid verification code format.").with_authenticate("invalid_code")
    }

    /// 100/36009: the code was exchanged before.
    pub fn code_used() -> Self {
        Self::oauth(100, Some(36009), "This authorization code has been used.").with_authenticate("invalid_code")
    }

    /// 100/36007: the code outlived its TTL.
    pub fn code_expired() -> Self {
        Self::oauth(100, Some(36007), "This authorization code has expired.").with_authenticate("invalid_code")
    }

    /// 100/36008: `redirect_uri` differs from the dialog's.
    pub fn redirect_uri_mismatch() -> Self {
        Self::oauth(
            100,
            Some(36008),
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        )
        .with_authenticate("invalid_code")
    }

    /// 104: no token on a call that needs one.
    pub fn token_required() -> Self {
        Self::oauth(104, None, "An access token is required to request this resource.")
            .with_authenticate("invalid_token")
    }

    /// 190: a token the sandbox never issued.
    pub fn token_unparsable() -> Self {
        Self::oauth(190, None, "Invalid OAuth access token - Cannot parse access token")
            .with_authenticate("invalid_token")
    }

    /// 190: a valid token presented to an app it was not issued for.
    pub fn token_of_another_app() -> Self {
        Self::oauth(190, None, "Invalid OAuth access token.").with_authenticate("invalid_token")
    }

    /// 190/463: a token past its expiry, worded with Meta's Pacific-time timestamps.
    pub fn token_expired(expired_at: i64, now: i64) -> Self {
        Self::oauth(190, Some(463), session_expired_message(expired_at, now)).with_authenticate("invalid_token")
    }

    /// 100/33 for an object addressed with `method` (`get`, `post`, …): it does not exist or
    /// this token may not see it; Meta does not tell the two apart, so callers must not either.
    pub fn unsupported_request(method: &str, object_id: &str) -> Self {
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap_or(Method::GET);
        Self::unknown_object(&method, object_id)
    }

    /// 200: the token lacks a permission the call needs (whatsapp-cloud-api.md §9.3).
    pub fn permission_missing() -> Self {
        Self::new(403, "OAuthException", 200, "(#200) Permissions error")
    }

    /// WhatsApp endpoints answer token errors (190) with HTTP 401, per Meta's WhatsApp
    /// error table, which the Graph side follows; the OAuth endpoints keep generic
    /// Graph's 400 (whatsapp-cloud-api.md §9.3 records the disagreement).
    pub fn on_whatsapp_endpoint(mut self) -> Self {
        if self.error.code == 190 {
            self.status = StatusCode::UNAUTHORIZED;
        }
        self
    }

    /// 2200: a callback URL failed the verification handshake.
    pub fn callback_verification_failed(details: impl std::fmt::Display) -> Self {
        Self::oauth(2200, None, format!("(#2200) Callback verification failed with the following errors: {details}"))
    }

    /// Meta's 104/190 error for a token [`crate::tokens::TokenRegistry::authorize`] refused,
    /// as the OAuth endpoints answer it.
    pub fn from_rejection(rejection: &TokenRejection, now: i64) -> Self {
        match rejection {
            TokenRejection::Missing => Self::token_required(),
            TokenRejection::Invalid => Self::token_unparsable(),
            TokenRejection::Expired { expired_at } => Self::token_expired(*expired_at, now),
        }
    }

    /// The `error` object alone, as `debug_token` embeds it (`{code, message, subcode}`).
    pub fn as_embedded(&self) -> serde_json::Value {
        let mut error = json!({ "code": self.error.code, "message": self.error.message });
        if let Some(subcode) = self.error.error_subcode {
            error["subcode"] = subcode.into();
        }
        error
    }
}
