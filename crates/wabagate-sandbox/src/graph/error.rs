//! The one place that decides what a failed Graph call looks like: status, Graph's
//! `{"error": {…}}` body with a fresh `fbtrace_id`, and the `WWW-Authenticate` header on
//! token errors (whatsapp-cloud-api.md §1.3, §9). Handlers return [`GraphError`]; nothing
//! else writes an error body.

use axum::Json;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use wabagate_model::error_code::{self, ErrorCode};
use wabagate_model::graph_error::{ErrorData, GraphError as GraphErrorObject, GraphErrorBody};
use wabagate_model::{ValidationError, Violation};

use crate::ids::new_trace_id;
use crate::pacific_time::session_expired_message;
use crate::tokens::TokenRejection;

/// A failed Graph call, ready to be answered.
#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: StatusCode,
    /// Boxed: errors travel up through every handler's `Result`, which stays small.
    pub error: Box<GraphErrorObject>,
    /// The `<kind>` of `WWW-Authenticate: OAuth "Facebook Platform" "<kind>" "<message>"`
    /// when set explicitly (the OAuth endpoints); otherwise derived from the code.
    pub authenticate: Option<&'static str>,
}

const OAUTH_EXCEPTION: &str = "OAuthException";
const GRAPH_METHOD_EXCEPTION: &str = "GraphMethodException";

