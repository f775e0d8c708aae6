//! Command-line settings of the OAuth side (`wabagate sandbox --oauth-…`): the demo app's
//! redirect allow-list and the lifetimes of codes and tokens.

use clap::Args;

use crate::seed::DEMO_APP_ID;
use crate::state::SandboxState;

use super::apps::RedirectPolicy;

/// Flags of the sandbox's OAuth dialog and token endpoint.
#[derive(Debug, Clone, Default, Args)]
pub struct OAuthArgs {
    /// A "Valid OAuth Redirect URI" of the demo app (repeatable; exact match, as Meta's
    /// strict mode). Without any, every http(s) URL is accepted.
    #[arg(long = "oauth-redirect-uri", env = "WABAGATE_SANDBOX_OAUTH_REDIRECT_URIS", value_delimiter = ',')]
    pub redirect_uris: Vec<String>,

    /// Seconds a code from the classic (scope) dialog stays valid.
    #[arg(long, env = "WABAGATE_SANDBOX_OAUTH_CODE_TTL", default_value_t = 600)]
    pub oauth_code_ttl: i64,

    /// Seconds an Embedded Signup (config_id) code stays valid.
    #[arg(long, env = "WABAGATE_SANDBOX_OAUTH_ES_CODE_TTL", default_value_t = 30)]
    pub oauth_embedded_signup_code_ttl: i64,

    /// Seconds a short-lived user token (code exchange) stays valid.
    #[arg(long, env = "WABAGATE_SANDBOX_OAUTH_USER_TOKEN_TTL", default_value_t = 3_600)]
    pub oauth_user_token_ttl: i64,
}

impl OAuthArgs {
    /// Applies the flags to a sandbox's OAuth state.
    pub fn apply(&self, state: &SandboxState) {
        if !self.redirect_uris.is_empty() {
            state.oauth().apps().set_redirect_policy(DEMO_APP_ID, RedirectPolicy::Exact(self.redirect_uris.clone()));
        }
        state.oauth().set_lifetimes(super::Lifetimes {
            classic_code: self.oauth_code_ttl,
            embedded_signup_code: self.oauth_embedded_signup_code_ttl,
            short_lived_token: self.oauth_user_token_ttl,
            ..state.oauth().lifetimes()
        });
    }
}
