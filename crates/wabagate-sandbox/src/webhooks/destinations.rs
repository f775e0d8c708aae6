//! Where one notification goes: one destination per app subscribed to the WABA that has a
//! webhook configured, at the WABA's override URL for number-scoped fields or else the
//! app's callback URL, signed with that app's secret (meta-oauth-and-webhooks.md §8.4).

use std::fmt;

use crate::state::SandboxState;

/// One app's copy of a notification.
#[derive(Clone)]
pub(super) struct Destination {
    pub(super) app_id: String,
    pub(super) url: String,
    pub(super) app_secret: String,
}

impl fmt::Debug for Destination {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("Destination").field("app_id", &self.app_id).field("url", &self.url).finish()
    }
}

/// Apps without a webhook configuration are skipped, as Meta drops their notifications.
pub(super) fn resolve(state: &SandboxState, waba_id: &str, number_scoped: bool) -> Vec<Destination> {
    let webhooks = state.webhooks();
    webhooks
        .subscriptions()
        .of_waba(waba_id)
        .into_iter()
        .filter_map(|subscription| {
            let webhook = webhooks.configs().get(&subscription.app_id)?;
            let app_secret = match webhook.app_secret {
                Some(secret) => secret,
                None => state.oauth().apps().get(&subscription.app_id)?.app_secret,
            };
            let url = match subscription.override_callback_uri {
                Some(override_url) if number_scoped => override_url,
                _ => webhook.callback_url,
            };
            Some(Destination { app_id: subscription.app_id, url, app_secret })
        })
        .collect()
}
