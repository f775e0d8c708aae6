//! `wabagate serve`: resolve the settings, open the store, start the sandbox when it is the
//! upstream, prepare the demo if asked, then serve until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use url::Url;
use wabagate_sandbox::{SandboxConfig, SandboxHandle};
use wabagate_server::config::{ConnectionLimits, GlobalRateLimit, MetaApp};
use wabagate_server::{App, AppState, ServerConfig};
use wabagate_store::Migrations;

use crate::data_dir::DataDirLock;
use crate::logging::{self, LogArgs, LogFormat};
use crate::settings::{FileConfig, StoreArgs, StoreSettings};
use crate::{demo, inbound_setup};

/// The in-process sandbox's state file, in the data dir.
const SANDBOX_STATE_FILE: &str = "sandbox-state.json";

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on. [default: 127.0.0.1:8080]
    #[arg(long, env = "WABAGATE_LISTEN")]
    listen: Option<SocketAddr>,
    /// Graph API upstream: `sandbox` (the built-in emulator, started in-process on a loopback
    /// port) or an origin such as https://graph.facebook.com. [default: sandbox]
    #[arg(long, env = "WABAGATE_UPSTREAM")]
    upstream: Option<String>,
    /// The base URL the gateway's own links use (connection urls). [default: http://LISTEN]
    #[arg(long, env = "WABAGATE_PUBLIC_URL")]
    public_url: Option<Url>,
    /// Gateway requests per second per account; 0 turns the limit off. [default: 10]
    #[arg(long, env = "WABAGATE_RATE_LIMIT")]
    rate_limit: Option<u32>,
    /// Seconds to wait for the upstream's response headers. [default: 30]
    #[arg(long, env = "WABAGATE_UPSTREAM_TIMEOUT")]
    upstream_timeout: Option<u64>,
    #[command(flatten)]
    connections: ConnectionArgs,
    /// Extra hosts (host or host:port) media may be downloaded from, besides the upstream's own.
    #[arg(long = "media-host", env = "WABAGATE_MEDIA_HOSTS", value_delimiter = ',')]
    media_hosts: Vec<String>,
    /// Do not migrate the database; refuse to start if its schema is behind (run
    /// `wabagate admin migrate` once, then start every instance with this).
    #[arg(long, env = "WABAGATE_NO_MIGRATE")]
    no_migrate: bool,
    /// Make sure a demo account, API key and ACTIVE connection exist, and print how to use them.
    #[arg(long)]
    demo: bool,
    /// Where --demo writes its JSON (base_url, api_key, connection_id, phone_number_id, waba_id).
    /// [default: DATA_DIR/demo.json]
    #[arg(long, env = "WABAGATE_DEMO_FILE")]
    demo_file: Option<PathBuf>,
    #[command(flatten)]
    meta: MetaAppArgs,
    #[command(flatten)]
    logging: LogArgs,
    #[command(flatten)]
    inbound: inbound_setup::InboundArgs,
    #[command(flatten)]
    outbound: OutboundArgs,
    #[command(flatten)]
    shared_limit: SharedLimitArgs,
}

/// The rate limit shared by several instances of one gateway, through Redis.
#[derive(Debug, clap::Args)]
struct SharedLimitArgs {
    /// Redis URL (redis://[:PASSWORD@]HOST[:PORT][/DB], or rediss://… over TLS) that makes
    /// --rate-limit hold for all instances together rather than for each. Prefer the
    /// environment variable: flags show in process lists. [default: none, each instance limits
    /// on its own]
    #[arg(long, env = "WABAGATE_REDIS_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// PEM file of the CA that signed a rediss:// Redis's certificate, trusted instead of the
    /// system's roots (for a private CA).
    #[arg(long, env = "WABAGATE_REDIS_CA_FILE", value_name = "PATH")]
    redis_ca_file: Option<PathBuf>,
    /// While that Redis does not answer, refuse gateway requests (503 rate_limit_unavailable)
    /// instead of letting each instance limit on its own.
    #[arg(long, env = "WABAGATE_RATE_LIMIT_FAIL_CLOSED")]
    rate_limit_fail_closed: bool,
    /// Milliseconds a request waits for Redis's verdict; past it, the instance stops asking
    /// Redis until it answers again (and limits on its own, or refuses). [default: 100]
    #[arg(long, env = "WABAGATE_REDIS_TIMEOUT_MS", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    redis_timeout_ms: Option<u64>,
}

