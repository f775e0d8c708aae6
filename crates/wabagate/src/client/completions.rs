//! `wabagate completions bash|zsh|fish`: shell completion scripts generated from the
//! binary's clap definition.

use std::io::Write;

use clap::{Args, ValueEnum};
use clap_complete::Shell;

use super::failure::Failure;

/// Print a completion script for a shell.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
mkdir -p ~/.local/share/bash-completion/completions && wabagate completions bash > ~/.local/share/bash-completion/completions/wabagate\n  \
mkdir -p ~/.zfunc && wabagate completions zsh > ~/.zfunc/_wabagate   # with fpath+=~/.zfunc in ~/.zshrc\n  \
mkdir -p ~/.config/fish/completions && wabagate completions fish > ~/.config/fish/completions/wabagate.fish")]
pub(crate) struct CompletionsCommand {
    /// The shell to complete for.
    shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

pub(crate) fn run(
    command: CompletionsCommand,
    mut command_line: clap::Command,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let shell = match command.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let name = command_line.get_name().to_owned();
    // Generated aside: clap_complete panics when its writer fails (a closed pipe), whereas
    // a failed write here is an ordinary output error.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command_line, name, &mut script);
    Ok(out.write_all(&script)?)
}
