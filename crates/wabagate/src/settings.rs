//! Settings shared by `serve` and `admin`, layered flags > environment > config file >
//! defaults. clap gives flags precedence over the environment; the TOML file fills what
//! neither set, in [`FileConfig::under`], a pure function tested without touching the
//! process environment.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;
use wabagate_store::{Keyring, Migrations, Store};

use crate::logging::{AccessLogLevel, LogFormat};

/// Where the store lives; shared by every command that opens it.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct StoreArgs {
    /// Directory for wabagate's data: the SQLite database, the generated master key, demo.json.
    /// [default: ./wabagate-data]
    #[arg(long, env = "WABAGATE_DATA_DIR", global = true)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Database URL: `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB` (several
    /// instances share one PostgreSQL). [default: an SQLite file in the data dir]
    // Not the generic DATABASE_URL: another program's URL in the same environment must not
    // point wabagate elsewhere.
    #[arg(long, env = "WABAGATE_DATABASE_URL", hide_env_values = true, global = true)]
    pub(crate) database_url: Option<String>,
    /// A TOML config file; flags and environment variables override what it sets.
    #[arg(long, env = "WABAGATE_CONFIG", global = true)]
    pub(crate) config: Option<PathBuf>,
}

/// The TOML config file: every key optional, names as the long flags with `_`.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    pub(crate) listen: Option<String>,
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) database_url: Option<String>,
    pub(crate) upstream: Option<String>,
    pub(crate) public_url: Option<String>,
    pub(crate) rate_limit: Option<u32>,
    pub(crate) redis_url: Option<String>,
    pub(crate) redis_ca_file: Option<PathBuf>,
    pub(crate) rate_limit_fail_closed: Option<bool>,
    pub(crate) redis_timeout_ms: Option<u64>,
    pub(crate) upstream_timeout_secs: Option<u64>,
    pub(crate) header_read_timeout_secs: Option<u64>,
    pub(crate) keep_alive_timeout_secs: Option<u64>,
    pub(crate) body_progress_timeout_secs: Option<u64>,
    pub(crate) max_connections: Option<usize>,
    pub(crate) media_hosts: Option<Vec<String>>,
    pub(crate) demo_file: Option<PathBuf>,
    pub(crate) meta_app_id: Option<String>,
    pub(crate) meta_app_secret: Option<String>,
    pub(crate) meta_config_id: Option<String>,
    pub(crate) oauth_base: Option<String>,
    pub(crate) connect_link_minutes: Option<u64>,
    pub(crate) connect_redirect_origins: Option<Vec<String>>,
    pub(crate) log_format: Option<LogFormat>,
    pub(crate) access_log_level: Option<AccessLogLevel>,
    pub(crate) webhook_allow_http: Option<bool>,
    pub(crate) webhook_allow_private: Option<bool>,
}

impl FileConfig {
    pub(crate) fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else { return Ok(Self::default()) };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))
    }

    /// A value set by flag or environment wins; else the file's; else the default.
    pub(crate) fn under<T>(flag_or_env: Option<T>, from_file: Option<T>, default: impl FnOnce() -> T) -> T {
        flag_or_env.or(from_file).unwrap_or_else(default)
    }
}

/// The resolved store location.
#[derive(Debug, Clone)]
pub(crate) struct StoreSettings {
    pub(crate) data_dir: PathBuf,
    pub(crate) database_url: String,
}

impl StoreSettings {
    pub(crate) fn resolve(args: &StoreArgs, file: &FileConfig) -> Self {
        let data_dir =
            FileConfig::under(args.data_dir.clone(), file.data_dir.clone(), || PathBuf::from("wabagate-data"));
        let database_url = FileConfig::under(args.database_url.clone(), file.database_url.clone(), || {
            format!("sqlite://{}", data_dir.join("wabagate.db").display())
        });
        Self { data_dir, database_url }
    }

