//! The errors the gateway itself answers with, and the one place that decides their status
//! and body.
//!
//! The body is Graph's error shape, so Graph client libraries show our errors as well as
//! Meta's: `{"error":{"message","type":"WabagateError","code":<http status>,"gateway_code"}}`.
//! An upstream 4xx/5xx is not an `ApiError`: it is a response proxied byte for byte.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use wabagate_store::ConnectionStatus;

/// What a client can be told went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: no `Authorization: Bearer` header.
    #[error("Missing API key: send `Authorization: Bearer <your wabagate API key>`.")]
    MissingApiKey,
    /// 401: malformed, unknown or revoked key.
    #[error("Invalid API key: {0}")]
    InvalidApiKey(&'static str),
    /// 400: the account has no ACTIVE connection for the app.
    #[error(
        "No ACTIVE whatsapp-business connection for this account. Create one with POST /connections {{\"app\":\"whatsapp-business\"}} and open its url to connect a WhatsApp Business Account."
    )]
    MissingConnection,
    /// 400: `Maton-Connection` is not a UUID.
    #[error("Maton-Connection must be a connection id (a UUID such as 21fd90f9-5935-43cd-b6c8-bde9d915ca80).")]
    InvalidConnectionId,
    /// 404: the named connection does not exist (or belongs to another account).
    #[error("Connection {0} was not found for this account.")]
    ConnectionNotFound(uuid::Uuid),
    /// 400: the named connection exists but cannot carry requests.
    #[error("{}", not_active_message(*.connection_id, *.status))]
    ConnectionNotActive { connection_id: uuid::Uuid, status: ConnectionStatus },
    /// 429: over the account's rate.
    #[error("Rate limit exceeded: at most {limit} requests per second per account. Retry after {retry_after_secs} s.")]
    RateLimited { limit: u32, retry_after_secs: u64 },
    /// 400: a gateway path that could leave the upstream's origin.
    #[error(
        "Invalid path: {0}. Use the native Graph API path after /whatsapp-business/, e.g. /whatsapp-business/v21.0/PHONE_NUMBER_ID/messages."
    )]
    InvalidPath(&'static str),
    /// 404: a route outside the gateway's surface.
    #[error(
        "No such route. Gateway calls start with /whatsapp-business/ followed by the native Graph API path, e.g. /whatsapp-business/v21.0/PHONE_NUMBER_ID/messages."
    )]
    UnknownRoute,
    /// 404: a control-API object that does not exist for this account.
    #[error("{0} was not found.")]
    NotFound(String),
    /// 404: a media link that is unknown, altered, expired or another account's (one answer
    /// for all, so a link tells nothing about other accounts).
    #[error(
        "Media link not found: it expired (links last as long as Meta's media URLs), was altered, or belongs to another account. Look the media up again (GET /whatsapp-business/v21.0/MEDIA_ID) for a fresh url."
    )]
    MediaLinkNotFound,
    /// 400: a control-API request that does not make sense.
    #[error("{message}")]
    BadRequest { gateway_code: &'static str, message: String },
    /// 405: a method the Graph API does not use; never forwarded.
    #[error("Method not allowed: the Graph API is called with GET, POST and DELETE only.")]
    MethodNotAllowed,
    /// 400: the caller's request body is not valid HTTP (e.g. a malformed chunk) or ended early.
    #[error("The request body could not be read: it is not valid HTTP/1.1 framing or it ended early.")]
    UnreadableRequestBody,
    /// 408: the caller's request body stopped arriving.
    #[error("The request body stopped arriving: no byte for {0} s.")]
    RequestBodyTimeout(u64),
    /// 502: the upstream answered with something that is not what Meta answers.
    #[error("{0}")]
    BadUpstreamAnswer(String),
    /// 502: the upstream could not be reached.
    #[error("The WhatsApp Business API upstream could not be reached. Try again shortly.")]
    UpstreamUnreachable,
    /// 504: the upstream did not answer in time.
    #[error("The WhatsApp Business API upstream did not answer in time. Try again shortly.")]
    UpstreamTimeout,
    /// 401: a webhook POST without `X-Hub-Signature-256`.
    #[error("Missing X-Hub-Signature-256: webhook deliveries must be signed with the Meta app secret.")]
    WebhookSignatureMissing,
    /// 403: a webhook POST whose signature does not match its body.
    #[error("The X-Hub-Signature-256 signature does not match the body.")]
    WebhookSignatureInvalid,
    /// 403: a verification handshake with the wrong mode or verify token.
    #[error("Webhook verification failed: wrong hub.mode or hub.verify_token.")]
    WebhookVerificationFailed,
    /// 400: a free-form message into a closed customer service window, with enforcement on.
    #[error(
        "The customer's 24-hour service window is closed (Meta error 131047 would follow): send a template instead."
    )]
    ServiceWindowClosed,
    /// 503: the rate limit's Redis does not answer and the limit fails closed.
    #[error(
        "The gateway's rate limit is unavailable (its Redis does not answer, and the gateway is set to refuse rather than limit each instance alone). Try again shortly."
    )]
    RateLimitUnavailable,
    /// 503: the store is not reachable (its database is down, restarting or unreachable).
    #[error("The gateway's database is not reachable. Try again shortly.")]
    StoreUnavailable,
    /// 500: a bug or an outage of our own; the cause is logged, never shown.
    #[error("Internal error. The request id identifies it in the gateway's log.")]
    Internal(#[source] anyhow::Error),
}

