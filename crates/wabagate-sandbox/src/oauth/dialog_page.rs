//! The HTML of the OAuth dialog: the consent page, Meta-like error pages and the
//! Embedded Signup page that hands session info to the opener. Plain server-rendered
//! markup with stable ids (`continue`, `cancel`, `asset`, `error`) because a headless
//! browser drives it in wabagate's end-to-end tests; nothing here decides anything.

/// What the consent page shows and submits.
#[derive(Debug)]
pub(super) struct ConsentView<'a> {
    /// Where the form posts (the dialog's own path).
    pub action: &'a str,
    pub app_name: &'a str,
    pub user_name: &'a str,
    /// The configuration name (Login for Business), or `None` for a classic scope request.
    pub configuration: Option<&'a str>,
    pub permissions: &'a [String],
    /// The dialog parameters, resubmitted as hidden fields.
    pub hidden: &'a [(&'static str, String)],
    pub asset_label: &'a str,
    /// `(value, label)` of each asset the user can share; the first is preselected.
    pub assets: &'a [(String, String)],
}

pub(super) fn consent_page(view: &ConsentView<'_>) -> String {
    let requested = match view.configuration {
        Some(name) => format!("<p>Configuration: <strong>{}</strong></p>", escape(name)),
        None => String::new(),
    };
    let permissions: String =
        view.permissions.iter().map(|permission| format!("<li>{}</li>", escape(permission))).collect();
    let hidden: String = view
        .hidden
        .iter()
        .map(|(name, value)| format!(r#"<input type="hidden" name="{name}" value="{}">"#, escape(value)))
        .collect();
    let options: String = view
        .assets
        .iter()
        .map(|(value, label)| format!(r#"<option value="{}">{}</option>"#, escape(value), escape(label)))
        .collect();
    let assets = if view.assets.is_empty() {
        String::new()
    } else {
        format!(
            r#"<p><label for="asset">{}</label><br><select id="asset" name="asset">{options}</select></p>"#,
            escape(view.asset_label)
        )
    };
    page(
        "Log in with Facebook",
        &format!(
            r#"<main id="consent">
<h1>{app} is requesting access</h1>
<p>You are logged in as <strong>{user}</strong> (sandbox).</p>
{requested}<p>{app} will receive:</p>
<ul id="permissions">{permissions}</ul>
<form method="post" action="{action}">
{hidden}
{assets}
<button type="submit" id="continue" name="decision" value="continue">Continue as {user}</button>
<button type="submit" id="cancel" name="decision" value="cancel">Cancel</button>
</form>
</main>"#,
            app = escape(view.app_name),
            user = escape(view.user_name),
            action = escape(view.action),
        ),
    )
}

/// A page Facebook shows instead of redirecting; `code` is a stable machine-readable name.
pub(super) fn error_page(code: &str, title: &str, message: &str) -> String {
    page(
        title,
        &format!(
            r#"<main id="error" data-error="{}">
<h1>{}</h1>
<p>{}</p>
</main>"#,
            escape(code),
            escape(title),
            escape(message)
        ),
    )
}

/// Embedded Signup in a popup: posts the `WA_EMBEDDED_SIGNUP` session-info JSON string to
/// the opener (as Meta's popup does), then continues to `location`.
pub(super) fn session_info_page(app_name: &str, session_info: &serde_json::Value, location: &str) -> String {
    // `</` inside a script element would end it early; JSON allows `\/` for `/`.
    let info = session_info.to_string().replace("</", "<\\/");
    let location_literal = serde_json::Value::from(location).to_string().replace("</", "<\\/");
    page(
        "Embedded Signup",
        &format!(
            r#"<main id="session-info-page">
<p>Returning to {app}… <a id="return" href="{href}">Continue</a></p>
<script type="application/json" id="session-info">{info}</script>
<script>
if (window.opener) {{ window.opener.postMessage(document.getElementById("session-info").textContent, "*"); }}
window.location.replace({location_literal});
</script>
</main>"#,
            app = escape(app_name),
            href = escape(location),
        ),
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1c1e21}}button{{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}}#continue{{background:#1877f2;color:#fff;border:0;border-radius:6px}}</style>
</head>
<body>
{body}
</body>
</html>
"#,
        escape(title)
    )
}

/// Escapes text for HTML element content and quoted attribute values.
fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_quoted_attribute(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_fields_cannot_break_out_of_their_attribute() {
        let hidden = [("state", r#""><script>x</script>"#.to_owned())];
        let html = consent_page(&ConsentView {
            action: "/v23.0/dialog/oauth",
            app_name: "App",
            user_name: "User",
            configuration: None,
            permissions: &[],
            hidden: &hidden,
            asset_label: "",
            assets: &[],
        });
        assert!(html.contains(r#"value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;""#));
        assert!(!html.contains("<script>x"));
    }

    #[test]
    fn session_info_cannot_close_its_script_element() {
        let info = serde_json::json!({ "data": { "x": "</script><script>alert(1)" } });
        let html = session_info_page("App", &info, "https://gw.example.com/cb?code=1");
        assert!(!html.contains("</script><script>alert"));
    }
}
