//! How a client command fails: an SDK error, a rule broken locally (said in flag terms),
//! bad usage found by the CLI itself, or an output error. [`Failure::report`] prints it
//! once and picks the exit code; [`Failure::explained`] first looks up what a hint needs
//! (the id of the connection to reconnect).

use std::io::Write;
use std::process::ExitCode;

use wabagate_sdk::{Client, ConnectionFilter, ConnectionStatus, Error};

/// Why a client command did not succeed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// From the SDK: local validation (exit 2) or an API/transport error (exit 1).
    Sdk { error: Error, json: bool },
    /// A WhatsApp rule broken locally, in the command line's terms (exit 2).
    Invalid(String),
    /// Flags that do not make sense together, or a default that cannot be found (exit 2).
    Usage(String),
    /// The gateway answered an error that the command already printed (exit 1).
    Reported,
    /// Writing the output failed (exit 1, unless the reader went away).
    Output(std::io::Error),
}

/// A failure with what its hint needs, ready to be reported.
pub(crate) struct Explained {
    failure: Failure,
    /// The connection to reconnect, for a refused or expired token.
    connection_id: Option<String>,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure::Usage(message.into())
    }

    /// Finds the connection an expired-token error is about, so its hint names it: the
    /// one in the gateway's message, the one the command was told to use, or the
    /// account's most recently expired one.
    pub(crate) async fn explained(self, client: Option<&Client>) -> Explained {
        let connection_id = match (&self, client) {
            (Failure::Sdk { error, .. }, Some(client)) if needs_reconnect(error) => {
                match connection_in_message(error).or_else(|| client.connection_id().map(str::to_owned)) {
                    Some(id) => Some(id),
                    None => most_recently_expired(client).await,
                }
            }
            (Failure::Sdk { error, .. }, None) => connection_in_message(error),
            _ => None,
        };
        Explained { failure: self, connection_id }
    }
}

impl Explained {
    /// Prints the failure (errors on `err`; with `--json`, an API error's raw body on `out`)
    /// and returns the exit code: 2 for usage and local validation, 1 otherwise.
    pub(crate) fn report(self, out: &mut impl Write, err: &mut impl Write) -> ExitCode {
        match self.failure {
            Failure::Usage(message) => {
                let _ = writeln!(err, "error: {message}");
                ExitCode::from(2)
            }
            Failure::Invalid(message) => {
                let _ = writeln!(err, "error: invalid request, nothing was sent: {message}");
                ExitCode::from(2)
            }
            Failure::Reported => ExitCode::from(1),
            Failure::Output(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Failure::Output(error) => {
                let _ = writeln!(err, "error: writing the output: {error}");
                ExitCode::from(1)
            }
            Failure::Sdk { error, json } => {
                if let (true, Some(body)) = (json, error.body()) {
                    let _ = out.write_all(body);
                    let _ = writeln!(out);
                }
                let _ = writeln!(err, "error: {}", sentence(&error));
                if let Some(request_id) = error.request_id() {
                    let _ = writeln!(err, "request id: {request_id}");
                }
                if let Some(hint) = hint(&error, self.connection_id.as_deref()) {
                    let _ = writeln!(err, "hint: {hint}");
                }
                ExitCode::from(if error.is_local() { 2 } else { 1 })
            }
        }
    }
}

/// The error as one line, led by what kind of failure it is.
fn sentence(error: &Error) -> String {
    match error {
        Error::Invalid(_) => format!("invalid request, nothing was sent: {error}"),
        Error::Gateway(_) => format!("the gateway refused the request: {error}"),
        Error::Graph(_) => format!("WhatsApp refused the request: {error}"),
        _ => error.to_string(),
    }
}

/// What to do next, in the command line's terms where the SDK's hint is generic.
fn hint(error: &Error, connection_id: Option<&str>) -> Option<String> {
    if let Error::Transport { url, .. } = error {
        let origin = url::Url::parse(url).map(|url| url.origin().ascii_serialization()).unwrap_or_else(|_| url.clone());
        return error.is_connect().then(|| {
            format!("is `wabagate serve` running at {origin}? Start it, or point --url (WABAGATE_URL) at your gateway.")
        });
    }
    if needs_reconnect(error) {
        let id = connection_id.unwrap_or("CONNECTION_ID");
        return Some(format!(
            "the connection's access token is invalid or expired: run `wabagate connections reconnect {id} --open` and finish the flow in the browser."
        ));
    }
    let throttled = matches!(error, Error::Gateway(gateway) if gateway.gateway_code == "rate_limited")
        || matches!(error, Error::Graph(graph) if graph.code == 130429);
    if throttled {
        let wait = match error {
            Error::Gateway(gateway) => gateway.retry_after,
            Error::Graph(graph) => graph.retry_after,
            _ => None,
        };
        let after = wait.map(|wait| format!(" (retry after {} s)", wait.as_secs())).unwrap_or_default();
        return Some(format!(
            "too many requests{after}: slow down, or pass --retry to `wabagate send` to retry after the wait it is told."
        ));
    }
    error.hint().map(str::to_owned)
}

/// Meta refused the connection's token (190), or the gateway will not use the connection.
fn needs_reconnect(error: &Error) -> bool {
    match error {
        Error::Graph(graph) => graph.code == 190,
        Error::Gateway(gateway) => gateway.gateway_code == "connection_not_active",
        _ => false,
    }
}

/// The connection id the gateway's message names, if any.
fn connection_in_message(error: &Error) -> Option<String> {
    let Error::Gateway(gateway) = error else { return None };
    gateway
        .message
        .split(|character: char| !(character.is_ascii_hexdigit() || character == '-'))
        .find(|word| uuid::Uuid::parse_str(word).is_ok())
        .map(str::to_owned)
}

async fn most_recently_expired(client: &Client) -> Option<String> {
    let filter = ConnectionFilter { status: Some(ConnectionStatus::Expired), ..ConnectionFilter::default() };
    let listed = client.list_connections(&filter).await.ok()?;
    listed
        .value
        .connections
        .iter()
        .max_by(|a, b| a.last_updated_time.cmp(&b.last_updated_time))
        .map(|connection| connection.connection_id.clone())
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Failure::Output(error)
    }
}

/// Attaches whether `--json` was given to an SDK result.
pub(crate) trait SdkResultExt<T> {
    fn or_fail(self, json: bool) -> Result<T, Failure>;
}

impl<T> SdkResultExt<T> for Result<T, Error> {
    fn or_fail(self, json: bool) -> Result<T, Failure> {
        self.map_err(|error| Failure::Sdk { error, json })
    }
}
