//! The Meta developer apps the sandbox knows: id, secret, display name, the "Valid OAuth
//! Redirect URIs" allow-list, and the Facebook Login for Business configurations
//! (`config_id`) each app owns. It validates; it does not mint codes or tokens.

use std::collections::HashMap;
use std::sync::RwLock;

use url::Url;

use crate::seed::{DEMO_APP_ID, DEMO_APP_SECRET, DEMO_CONFIG_ID};
use crate::tokens::TokenKind;

/// The WhatsApp permissions an Embedded Signup configuration grants.
pub const WHATSAPP_SCOPES: [&str; 2] = ["whatsapp_business_management", "whatsapp_business_messaging"];

/// Permissions the sandbox dialog accepts in `scope`; anything else is an "Invalid Scopes" page.
pub const KNOWN_PERMISSIONS: [&str; 5] =
    ["whatsapp_business_management", "whatsapp_business_messaging", "business_management", "public_profile", "email"];

/// One Meta developer app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaApp {
    pub app_id: String,
    pub app_secret: String,
    /// Shown on the consent page and as `application` in `debug_token`.
    pub name: String,
    pub redirect_uris: RedirectPolicy,
    pub configurations: Vec<LoginConfiguration>,
}

/// Which `redirect_uri` values the dialog and the token endpoint accept for an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectPolicy {
    /// Any absolute `http` or `https` URL: the demo app's default, so a gateway on any
    /// port can complete the flow without configuration.
    AnyHttp,
    /// Meta's strict mode: the URI must equal one of these byte for byte.
    Exact(Vec<String>),
}

impl RedirectPolicy {
    /// Whether `redirect_uri` may receive codes for this app.
    pub fn allows(&self, redirect_uri: &str) -> bool {
        match self {
            Self::AnyHttp => Url::parse(redirect_uri)
                .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some()),
            Self::Exact(allowed) => allowed.iter().any(|uri| uri == redirect_uri),
        }
    }
}

/// A Facebook Login for Business configuration: launched with `config_id`, it fixes the
/// permissions and the kind of token the code exchange yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginConfiguration {
    pub config_id: String,
    pub name: String,
    /// `SystemUser` for Embedded Signup's business (BISU) token, `User` otherwise.
    pub token_kind: TokenKind,
    pub scopes: Vec<String>,
    /// Whether the user also picks a business phone number (Embedded Signup's flow).
    pub embedded_signup: bool,
}

/// The registry of apps, shared by the dialog, the token endpoint, `debug_token` and the
/// webhook deliverer (which signs with the app secret).
#[derive(Debug)]
pub struct MetaApps {
    apps: RwLock<HashMap<String, MetaApp>>,
}

impl Default for MetaApps {
    /// The demo app of [`crate::seed`], accepting any http(s) redirect, with its Embedded
    /// Signup configuration.
    fn default() -> Self {
        let apps = Self { apps: RwLock::new(HashMap::new()) };
        apps.register(MetaApp {
            app_id: DEMO_APP_ID.into(),
            app_secret: DEMO_APP_SECRET.into(),
            name: "Wabagate Sandbox App".into(),
            redirect_uris: RedirectPolicy::AnyHttp,
            configurations: vec![LoginConfiguration {
                config_id: DEMO_CONFIG_ID.into(),
                name: "WhatsApp Embedded Signup".into(),
                token_kind: TokenKind::SystemUser,
                scopes: WHATSAPP_SCOPES.iter().map(|scope| (*scope).into()).collect(),
                embedded_signup: true,
            }],
        });
        apps
    }
}

impl MetaApps {
    /// Adds or replaces an app.
    pub fn register(&self, app: MetaApp) {
        self.write().insert(app.app_id.clone(), app);
    }

    pub fn get(&self, app_id: &str) -> Option<MetaApp> {
        self.read().get(app_id).cloned()
    }

    /// Replaces an app's redirect allow-list; `false` when the app is unknown.
    pub fn set_redirect_policy(&self, app_id: &str, policy: RedirectPolicy) -> bool {
        match self.write().get_mut(app_id) {
            Some(app) => {
                app.redirect_uris = policy;
                true
            }
            None => false,
        }
    }

    /// The app whose literal app token (`{app_id}|{app_secret}`) this is.
    pub fn app_for_literal_token(&self, token: &str) -> Option<MetaApp> {
        let (app_id, secret) = token.split_once('|')?;
        self.get(app_id).filter(|app| app.app_secret == secret)
    }

    /// The app owning a Login for Business configuration.
    pub fn configuration(&self, app_id: &str, config_id: &str) -> Option<LoginConfiguration> {
        self.get(app_id)?.configurations.into_iter().find(|config| config.config_id == config_id)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, MetaApp>> {
        self.apps.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, MetaApp>> {
        self.apps.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_http_policy_accepts_http_and_https_only() {
        let policy = RedirectPolicy::AnyHttp;
        assert!(policy.allows("http://127.0.0.1:8080/oauth/meta/callback"));
        assert!(policy.allows("https://gw.example.com/cb?x=1"));
        assert!(!policy.allows("javascript:alert(1)"));
        assert!(!policy.allows("ftp://example.com/cb"));
        assert!(!policy.allows("/relative/path"));
    }

    #[test]
    fn exact_policy_is_byte_for_byte() {
        let policy = RedirectPolicy::Exact(vec!["https://gw.example.com/cb".into()]);
        assert!(policy.allows("https://gw.example.com/cb"));
        assert!(!policy.allows("https://gw.example.com/cb/"));
        assert!(!policy.allows("https://gw.example.com/cb?x=1"));
    }

    #[test]
    fn literal_app_token_needs_the_right_secret() {
        let apps = MetaApps::default();
        assert!(apps.app_for_literal_token(&format!("{DEMO_APP_ID}|{DEMO_APP_SECRET}")).is_some());
        assert!(apps.app_for_literal_token(&format!("{DEMO_APP_ID}|wrong")).is_none());
    }
}
