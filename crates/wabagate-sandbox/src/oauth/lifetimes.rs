//! How long codes and tokens minted by the OAuth side live, in seconds. Meta publishes
//! some of these only approximately (meta-oauth-and-webhooks.md §4.6), so all are settings.

/// Code and token lifetimes, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// A code from the classic (scope) dialog: about 10 minutes.
    pub classic_code: i64,
    /// A code from an Embedded Signup configuration: Meta says 30 seconds.
    pub embedded_signup_code: i64,
    /// A user token from a code exchange or `response_type=token`.
    pub short_lived_token: i64,
    /// A user token from `grant_type=fb_exchange_token`: 60 days minus a little, as observed.
    pub long_lived_token: i64,
    /// Graph's data-access expiration for user tokens: 90 days.
    pub data_access: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            classic_code: 600,
            embedded_signup_code: 30,
            short_lived_token: 3_600,
            long_lived_token: 5_183_944,
            data_access: 90 * 24 * 60 * 60,
        }
    }
}
