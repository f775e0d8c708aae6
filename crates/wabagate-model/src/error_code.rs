//! Meta's error codes for the Cloud API: number, title and the HTTP status Graph answers
//! with (whatsapp-cloud-api.md §9.3, HTTP column from Meta's older table, S3). Servers
//! render them; clients read them to decide what to do.

/// One entry of Meta's error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: u32,
    pub title: &'static str,
    pub http_status: u16,
    /// Whether retrying later may succeed (throttling, outages).
    pub transient: bool,
}

impl ErrorCode {
    const fn new(code: u32, title: &'static str, http_status: u16, transient: bool) -> Self {
        Self { code, title, http_status, transient }
    }

    /// Graph's `message` for WhatsApp codes: `(#<code>) <title>`.
    pub fn message(&self) -> String {
        format!("(#{}) {}", self.code, self.title)
    }

    /// The table entry for a code, if it is one this crate knows.
    pub fn lookup(code: u32) -> Option<ErrorCode> {
        ALL.iter().copied().find(|entry| entry.code == code)
    }
}

pub const INVALID_PARAMETER: ErrorCode = ErrorCode::new(100, "Invalid parameter", 400, false);
pub const ACCESS_TOKEN_REQUIRED: ErrorCode =
    ErrorCode::new(104, "An access token is required to request this resource.", 400, false);
pub const INVALID_ACCESS_TOKEN: ErrorCode = ErrorCode::new(190, "Invalid OAuth access token", 401, false);
pub const PERMISSION_DENIED: ErrorCode = ErrorCode::new(200, "Permissions error", 403, false);
pub const DEPRECATED_VERSION: ErrorCode =
    ErrorCode::new(2635, "You are calling a deprecated version of the Graph API", 400, false);
pub const RATE_LIMIT_HIT: ErrorCode = ErrorCode::new(130429, "Rate limit hit", 400, true);
pub const SOMETHING_WENT_WRONG: ErrorCode = ErrorCode::new(131000, "Something went wrong", 500, true);
pub const REQUIRED_PARAMETER_MISSING: ErrorCode = ErrorCode::new(131008, "Required parameter is missing", 400, false);
pub const PARAMETER_VALUE_INVALID: ErrorCode = ErrorCode::new(131009, "Parameter value is not valid", 400, false);
pub const RECIPIENT_IS_SENDER: ErrorCode = ErrorCode::new(131021, "Recipient cannot be sender", 400, false);
pub const MESSAGE_UNDELIVERABLE: ErrorCode = ErrorCode::new(131026, "Message Undeliverable", 400, false);
pub const RE_ENGAGEMENT_MESSAGE: ErrorCode = ErrorCode::new(131047, "Re-engagement message", 400, false);
pub const UNSUPPORTED_MESSAGE_TYPE: ErrorCode = ErrorCode::new(131051, "Unsupported message type", 400, false);
pub const MEDIA_UPLOAD_ERROR: ErrorCode = ErrorCode::new(131053, "Media upload error", 400, false);
pub const PAIR_RATE_LIMIT_HIT: ErrorCode =
    ErrorCode::new(131056, "(Business Account, Consumer Account) pair rate limit hit", 400, true);
pub const TEMPLATE_PARAM_COUNT_MISMATCH: ErrorCode =
    ErrorCode::new(132000, "Number of parameters does not match the expected number of params", 400, false);
pub const TEMPLATE_DOES_NOT_EXIST: ErrorCode =
    ErrorCode::new(132001, "Template name does not exist in the translation", 404, false);
pub const TEMPLATE_PARAM_FORMAT_MISMATCH: ErrorCode =
    ErrorCode::new(132012, "Parameter format does not match format in the created template", 400, false);
pub const TEMPLATE_PAUSED: ErrorCode = ErrorCode::new(132015, "Template is Paused", 400, false);
pub const TEMPLATE_DISABLED: ErrorCode = ErrorCode::new(132016, "Template is Disabled", 400, false);

const ALL: &[ErrorCode] = &[
    INVALID_PARAMETER,
    ACCESS_TOKEN_REQUIRED,
    INVALID_ACCESS_TOKEN,
    PERMISSION_DENIED,
    DEPRECATED_VERSION,
    RATE_LIMIT_HIT,
    SOMETHING_WENT_WRONG,
    REQUIRED_PARAMETER_MISSING,
    PARAMETER_VALUE_INVALID,
    RECIPIENT_IS_SENDER,
    MESSAGE_UNDELIVERABLE,
    RE_ENGAGEMENT_MESSAGE,
    UNSUPPORTED_MESSAGE_TYPE,
    MEDIA_UPLOAD_ERROR,
    PAIR_RATE_LIMIT_HIT,
    TEMPLATE_PARAM_COUNT_MISMATCH,
    TEMPLATE_DOES_NOT_EXIST,
    TEMPLATE_PARAM_FORMAT_MISMATCH,
    TEMPLATE_PAUSED,
    TEMPLATE_DISABLED,
];

/// Meta's template-creation subcodes (code 100), whatsapp-cloud-api.md §4.4.
pub mod template_subcode {
    pub const LIMIT_REACHED: u32 = 2388019;
    pub const NAME_EXISTS_IN_LANGUAGE: u32 = 2388024;
    pub const FIELD_TOO_LONG: u32 = 2388040;
    pub const HEADER_FORMAT_INVALID: u32 = 2388047;
    pub const BODY_FORMAT_INVALID: u32 = 2388072;
    pub const FOOTER_FORMAT_INVALID: u32 = 2388073;
    pub const VARIABLE_AT_EDGE: u32 = 2388299;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatsapp_messages_carry_the_code_in_front() {
        assert_eq!(RATE_LIMIT_HIT.message(), "(#130429) Rate limit hit");
        assert_eq!(ErrorCode::lookup(131047), Some(RE_ENGAGEMENT_MESSAGE));
        assert_eq!(ErrorCode::lookup(1), None);
    }
}
