//! `-` as a file or text argument means standard input (standard output for `-o`), as in
//! every Unix tool. Standard input can be read once, so only one argument of a command may
//! be `-`.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::failure::Failure;

static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// Whether a path argument is `-`.
pub(crate) fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// All of standard input, at most `limit` bytes (more is an error naming `flag`).
pub(crate) fn read_bytes(flag: &str, limit: u64) -> Result<Vec<u8>, Failure> {
    if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
        return Err(Failure::usage(format!("{flag} -: standard input is already read by another argument")));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| Failure::usage(format!("{flag} -: reading standard input: {error}")))?;
    if bytes.len() as u64 > limit {
        return Err(Failure::usage(format!("{flag} -: standard input is longer than {limit} bytes")));
    }
    Ok(bytes)
}

/// `value`, or standard input when it is `-` (one final newline dropped, as `$(…)` would).
pub(crate) fn text_or_stdin(flag: &str, value: &str) -> Result<String, Failure> {
    if value != "-" {
        return Ok(value.to_owned());
    }
    // Far above any WhatsApp text limit, so the model's own check reports the real limit.
    let bytes = read_bytes(flag, 1024 * 1024)?;
    let mut text =
        String::from_utf8(bytes).map_err(|_| Failure::usage(format!("{flag} -: standard input is not UTF-8 text")))?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}
