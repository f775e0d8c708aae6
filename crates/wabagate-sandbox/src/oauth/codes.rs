//! Authorization codes between the dialog and the token endpoint: single-use, bound to
//! the app and the `redirect_uri` they were issued for, and short-lived (about 10 minutes
//! for classic login, 30 seconds for Embedded Signup; meta-oauth-and-webhooks.md §3.1).

use dashmap::DashMap;
use rand::Rng;

use crate::tokens::TokenKind;

/// What the user granted in the dialog; the token endpoint turns it into a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeGrant {
    pub app_id: String,
    /// The dialog's `redirect_uri`; the exchange must present the same value.
    pub redirect_uri: Option<String>,
    pub token_kind: TokenKind,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub waba_ids: Vec<String>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Why a code could not be exchanged, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRejection {
    /// Never issued, or issued to another app.
    Unknown,
    /// Exchanged before.
    Used,
    /// Past its TTL.
    Expired,
    /// The exchange's `redirect_uri` differs from the dialog's (the code stays usable).
    RedirectMismatch,
}

#[derive(Debug)]
enum CodeSlot {
    Fresh(CodeGrant),
    Used { app_id: String },
}

/// Issued codes. Used codes are remembered so a second exchange gets Meta's "has been used".
#[derive(Debug, Default)]
pub struct AuthorizationCodes {
    codes: DashMap<String, CodeSlot>,
}

impl AuthorizationCodes {
    /// Stores a grant under a new code in Meta's shape (`AQ…`, long, URL-safe).
    pub fn issue(&self, grant: CodeGrant) -> String {
        let code = new_code_string();
        self.codes.insert(code.clone(), CodeSlot::Fresh(grant));
        code
    }

    /// Consumes a code for `app_id`. Only a successful redemption marks it used.
    pub fn redeem(
        &self,
        code: &str,
        app_id: &str,
        redirect_uri: Option<&str>,
        now: i64,
    ) -> Result<CodeGrant, CodeRejection> {
        let mut slot = self.codes.get_mut(code).ok_or(CodeRejection::Unknown)?;
        let grant = match &*slot {
            CodeSlot::Used { app_id: owner } if owner == app_id => return Err(CodeRejection::Used),
            CodeSlot::Used { .. } => return Err(CodeRejection::Unknown),
            CodeSlot::Fresh(grant) if grant.app_id != app_id => return Err(CodeRejection::Unknown),
            CodeSlot::Fresh(grant) => grant.clone(),
        };
        if now >= grant.expires_at {
            return Err(CodeRejection::Expired);
        }
        let presented = redirect_uri.filter(|uri| !uri.is_empty());
        if presented != grant.redirect_uri.as_deref() {
            return Err(CodeRejection::RedirectMismatch);
        }
        *slot = CodeSlot::Used { app_id: grant.app_id.clone() };
        Ok(grant)
    }
}

fn new_code_string() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::thread_rng();
    let tail: String = (0..320).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    format!("AQ{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(expires_at: i64) -> CodeGrant {
        CodeGrant {
            app_id: "app".into(),
            redirect_uri: Some("https://gw.example.com/cb".into()),
            token_kind: TokenKind::User,
            user_id: "user".into(),
            scopes: vec![],
            waba_ids: vec![],
            expires_at,
        }
    }

    #[test]
    fn a_code_redeems_once_then_reports_used() {
        let codes = AuthorizationCodes::default();
        let code = codes.issue(grant(100));
        assert!(codes.redeem(&code, "app", Some("https://gw.example.com/cb"), 10).is_ok());
        assert_eq!(codes.redeem(&code, "app", Some("https://gw.example.com/cb"), 10), Err(CodeRejection::Used));
    }

    #[test]
    fn a_redirect_mismatch_leaves_the_code_usable() {
        let codes = AuthorizationCodes::default();
        let code = codes.issue(grant(100));
        assert_eq!(
            codes.redeem(&code, "app", Some("https://evil.example/cb"), 10),
            Err(CodeRejection::RedirectMismatch)
        );
        assert_eq!(codes.redeem(&code, "app", None, 10), Err(CodeRejection::RedirectMismatch));
        assert!(codes.redeem(&code, "app", Some("https://gw.example.com/cb"), 10).is_ok());
    }

    #[test]
    fn another_apps_code_is_unknown_and_expiry_is_inclusive() {
        let codes = AuthorizationCodes::default();
        let code = codes.issue(grant(100));
        assert_eq!(codes.redeem(&code, "other", Some("https://gw.example.com/cb"), 10), Err(CodeRejection::Unknown));
        assert_eq!(codes.redeem(&code, "app", Some("https://gw.example.com/cb"), 100), Err(CodeRejection::Expired));
    }
}
