//! Opening a URL in the user's browser: `$BROWSER` when set (the usual convention, and how
//! tests observe it), else the platform's opener. Never blocks on the browser.

use std::process::{Command, Stdio};

/// Starts a browser on `url`; the error says why none could be started.
pub(crate) fn open(url: &str) -> Result<(), String> {
    let mut command = match std::env::var("BROWSER").ok().filter(|browser| !browser.trim().is_empty()) {
        Some(browser) => {
            let mut parts = browser.split_whitespace();
            let mut command = Command::new(parts.next().unwrap_or_default());
            command.args(parts);
            command
        }
        None if cfg!(target_os = "macos") => Command::new("open"),
        None if cfg!(target_os = "windows") => {
            let mut command = Command::new("cmd");
            command.args(["/C", "start", ""]);
            command
        }
        None => Command::new("xdg-open"),
    };
    command
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|error| error.to_string())
}
