//! The fields of the Graph nodes the sandbox serves, each derived from Meta's OpenAPI
//! description (`business-messaging-api_v23.0.yaml`) and, where that file only lists some
//! of a node's fields, from Meta's Graph API node reference (whatsapp-cloud-api.md §4, §5).
//! Each field has a plausible value; a field a node does not have is Meta's `(#100)
//! Tried accessing nonexisting field` error.

pub(super) mod phone_number;
pub(super) mod template;
pub(super) mod waba;

use time::OffsetDateTime;
use time::macros::format_description;

/// Graph's timestamp format for node fields: `2025-01-15T10:00:00+0000`.
pub(super) fn graph_time(unix: i64) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|time| time.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00+0000".into())
}
