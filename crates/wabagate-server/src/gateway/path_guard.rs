//! Which gateway paths may be forwarded. The path after `/whatsapp-business` is appended to
//! the upstream origin as it came, so anything that could make it name another origin or
//! climb out of the Graph API's root is refused here, before any forwarding.

/// The reason a path is refused (shown to the client).
pub(crate) type Refusal = &'static str;

/// Checks the raw (still percent-encoded) path that follows the app prefix.
///
/// Refused: an empty path, empty segments (`//host` would name another host) but for one
/// trailing slash (`/v21.0/{id}/`, which Graph accepts), `.` and `..` segments (with or
/// without a `;` parameter), percent-encoded dots, slashes, backslashes, percent signs or
/// control characters (they decode into the former), and `@`, `\`, whitespace or control
/// characters anywhere.
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
        // Some servers read `..;x` as `..` (a path parameter after the segment).
        match segment.split(';').next().unwrap_or_default() {
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
            "/v21.0//",
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

    mod fuzz {
        use proptest::prelude::*;

        use super::check;

        /// Hostile paths, one JSON string a line (`#` lines are comments).
        const CORPUS: &str = include_str!("../../corpus/path_guard.jsonl");

        /// The property: nothing accepted, appended to the upstream origin, names another
        /// origin or has its segments rewritten (dot segments resolved, backslashes read as
        /// slashes), as hyper's URI parser or a URL-normalising parser reads it.
        fn stays_at_the_origin(path: &str) -> Result<(), TestCaseError> {
            if check(path).is_err() {
                return Ok(());
            }
            let joined = format!("https://graph.example{path}");
            // The proxy builds its upstream URI with hyper's parser; one it cannot parse is refused there.
            if let Ok(uri) = joined.parse::<http::Uri>() {
                prop_assert_eq!(
                    uri.authority().map(|authority| authority.as_str()),
                    Some("graph.example"),
                    "{:?}",
                    path
                );
            }
            // What a URL-normalising hop (or Meta's front end) would make of it.
            if let Ok(url) = url::Url::parse(&joined) {
                prop_assert_eq!(url.host_str(), Some("graph.example"), "{:?}", path);
                prop_assert_eq!(url.port(), None, "{:?}", path);
                // No dot segment was resolved and no backslash read as a slash: same segments.
                let raw_path = path.split(['?', '#']).next().unwrap_or_default();
                prop_assert_eq!(
                    url.path().matches('/').count(),
                    raw_path.matches('/').count(),
                    "{:?} became {}",
                    path,
                    url
                );
            }
            Ok(())
        }

        #[test]
        fn no_corpus_path_leaves_the_origin() {
            let mut refused = 0;
            for line in CORPUS.lines().filter(|line| !line.trim().is_empty() && !line.starts_with('#')) {
                let path: String = serde_json::from_str(line).unwrap_or_else(|error| panic!("{line}: {error}"));
                stays_at_the_origin(&path).unwrap();
                refused += usize::from(check(&path).is_err());
            }
            assert!(refused > 40, "the corpus is mostly hostile; {refused} refused");
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

            #[test]
            fn paths_of_path_syntax_never_leave_the_origin(
                path in "/([./@:?#\\\\ a-z0-9]|%(2[eEfF]|5[cC]|40|25|0[0-9aAdD]|[0-9a-fA-F]{0,2})|[\\x00-\\x1f\\x7f]|\\PC){0,16}"
            ) {
                stays_at_the_origin(&path)?;
            }

            #[test]
            fn arbitrary_strings_never_leave_the_origin(path in "\\PC{0,24}") {
                stays_at_the_origin(&format!("/{path}"))?;
                stays_at_the_origin(&path)?;
            }
        }
    }
}