impl SharedLimitArgs {
    fn resolve(&self, file: &FileConfig) -> anyhow::Result<Option<GlobalRateLimit>> {
        let Some(url) = self.redis_url.clone().or_else(|| file.redis_url.clone()) else { return Ok(None) };
        let mut global = GlobalRateLimit::new(&url).context("--redis-url")?;
        if let Some(path) = self.redis_ca_file.as_ref().or(file.redis_ca_file.as_ref()) {
            let pem = std::fs::read(path).with_context(|| format!("--redis-ca-file: reading {}", path.display()))?;
            global = global.trusting_only(pem).context("--redis-ca-file")?;
        }
        global.fail_closed =
            FileConfig::under(self.rate_limit_fail_closed.then_some(true), file.rate_limit_fail_closed, || false);
        if let Some(millis) = self.redis_timeout_ms.or(file.redis_timeout_ms) {
            anyhow::ensure!((1..=10_000).contains(&millis), "`redis_timeout_ms = {millis}` must be 1 to 10000");
            global.call_timeout = Duration::from_millis(millis);
        }
        Ok(Some(global))
    }
}

/// Which endpoints outbound webhooks may reach (the SSRF guard).
#[derive(Debug, clap::Args)]
struct OutboundArgs {
    /// Let webhook subscriptions use http:// URLs (by default only https://).
    #[arg(long, env = "WABAGATE_WEBHOOK_ALLOW_HTTP")]
    webhook_allow_http: bool,
    /// Let webhook deliveries reach loopback, private, link-local, CGNAT, unique-local and
    /// cloud-metadata addresses (by default refused), e.g. a receiver on this machine.
    #[arg(long, env = "WABAGATE_WEBHOOK_ALLOW_PRIVATE")]
    webhook_allow_private: bool,
}

impl OutboundArgs {
    fn policy(&self, file: &FileConfig) -> wabagate_server::config::DestinationPolicy {
        wabagate_server::config::DestinationPolicy {
            allow_http: FileConfig::under(self.webhook_allow_http.then_some(true), file.webhook_allow_http, || false),
            allow_private: FileConfig::under(
                self.webhook_allow_private.then_some(true),
                file.webhook_allow_private,
                || false,
            ),
        }
    }
}

/// The limits on client connections (slow, silent and idle clients).
#[derive(Debug, clap::Args)]
struct ConnectionArgs {
    /// Seconds a client has to send a request head (from connecting, or from the first byte of
    /// its next request). [default: 10]
    #[arg(long, env = "WABAGATE_HEADER_READ_TIMEOUT")]
    header_read_timeout: Option<u64>,
    /// Seconds an idle keep-alive connection is kept open. [default: 75]
    #[arg(long, env = "WABAGATE_KEEP_ALIVE_TIMEOUT")]
    keep_alive_timeout: Option<u64>,
    /// Seconds a request body may go without a byte before it is cut (408). [default: 30]
    #[arg(long, env = "WABAGATE_BODY_PROGRESS_TIMEOUT")]
    body_progress_timeout: Option<u64>,
    /// Client connections served at once; past it idle ones are closed first, then new ones
    /// refused. [default: half the open-file limit less 128, at most 10000]
    #[arg(long, env = "WABAGATE_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
}

impl ConnectionArgs {
    fn apply(&self, file: &FileConfig, limits: &mut ConnectionLimits) {
        let seconds = |flag: Option<u64>, from_file: Option<u64>, default: Duration| {
            FileConfig::under(flag.map(Duration::from_secs), from_file.map(Duration::from_secs), || default)
        };
        limits.header_read_timeout =
            seconds(self.header_read_timeout, file.header_read_timeout_secs, limits.header_read_timeout);
        limits.keep_alive_timeout =
            seconds(self.keep_alive_timeout, file.keep_alive_timeout_secs, limits.keep_alive_timeout);
        limits.body_progress_timeout =
            seconds(self.body_progress_timeout, file.body_progress_timeout_secs, limits.body_progress_timeout);
        limits.max_connections =
            FileConfig::under(self.max_connections, file.max_connections, || limits.max_connections);
    }
}

