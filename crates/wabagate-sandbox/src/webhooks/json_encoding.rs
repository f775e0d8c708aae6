//! How a webhook body is written: compact JSON with every non-ASCII character escaped as
//! `\uXXXX` (lowercase hex, surrogate pairs), as Meta sends it, or raw UTF-8 to test
//! receivers that re-serialise instead of hashing the bytes they got
//! (meta-oauth-and-webhooks.md §10.1). `/` is never escaped.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// The byte form of webhook bodies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BodyEncoding {
    /// Meta's: ASCII only, non-ASCII escaped.
    #[default]
    AsciiEscaped,
    /// Plain UTF-8.
    RawUtf8,
}

/// Serialises `value` in the chosen encoding. Serialising plain data cannot fail; a
/// failure would mean a `Serialize` impl that errors, which the payload types never do.
pub fn encode(value: &impl Serialize, encoding: BodyEncoding) -> Vec<u8> {
    let mut body = Vec::new();
    let result = match encoding {
        BodyEncoding::AsciiEscaped => {
            value.serialize(&mut serde_json::Serializer::with_formatter(&mut body, AsciiEscaping))
        }
        BodyEncoding::RawUtf8 => value.serialize(&mut serde_json::Serializer::new(&mut body)),
    };
    debug_assert!(result.is_ok(), "webhook payloads always serialise");
    body
}

/// Compact output (the `Formatter` defaults) whose string contents are escaped down to ASCII.
struct AsciiEscaping;

impl Formatter for AsciiEscaping {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        for character in fragment.chars() {
            if character.is_ascii() {
                writer.write_all(&[character as u8])?;
            } else {
                let mut units = [0_u16; 2];
                for unit in character.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_is_escaped_with_lowercase_surrogate_pairs() {
        let body = encode(&serde_json::json!({ "body": "Olá 👍 a/b" }), BodyEncoding::AsciiEscaped);
        assert_eq!(String::from_utf8(body).unwrap(), r#"{"body":"Ol\u00e1 \ud83d\udc4d a/b"}"#);
    }

    #[test]
    fn raw_mode_keeps_utf8() {
        let body = encode(&serde_json::json!({ "body": "Olá" }), BodyEncoding::RawUtf8);
        assert_eq!(String::from_utf8(body).unwrap(), r#"{"body":"Olá"}"#);
    }
}
