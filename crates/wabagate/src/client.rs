//! The client subcommands (`send`, `media`, `templates`, `phone-numbers`, `profile`,
//! `connections`, `messages`, `conversations`, `webhooks`, `listen`, `api`, `login`, `whoami`, `completions`): each
//! parses its flags, calls the SDK and renders the answer. Nothing here speaks HTTP;
//! `wabagate-sdk` does.
//!
//! Exit codes: 0 on success, 1 when the gateway or Meta refused (or could not be reached),
//! 2 on bad usage or a rule broken locally. A closed standard output (`| head -1`) ends a
//! command quietly with 0, as the reader asked for no more.

mod api;
mod choices;
mod completions;
mod connections;
mod context;
mod conversations;
mod event_flags;
mod failure;
mod flag_terms;
mod listen;
mod login;
mod media;
mod media_file;
mod messages;
mod output;
mod phone_numbers;
mod profile;
mod profile_store;
mod progress_bar;
mod send;
mod stdio;
mod table;
mod templates;
mod webhooks;

use std::io::Write;
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
    /// Subscribe endpoints to the account's events, and see and replay their deliveries.
    Webhooks(Box<webhooks::WebhooksCommand>),
    /// Print the account's events as they happen, and forward them to a local URL, signed.
    Listen(Box<listen::ListenCommand>),
    /// Call any Graph API path through the gateway and print the answer.
    Api(Box<api::ApiCommand>),
    /// Save a gateway URL and API key as a profile, once the gateway accepts the key.
    Login(Box<login::LoginCommand>),
    /// Show the gateway and API key in use, and the account's connections.
    Whoami(Box<login::WhoamiCommand>),
    /// Print shell completions for bash, zsh or fish.
    Completions(completions::CompletionsCommand),
}

/// Runs one client subcommand, printing to stdout/stderr, and returns the exit code.
/// `command_line` is the binary's whole clap command, for completions.
pub(crate) async fn run(command: ClientCommand, command_line: clap::Command) -> ExitCode {
    // Not locked for the whole command: `media download -o -` writes through tokio's stdout,
    // which takes the same lock from another thread.
    let mut out = std::io::stdout();
    let outcome = match command {
        ClientCommand::Send(command) => send::run(*command, &mut out).await,
        ClientCommand::Media(command) => media::run(*command, &mut out).await,
        ClientCommand::Templates(command) => templates::run(*command, &mut out).await,
        ClientCommand::PhoneNumbers(command) => phone_numbers::run(*command, &mut out).await,
        ClientCommand::Profile(command) => profile::run(*command, &mut out).await,
        ClientCommand::Connections(command) => connections::run(*command, &mut out).await,
        ClientCommand::Messages(command) => messages::run(*command, &mut out).await,
        ClientCommand::Conversations(command) => conversations::run(*command, &mut out).await,
        ClientCommand::Webhooks(command) => webhooks::run(*command, &mut out).await,
        ClientCommand::Listen(command) => listen::run(*command, &mut out).await,
        ClientCommand::Api(command) => api::run(*command, &mut out).await,
        ClientCommand::Login(command) => login::login(*command, &mut out).await,
        ClientCommand::Whoami(command) => login::whoami(*command, &mut out).await,
        ClientCommand::Completions(command) => completions::run(command, command_line, &mut out),
    };
    // Output is flushed here, so a reader that went away is noticed as a failure to write.
    let outcome = outcome.and_then(|()| Ok(out.flush()?));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.explained(context::built_client()).await.report(&mut out, &mut std::io::stderr().lock())
        }
    }
}
