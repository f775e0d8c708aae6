//! What an app may attach to a connection it creates (`redirect_url`, `tags`,
//! `end_user_id`, `force`) and the `tag.NAME=VALUE` filters of a listing, checked here
//! before anything reaches the store: every value is bounded, and a `redirect_url` must
//! point at an origin the operator allowed, so a connect link cannot send a business's
//! browser anywhere an attacker likes.

use std::collections::BTreeMap;

use serde::Deserialize;
use url::Url;
use wabagate_store::ConnectionOptions;

use crate::config::ServerConfig;
use crate::error::ApiError;

/// At most this many tags on a connection, and tag filters in one listing.
pub(crate) const MAX_TAGS: usize = 32;
/// Longest tag name, in bytes.
pub(crate) const MAX_TAG_NAME: usize = 64;
/// Longest tag value and `end_user_id`, in bytes.
pub(crate) const MAX_VALUE: usize = 256;
/// Longest `redirect_url`, in bytes.
pub(crate) const MAX_REDIRECT_URL: usize = 2048;

/// The optional part of `POST /connections`, as sent.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RequestedOptions {
    redirect_url: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    end_user_id: Option<String>,
    #[serde(default)]
    force: bool,
}

impl RequestedOptions {
    /// The options, once each one is checked.
    pub(super) fn check(self, config: &ServerConfig) -> Result<ConnectionOptions, ApiError> {
        let redirect_url = self.redirect_url.map(|url| check_redirect_url(&url, config)).transpose()?;
        if self.tags.len() > MAX_TAGS {
            return Err(invalid("invalid_tags", format!("At most {MAX_TAGS} tags per connection.")));
        }
        for (name, value) in &self.tags {
            check_tag(name, value)?;
        }
        if let Some(end_user_id) = &self.end_user_id {
            if end_user_id.is_empty() || end_user_id.len() > MAX_VALUE || end_user_id.chars().any(char::is_control) {
                return Err(invalid(
                    "invalid_end_user_id",
                    format!("end_user_id must be 1 to {MAX_VALUE} bytes of text without control characters."),
                ));
            }
        }
        Ok(ConnectionOptions { redirect_url, tags: self.tags, end_user_id: self.end_user_id, force: self.force })
    }
}

fn check_redirect_url(text: &str, config: &ServerConfig) -> Result<String, ApiError> {
    if text.len() > MAX_REDIRECT_URL {
        return Err(invalid("invalid_redirect_url", format!("redirect_url is longer than {MAX_REDIRECT_URL} bytes.")));
    }
    let url = Url::parse(text).map_err(|error| {
        invalid("invalid_redirect_url", format!("redirect_url must be an absolute http(s) URL: {error}."))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid("invalid_redirect_url", "redirect_url must be an absolute http(s) URL."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("invalid_redirect_url", "redirect_url must not carry a user name or password."));
    }
    let origin = url.origin().ascii_serialization();
    if !config.connect_redirect_origins.contains(&origin) {
        let allowed = if config.connect_redirect_origins.is_empty() {
            "none is allowed yet".to_owned()
        } else {
            format!("allowed: {}", config.connect_redirect_origins.join(", "))
        };
        return Err(invalid(
            "invalid_redirect_url",
            format!(
                "redirect_url's origin {origin} is not allowed ({allowed}); the gateway's operator allows origins with --connect-redirect-origin."
            ),
        ));
    }
    Ok(url.into())
}

fn check_tag(name: &str, value: &str) -> Result<(), ApiError> {
    if name.is_empty() || name.len() > MAX_TAG_NAME || name.chars().any(char::is_control) {
        return Err(invalid(
            "invalid_tags",
            format!("Tag names must be 1 to {MAX_TAG_NAME} bytes of text without control characters."),
        ));
    }
    if value.len() > MAX_VALUE || value.chars().any(char::is_control) {
        return Err(invalid(
            "invalid_tags",
            format!("Tag {name:?}: values are at most {MAX_VALUE} bytes of text without control characters."),
        ));
    }
    Ok(())
}

/// The `tag.NAME=VALUE` pairs of a listing's query, bounded like the tags themselves.
pub(super) fn tag_filters(query: &[(String, String)]) -> Result<Vec<(String, String)>, ApiError> {
    let filters: Vec<(String, String)> =
        query.iter().filter_map(|(key, value)| Some((key.strip_prefix("tag.")?.to_owned(), value.clone()))).collect();
    if filters.len() > MAX_TAGS {
        return Err(invalid("invalid_tags", format!("At most {MAX_TAGS} tag filters.")));
    }
    for (name, value) in &filters {
        check_tag(name, value)?;
    }
    Ok(filters)
}

fn invalid(gateway_code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::bad_request(gateway_code, message)
}
