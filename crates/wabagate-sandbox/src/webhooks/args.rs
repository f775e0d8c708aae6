//! Command-line settings of the webhook side (`wabagate sandbox --webhook-…`): the demo
//! app's callback, and the timing and format of deliveries.

use std::time::Duration;

use clap::Args;

use crate::seed::DEMO_APP_ID;
use crate::state::SandboxState;

use super::config::AppWebhook;
use super::deliverer::DeliverySettings;
use super::json_encoding::BodyEncoding;
use super::retry::RetryPolicy;

/// Flags of the sandbox's webhook deliverer.
#[derive(Debug, Clone, Args)]
pub struct WebhookArgs {
    /// Where the demo app's webhooks go (e.g. the gateway's `/webhooks/whatsapp`).
    /// Without it, webhooks are dropped until one is set through `POST /__sandbox/webhooks`.
    #[arg(long, env = "WABAGATE_SANDBOX_WEBHOOK_URL")]
    pub webhook_url: Option<String>,

    /// The verify token of the handshake for `--webhook-url`.
    #[arg(long, env = "WABAGATE_SANDBOX_WEBHOOK_VERIFY_TOKEN", default_value = "sandbox-verify-token")]
    pub webhook_verify_token: String,

    /// Signs deliveries with this secret instead of the demo app's secret.
    #[arg(long, env = "WABAGATE_SANDBOX_WEBHOOK_APP_SECRET", hide_env_values = true)]
    pub webhook_app_secret: Option<String>,

    /// Milliseconds from an accepted send to its `sent` (or `failed`) status.
    #[arg(long, default_value_t = 500)]
    pub webhook_sent_delay_ms: u64,

    /// Milliseconds from `sent` to `delivered`.
    #[arg(long, default_value_t = 1_000)]
    pub webhook_delivered_delay_ms: u64,

    /// Milliseconds from `delivered` to `read`.
    #[arg(long, default_value_t = 2_000)]
    pub webhook_read_delay_ms: u64,

    /// Milliseconds before the first retry of a failed delivery; later waits grow ×4.
    #[arg(long, default_value_t = 15_000)]
    pub webhook_retry_base_ms: u64,

    /// Attempts per delivery, the first included (34 spans about 7 days, as Meta's).
    #[arg(long, default_value_t = 34)]
    pub webhook_max_attempts: u32,

    /// Milliseconds one delivery may take before it counts as failed.
    #[arg(long, default_value_t = 5_000)]
    pub webhook_timeout_ms: u64,

    /// The Graph version of the webhook subscription (v23 statuses carry `conversation`, v24+ do not).
    #[arg(long, default_value = "v23.0", value_parser = parse_graph_version)]
    pub webhook_graph_version: u32,

    /// Send raw UTF-8 bodies instead of Meta's ASCII-escaped JSON.
    #[arg(long)]
    pub webhook_raw_utf8: bool,
}

impl WebhookArgs {
    /// The deliverer's settings.
    pub fn delivery_settings(&self) -> DeliverySettings {
        DeliverySettings {
            sent_after: Duration::from_millis(self.webhook_sent_delay_ms),
            delivered_after: Duration::from_millis(self.webhook_delivered_delay_ms),
            read_after: Duration::from_millis(self.webhook_read_delay_ms),
            retry: RetryPolicy {
                first_retry: Duration::from_millis(self.webhook_retry_base_ms),
                max_attempts: self.webhook_max_attempts,
                ..RetryPolicy::default()
            },
            request_timeout: Duration::from_millis(self.webhook_timeout_ms),
            encoding: if self.webhook_raw_utf8 { BodyEncoding::RawUtf8 } else { BodyEncoding::AsciiEscaped },
            graph_version: self.webhook_graph_version,
        }
    }

    /// Saves `--webhook-url` as the demo app's callback. No handshake runs: the flags
    /// stand for a configuration already saved in the dashboard, and the receiver may not
    /// be listening yet when the sandbox starts.
    pub fn apply(&self, state: &SandboxState) {
        if let Some(callback_url) = &self.webhook_url {
            state.webhooks().configs().set(
                DEMO_APP_ID,
                AppWebhook {
                    callback_url: callback_url.clone(),
                    verify_token: self.webhook_verify_token.clone(),
                    app_secret: self.webhook_app_secret.clone(),
                },
            );
        }
    }
}

/// `v23.0` (or `23`) → 23.
fn parse_graph_version(text: &str) -> Result<u32, String> {
    let major = text.trim_start_matches('v').split('.').next().unwrap_or_default();
    major.parse().map_err(|_| format!("expected a Graph version such as v23.0, got {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_versions_parse_with_or_without_prefix() {
        assert_eq!(parse_graph_version("v23.0"), Ok(23));
        assert_eq!(parse_graph_version("24"), Ok(24));
        assert!(parse_graph_version("latest").is_err());
    }
}