/// The Meta app businesses connect through (the browser connect flow). With the sandbox as
/// upstream, the sandbox's demo app is used unless these are given.
#[derive(Debug, clap::Args)]
struct MetaAppArgs {
    /// The Meta app's id (App Dashboard → App settings → Basic).
    #[arg(long, env = "WABAGATE_META_APP_ID")]
    meta_app_id: Option<String>,
    /// The Meta app's secret. Prefer the environment variable: flags show in process lists.
    #[arg(long, env = "WABAGATE_META_APP_SECRET", hide_env_values = true)]
    meta_app_secret: Option<String>,
    /// A Facebook Login for Business configuration id (Embedded Signup); without it the dialog
    /// asks for the WhatsApp permissions directly.
    #[arg(long, env = "WABAGATE_META_CONFIG_ID")]
    meta_config_id: Option<String>,
    /// Where Meta's OAuth dialog lives. [default: https://www.facebook.com; the sandbox's own
    /// address when it is the upstream]
    #[arg(long, env = "WABAGATE_OAUTH_BASE")]
    oauth_base: Option<Url>,
    /// Minutes a connection's connect link stays usable. [default: 60]
    #[arg(long, env = "WABAGATE_CONNECT_LINK_MINUTES")]
    connect_link_minutes: Option<u64>,
    /// An origin (https://app.example.com) a connection's `redirect_url` may point at;
    /// repeat it, or comma-separate in the environment. [default: none, so no redirect_url]
    #[arg(long = "connect-redirect-origin", env = "WABAGATE_CONNECT_REDIRECT_ORIGINS", value_delimiter = ',')]
    connect_redirect_origins: Vec<String>,
}

/// The upstream as configured: the in-process sandbox, or a URL.
pub(crate) enum UpstreamChoice {
    Sandbox,
    Url(Url),
}

impl UpstreamChoice {
    pub(crate) fn parse(text: &str) -> anyhow::Result<Self> {
        if text == "sandbox" {
            return Ok(Self::Sandbox);
        }
        let url = Url::parse(text).with_context(|| format!("--upstream {text:?} is neither `sandbox` nor a URL"))?;
        anyhow::ensure!(
            matches!(url.scheme(), "http" | "https") && url.host().is_some(),
            "--upstream must be `sandbox` or http(s)://host[:port], not {text:?}"
        );
        Ok(Self::Url(url))
    }

    /// The upstream's URL, starting the sandbox on a loopback port when it is the upstream,
    /// keeping its state in `sandbox_state` (if given) across restarts.
    pub(crate) async fn start(self, sandbox_state: Option<PathBuf>) -> anyhow::Result<(Url, Option<SandboxHandle>)> {
        match self {
            Self::Url(url) => Ok((url, None)),
            Self::Sandbox => {
                let listener = TcpListener::bind("127.0.0.1:0").await.context("binding the sandbox's port")?;
                let config = SandboxConfig { state_file: sandbox_state, ..SandboxConfig::default() };
                let sandbox = wabagate_sandbox::spawn(config, listener).await?;
                let url = Url::parse(&sandbox.base_url()).context("the sandbox's address")?;
                Ok((url, Some(sandbox)))
            }
        }
    }
}

