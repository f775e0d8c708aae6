//! `wabagate api METHOD PATH`: any Graph call through the gateway, as `gh api` does for
//! GitHub: the escape hatch for what no other command covers. Fields become the query
//! (GET, DELETE) or a JSON body; `--input` sends a body as it is; the answer is printed as
//! it came (pretty JSON on a terminal), and an HTTP error exits 1 with its body printed.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use serde_json::{Map, Value};
use wabagate_sdk::{Method, RawAnswer, RawRequest};

use super::context::ClientOptions;
use super::failure::{Failure, SdkResultExt};
use super::output::write_raw_body;
use super::stdio;

/// The most pages `--paginate` follows: a guard against a server that pages forever.
const MAX_PAGES: usize = 1000;
/// The largest `--input` or `@file` read.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Call any Graph API path through the gateway and print the answer.
#[derive(Debug, Args)]
#[command(after_help = "PATH is a Graph path; the Graph version is added unless it starts with one (v22.0/…).\n\
-F values are typed: true, false, null, numbers and JSON arrays or objects as such, @FILE (or @-)\n\
as the file's text; -f values are always strings.\n\n\
Examples:\n  \
wabagate api GET 1000000000001000 -f fields=display_phone_number,verified_name\n  \
wabagate api GET 1000000000000100/message_templates -F limit=2 --paginate\n  \
wabagate api POST 1000000000001000/messages -f messaging_product=whatsapp -f to=1234567890 -f type=text -F 'text={\"body\":\"Hi\"}'\n  \
echo '{\"messaging_product\":\"whatsapp\",\"to\":\"1234567890\",\"type\":\"text\",\"text\":{\"body\":\"Hi\"}}' | wabagate api POST 1000000000001000/messages --input -")]
pub(crate) struct ApiCommand {
    #[command(flatten)]
    options: ClientOptions,
    /// GET, POST, DELETE, PUT or PATCH.
    method: String,
    /// The Graph path, e.g. `{phone_number_id}/messages` or `v22.0/{waba_id}/phone_numbers`.
    path: String,
    /// A string field, as KEY=VALUE.
    #[arg(short = 'f', long = "raw-field", value_name = "KEY=VALUE")]
    raw_fields: Vec<String>,
    /// A typed field, as KEY=VALUE (see below).
    #[arg(short = 'F', long = "field", value_name = "KEY=VALUE")]
    fields: Vec<String>,
    /// The request body as it is, from a file (`-`: standard input); fields then go to the query.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// A request header, as 'NAME: VALUE'.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Follow Graph's paging (GET only) and print every page, one per line.
    #[arg(long)]
    paginate: bool,
}

pub(crate) async fn run(command: ApiCommand, out: &mut impl Write) -> Result<(), Failure> {
    let json = command.options.json;
    let method = Method::from_bytes(command.method.to_ascii_uppercase().as_bytes())
        .ok()
        .filter(|method| ["GET", "POST", "DELETE", "PUT", "PATCH"].contains(&method.as_str()))
        .ok_or_else(|| {
            Failure::usage(format!("unknown method {:?}: use GET, POST, DELETE, PUT or PATCH", command.method))
        })?;
    if command.paginate && method != Method::GET {
        return Err(Failure::usage("--paginate follows pages of a GET only"));
    }
    let mut fields = Map::new();
    for pair in &command.raw_fields {
        let (key, value) = key_value("-f", pair)?;
        fields.insert(key, Value::String(value));
    }
    for pair in &command.fields {
        let (key, value) = key_value("-F", pair)?;
        fields.insert(key, typed(&value)?);
    }
    let headers = command.headers.iter().map(|header| header_pair(header)).collect::<Result<Vec<_>, _>>()?;
    let fields_in_query = method == Method::GET || method == Method::DELETE || command.input.is_some();
    let body = match &command.input {
        Some(path) if stdio::is_dash(path) => Some(stdio::read_bytes("--input", MAX_INPUT_BYTES)?.into()),
        Some(path) => Some(read_file("--input", path)?.into()),
        None if !fields_in_query => Some(serde_json::to_vec(&fields).expect("a JSON map serialises").into()),
        None => None,
    };
    let query: Vec<(String, String)> = if fields_in_query {
        fields.into_iter().map(|(key, value)| (key, query_text(value))).collect()
    } else {
        Vec::new()
    };

    let client = command.options.client(false)?;
    let pretty = std::io::stdout().is_terminal();
    let mut request = RawRequest { method, path: command.path.clone(), query, headers, body };
    for _ in 0..MAX_PAGES {
        let answer = client.raw(request.clone()).await.or_fail(json)?;
        print_body(out, &answer, pretty)?;
        if !answer.is_success() {
            let request_id = answer.request_id.map(|id| format!(" (request id {id})")).unwrap_or_default();
            eprintln!("error: HTTP {}{request_id}", answer.status);
            return Err(Failure::Reported);
        }
        match next_cursor(&answer).filter(|_| command.paginate) {
            Some(cursor) => {
                request.query.retain(|(key, _)| key != "after");
                request.query.push(("after".to_owned(), cursor));
            }
            None => return Ok(()),
        }
    }
    Ok(())
}

