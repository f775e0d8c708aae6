//! `GET /connect`: where a connection's `url` leads. The browser connect flow with Meta's
//! OAuth dialog is not built yet; until it is, this page says so and names the way that
//! works today (an operator imports a System User token).

use axum::response::Html;

pub(crate) async fn page() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect WhatsApp Business · wabagate</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1c1e21}code{background:#f0f2f5;padding:.1rem .3rem;border-radius:4px}</style>
</head><body>
<h1>Connecting in the browser is not available yet</h1>
<p>This wabagate does not run the browser connect flow with Meta yet.</p>
<p>An operator can connect a WhatsApp Business Account with a permanent System User token instead:</p>
<p><code>wabagate admin connections import --account ACCOUNT --token TOKEN --waba-id WABA_ID</code></p>
</body></html>"#,
    )
}
