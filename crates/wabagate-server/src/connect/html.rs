//! The connect flow's pages: small, server-rendered, no scripts, readable on a phone.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

const STYLE: &str = "body{font-family:system-ui,-apple-system,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;\
color:#1c1e21;line-height:1.5}h1{font-size:1.4rem}.card{border:1px solid #dadde1;border-radius:12px;padding:1.25rem 1.5rem}\
.button{display:inline-block;background:#25d366;color:#fff;font-weight:600;text-decoration:none;padding:.7rem 1.2rem;\
border-radius:8px}button.button{border:0;font-size:1rem;cursor:pointer}.muted{color:#606770;font-size:.9rem}ul{padding-left:1.2rem}code{background:#f0f2f5;padding:.1rem .3rem;border-radius:4px}";

/// A complete page with a title and an already escaped body.
pub(super) fn page(status: StatusCode, title: &str, body_html: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title} · wabagate</title><style>{STYLE}</style></head><body><div class=\"card\">{body_html}</div>\
<p class=\"muted\">wabagate · WhatsApp Business gateway</p></body></html>",
        title = escape(title),
    );
    // `same-origin`: no page URL (they carry link tokens, codes and states) ever reaches
    // another site as a referrer, while the Connect button's post still carries our
    // `Origin` (under `no-referrer` browsers send `Origin: null`).
    (status, [("cache-control", "no-store"), ("referrer-policy", "same-origin")], Html(html)).into_response()
}

/// An error page: what happened and what to do next.
pub(super) fn problem(status: StatusCode, title: &str, explanation: &str, next_step: &str) -> Response {
    page(
        status,
        title,
        &format!(
            "<h1 id=\"title\">{}</h1><p id=\"explanation\">{}</p><p id=\"next-step\">{}</p>",
            escape(title),
            escape(explanation),
            escape(next_step)
        ),
    )
}

/// HTML-escapes text for element content and quoted attributes.
pub(super) fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_quoted_attribute(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_is_escaped() {
        assert_eq!(super::escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;");
    }
}
