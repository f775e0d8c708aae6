//! Which gateway paths may be forwarded. The path after `/whatsapp-business` is appended to
//! the upstream origin as it came, so anything that could make it name another origin or
//! climb out of the Graph API's root is refused here, before any forwarding.

/// The reason a path is refused (shown to the client).
pub(crate) type Refusal = &'static str;

/// Checks the raw (still percent-encoded) path that follows the app prefix.
///
/// Refused: an empty path, empty segments (`//host` would name another host) but for one
/// trailing slash (`/v21.0/{id}/`, which Graph accepts), `.` and `..` segments, percent-encoded dots, slashes, backslashes, percent signs or control characters
/// (they decode into the former), and `@`, `\`, whitespace or control characters anywhere.
pub(crate) fn check(path: &str) -> Result<(), Refusal> {
    let Some(rest) = path.strip_prefix('/') else { return Err("the path must start with `/`") };
    if rest.is_empty() {
        return Err("the path is empty");
    }
    if path.bytes().any(|byte| byte.is_ascii_control() || byte == b' ' || !byte.is_ascii()) {
        return Err("control characters, spaces and raw non-ASCII bytes are not allowed in the path");
    }
    if path.contains('@') || path.contains('\\') {
        return Err("`@` and `\\` are not allowed in the path");
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    for segment in rest.split('/') {
        match segment {
            "" => return Err("empty path segments (`//`) are not allowed"),
            "." | ".." => return Err("`.` and `..` segments are not allowed"),
            _ => {}
        }
    }
    if has_dangerous_escape(path) {
        return Err("percent-encoded dots, slashes, backslashes, percent signs and control characters are not allowed");
    }
    Ok(())
}

/// Percent escapes that decode into path syntax or control characters.
fn has_dangerous_escape(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().enumerate().filter(|(_, byte)| **byte == b'%').any(|(index, _)| {
        let Some(hex) = path.get(index + 1..index + 3) else { return true };
        let Ok(decoded) = u8::from_str_radix(hex, 16) else { return true };
        decoded.is_ascii_control() || matches!(decoded, b'.' | b'/' | b'\\' | b'%' | b'@')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_paths_pass() {
        for path in [
            "/v21.0/1000000000001000/messages",
            "/v21.0/1000000000100/message_templates",
            "/1000000000001000",
            "/v23.0/1000000000001000/whatsapp_business_profile",
            "/v21.0/me%20too",
            "/v21.0/1000000000001000/",
        ] {
            assert_eq!(check(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn escapes_from_the_upstream_origin_are_refused() {
        for path in [
            "",
            "/",
            "relative",
            "//evil.example/v21.0/me",
            "/v21.0//me",
            "/v21.0/me//",
            "//",
            "/../admin",
            "/v21.0/./me",
            "/v21.0/..",
            "/%2e%2e/admin",
            "/%2E%2E/admin",
            "/v21.0%2fme",
            "/v21.0%2Fme",
            "/v21.0%5cme",
            "/%252e%252e/admin",
            "/v21.0/me@evil.example",
            "/v21.0/me\\..\\x",
            "/v21.0/me%00",
            "/v21.0/me%0d%0aX-Injected:1",
            "/v21.0/me%",
            "/v21.0/me%zz",
            "/v21.0/me\u{7f}",
            "/v21.0/me x",
            "/v21.0/mé",
        ] {
            assert!(check(path).is_err(), "{path:?} should be refused");
        }
    }

    /// Whatever the guard lets through, appended to an origin, still names that origin.
    #[test]
    fn accepted_paths_never_change_the_origin() {
        use rand::Rng;
        let alphabet: Vec<char> = "/.%2eEfF5cC@:?#ab01\\ ".chars().collect();
        let mut rng = rand::thread_rng();
        for _ in 0..20_000 {
            let length = rng.gen_range(1..12);
            let path: String =
                std::iter::once('/').chain((0..length).map(|_| alphabet[rng.gen_range(0..alphabet.len())])).collect();
            if check(&path).is_ok() {
                let url = url::Url::parse(&format!("https://graph.example{path}")).expect("accepted paths parse");
                assert_eq!(url.host_str(), Some("graph.example"), "{path:?}");
                assert!(!url.path().split('/').any(|segment| segment == ".."), "{path:?}");
            }
        }
    }
}
