//! Which apps are subscribed to which WABA (`/{WABA_ID}/subscribed_apps`), with the
//! optional per-WABA `override_callback_uri` (meta-oauth-and-webhooks.md §8). A WABA's
//! webhooks reach only its subscribed apps.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use crate::seed::{DEMO_APP_ID, DEMO_WABA_ID};

/// One app's subscription to one WABA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub app_id: String,
    /// Replaces the app's callback URL for this WABA's number-scoped fields (`messages`).
    pub override_callback_uri: Option<String>,
}

/// Subscriptions per WABA.
#[derive(Debug)]
pub struct WabaSubscriptions {
    by_waba: RwLock<HashMap<String, BTreeMap<String, Option<String>>>>,
}

impl Default for WabaSubscriptions {
    /// The demo app is subscribed to the demo WABA: the demo business authorised it.
    fn default() -> Self {
        let subscriptions = Self { by_waba: RwLock::new(HashMap::new()) };
        subscriptions.subscribe(DEMO_WABA_ID, DEMO_APP_ID, None);
        subscriptions
    }
}

impl WabaSubscriptions {
    /// Subscribes an app, replacing (or, with `None`, removing) its override URL.
    pub fn subscribe(&self, waba_id: &str, app_id: &str, override_callback_uri: Option<String>) {
        self.write().entry(waba_id.to_owned()).or_default().insert(app_id.to_owned(), override_callback_uri);
    }

    /// Unsubscribes an app; `false` if it was not subscribed.
    pub fn unsubscribe(&self, waba_id: &str, app_id: &str) -> bool {
        self.write().get_mut(waba_id).is_some_and(|apps| apps.remove(app_id).is_some())
    }

    /// The apps subscribed to a WABA, ordered by app id.
    pub fn of_waba(&self, waba_id: &str) -> Vec<Subscription> {
        let by_waba = self.by_waba.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        by_waba
            .get(waba_id)
            .map(|apps| {
                apps.iter()
                    .map(|(app_id, uri)| Subscription { app_id: app_id.clone(), override_callback_uri: uri.clone() })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, BTreeMap<String, Option<String>>>> {
        self.by_waba.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
