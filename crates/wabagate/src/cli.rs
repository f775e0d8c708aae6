//! The command line: one `Command` enum whose doc comments are the help.

use clap::{Parser, Subcommand};

use crate::client::ClientCommand;

/// Self-hosted gateway for the WhatsApp Business Platform.
#[derive(Debug, Parser)]
#[command(name = "wabagate", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    #[command(flatten)]
    Client(ClientCommand),
}
