//! Meta's synchronous error envelope (`{"error": {message, type, code, error_subcode,
//! fbtrace_id}}`) for the endpoints the Meta side serves, and the one place that turns a
//! refused token into Meta's 104/190 errors (meta-oauth-and-webhooks.md §4.2, §4.7).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::json;
use time::{Month, OffsetDateTime, UtcOffset, Weekday, macros::format_description};

use crate::tokens::TokenRejection;

/// One Graph error as Meta returns it. Built by the constructors below so that every
/// message, code and subcode is spelled in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: StatusCode,
    pub message: String,
    /// `OAuthException` or `GraphMethodException`.
    pub error_type: &'static str,
    pub code: u32,
    pub subcode: Option<u32>,
    /// The `<kind>` of `WWW-Authenticate: OAuth "Facebook Platform" "<kind>" "<message>"`,
    /// which Graph sets on OAuth failures.
    pub www_authenticate: Option<&'static str>,
}

impl GraphError {
    fn oauth(code: u32, subcode: Option<u32>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            error_type: "OAuthException",
            code,
            subcode,
            www_authenticate: Some("invalid_request"),
        }
    }

    fn with_authenticate(mut self, kind: &'static str) -> Self {
        self.www_authenticate = Some(kind);
        self
    }

    /// 100 without subcode: a required parameter is absent.
    pub fn missing_parameter(name: &str) -> Self {
        Self::oauth(100, None, format!("Missing {name} parameter."))
    }

    /// 100 without subcode: a parameter has a value Meta does not accept.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
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

    /// 100/33: the object does not exist or this token may not see it; Meta does not
    /// tell the two apart, so callers must not either.
    pub fn unsupported_request(method: &str, object_id: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: format!(
                "Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
            ),
            error_type: "GraphMethodException",
            code: 100,
            subcode: Some(33),
            www_authenticate: None,
        }
    }

    /// 200: the token lacks a permission the call needs (whatsapp-cloud-api.md §9.3).
    pub fn permission_missing() -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            message: "(#200) Permissions error".into(),
            error_type: "OAuthException",
            code: 200,
            subcode: None,
            www_authenticate: None,
        }
    }

    /// WhatsApp endpoints answer token errors (190) with HTTP 401, per Meta's WhatsApp
    /// error table, which the Graph side follows; the OAuth endpoints keep generic
    /// Graph's 400 (whatsapp-cloud-api.md §9.3 records the disagreement).
    pub fn on_whatsapp_endpoint(mut self) -> Self {
        if self.code == 190 {
            self.status = StatusCode::UNAUTHORIZED;
        }
        self
    }

    /// 2200: a callback URL failed the verification handshake.
    pub fn callback_verification_failed(details: impl std::fmt::Display) -> Self {
        Self::oauth(2200, None, format!("(#2200) Callback verification failed with the following errors: {details}"))
    }

    /// Meta's 104/190 error for a token [`crate::tokens::TokenRegistry::authorize`] refused.
    pub fn from_rejection(rejection: &TokenRejection, now: i64) -> Self {
        match rejection {
            TokenRejection::Missing => Self::token_required(),
            TokenRejection::Invalid => Self::token_unparsable(),
            TokenRejection::Expired { expired_at } => Self::token_expired(*expired_at, now),
        }
    }

    /// The `error` object alone, as `debug_token` embeds it (`{code, message, subcode}`).
    pub fn as_embedded(&self) -> serde_json::Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(subcode) = self.subcode {
            error["subcode"] = subcode.into();
        }
        error
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let mut error = json!({
            "message": self.message,
            "type": self.error_type,
            "code": self.code,
            "fbtrace_id": new_fbtrace_id(),
        });
        if let Some(subcode) = self.subcode {
            error["error_subcode"] = subcode.into();
        }
        let mut response = (self.status, Json(json!({ "error": error }))).into_response();
        if let Some(kind) = self.www_authenticate {
            let quoted_message = self.message.replace('"', "'");
            let value = format!("OAuth \"Facebook Platform\" \"{kind}\" \"{quoted_message}\"");
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

/// Meta's `fbtrace_id`: a short random base64url-looking string, new for every error.
fn new_fbtrace_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut rng = rand::thread_rng();
    (0..22).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// `Error validating access token: Session has expired on Friday, 13-Jun-25 10:00:00 PDT.
/// The current time is Monday, 16-Jun-25 09:00:00 PDT.` Meta words both times in
/// California time whatever the caller's zone.
fn session_expired_message(expired_at: i64, now: i64) -> String {
    format!(
        "Error validating access token: Session has expired on {}. The current time is {}.",
        pacific_time(expired_at),
        pacific_time(now)
    )
}

fn pacific_time(unix: i64) -> String {
    let utc = OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let (offset_hours, zone) = if is_us_daylight_time(utc) { (-7, "PDT") } else { (-8, "PST") };
    let offset = UtcOffset::from_hms(offset_hours, 0, 0).unwrap_or(UtcOffset::UTC);
    let local = utc.to_offset(offset);
    let stamp = local
        .format(format_description!("[day]-[month repr:short]-[year repr:last_two] [hour]:[minute]:[second]"))
        .unwrap_or_default();
    format!("{}, {stamp} {zone}", local.weekday())
}

/// US daylight time: from 02:00 PST on the second Sunday of March to 02:00 PDT on the
/// first Sunday of November (10:00 and 09:00 UTC respectively).
fn is_us_daylight_time(utc: OffsetDateTime) -> bool {
    let year = utc.year();
    let start = nth_sunday(year, Month::March, 2).replace_hour(10);
    let end = nth_sunday(year, Month::November, 1).replace_hour(9);
    match (start, end) {
        (Ok(start), Ok(end)) => utc >= start && utc < end,
        _ => false,
    }
}

fn nth_sunday(year: i32, month: Month, nth: u8) -> OffsetDateTime {
    let first = time::Date::from_calendar_date(year, month, 1).unwrap_or(time::Date::MIN);
    let days_to_sunday = first.weekday().number_days_from_sunday();
    let first_sunday = first + time::Duration::days(i64::from((7 - days_to_sunday) % 7));
    let sunday = first_sunday + time::Duration::weeks(i64::from(nth - 1));
    debug_assert_eq!(sunday.weekday(), Weekday::Sunday);
    sunday.midnight().assume_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_message_uses_pacific_daylight_time_in_summer() {
        // 2025-06-13 17:00:00 UTC is 10:00 PDT, 2025-06-16 16:00:00 UTC is 09:00 PDT.
        let message = session_expired_message(1_749_834_000, 1_750_089_600);
        assert_eq!(
            message,
            "Error validating access token: Session has expired on Friday, 13-Jun-25 10:00:00 PDT. The current time is Monday, 16-Jun-25 09:00:00 PDT."
        );
    }

    #[test]
    fn expiry_message_uses_pacific_standard_time_in_winter() {
        // 2025-01-15 20:00:00 UTC is 12:00 PST.
        assert_eq!(pacific_time(1_736_971_200), "Wednesday, 15-Jan-25 12:00:00 PST");
    }
}
