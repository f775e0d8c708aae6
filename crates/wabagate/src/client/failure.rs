//! How a client command fails: an SDK error, bad usage found by the CLI itself, or an
//! output error. [`Failure::report`] prints it once and picks the exit code.

use std::io::Write;
use std::process::ExitCode;

use wabagate_sdk::Error;

/// Why a client command did not succeed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// From the SDK: local validation (exit 2) or an API/transport error (exit 1).
    Sdk { error: Error, json: bool },
    /// Flags that do not make sense together, or a default that cannot be found (exit 2).
    Usage(String),
    /// Writing the output failed (exit 1, unless the reader went away).
    Output(std::io::Error),
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure::Usage(message.into())
    }

    /// Prints the failure (errors on `err`; with `--json`, an API error's raw body on `out`)
    /// and returns the exit code: 2 for usage and local validation, 1 otherwise.
    pub(crate) fn report(self, out: &mut impl Write, err: &mut impl Write) -> ExitCode {
        match self {
            Failure::Usage(message) => {
                let _ = writeln!(err, "error: {message}");
                ExitCode::from(2)
            }
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
                if let Some(hint) = error.hint() {
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
