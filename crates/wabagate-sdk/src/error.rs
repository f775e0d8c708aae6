//! The SDK's one error type. Local problems (a broken WhatsApp rule, missing settings, a
//! file that cannot be read) are told apart from answers of the gateway or of Meta, so a
//! caller (the CLI's exit code) can tell "fix your input" from "the API said no".

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use wabagate_model::ValidationError;
use wabagate_model::graph_error::{ErrorData, GraphErrorBody};

use crate::connections::ConnectionStatus;
use crate::hint::hint_for_graph_code;
use crate::ledger::{MessageError, MessageStatus};

/// Everything an SDK call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A WhatsApp rule broken locally, before any network call: the field and the limit.
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    /// The client is not usable as configured (no API key, a base URL that is not a URL).
    #[error("{0}")]
    Config(String),
    /// The gateway itself refused the request (its own `WabagateError`).
    #[error("{0}")]
    Gateway(Box<GatewayError>),
    /// Meta's Graph API (or the sandbox) refused the request; the gateway passed it through.
    #[error("{0}")]
    Graph(Box<GraphApiError>),
    /// A non-2xx answer whose body is neither error shape.
    #[error("HTTP {status}: {}", body_snippet(.body))]
    Http { status: u16, request_id: Option<String>, body: Bytes },
    /// A 2xx answer whose body is not what the operation returns.
    #[error("unexpected response body (HTTP {status}): {reason}")]
    UnexpectedBody { status: u16, reason: String, body: Bytes },
    /// The gateway could not be reached, or the connection broke mid-answer.
    #[error("could not talk to the gateway at {url}: {}", root_cause(.source))]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// A local file could not be read or written.
    #[error("{}: {source}", .path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// [`crate::Client::wait_until_active`] gave up: the connection failed or did not become
    /// ACTIVE in time.
    #[error("connection {connection_id} is {status} after waiting {}s", .waited.as_secs())]
    NotActive { connection_id: String, status: ConnectionStatus, waited: Duration },
    /// [`crate::Client::wait_for_status`]: Meta reported the message `failed`, with these errors.
    #[error("message {wamid} failed: {}", failure_line(.errors))]
    MessageFailed { wamid: String, errors: Vec<MessageError> },
    /// [`crate::Client::wait_for_status`] gave up before the message reached `target`.
    #[error("message {wamid} is not {target} after waiting {}s (last status: {})", .waited.as_secs(), .last_status.map_or("not recorded yet", MessageStatus::as_str))]
    WaitTimedOut { wamid: String, target: MessageStatus, last_status: Option<MessageStatus>, waited: Duration },
}

impl Error {
    /// Whether the problem was found locally (bad input or settings), before or without
    /// an answer from the API: the CLI's exit code 2 rather than 1.
    pub fn is_local(&self) -> bool {
        matches!(self, Error::Invalid(_) | Error::Config(_))
    }

    /// The HTTP status of an API answer, if the error is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Gateway(error) => Some(error.status),
            Error::Graph(error) => Some(error.status),
            Error::Http { status, .. } | Error::UnexpectedBody { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The body of the API answer behind the error, byte for byte, if there was one.
    pub fn body(&self) -> Option<&Bytes> {
        match self {
            Error::Gateway(error) => Some(&error.body),
            Error::Graph(error) => Some(&error.body),
            Error::Http { body, .. } | Error::UnexpectedBody { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The answer's `X-Request-Id`: what the gateway's operator looks the call up by.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Gateway(error) => error.request_id.as_deref(),
            Error::Graph(error) => error.request_id.as_deref(),
            Error::Http { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the gateway could not be reached at all (nothing listens at its address).
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport { source, .. } if source.is_connect())
    }

    /// One line of advice, for the errors that have one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Graph(error) => error.hint(),
            Error::Gateway(error) => error.hint(),
            Error::MessageFailed { errors, .. } => errors.first().and_then(|error| hint_for_graph_code(error.code)),
            _ => None,
        }
    }

    /// Reads a non-2xx answer: the gateway's own error, a Graph error, or neither.
    pub(crate) fn from_answer(
        status: u16,
        retry_after: Option<Duration>,
        request_id: Option<String>,
        body: Bytes,
    ) -> Self {
        #[derive(serde::Deserialize)]
        struct GatewayBody {
            error: GatewayErrorFields,
        }
        #[derive(serde::Deserialize)]
        struct GatewayErrorFields {
            message: String,
            #[serde(rename = "type")]
            kind: String,
            gateway_code: String,
        }
        if let Ok(gateway) = serde_json::from_slice::<GatewayBody>(&body) {
            if gateway.error.kind == "WabagateError" {
                return Error::Gateway(Box::new(GatewayError {
                    status,
                    gateway_code: gateway.error.gateway_code,
                    message: gateway.error.message,
                    retry_after,
                    request_id,
                    body,
                }));
            }
        }
        match serde_json::from_slice::<GraphErrorBody>(&body) {
            Ok(graph) => {
                let error = graph.error;
                let details = match error.error_data {
                    Some(ErrorData::Details { details, .. }) => Some(details),
                    Some(ErrorData::Text(text)) => Some(text),
                    None => None,
                };
                Error::Graph(Box::new(GraphApiError {
                    status,
                    code: error.code,
                    subcode: error.error_subcode,
                    kind: error.kind,
                    message: error.message,
                    details,
                    user_message: error.error_user_msg,
                    fbtrace_id: error.fbtrace_id,
                    retry_after,
                    request_id,
                    body,
                }))
            }
            Err(_) => Error::Http { status, request_id, body },
        }
    }
}

/// The gateway's own refusal: `{"error":{"message","type":"WabagateError","code","gateway_code"}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (HTTP {status}, {gateway_code})")]
pub struct GatewayError {
    pub status: u16,
    /// Stable name to branch on: `invalid_api_key`, `missing_connection`, `rate_limited`, ….
    pub gateway_code: String,
    pub message: String,
    /// From `Retry-After`, on 429s.
    pub retry_after: Option<Duration>,
    /// The answer's `X-Request-Id`.
    pub request_id: Option<String>,
    pub body: Bytes,
}

impl GatewayError {
    /// What to do, for the gateway errors users run into first.
    pub fn hint(&self) -> Option<&'static str> {
        let hint = match self.gateway_code.as_str() {
            "missing_api_key" | "invalid_api_key" => {
                "Set WABAGATE_API_KEY (or MATON_API_KEY) to a valid key, or pass --api-key."
            }
            "missing_connection" => {
                "Create a connection with `wabagate connections create --open` and finish it in the browser."
            }
            "connection_not_active" => "Open the connection's url (`wabagate connections get <id>`) or reconnect it.",
            "rate_limited" => "Slow down: the gateway allows a fixed number of requests per second per account.",
            "unknown_route" => "This gateway does not offer that operation (it may be newer than the gateway).",
            _ => return None,
        };
        Some(hint)
    }
}

