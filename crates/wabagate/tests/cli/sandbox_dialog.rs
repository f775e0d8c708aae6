//! A person going through the connect flow with the in-process sandbox's OAuth dialog, as a
//! browser that does not follow redirects (so each step can be seen).

use url::Url;

/// A browser that does not follow redirects, so each step of the flow can be seen.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn after<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html.find(marker).unwrap_or_else(|| panic!("{marker} not in {html}")) + marker.len();
    html[start..].split('"').next().unwrap()
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"").replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// Connect page → Connect → the sandbox's dialog → Continue → the gateway's callback.
/// Answers the gateway's callback response (200, or 303 to the connection's `redirect_url`).
pub async fn connect_through_the_sandbox_dialog(url: &str) -> reqwest::Response {
    let browser = browser();
    let token =
        Url::parse(url).unwrap().query_pairs().find(|(name, _)| name == "session_token").unwrap().1.into_owned();
    let pressed = browser.post(Url::parse(url).unwrap().join("connect").unwrap()).form(&[("session_token", token)]);
    let pressed = pressed.send().await.unwrap();
    assert_eq!(pressed.status(), 303);
    let dialog_url = pressed.headers()["location"].to_str().unwrap().to_owned();
    let dialog = browser.get(&dialog_url).send().await.unwrap().text().await.unwrap();
    let mut fields: Vec<(String, String)> = dialog
        .split(r#"<input type="hidden" name=""#)
        .skip(1)
        .map(|rest| (rest.split('"').next().unwrap().to_owned(), unescape(after(rest, r#"value=""#))))
        .collect();
    fields.push(("asset".into(), unescape(after(&dialog, r#"<option value=""#))));
    fields.push(("decision".into(), "continue".into()));
    let action = Url::parse(&dialog_url).unwrap().join(&unescape(after(&dialog, r#"<form method="post" action=""#)));
    let answered = browser.post(action.unwrap()).form(&fields).send().await.unwrap();
    assert_eq!(answered.status(), 302);
    let callback = answered.headers()["location"].to_str().unwrap().split('#').next().unwrap().to_owned();
    browser.get(callback).send().await.unwrap()
}
