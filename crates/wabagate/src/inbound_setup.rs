//! `serve`'s part of inbound webhooks: the verify token (given, or generated once into the
//! data dir), and, with the in-process sandbox, pointing the sandbox's demo app at
//! `{public-url}/meta/webhooks` and lending the gateway the sandbox's movable clock.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use rand::Rng;
use rand::distributions::Alphanumeric;
use url::Url;
use wabagate_sandbox::seed::DEMO_APP_ID;
use wabagate_sandbox::webhooks::AppWebhook;
use wabagate_sandbox::{SandboxHandle, SandboxState};
use wabagate_server::clock::{Clock, SharedClock};
use wabagate_store::Timestamp;

const VERIFY_TOKEN_FILE: &str = "meta-verify-token";

/// The verify token as configured, else the one in the data dir (made on first start).
/// Returns it and whether it came from the file, so `serve` can print where it lives.
pub(crate) fn verify_token(configured: Option<String>, data_dir: &Path) -> anyhow::Result<(String, bool)> {
    if let Some(token) = configured.filter(|token| !token.trim().is_empty()) {
        return Ok((token, false));
    }
    let path = data_dir.join(VERIFY_TOKEN_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        let token = text.trim().to_owned();
        if !token.is_empty() {
            return Ok((token, true));
        }
    }
    let token: String = rand::thread_rng().sample_iter(&Alphanumeric).take(32).map(char::from).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).with_context(|| format!("writing {}", path.display()))?;
    writeln!(file, "{token}").with_context(|| format!("writing {}", path.display()))?;
    Ok((token, true))
}

/// The callback Meta (or the sandbox) delivers to.
pub(crate) fn callback_url(public_url: &Url) -> anyhow::Result<Url> {
    public_url.join("meta/webhooks").context("the public URL cannot carry /meta/webhooks")
}

/// Points the sandbox's demo app at the gateway, signing with the gateway's app secret.
/// Set directly in the in-process state: the handshake would need the gateway serving.
pub(crate) fn point_sandbox_at_gateway(sandbox: &SandboxHandle, callback: &Url, verify_token: &str, app_secret: &str) {
    sandbox.state().webhooks().configs().set(
        DEMO_APP_ID,
        AppWebhook {
            callback_url: callback.to_string(),
            verify_token: verify_token.to_owned(),
            app_secret: Some(app_secret.to_owned()),
        },
    );
}

/// The sandbox's clock, for the gateway: advancing it moves windows and expiries.
struct SandboxClock(SandboxState);

impl Clock for SandboxClock {
    fn now(&self) -> Timestamp {
        Timestamp::from(self.0.clock().now())
    }
}

pub(crate) fn sandbox_clock(sandbox: &SandboxHandle) -> SharedClock {
    SharedClock::new(SandboxClock(sandbox.state().clone()))
}

/// `serve`'s inbound flags.
#[derive(Debug, clap::Args)]
pub(crate) struct InboundArgs {
    /// The token Meta's webhook verification must present (App Dashboard → WhatsApp →
    /// Configuration → Verify token). [default: generated once into DATA_DIR/meta-verify-token]
    #[arg(long, env = "WABAGATE_META_VERIFY_TOKEN", hide_env_values = true)]
    meta_verify_token: Option<String>,
    /// The previous Meta app secret, still accepted on webhook signatures while rotating.
    #[arg(long, env = "WABAGATE_META_OLD_APP_SECRET", hide_env_values = true)]
    meta_old_app_secret: Option<String>,
    /// Refuse free-form sends into a closed 24-hour service window (400
    /// `service_window_closed`) instead of forwarding them with a `Wabagate-Warning`.
    #[arg(long, env = "WABAGATE_ENFORCE_SERVICE_WINDOW")]
    enforce_service_window: bool,
    /// Fetch inbound media as it arrives and keep it 7 days in DATA_DIR/media-cache: on or off.
    /// [default: on]
    #[arg(long, env = "WABAGATE_MEDIA_CACHE", value_parser = ["on", "off"])]
    media_cache: Option<String>,
}

/// Fills the server's webhook settings; with the in-process sandbox, also points its
/// webhooks at the gateway and lends the gateway its clock. Prints the callback URL and
/// verify token for setting up a real Meta app.
pub(crate) fn configure(
    args: &InboundArgs,
    data_dir: &Path,
    config: &mut wabagate_server::ServerConfig,
    sandbox: Option<&SandboxHandle>,
) -> anyhow::Result<()> {
    let (verify_token, generated) = verify_token(args.meta_verify_token.clone(), data_dir)?;
    let callback = callback_url(&config.public_url)?;
    config.webhooks.verify_token = Some(verify_token.clone());
    config.webhooks.old_app_secret = args.meta_old_app_secret.clone().filter(|secret| !secret.is_empty());
    config.webhooks.enforce_service_window = args.enforce_service_window;
    config.webhooks.media_cache_dir =
        (args.media_cache.as_deref() != Some("off")).then(|| data_dir.join("media-cache"));
    if let Some(sandbox) = sandbox {
        if let Some(app) = &config.meta_app {
            point_sandbox_at_gateway(sandbox, &callback, &verify_token, &app.app_secret);
        }
        config.clock = sandbox_clock(sandbox);
    }
    // A token the operator chose is theirs to know; only a generated one is shown.
    if generated {
        let file = data_dir.join(VERIFY_TOKEN_FILE);
        println!("Meta webhooks: callback URL {callback}, verify token {verify_token} (from {})", file.display());
    } else {
        println!("Meta webhooks: callback URL {callback}, verify token as configured");
    }
    Ok(())
}
