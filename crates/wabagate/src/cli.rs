//! The command line: one `Command` enum whose doc comments are the `--help` text.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::{admin, client, healthcheck, logging, serve};

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
    Sandbox(Box<SandboxCommand>),
    /// Operator commands that work on the store directly (accounts, API keys, connections).
    ///
    /// Example: wabagate admin accounts create acme
    Admin(admin::AdminArgs),
    /// Probe a running gateway's /healthz: exit 0 when it answers 200, else 1 (for container
    /// health checks, which have no curl).
    ///
    /// Example: wabagate healthcheck --url http://127.0.0.1:8080/healthz
    Healthcheck(healthcheck::HealthcheckArgs),
    #[command(flatten)]
    Client(client::ClientCommand),
}

/// `wabagate sandbox`: the sandbox's own flags, plus how it logs.
#[derive(Debug, clap::Args)]
pub(crate) struct SandboxCommand {
    #[command(flatten)]
    logging: logging::LogArgs,
    #[command(flatten)]
    sandbox: wabagate_sandbox::cli::SandboxArgs,
}

/// Runs the command; client commands choose their own exit code (0, 1 or 2).
pub(crate) async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(*args).await.map(|()| ExitCode::SUCCESS),
        Command::Sandbox(command) => {
            let SandboxCommand { logging, sandbox } = *command;
            let _log = logging::init(logging.log_format.unwrap_or_default(), logging.access_log_level);
            wabagate_sandbox::cli::run(sandbox).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Admin(args) => admin::run(args).await.map(|()| ExitCode::SUCCESS),
        Command::Healthcheck(args) => Ok(healthcheck::run(args).await),
        Command::Client(command) => Ok(client::run(command, Cli::command()).await),
    }
}
