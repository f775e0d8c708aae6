//! `wabagate healthcheck`: asks a running gateway's `/healthz` (or any URL given) and exits 0
//! on a 200, 1 otherwise, within a few seconds. It is the container image's `HEALTHCHECK`,
//! which has no curl: a probe needs no API key and no store, so it is an HTTP GET and no more.

use std::process::ExitCode;
use std::time::Duration;

/// How long the probe may take in all, so a hung gateway reads as unhealthy, not as a stuck probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, clap::Args)]
pub(crate) struct HealthcheckArgs {
    /// The URL to probe.
    #[arg(long, env = "WABAGATE_HEALTHCHECK_URL", default_value = "http://127.0.0.1:8080/healthz")]
    url: url::Url,
}

pub(crate) async fn run(args: HealthcheckArgs) -> ExitCode {
    let client =
        match reqwest::Client::builder().timeout(PROBE_TIMEOUT).redirect(reqwest::redirect::Policy::none()).build() {
            Ok(client) => client,
            Err(error) => {
                eprintln!("healthcheck: {error}");
                return ExitCode::FAILURE;
            }
        };
    match client.get(args.url.clone()).send().await {
        Ok(answer) if answer.status() == reqwest::StatusCode::OK => ExitCode::SUCCESS,
        Ok(answer) => {
            eprintln!("healthcheck: {} answered {}", args.url, answer.status());
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("healthcheck: {} did not answer: {error}", args.url);
            ExitCode::FAILURE
        }
    }
}
