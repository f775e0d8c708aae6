//! The Graph API's error body, `{"error": {…}}` (whatsapp-cloud-api.md §1.3), shared by
//! whatever writes it (the sandbox) and whatever reads it (the SDK).

use serde::{Deserialize, Serialize};

/// `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphErrorBody {
    pub error: GraphError,
}

/// Graph's error object. Optional members are omitted when absent, as Graph does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphError {
    pub message: String,
    /// `OAuthException` or `GraphMethodException`.
    #[serde(rename = "type")]
    pub kind: String,
    pub code: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_subcode: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_data: Option<ErrorData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_user_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_user_msg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_transient: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbtrace_id: Option<String>,
}

/// WhatsApp errors explain themselves in `error_data`; template-management errors have
/// been seen with a plain string there instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorData {
    Details {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        messaging_product: Option<String>,
        details: String,
    },
    Text(String),
}

impl ErrorData {
    /// WhatsApp's usual `{"messaging_product": "whatsapp", "details": …}`.
    pub fn whatsapp(details: impl Into<String>) -> Self {
        ErrorData::Details { messaging_product: Some("whatsapp".into()), details: details.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_members_are_omitted_and_both_error_data_shapes_parse() {
        let body = json!({"error": {"message": "(#131009) Parameter value is not valid", "type": "OAuthException",
            "code": 131009, "error_data": {"messaging_product": "whatsapp", "details": "x"}, "fbtrace_id": "A"}});
        let parsed: GraphErrorBody = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(parsed.error.error_data, Some(ErrorData::whatsapp("x")));
        assert_eq!(serde_json::to_value(&parsed).unwrap(), body);
        let text: GraphError = serde_json::from_value(
            json!({"message": "m", "type": "OAuthException", "code": 100, "error_data": "plain"}),
        )
        .unwrap();
        assert_eq!(text.error_data, Some(ErrorData::Text("plain".into())));
    }
}
