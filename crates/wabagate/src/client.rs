//! The client subcommands (`send`, `media`, `templates`, `phone-numbers`, `profile`,
//! `connections`, `messages`, `conversations`, `completions`): each parses its flags, calls the SDK and renders the
//! answer. Nothing here speaks HTTP; `wabagate-sdk` does.
//!
//! Exit codes: 0 on success, 1 when the gateway or Meta refused (or could not be reached),
//! 2 on bad usage or a rule broken locally.

mod completions;
mod connections;
mod context;
mod conversations;
mod failure;
mod media;
mod messages;
mod output;
mod phone_numbers;
mod profile;
mod progress_bar;
mod send;
mod table;
mod templates;

use std::process::ExitCode;

use clap::Subcommand;

/// The client subcommands, flattened into the binary's `Command`. Boxed: their flags are
/// large next to the other commands'.
#[derive(Debug, Subcommand)]
pub(crate) enum ClientCommand {
    /// Send a message (text, template, media, location, contacts, buttons, list, reaction) or a read receipt.
    Send(Box<send::SendCommand>),
    /// Upload, look up, download and delete media.
    Media(Box<media::MediaCommand>),
    /// List, create and delete message templates.
    Templates(Box<templates::TemplatesCommand>),
    /// List and show the business's phone numbers.
    PhoneNumbers(Box<phone_numbers::PhoneNumbersCommand>),
    /// Show and update the business profile of a phone number.
    Profile(Box<profile::ProfileCommand>),
    /// List, create, show, delete and reconnect WhatsApp Business connections.
    Connections(Box<connections::ConnectionsCommand>),
    /// List and show the messages the gateway recorded, both ways, with their statuses.
    Messages(Box<messages::MessagesCommand>),
    /// List customers with their service window, or show one conversation thread.
    Conversations(Box<conversations::ConversationsCommand>),
    /// Print shell completions for bash, zsh or fish.
    Completions(completions::CompletionsCommand),
}

/// Runs one client subcommand, printing to stdout/stderr, and returns the exit code.
/// `command_line` is the binary's whole clap command, for completions.
pub(crate) async fn run(command: ClientCommand, command_line: clap::Command) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let outcome = match command {
        ClientCommand::Send(command) => send::run(*command, &mut out).await,
        ClientCommand::Media(command) => media::run(*command, &mut out).await,
        ClientCommand::Templates(command) => templates::run(*command, &mut out).await,
        ClientCommand::PhoneNumbers(command) => phone_numbers::run(*command, &mut out).await,
        ClientCommand::Profile(command) => profile::run(*command, &mut out).await,
        ClientCommand::Connections(command) => connections::run(*command, &mut out).await,
        ClientCommand::Messages(command) => messages::run(*command, &mut out).await,
        ClientCommand::Conversations(command) => conversations::run(*command, &mut out).await,
        ClientCommand::Completions(command) => completions::run(command, command_line, &mut out),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(&mut out, &mut std::io::stderr().lock()),
    }
}