pub(crate) async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let file = FileConfig::load(args.store.config.as_deref())?;
    let _log = logging::init(
        FileConfig::under(args.logging.log_format, file.log_format, LogFormat::default),
        args.logging.access_log_level.or(file.access_log_level),
    );
    let store_settings = StoreSettings::resolve(&args.store, &file);
    let listen = match (args.listen, &file.listen) {
        (Some(listen), _) => listen,
        (None, Some(text)) => text.parse().with_context(|| format!("`listen = {text:?}` in the config file"))?,
        (None, None) => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let upstream = FileConfig::under(args.upstream, file.upstream.clone(), || "sandbox".to_owned());
    let upstream = UpstreamChoice::parse(&upstream)?;

    crate::data_dir::create(&store_settings.data_dir)?;
    // Held until the process ends: a second `serve` on this data dir refuses to start.
    let _data_dir_lock = DataDirLock::acquire(&store_settings.data_dir)?;
    let migrations = if args.no_migrate { Migrations::Check } else { Migrations::Run };
    let store = store_settings.open_store(migrations).await?;
    crate::master_key_check::check(&store).await?;
    let listener = TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
    let local_addr = listener.local_addr()?;
    // The in-process sandbox keeps what it was told (OAuth tokens, templates, media, its
    // clock) beside the store, so connections made through it survive a restart.
    let (upstream_url, sandbox) = upstream.start(Some(store_settings.data_dir.join(SANDBOX_STATE_FILE))).await?;

    let public_url = match (args.public_url, &file.public_url) {
        (Some(url), _) => url,
        (None, Some(text)) => {
            Url::parse(text).with_context(|| format!("`public_url = {text:?}` in the config file"))?
        }
        (None, None) => Url::parse(&format!("http://{local_addr}"))?,
    };
    let mut config = ServerConfig::new(public_url.clone(), upstream_url.clone());
    config.rate_limit_per_second = FileConfig::under(args.rate_limit, file.rate_limit, || config.rate_limit_per_second);
    config.global_rate_limit = args.shared_limit.resolve(&file)?;
    if let Some(seconds) = args.upstream_timeout.or(file.upstream_timeout_secs) {
        config.upstream_timeout = Duration::from_secs(seconds);
    }
    args.connections.apply(&file, &mut config.connections);
    config.media_hosts.extend(file.media_hosts.clone().unwrap_or_default());
    config.media_hosts.extend(args.media_hosts);
    config.meta_app = meta_app(&args.meta, &file, sandbox.as_ref())?;
    if let Some(minutes) = args.meta.connect_link_minutes.or(file.connect_link_minutes) {
        config.connect_session_ttl = Duration::from_secs(minutes * 60);
    }
    config.connect_redirect_origins = redirect_origins(&args.meta, &file)?;
    inbound_setup::configure(&args.inbound, &store_settings.data_dir, &mut config, sandbox.as_ref())?;
    config.outbound = args.outbound.policy(&file);
    let state = AppState::new(config, store);

    if args.demo {
        let demo_file =
            FileConfig::under(args.demo_file, file.demo_file.clone(), || store_settings.data_dir.join("demo.json"));
        let demo = demo::prepare(&state, sandbox.as_ref().map(|sandbox| sandbox.demo()), &demo_file).await?;
        demo::print_how_to(&demo, &demo_file);
    }

    let shutdown = shutdown_signal()?;
    // Tests and scripts read the address from this line (it matters with --listen …:0).
    // Not println!: a closed stdout must not stop the gateway.
    let _ = writeln!(std::io::stdout().lock(), "wabagate listening on http://{local_addr} (upstream {upstream_url})");
    tracing::info!(listen = %local_addr, upstream = %upstream_url, "serving");
    App::new(listener, state).serve(shutdown).await?;
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// The Meta app of the connect flow: as configured, else the sandbox's demo app when the
/// sandbox is the upstream, else none (the connect page then says it is not set up).
fn meta_app(args: &MetaAppArgs, file: &FileConfig, sandbox: Option<&SandboxHandle>) -> anyhow::Result<Option<MetaApp>> {
    let app_id = args.meta_app_id.clone().or_else(|| file.meta_app_id.clone());
    let app_secret = args.meta_app_secret.clone().or_else(|| file.meta_app_secret.clone());
    let config_id = args.meta_config_id.clone().or_else(|| file.meta_config_id.clone());
    let oauth_base = match (&args.oauth_base, &file.oauth_base) {
        (Some(url), _) => Some(url.clone()),
        (None, Some(text)) => {
            Some(Url::parse(text).with_context(|| format!("`oauth_base = {text:?}` in the config file"))?)
        }
        (None, None) => None,
    };
    match (app_id, app_secret, sandbox) {
        (Some(app_id), Some(app_secret), _) => {
            let default_base = match sandbox {
                Some(sandbox) => Url::parse(&sandbox.base_url())?,
                None => Url::parse("https://www.facebook.com")?,
            };
            Ok(Some(MetaApp { app_id, app_secret, config_id, oauth_base: oauth_base.unwrap_or(default_base) }))
        }
        (None, None, Some(sandbox)) => {
            let demo = sandbox.demo();
            Ok(Some(MetaApp {
                app_id: demo.app_id.clone(),
                app_secret: demo.app_secret.clone(),
                config_id,
                oauth_base: oauth_base.unwrap_or(Url::parse(&sandbox.base_url())?),
            }))
        }
        (None, None, None) => Ok(None),
        _ => anyhow::bail!("--meta-app-id and --meta-app-secret go together: set both or neither"),
    }
}

/// The allowed `redirect_url` origins, from flags and environment, else the file.
fn redirect_origins(args: &MetaAppArgs, file: &FileConfig) -> anyhow::Result<Vec<String>> {
    let given = if args.connect_redirect_origins.is_empty() {
        file.connect_redirect_origins.clone().unwrap_or_default()
    } else {
        args.connect_redirect_origins.clone()
    };
    given
        .iter()
        .map(|text| {
            let url = Url::parse(text.trim()).with_context(|| {
                format!("--connect-redirect-origin {text:?} is not a URL such as https://app.example.com")
            })?;
            anyhow::ensure!(
                matches!(url.scheme(), "http" | "https") && url.host().is_some() && url.path() == "/",
                "--connect-redirect-origin {text:?} must be an origin such as https://app.example.com (no path)"
            );
            Ok(url.origin().ascii_serialization())
        })
        .collect()
}

/// A future that resolves on Ctrl-C or SIGTERM. The handlers are installed here, before
/// the caller announces it is serving: a signal that arrives after the announcement must
/// shut down gracefully, not kill the process with the default action.
pub(crate) fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        let mut terminate = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            tracing::info!("shutting down");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
    }
}