/// `KEY=VALUE`, split at the first `=`.
fn key_value(flag: &str, pair: &str) -> Result<(String, String), Failure> {
    match pair.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(Failure::usage(format!("{flag} {pair:?}: expected KEY=VALUE"))),
    }
}

/// A `-F` value: literals and JSON as such, `@FILE` as the file's text, else a string.
fn typed(value: &str) -> Result<Value, Failure> {
    if let Some(path) = value.strip_prefix('@') {
        let path = PathBuf::from(path);
        let bytes =
            if stdio::is_dash(&path) { stdio::read_bytes("-F", MAX_INPUT_BYTES)? } else { read_file("-F", &path)? };
        let text =
            String::from_utf8(bytes).map_err(|_| Failure::usage(format!("-F @{}: not UTF-8 text", path.display())))?;
        return Ok(Value::String(text.trim_end_matches('\n').to_owned()));
    }
    let literal = matches!(value, "true" | "false" | "null")
        || value.parse::<f64>().is_ok_and(f64::is_finite)
        || value.starts_with('{')
        || value.starts_with('[');
    if literal {
        if let Ok(parsed) = serde_json::from_str(value) {
            return Ok(parsed);
        }
    }
    Ok(Value::String(value.to_owned()))
}

/// A field in the query string: strings as they are, anything else as JSON text.
fn query_text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

fn header_pair(header: &str) -> Result<(String, String), Failure> {
    let (name, value) =
        header.split_once(':').ok_or_else(|| Failure::usage(format!("-H {header:?}: expected 'NAME: VALUE'")))?;
    if name.trim().eq_ignore_ascii_case("authorization") {
        return Err(Failure::usage("-H Authorization: the API key is sent for you (--api-key, WABAGATE_API_KEY)"));
    }
    Ok((name.trim().to_owned(), value.trim().to_owned()))
}

fn read_file(flag: &str, path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    let too_large = std::fs::metadata(path).is_ok_and(|metadata| metadata.len() > MAX_INPUT_BYTES);
    if too_large {
        return Err(Failure::usage(format!("{flag} {}: larger than {MAX_INPUT_BYTES} bytes", path.display())));
    }
    std::fs::read(path).map_err(|error| Failure::usage(format!("{flag} {}: {error}", path.display())))
}

/// The answer's body: re-indented when a person reads it and it is JSON, else unchanged.
fn print_body(out: &mut impl Write, answer: &RawAnswer, pretty: bool) -> std::io::Result<()> {
    if pretty {
        if let Ok(value) = serde_json::from_slice::<Value>(&answer.body) {
            let text = serde_json::to_string_pretty(&value).expect("a JSON value serialises");
            return writeln!(out, "{text}");
        }
    }
    if answer.body.is_empty() {
        return Ok(());
    }
    write_raw_body(out, &answer.body)
}

/// Graph's next-page cursor, when the answer says there is a next page.
fn next_cursor(answer: &RawAnswer) -> Option<String> {
    let value: Value = serde_json::from_slice(&answer.body).ok()?;
    let paging = value.get("paging")?;
    paging.get("next")?;
    paging.pointer("/cursors/after")?.as_str().filter(|cursor| !cursor.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_fields_are_literals_json_or_strings() {
        assert_eq!(typed("true").unwrap(), Value::Bool(true));
        assert_eq!(typed("12").unwrap(), serde_json::json!(12));
        assert_eq!(typed(r#"{"body":"Hi"}"#).unwrap(), serde_json::json!({"body": "Hi"}));
        assert_eq!(typed("hello").unwrap(), Value::String("hello".into()));
        assert_eq!(typed("1e999").unwrap(), Value::String("1e999".into()));
    }

    #[test]
    fn the_api_key_header_is_not_taken_from_h() {
        assert!(header_pair("Authorization: Bearer x").is_err());
        assert_eq!(header_pair("X-Test:  a ").unwrap(), ("X-Test".to_owned(), "a".to_owned()));
    }
}
