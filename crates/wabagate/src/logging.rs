//! Logs of `serve` and `sandbox`, on stderr: text for a person (coloured only at a
//! terminal, and never when `NO_COLOR` is set) or JSON for a collector, one object per line
//! with the same fields. `WABAGATE_LOG` filters them (`info` by default, e.g.
//! `WABAGATE_LOG=debug,hyper=info`); the access log (target `wabagate::access`, one line per
//! request) can be set apart with `--access-log-level`.

mod batched_writer;

use std::io::IsTerminal;

use serde::Deserialize;
use tracing_subscriber::EnvFilter;

use self::batched_writer::{BatchedWriter, WriterThread};

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line: timestamp, level, target, message and the event's fields.
    Json,
}

/// The access log's own level; `off` silences it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AccessLogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl AccessLogLevel {
    fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Error => "error",
            Self::Warn => "warn",
            Self::Info => "info",
            Self::Debug => "debug",
            Self::Trace => "trace",
        }
    }
}

/// The logging flags of `serve` and `sandbox`.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Logging")]
pub(crate) struct LogArgs {
    /// How log lines are written on stderr. [default: text]
    #[arg(long, env = "WABAGATE_LOG_FORMAT", value_name = "FORMAT")]
    pub(crate) log_format: Option<LogFormat>,
    /// The access log's level, apart from WABAGATE_LOG's (`off` silences it). The access log
    /// line is written at info. [default: as WABAGATE_LOG says]
    #[arg(long, env = "WABAGATE_ACCESS_LOG_LEVEL", value_name = "LEVEL")]
    pub(crate) access_log_level: Option<AccessLogLevel>,
}

/// Keeps the log writer's thread alive; dropping it writes every line still buffered (at the
/// end of `serve` and `sandbox`), so a clean stop loses no line.
#[must_use = "dropping the guard stops the log writer"]
pub(crate) struct LogGuard {
    _writer: Option<WriterThread<std::io::Stderr>>,
}

/// Installs the process's log subscriber; the first call wins. Lines are formatted by the
/// thread that logs them and written to stderr in batches by a thread of their own
/// ([`batched_writer`]), so the access log never makes a request wait on a `write()`.
pub(crate) fn init(format: LogFormat, access_log_level: Option<AccessLogLevel>) -> LogGuard {
    let mut filter = EnvFilter::try_from_env("WABAGATE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    if let Some(level) = access_log_level {
        let directive = format!("wabagate::access={}", level.as_str());
        filter = filter.add_directive(directive.parse().expect("a valid directive"));
    }
    let Ok((writer, thread)) = BatchedWriter::start(std::io::stderr(), "wabagate-log") else {
        eprintln!("warning: cannot start the log writer's thread; logging nothing");
        return LogGuard { _writer: None };
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    let installed = match format {
        LogFormat::Text => builder.with_ansi(colours_wanted()).try_init(),
        // Fields at the top level next to `timestamp`, `level` and `target`, as collectors expect.
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).try_init(),
    };
    LogGuard { _writer: installed.is_ok().then_some(thread) }
}

/// Colours only for a person at a terminal who did not ask for none (https://no-color.org).
fn colours_wanted() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    !no_color && std::io::stderr().is_terminal()
}