/// Meta's refusal as the Graph API writes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", graph_line(self))]
pub struct GraphApiError {
    pub status: u16,
    pub code: u32,
    pub subcode: Option<u32>,
    /// `OAuthException`, `GraphMethodException`, ….
    pub kind: String,
    pub message: String,
    /// `error_data.details`: usually names the offending field.
    pub details: Option<String>,
    /// `error_user_msg`, when Meta wrote one for end users.
    pub user_message: Option<String>,
    /// Quote this to Meta's support.
    pub fbtrace_id: Option<String>,
    pub retry_after: Option<Duration>,
    /// The gateway's `X-Request-Id` for the call.
    pub request_id: Option<String>,
    pub body: Bytes,
}

impl GraphApiError {
    /// One line on what to do, for the common WhatsApp codes.
    pub fn hint(&self) -> Option<&'static str> {
        hint_for_graph_code(self.code)
    }
}

fn graph_line(error: &GraphApiError) -> String {
    let mut line = error.message.clone();
    if let Some(details) = error.details.as_deref().filter(|details| !details.is_empty()) {
        line.push_str(": ");
        line.push_str(details);
    }
    line.push_str(&format!(" (HTTP {}, code {}", error.status, error.code));
    if let Some(subcode) = error.subcode {
        line.push_str(&format!(", subcode {subcode}"));
    }
    if let Some(fbtrace_id) = &error.fbtrace_id {
        line.push_str(&format!(", fbtrace_id {fbtrace_id}"));
    }
    line.push(')');
    line
}

fn failure_line(errors: &[MessageError]) -> String {
    match errors {
        [] => "no error given".to_owned(),
        errors => errors.iter().map(MessageError::to_string).collect::<Vec<_>>().join("; "),
    }
}

/// The innermost cause (`Connection refused`), which is what a user can act on.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

fn body_snippet(body: &Bytes) -> String {
    const SHOWN: usize = 200;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wabagate_error_body_becomes_a_gateway_error() {
        let body = Bytes::from_static(
            br#"{"error":{"message":"Invalid API key: unknown key","type":"WabagateError","code":401,"gateway_code":"invalid_api_key"}}"#,
        );
        let error = Error::from_answer(401, None, Some("req-1".into()), body.clone());
        let Error::Gateway(gateway) = &error else { panic!("{error:?}") };
        assert_eq!(gateway.gateway_code, "invalid_api_key");
        assert_eq!(error.to_string(), "Invalid API key: unknown key (HTTP 401, invalid_api_key)");
        assert_eq!(error.body(), Some(&body));
        assert_eq!(error.request_id(), Some("req-1"));
        assert!(error.hint().is_some());
        assert!(!error.is_local());
    }

    #[test]
    fn a_graph_error_body_keeps_code_subcode_details_and_trace_id() {
        let body = Bytes::from_static(
            br#"{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_subcode":2494010,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed"},"fbtrace_id":"AbC"}}"#,
        );
        let error = Error::from_answer(400, None, None, body);
        let Error::Graph(graph) = &error else { panic!("{error:?}") };
        assert_eq!((graph.code, graph.subcode), (131047, Some(2494010)));
        assert_eq!(graph.fbtrace_id.as_deref(), Some("AbC"));
        assert_eq!(
            error.to_string(),
            "(#131047) Re-engagement message: Message failed to send because more than 24 hours have passed (HTTP 400, code 131047, subcode 2494010, fbtrace_id AbC)"
        );
        assert!(error.hint().unwrap().contains("template"));
    }

    #[test]
    fn any_other_body_is_a_plain_http_error_with_a_short_snippet() {
        let error = Error::from_answer(502, None, None, Bytes::from("x".repeat(500)));
        assert!(matches!(error, Error::Http { status: 502, .. }));
        assert!(error.to_string().ends_with("…"));
        assert_eq!(Error::from_answer(500, None, None, Bytes::new()).to_string(), "HTTP 500: (empty body)");
    }

    #[test]
    fn validation_errors_are_local_and_name_the_field_and_limit() {
        let error = Error::from(ValidationError::new(
            "text['body']",
            wabagate_model::Violation::TooLong { max: 4096, actual: 4097 },
        ));
        assert!(error.is_local());
        assert_eq!(error.to_string(), "Param text['body'] must be at most 4096 characters long.");
    }
}
