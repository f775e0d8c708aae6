//! The command line: one `Command` enum whose doc comments are the `--help` text.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::{admin, client, serve};

/// A self-hosted gateway for the WhatsApp Business Platform.
#[derive(Debug, Parser)]
#[command(name = "wabagate", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gateway: control API, /whatsapp-business/ proxy, health and metrics.
    ///
    /// Example: wabagate serve --demo
    // Boxed: these argument sets are large, and the enum is as big as its largest variant.
    Serve(Box<serve::ServeArgs>),
    /// Run the sandbox alone: an offline emulator of Meta's WhatsApp Cloud API.
    ///
    /// Example: wabagate sandbox --listen 127.0.0.1:8090
    Sandbox(Box<wabagate_sandbox::cli::SandboxArgs>),
    /// Operator commands that work on the store directly (accounts, API keys, connections).
    ///
    /// Example: wabagate admin accounts create acme
    Admin(admin::AdminArgs),
    #[command(flatten)]
    Client(client::ClientCommand),
}

/// Runs the command; client commands choose their own exit code (0, 1 or 2).
pub(crate) async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(*args).await.map(|()| ExitCode::SUCCESS),
        Command::Sandbox(args) => {
            init_logging();
            wabagate_sandbox::cli::run(*args).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Admin(args) => admin::run(args).await.map(|()| ExitCode::SUCCESS),
        Command::Client(command) => Ok(client::run(command, Cli::command()).await),
    }
}

/// Logs go to stderr, filtered by `WABAGATE_LOG` (default `info`), e.g. `WABAGATE_LOG=debug`.
pub(crate) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WABAGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal; log files and collectors get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
}
