//! `wabagate completions bash|zsh|fish` and the help of every client command.

use crate::support::run_with_env;

#[tokio::test]
async fn completions_are_printed_for_each_shell() {
    for (shell, marker) in [("bash", "_wabagate()"), ("zsh", "#compdef wabagate"), ("fish", "complete -c wabagate")] {
        let outcome = run_with_env(&["completions", shell], &[]).await;
        let script = outcome.ok();
        assert!(script.contains(marker), "{shell}");
        assert!(script.contains("phone-numbers"), "{shell} completes the client commands");
    }
    let unknown = run_with_env(&["completions", "tcsh"], &[]).await;
    unknown.failed_with(2);
}

#[tokio::test]
async fn every_client_command_has_an_example_in_its_help() {
    let commands: &[&[&str]] = &[
        &["send"],
        &["send", "text"],
        &["send", "template"],
        &["send", "image"],
        &["send", "document"],
        &["send", "video"],
        &["send", "audio"],
        &["send", "sticker"],
        &["send", "location"],
        &["send", "contacts"],
        &["send", "buttons"],
        &["send", "list"],
        &["send", "reaction"],
        &["send", "read"],
        &["media"],
        &["media", "upload"],
        &["media", "get"],
        &["media", "download"],
        &["media", "delete"],
        &["templates"],
        &["templates", "list"],
        &["templates", "create"],
        &["templates", "delete"],
        &["phone-numbers"],
        &["phone-numbers", "list"],
        &["phone-numbers", "get"],
        &["profile"],
        &["profile", "get"],
        &["profile", "update"],
        &["connections"],
        &["connections", "list"],
        &["connections", "create"],
        &["connections", "get"],
        &["connections", "delete"],
        &["connections", "reconnect"],
        &["completions"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let outcome = run_with_env(&args, &[]).await;
        let help = outcome.ok();
        assert!(help.contains("Example"), "{command:?} has an example:\n{help}");
        assert!(help.contains("wabagate "), "{command:?}");
    }
}