fn not_active_message(connection_id: uuid::Uuid, status: ConnectionStatus) -> String {
    let what_to_do = match status {
        ConnectionStatus::Pending => {
            "its connect flow is not finished: open the connection's url (GET /connections/{id}) in a browser"
        }
        ConnectionStatus::Failed => {
            "its connect flow failed: reconnect it (POST /connections/{id}/reconnect) or create a new one"
        }
        ConnectionStatus::Expired => {
            "Meta no longer accepts its token: reconnect it (POST /connections/{id}/reconnect) and open the new url"
        }
        ConnectionStatus::Active => "it is active",
    };
    format!(
        "Connection {connection_id} is {}; {}.",
        status.as_str(),
        what_to_do.replace("{id}", &connection_id.to_string())
    )
}

impl ApiError {
    pub fn bad_request(gateway_code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest { gateway_code, message: message.into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingApiKey | Self::InvalidApiKey(_) => StatusCode::UNAUTHORIZED,
            Self::MissingConnection
            | Self::InvalidConnectionId
            | Self::ConnectionNotActive { .. }
            | Self::InvalidPath(_)
            | Self::UnreadableRequestBody
            | Self::BadRequest { .. }
            | Self::ServiceWindowClosed => StatusCode::BAD_REQUEST,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestBodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::WebhookSignatureMissing => StatusCode::UNAUTHORIZED,
            Self::WebhookSignatureInvalid | Self::WebhookVerificationFailed => StatusCode::FORBIDDEN,
            Self::ConnectionNotFound(_) | Self::UnknownRoute | Self::NotFound(_) | Self::MediaLinkNotFound => {
                StatusCode::NOT_FOUND
            }
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BadUpstreamAnswer(_) | Self::UpstreamUnreachable => StatusCode::BAD_GATEWAY,
            Self::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            Self::StoreUnavailable | Self::RateLimitUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable name of the error, for clients to branch on.
    pub fn gateway_code(&self) -> &'static str {
        match self {
            Self::MissingApiKey => "missing_api_key",
            Self::InvalidApiKey(_) => "invalid_api_key",
            Self::MissingConnection => "missing_connection",
            Self::InvalidConnectionId => "invalid_connection_id",
            Self::ConnectionNotFound(_) => "connection_not_found",
            Self::ConnectionNotActive { .. } => "connection_not_active",
            Self::RateLimited { .. } => "rate_limited",
            Self::InvalidPath(_) => "invalid_path",
            Self::UnknownRoute => "unknown_route",
            Self::NotFound(_) => "not_found",
            Self::MediaLinkNotFound => "media_link_not_found",
            Self::BadRequest { gateway_code, .. } => gateway_code,
            Self::MethodNotAllowed => "method_not_allowed",
            Self::UnreadableRequestBody => "invalid_request_body",
            Self::RequestBodyTimeout(_) => "request_body_timeout",
            Self::BadUpstreamAnswer(_) => "bad_upstream_answer",
            Self::UpstreamUnreachable => "upstream_unreachable",
            Self::UpstreamTimeout => "upstream_timeout",
            Self::WebhookSignatureMissing => "webhook_signature_missing",
            Self::WebhookSignatureInvalid => "webhook_signature_invalid",
            Self::WebhookVerificationFailed => "webhook_verification_failed",
            Self::ServiceWindowClosed => "service_window_closed",
            Self::StoreUnavailable => "store_unavailable",
            Self::RateLimitUnavailable => "rate_limit_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }
}

impl From<wabagate_store::StoreError> for ApiError {
    fn from(error: wabagate_store::StoreError) -> Self {
        if error.is_unavailable() { Self::StoreUnavailable } else { Self::Internal(error.into()) }
    }
}

/// Carried in the response extensions of a 500 so the request's log line can name the cause
/// (which the client never sees).
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::json!({
            "error": {
                "message": self.to_string(),
                "type": "WabagateError",
                "code": status.as_u16(),
                "gateway_code": self.gateway_code(),
            }
        });
        let mut response = (status, Json(body)).into_response();
        match &self {
            Self::RateLimited { retry_after_secs, .. } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            Self::MethodNotAllowed => {
                response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, POST, DELETE"));
            }
            Self::MissingApiKey | Self::InvalidApiKey(_) => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::Internal(cause) => {
                response.extensions_mut().insert(InternalCause(format!("{cause:#}")));
            }
            _ => {}
        }
        response
    }
}
