//! Each app's webhook configuration as set in Meta's App Dashboard (WhatsApp →
//! Configuration): callback URL, verify token, and the secret deliveries are signed with.
//! Storing a configuration here does not verify it; [`super::handshake`] does that first.

use std::collections::HashMap;
use std::fmt;
use std::sync::RwLock;

/// One app's webhook destination.
#[derive(Clone, PartialEq, Eq)]
pub struct AppWebhook {
    pub callback_url: String,
    pub verify_token: String,
    /// Signs deliveries instead of the app secret when set (`--webhook-app-secret`).
    pub app_secret: Option<String>,
}

impl fmt::Debug for AppWebhook {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("AppWebhook")
            .field("callback_url", &self.callback_url)
            .field("verify_token", &"***")
            .field("app_secret", &self.app_secret.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Webhook configuration per app id.
#[derive(Debug, Default)]
pub struct WebhookConfigs {
    by_app: RwLock<HashMap<String, AppWebhook>>,
}

impl WebhookConfigs {
    pub fn set(&self, app_id: &str, webhook: AppWebhook) {
        self.by_app.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(app_id.to_owned(), webhook);
    }

    /// Removes an app's configuration; deliveries to it stop. `false` if there was none.
    pub fn remove(&self, app_id: &str) -> bool {
        self.by_app.write().unwrap_or_else(std::sync::PoisonError::into_inner).remove(app_id).is_some()
    }

    pub fn get(&self, app_id: &str) -> Option<AppWebhook> {
        self.by_app.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(app_id).cloned()
    }

    /// Every configured app, sorted by app id.
    pub fn all(&self) -> Vec<(String, AppWebhook)> {
        let by_app = self.by_app.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut all: Vec<_> = by_app.iter().map(|(app_id, webhook)| (app_id.clone(), webhook.clone())).collect();
        all.sort_by(|left, right| left.0.cmp(&right.0));
        all
    }
}
