//! The `wabagate` binary: parse the command line, run the command, exit with its code.

mod cli;
mod client;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    match cli.command {
        Command::Client(command) => runtime.block_on(client::run(command, Cli::command())),
    }
}
