//! One line of advice for the Graph error codes users meet most, saying what to do next.
//! The codes' meanings are Meta's (whatsapp-cloud-api.md §9.3); the advice is ours.

/// What to do about a Graph error `code`, if it is a common one.
pub fn hint_for_graph_code(code: u32) -> Option<&'static str> {
    let hint = match code {
        190 => {
            "The connection's access token is invalid or expired: run `wabagate connections reconnect <id>` and finish the flow in the browser."
        }
        100 => "A parameter is invalid: check the field named in the details.",
        131008 | 131009 => "A parameter is missing or invalid: check the field named in the details.",
        131021 => "The recipient is the sending number itself: send to a customer's number.",
        131026 => "The recipient cannot receive this message (not on WhatsApp, old app or blocked): check the number.",
        131030 => {
            "The recipient is not in the test number's allowed list: add it in the app's WhatsApp settings, or use a production number."
        }
        131031 => {
            "The business account is locked (policy violation or failed verification): check Business Support Home."
        }
        131047 => {
            "More than 24 hours have passed since the customer last wrote: send a template message to reopen the conversation."
        }
        131051 => "This message type is not supported: use one of the documented types.",
        131053 => "The media could not be uploaded or fetched: check the file type, size and link.",
        131056 => {
            "Too many messages to this recipient in a short time: wait a few seconds before sending to them again."
        }
        132000 => "The number of template parameters does not match the template: pass exactly one per {{n}} variable.",
        132001 => {
            "The template does not exist in this language or is not approved yet: check `wabagate templates list`."
        }
        132012 => "A template parameter has the wrong format for the template (e.g. text for an image header).",
        132015 | 132016 => {
            "The template is paused or disabled because of low quality: edit it or use another template."
        }
        133010 => {
            "The phone number is not registered on the Cloud API: register it (POST /{phone_number_id}/register) first."
        }
        130429 => "The phone number's throughput limit was hit: slow down and retry later.",
        131000 => "Meta had a temporary problem: retry later.",
        _ => return None,
    };
    Some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_whatsapp_codes_have_a_hint() {
        for code in [131030, 131031, 131047, 132000, 133010, 130429, 190] {
            assert!(hint_for_graph_code(code).is_some(), "{code}");
        }
        assert_eq!(hint_for_graph_code(1), None);
    }

    #[test]
    fn hints_are_one_line() {
        for code in 0..200_000 {
            if let Some(hint) = hint_for_graph_code(code) {
                assert!(!hint.contains('\n'), "{code}");
            }
        }
    }
}