impl GraphError {
    pub(crate) fn new(status: u16, kind: &str, code: u32, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            error: Box::new(GraphErrorObject {
                message: message.into(),
                kind: kind.into(),
                code,
                error_subcode: None,
                error_data: None,
                error_user_title: None,
                error_user_msg: None,
                is_transient: None,
                fbtrace_id: None,
            }),
            authenticate: None,
        }
    }

    /// A WhatsApp error from Meta's table: `(#code) title`, with `details` in `error_data`.
    pub fn whatsapp(code: ErrorCode, details: impl Into<String>) -> Self {
        let mut error = Self::new(code.http_status, OAUTH_EXCEPTION, code.code, code.message());
        error.error.error_data = Some(ErrorData::whatsapp(details));
        error
    }

    pub fn with_subcode(mut self, subcode: u32) -> Self {
        self.error.error_subcode = Some(subcode);
        self
    }

    pub fn with_user_message(mut self, title: impl Into<String>, message: impl Into<String>) -> Self {
        self.error.error_user_title = Some(title.into());
        self.error.error_user_msg = Some(message.into());
        self
    }

    /// `(#100) Invalid parameter` with an explanation.
    pub fn invalid_parameter(details: impl Into<String>) -> Self {
        Self::whatsapp(error_code::INVALID_PARAMETER, details)
    }

    /// `(#100) The parameter X is required.`, Graph's wording for a missing parameter.
    pub fn missing_parameter(field: &str) -> Self {
        let sentence = format!("The parameter {field} is required.");
        let mut error = Self::whatsapp(error_code::INVALID_PARAMETER, sentence.clone());
        error.error.message = format!("(#100) {sentence}");
        error
    }

    /// A broken message rule. Counts, uniqueness, enums and shapes are "Parameter value is
    /// not valid" (131009); lengths, types and unknown keys are "Invalid parameter" (100);
    /// a missing field is Graph's "The parameter X is required." (100).
    pub fn from_violation(error: &ValidationError) -> Self {
        let details = error.details();
        match &error.violation {
            Violation::Missing => Self::missing_parameter(&error.field),
            Violation::UnsupportedType { .. } | Violation::NotForRecipientType { .. } => {
                Self::whatsapp(error_code::UNSUPPORTED_MESSAGE_TYPE, details)
            }
            _ if error.field == "messaging_product" => Self::invalid_parameter(details),
            Violation::TooMany { .. }
            | Violation::TooFew { .. }
            | Violation::Duplicate { .. }
            | Violation::NotAllowed { .. }
            | Violation::Malformed { .. }
            | Violation::VariableAtEdge => Self::whatsapp(error_code::PARAMETER_VALUE_INVALID, details),
            Violation::TooLong { .. }
            | Violation::TooLarge { .. }
            | Violation::Empty
            | Violation::Unparsable { .. }
            | Violation::UnexpectedKey { .. }
            | Violation::ExactlyOneOf { .. } => Self::invalid_parameter(details),
        }
    }

    /// Graph's answer for an id that does not exist or that the token may not see; Meta
    /// does not tell the two apart.
    pub fn unknown_object(method: &Method, id: &str) -> Self {
        let method = method.as_str().to_ascii_lowercase();
        let message = format!(
            "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing \
             permissions, or does not support this operation. Please read the Graph API documentation at \
             https://developers.facebook.com/docs/graph-api"
        );
        let mut error = Self::new(400, GRAPH_METHOD_EXCEPTION, 100, message);
        error.error.error_subcode = Some(33);
        error
    }

    /// An edge no object has.
    pub fn unknown_path(components: &str) -> Self {
        Self::new(400, OAUTH_EXCEPTION, 2500, format!("Unknown path components: {components}"))
    }

    /// A `fields=` value that does not parse.
    pub fn syntax(message: &str) -> Self {
        Self::new(400, OAUTH_EXCEPTION, 2500, message)
    }

    /// A `fields=` entry the node does not have.
    pub fn nonexisting_field(field: &str, node_type: &str) -> Self {
        Self::new(
            400,
            OAUTH_EXCEPTION,
            100,
            format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"),
        )
    }

    /// A token that is missing, unknown or expired (`now`: sandbox Unix seconds).
    pub fn token(rejection: &TokenRejection, now: i64) -> Self {
        match rejection {
            TokenRejection::Missing => Self::new(
                error_code::ACCESS_TOKEN_REQUIRED.http_status,
                OAUTH_EXCEPTION,
                error_code::ACCESS_TOKEN_REQUIRED.code,
                error_code::ACCESS_TOKEN_REQUIRED.title,
            ),
            TokenRejection::Invalid => {
                Self::new(401, OAUTH_EXCEPTION, 190, "Invalid OAuth access token - Cannot parse access token")
            }
            TokenRejection::Expired { expired_at } => {
                let mut error = Self::new(401, OAUTH_EXCEPTION, 190, session_expired_message(*expired_at, now));
                error.error.error_subcode = Some(463);
                error
            }
        }
    }

    /// The token is valid but lacks a permission the call needs.
    pub fn permission(scope: &str) -> Self {
        let mut error =
            Self::whatsapp(error_code::PERMISSION_DENIED, format!("The access token lacks the {scope} permission."));
        error.error.message = "(#200) Permissions error".into();
        error
    }

    /// An upload whose MIME type Meta does not take, in Meta's words (the list is Meta's,
    /// in Meta's order, as graph.facebook.com sends it).
    pub fn unsupported_upload_type(mime: &str) -> Self {
        const ACCEPTED: &str = "audio/aac, audio/mp4, audio/mpeg, audio/amr, audio/ogg, audio/opus, \
            application/vnd.ms-powerpoint, application/msword, \
            application/vnd.openxmlformats-officedocument.wordprocessingml.document, \
            application/vnd.openxmlformats-officedocument.presentationml.presentation, \
            application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/pdf, text/plain, \
            application/vnd.ms-excel, image/jpeg, image/png, image/webp, video/mp4, video/3gpp";
        let mime = mime.replace(['\'', '\r', '\n'], "");
        Self::new(
            400,
            OAUTH_EXCEPTION,
            100,
            format!(
                "(#100) Param file must be a file with one of the following types: {ACCEPTED}. Received file of type '{mime}'."
            ),
        )
    }

    /// A request body that is not JSON (or not the form Graph expects).
    pub fn unparsable_body(reason: &str) -> Self {
        Self::invalid_parameter(format!("The request body could not be parsed: {reason}"))
    }

    fn www_authenticate(&self) -> Option<HeaderValue> {
        let kind = match (self.authenticate, self.error.code) {
            (Some(kind), _) => kind,
            (None, 190) => "invalid_token",
            (None, 104) => "invalid_request",
            (None, _) => return None,
        };
        let message = self.error.message.replace('"', "'");
        HeaderValue::from_str(&format!("OAuth \"Facebook Platform\" \"{kind}\" \"{message}\"")).ok()
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let trace_id = new_trace_id();
        let authenticate = self.www_authenticate();
        let mut error = *self.error;
        error.fbtrace_id = Some(trace_id.clone());
        let mut response = (self.status, Json(GraphErrorBody { error })).into_response();
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&trace_id) {
            headers.insert("x-fb-trace-id", value);
        }
        if let Some(value) = authenticate {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
