//! Small renderers shared by the client commands: the raw body for `--json`, `key: value`
//! blocks for single objects, download summaries, and human-readable sizes.

use std::io::{self, Write};

/// Writes an API body exactly as received, ending the line if the body did not.
pub(crate) fn write_raw_body(out: &mut impl Write, body: &[u8]) -> io::Result<()> {
    out.write_all(body)?;
    if !body.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `--json` for a paged listing: each page's raw body, one per line.
pub(crate) fn write_raw_pages(out: &mut impl Write, pages: &[impl AsRef<[u8]>]) -> io::Result<()> {
    pages.iter().try_for_each(|page| write_raw_body(out, page.as_ref()))
}

/// Writes `key: value` lines with the values aligned; `None` values are skipped.
pub(crate) fn write_fields(out: &mut impl Write, fields: &[(&str, Option<String>)]) -> io::Result<()> {
    let width = fields.iter().filter(|(_, value)| value.is_some()).map(|(key, _)| key.len()).max().unwrap_or(0);
    for (key, value) in fields {
        if let Some(value) = value {
            writeln!(out, "{:width$}  {value}", format!("{key}:"), width = width + 1)?;
        }
    }
    Ok(())
}

/// What a download to a file wrote: with `--json` an object naming the source
/// (`subject` = `("wamid", …)` or `("media_id", …)`), else `Downloaded {what} to PATH (SIZE, MIME)`.
pub(crate) fn write_download(
    out: &mut impl Write,
    json: bool,
    subject: (&str, &str),
    what: &str,
    path: &std::path::Path,
    downloaded: &wabagate_sdk::Downloaded,
) -> io::Result<()> {
    if json {
        // The content went to the file; --json describes what was written.
        let mut description = serde_json::json!({
            "path": path.display().to_string(),
            "bytes": downloaded.bytes,
            "mime_type": downloaded.mime_type,
        });
        description[subject.0] = subject.1.into();
        return writeln!(out, "{description}");
    }
    let mime_type = downloaded.mime_type.as_ref().map(|mime_type| format!(", {mime_type}")).unwrap_or_default();
    writeln!(out, "Downloaded {what} to {} ({}{mime_type})", path.display(), human_size(downloaded.bytes))
}

/// `1.5 MiB`, `512 B`: binary units, as WhatsApp's media limits are stated.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0 MiB");
    }

    #[test]
    fn fields_are_aligned_and_absent_ones_skipped() {
        let mut out = Vec::new();
        write_fields(&mut out, &[("id", Some("1".into())), ("missing", None), ("mime_type", Some("x".into()))])
            .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "id:         1\nmime_type:  x\n");
    }

    #[test]
    fn the_raw_body_is_unchanged_and_ends_a_line() {
        let mut out = Vec::new();
        write_raw_body(&mut out, br#"{"a":1}"#).unwrap();
        assert_eq!(out, b"{\"a\":1}\n");
    }
}
