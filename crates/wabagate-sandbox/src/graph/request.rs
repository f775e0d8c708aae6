//! What every Graph call carries once its token is checked: method, version, path
//! segments after the version, query parameters and the caller's token.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};

use super::error::GraphError;
use crate::state::SandboxState;
use crate::tokens::TokenInfo;

/// The version unversioned calls get.
pub const LATEST_VERSION: &str = "v23.0";
/// The oldest Graph version Meta still serves (v21.0 is usable until two years after
/// v22.0's release in January 2025). Calls to an older, expired version are not refused:
/// "once a version is no longer usable, any calls made to it will be defaulted to the next
/// oldest, usable version" (https://developers.facebook.com/docs/apps/versions).
const OLDEST_LIVE_VERSION: (u32, &str) = (21, "v21.0");

/// The version that serves a call made to `segment`: itself, or the oldest live version
/// for an expired one (what graph.facebook.com reports in `facebook-api-version`).
pub fn served_version(segment: &str) -> Option<String> {
    let major = version_major(segment)?;
    Some(if major < OLDEST_LIVE_VERSION.0 { OLDEST_LIVE_VERSION.1.to_owned() } else { segment.to_owned() })
}

/// An authenticated Graph call.
#[derive(Debug)]
pub struct GraphCall {
    pub method: Method,
    /// `v23.0`; unversioned calls get [`LATEST_VERSION`].
    pub version: String,
    /// The path after the version: `[id]` or `[id, edge]`.
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub token: TokenInfo,
    /// Sandbox time when the call arrived (Unix seconds).
    pub now: i64,
}

impl GraphCall {
    /// Splits off the version, reads the query and checks the token (from
    /// `Authorization: Bearer|OAuth …` or `?access_token=`). The request is handed back
    /// untouched (body unread, extensions such as the body limit intact) for the operation
    /// to extract from.
    pub fn from_request(state: &SandboxState, request: Request) -> Result<(Self, Request), GraphError> {
        let parts = request.uri().clone();
        let headers = request.headers().clone();
        let method = request.method().clone();
        let mut segments: Vec<String> =
            parts.path().split('/').filter(|segment| !segment.is_empty()).map(str::to_owned).collect();
        let version = match segments.first().and_then(|first| served_version(first)) {
            Some(version) => {
                segments.remove(0);
                version
            }
            None => LATEST_VERSION.to_owned(),
        };
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(parts.query().unwrap_or_default().as_bytes()).into_owned().collect();
        let presented = bearer_token(&headers)
            .or_else(|| query.iter().find(|(name, _)| name == "access_token").map(|(_, value)| value.clone()));
        let now = state.clock().unix();
        let token = state
            .tokens()
            .authorize(presented.as_deref(), state.clock())
            .map_err(|rejection| GraphError::token(&rejection, now))?;
        let call = GraphCall { method, version, segments, query, headers, token, now };
        Ok((call, request))
    }

    /// The first value of a query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Fails with Meta's 200 unless the token holds one of `scopes`.
    pub fn require_any(&self, scopes: &[&str]) -> Result<(), GraphError> {
        if self.token.scopes.iter().any(|held| scopes.contains(&held.as_str())) {
            Ok(())
        } else {
            Err(GraphError::permission(scopes.first().copied().unwrap_or_default()))
        }
    }

    /// The request's media type, lower-cased, without parameters.
    pub fn content_type(&self) -> Option<String> {
        let value = self.headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
    }
}

/// `v23.0` → 23; anything not shaped `v<digits>.<digits>` is not a version.
pub fn version_major(segment: &str) -> Option<u32> {
    let (major, minor) = segment.strip_prefix('v')?.split_once('.')?;
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    if digits(major) && digits(minor) { major.parse().ok() } else { None }
}

/// The token of an `Authorization: Bearer …` (or Graph's older `OAuth …`) header.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let known = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth");
    (known && !token.trim().is_empty()).then(|| token.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_v_major_dot_minor() {
        assert_eq!(version_major("v23.0"), Some(23));
        assert_eq!(version_major("v18.0"), Some(18));
        assert_eq!(version_major("v23"), None);
        assert_eq!(version_major("1000000000001000"), None);
    }

    #[test]
    fn expired_versions_are_served_as_the_oldest_live_one() {
        assert_eq!(served_version("v15.0").as_deref(), Some("v21.0"));
        assert_eq!(served_version("v22.0").as_deref(), Some("v22.0"));
        assert_eq!(served_version("v99.0").as_deref(), Some("v99.0"));
    }

    #[test]
    fn bearer_and_oauth_schemes_carry_tokens() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "bearer EAAG123".parse().unwrap());
        assert_eq!(bearer_token(&headers).as_deref(), Some("EAAG123"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }
}
