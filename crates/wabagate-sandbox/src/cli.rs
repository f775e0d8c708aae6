//! `wabagate sandbox`: run the sandbox alone, print how to reach it, serve until Ctrl-C.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use crate::config::SandboxConfig;
use crate::oauth::OAuthArgs;
use crate::server::{SandboxHandle, spawn};
use crate::webhooks::{InboundArgs, WebhookArgs, run_inbound};

/// Run the offline Meta sandbox (Graph API for WhatsApp) on its own.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090", env = "WABAGATE_SANDBOX_LISTEN")]
    pub listen: SocketAddr,
    /// Keep the sandbox's state in this JSON file across restarts.
    #[arg(long, value_name = "FILE", env = "WABAGATE_SANDBOX_STATE")]
    pub state: Option<PathBuf>,
    /// Origin used in media download URLs and paging links (default: http://LISTEN).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Seconds a new template stays PENDING before it is approved (or rejected).
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub template_approval_delay: u64,
    /// Messages per second per business number before error 130429 (0 = no limit).
    #[arg(long, default_value_t = 80)]
    pub throughput: u32,
    /// Answer free-form sends outside the 24-hour window with a synchronous 131047.
    #[arg(long)]
    pub window_errors_sync: bool,
    #[command(flatten)]
    pub oauth: OAuthArgs,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
    #[command(subcommand)]
    pub command: Option<SandboxCommand>,
}

/// What `wabagate sandbox` can do besides serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum SandboxCommand {
    /// Inject a customer's message into a running sandbox: it is delivered to the webhook and
    /// opens the customer's 24-hour window.
    ///
    /// Example: wabagate sandbox inbound --sandbox-url http://127.0.0.1:8090 --from 1234567890 --text "hi"
    Inbound(InboundArgs),
}

impl SandboxArgs {
    pub fn config(&self) -> SandboxConfig {
        SandboxConfig {
            state_file: self.state.clone(),
            public_url: self.public_url.clone(),
            template_approval_delay: Duration::from_secs(self.template_approval_delay),
            throughput_per_second: self.throughput,
            window_errors_sync: self.window_errors_sync,
            webhook_delivery: self.webhooks.delivery_settings(),
            ..SandboxConfig::default()
        }
    }
}

/// Serves until Ctrl-C or SIGTERM, then saves the state file (if any); or runs a subcommand.
pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    if let Some(SandboxCommand::Inbound(inbound)) = args.command {
        return run_inbound(inbound).await;
    }
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let handle = spawn(args.config(), listener).await?;
    args.oauth.apply(handle.state());
    args.webhooks.apply(handle.state());
    // Handlers first, banner second: a signal sent once the banner is out must stop the
    // sandbox gracefully (saving --state), not kill it.
    let stopped = stop_signal()?;
    write_banner(&mut std::io::stdout().lock(), &handle).context("writing to stdout")?;
    stopped.await;
    handle.shutdown().await;
    Ok(())
}

/// A future that resolves on Ctrl-C or SIGTERM, with its handlers already installed.
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
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
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// What `wabagate sandbox` prints at start: enough to use it with curl at once.
pub fn write_banner(out: &mut impl Write, handle: &SandboxHandle) -> std::io::Result<()> {
    let demo = handle.demo();
    let base = handle.state().public_url().to_owned();
    writeln!(out, "wabagate sandbox listening on {base}")?;
    writeln!(out, "  WABA id:          {}", demo.waba_id)?;
    for (index, id) in demo.phone_number_ids.iter().enumerate() {
        writeln!(out, "  phone number id:  {id}{}", if index == 0 { "  (examples send from this one)" } else { "" })?;
    }
    writeln!(out, "  access token:     {}", demo.access_token)?;
    writeln!(out)?;
    writeln!(out, "Try:")?;
    writeln!(
        out,
        "  curl -s {base}/v23.0/{}/messages -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' \\\n    \
         -d '{{\"messaging_product\":\"whatsapp\",\"to\":\"1234567890\",\"type\":\"text\",\"text\":{{\"body\":\"Hello\"}}}}'",
        demo.phone_number_id, demo.access_token
    )?;
    out.flush()
}