    /// Creates the data dir if needed, loads the master key and opens the store, running its
    /// migrations or only checking them (`serve --no-migrate`).
    ///
    /// The master key is `WABAGATE_SECRET_KEY` (64 hex characters) when set, else the file
    /// `secret.key` in the data dir, generated on first use with mode 0600. Keys listed in
    /// `WABAGATE_OLD_SECRET_KEYS` (comma-separated) still open tokens sealed before a rotation.
    pub(crate) async fn open_store(&self, migrations: Migrations) -> anyhow::Result<Store> {
        crate::data_dir::create(&self.data_dir)?;
        let old_keys = std::env::var("WABAGATE_OLD_SECRET_KEYS").unwrap_or_default();
        let old_keys: Vec<&str> = old_keys.split(',').map(str::trim).filter(|key| !key.is_empty()).collect();
        let keyring = match std::env::var("WABAGATE_SECRET_KEY") {
            Ok(key) if !key.trim().is_empty() => {
                Keyring::from_hex(&key, &old_keys).context("WABAGATE_SECRET_KEY is not usable")?
            }
            _ => Keyring::load_or_create_file(&self.data_dir.join("secret.key"), &old_keys)
                .context("loading the master key from the data dir")?,
        };
        Store::open_with(&self.database_url, keyring, migrations)
            .await
            .with_context(|| format!("opening the store at {}", wabagate_store::redacted(&self.database_url)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_env_win_over_the_file_which_wins_over_defaults() {
        assert_eq!(FileConfig::under(Some(1), Some(2), || 3), 1);
        assert_eq!(FileConfig::under(None, Some(2), || 3), 2);
        assert_eq!(FileConfig::under(None, None, || 3), 3);
    }

    #[test]
    fn the_database_defaults_to_a_file_in_the_data_dir() {
        let args = StoreArgs { data_dir: None, database_url: None, config: None };
        let file = FileConfig { data_dir: Some("/srv/wg".into()), ..FileConfig::default() };
        let settings = StoreSettings::resolve(&args, &file);
        assert_eq!(settings.database_url, "sqlite:///srv/wg/wabagate.db");
    }

    /// docs/wabagate.example.toml parses, and sets every key: the destructuring below
    /// names every field, so a new key does not compile until it is added here and there.
    #[test]
    fn the_sample_config_file_parses_and_sets_every_key() {
        let sample: FileConfig = toml::from_str(include_str!("../../../docs/wabagate.example.toml")).unwrap();
        let FileConfig {
            listen,
            data_dir,
            database_url,
            upstream,
            public_url,
            rate_limit,
            redis_url,
            redis_ca_file,
            rate_limit_fail_closed,
            redis_timeout_ms,
            upstream_timeout_secs,
            header_read_timeout_secs,
            keep_alive_timeout_secs,
            body_progress_timeout_secs,
            max_connections,
            media_hosts,
            demo_file,
            meta_app_id,
            meta_app_secret,
            meta_config_id,
            oauth_base,
            connect_link_minutes,
            connect_redirect_origins,
            log_format,
            access_log_level,
            webhook_allow_http,
            webhook_allow_private,
        } = sample;
        let set = [
            listen.is_some(),
            data_dir.is_some(),
            database_url.is_some(),
            upstream.is_some(),
            public_url.is_some(),
            rate_limit.is_some(),
            redis_url.is_some(),
            redis_ca_file.is_some(),
            rate_limit_fail_closed.is_some(),
            redis_timeout_ms.is_some(),
            upstream_timeout_secs.is_some(),
            header_read_timeout_secs.is_some(),
            keep_alive_timeout_secs.is_some(),
            body_progress_timeout_secs.is_some(),
            max_connections.is_some(),
            media_hosts.is_some(),
            demo_file.is_some(),
            meta_app_id.is_some(),
            meta_app_secret.is_some(),
            meta_config_id.is_some(),
            oauth_base.is_some(),
            connect_link_minutes.is_some(),
            connect_redirect_origins.is_some(),
            log_format.is_some(),
            access_log_level.is_some(),
            webhook_allow_http.is_some(),
            webhook_allow_private.is_some(),
        ];
        assert!(set.iter().all(|set| *set), "every key is set in the sample: {set:?}");
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        assert!(toml::from_str::<FileConfig>("listne = \"x\"").is_err());
        let file: FileConfig = toml::from_str("listen = \"0.0.0.0:9000\"\nrate_limit = 5").unwrap();
        assert_eq!(file.rate_limit, Some(5));
    }
}
