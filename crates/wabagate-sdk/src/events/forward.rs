//! POSTing events to a local URL signed as a subscription signs them (`wabagate listen
//! --forward-to`): the event's exact body, its id as `webhook-id`, a fresh timestamp.
//! Its own HTTP client: the gateway's API key is never sent to the receiver, redirects
//! are not followed, and each attempt is bounded as the gateway bounds its deliveries.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use url::Url;

use super::Event;
use crate::error::Error;
use crate::webhook_signature::WebhookSecret;

/// How long one forward may take, connect to answer: the gateway's limit per attempt.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(15);

/// Signs and POSTs events to one URL.
#[derive(Debug, Clone)]
pub struct Forwarder {
    http: reqwest::Client,
    url: Url,
    secret: WebhookSecret,
}

/// What the receiver answered to one forwarded event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forwarded {
    pub status: u16,
    pub duration: Duration,
}

impl Forwarded {
    /// A 2xx, as a subscription counts success (a redirect is a failure).
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Forwarder {
    /// A forwarder to `url` (http or https) signing with `secret`. Fails with
    /// [`Error::Config`] when `url` is not one.
    pub fn new(url: &str, secret: WebhookSecret) -> Result<Self, Error> {
        let url = Url::parse(url.trim())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
            .ok_or_else(|| {
                Error::Config(format!("{url:?} is not an http(s) URL such as http://localhost:3000/webhook"))
            })?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("wabagate-listen/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(FORWARD_TIMEOUT)
            .build()
            .map_err(|error| Error::Config(format!("The HTTP client could not be built: {error}")))?;
        Ok(Self { http, url, secret })
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    /// POSTs `event` once. Any answer is returned (the caller tells success by
    /// [`Forwarded::is_success`]); only no answer at all is an [`Error::Transport`].
    pub async fn forward(&self, event: &Event) -> Result<Forwarded, Error> {
        let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs() as i64);
        let signed = self.secret.sign(&event.id, timestamp, &event.raw);
        let started = Instant::now();
        let response = self
            .http
            .post(self.url.clone())
            .header("Content-Type", "application/json")
            .header("webhook-id", &signed.id)
            .header("webhook-timestamp", signed.timestamp.to_string())
            .header("webhook-signature", &signed.signature)
            .body(event.raw.clone())
            .send()
            .await
            .map_err(|source| Error::Transport { url: self.url.to_string(), source })?;
        let status = response.status().as_u16();
        drain(response).await;
        Ok(Forwarded { status, duration: started.elapsed() })
    }
}

/// Reads (and drops) a small answer so its connection can be reused; a large one is cut
/// off instead, as nothing of it is shown.
async fn drain(mut response: reqwest::Response) {
    const DRAINED: usize = 64 * 1024;
    let mut read = 0;
    while let Ok(Some(chunk)) = response.chunk().await {
        read += chunk.len();
        if read > DRAINED {
            break;
        }
    }
}
