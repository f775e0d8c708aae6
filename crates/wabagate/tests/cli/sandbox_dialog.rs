//! A person going through the connect flow with the sandbox's OAuth dialog, as a browser
//! that does not follow redirects (so each step can be seen), on one instance or, behind a
//! load balancer, across several.

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
    connect_across_instances(url, url, url).await
}

/// The same flow behind a load balancer: Connect is pressed at `press_at` and Meta's
/// callback lands at `called_back_at` (each an instance's address; the links name the
/// public URL the instances share).
pub async fn connect_across_instances(url: &str, press_at: &str, called_back_at: &str) -> reqwest::Response {
    let browser = browser();
    let token =
        Url::parse(url).unwrap().query_pairs().find(|(name, _)| name == "session_token").unwrap().1.into_owned();
    let pressed = Url::parse(&at_origin_of(press_at, url)).unwrap().join("connect").unwrap();
    let pressed = browser.post(pressed).form(&[("session_token", token)]);
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
    browser.get(at_origin_of(called_back_at, &callback)).send().await.unwrap()
}

/// `url` sent to the scheme, host and port of `origin` instead of its own.
fn at_origin_of(origin: &str, url: &str) -> String {
    let origin = Url::parse(origin).unwrap();
    let mut url = Url::parse(url).unwrap();
    url.set_scheme(origin.scheme()).unwrap();
    url.set_host(origin.host_str()).unwrap();
    url.set_port(origin.port()).unwrap();
    url.to_string()
}
