//! Where a client's settings come from when the caller does not give them: the
//! environment (`WABAGATE_URL`, `WABAGATE_API_KEY` falling back to `MATON_API_KEY`,
//! `WABAGATE_CONNECTION`). Reading is a pure function over a lookup so tests never touch
//! the process environment.

use crate::api_key::ApiKey;

/// The gateway a client talks to when nothing else is said.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";
/// The Graph API version gateway paths carry when nothing else is said.
pub const DEFAULT_GRAPH_VERSION: &str = "v21.0";

/// A client's settings before the client is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    pub base_url: String,
    pub api_key: Option<ApiKey>,
    /// Sent as `Maton-Connection` when set.
    pub connection_id: Option<String>,
    pub graph_version: String,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: None,
            connection_id: None,
            graph_version: DEFAULT_GRAPH_VERSION.to_owned(),
        }
    }
}

impl ClientSettings {
    /// Settings from the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Settings from any variable lookup. Empty values count as unset, so
    /// `WABAGATE_API_KEY=` does not hide a `MATON_API_KEY`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let read = |name: &str| lookup(name).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
        Self {
            base_url: read("WABAGATE_URL").unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
            // MATON_API_KEY keeps setups written for the hosted product working.
            api_key: read("WABAGATE_API_KEY").or_else(|| read("MATON_API_KEY")).map(ApiKey::new),
            connection_id: read("WABAGATE_CONNECTION"),
            graph_version: read("WABAGATE_GRAPH_VERSION").unwrap_or_else(|| DEFAULT_GRAPH_VERSION.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> ClientSettings {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        ClientSettings::from_lookup(|name| env.get(name).cloned())
    }

    #[test]
    fn nothing_set_gives_the_local_gateway_and_no_key() {
        assert_eq!(settings(&[]), ClientSettings::default());
    }

    #[test]
    fn wabagate_api_key_wins_over_maton_api_key() {
        let both = settings(&[("WABAGATE_API_KEY", "wg_a"), ("MATON_API_KEY", "maton_b")]);
        assert_eq!(both.api_key, Some(ApiKey::new("wg_a")));
    }

    #[test]
    fn maton_api_key_is_the_fallback_even_when_wabagate_api_key_is_empty() {
        let fallback = settings(&[("WABAGATE_API_KEY", " "), ("MATON_API_KEY", "maton_b")]);
        assert_eq!(fallback.api_key, Some(ApiKey::new("maton_b")));
    }

    #[test]
    fn url_connection_and_version_are_read() {
        let read = settings(&[
            ("WABAGATE_URL", "http://127.0.0.1:9999"),
            ("WABAGATE_CONNECTION", "21fd90f9-5935-43cd-b6c8-bde9d915ca80"),
            ("WABAGATE_GRAPH_VERSION", "v22.0"),
        ]);
        assert_eq!(read.base_url, "http://127.0.0.1:9999");
        assert_eq!(read.connection_id.as_deref(), Some("21fd90f9-5935-43cd-b6c8-bde9d915ca80"));
        assert_eq!(read.graph_version, "v22.0");
    }
}
