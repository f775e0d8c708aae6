//! The pages Facebook shows instead of redirecting when the dialog's parameters are bad
//! (meta-oauth-and-webhooks.md §2.4): which problems exist and how each is worded.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::dialog_page;

/// Problems Facebook reports on its own page instead of redirecting (meta-oauth-and-webhooks.md §2.4).
#[derive(Debug)]
pub(super) enum DialogError {
    InvalidAppId,
    MissingRedirectUri,
    UrlBlocked,
    InvalidScopes(Vec<String>),
    UnsupportedResponseType(String),
    /// Unknown `config_id`, or an asset that does not exist: Facebook's generic page.
    SomethingWentWrong,
}

impl IntoResponse for DialogError {
    fn into_response(self) -> Response {
        let (code, title, message) = match self {
            Self::InvalidAppId => {
                ("invalid_app_id", "Invalid App ID", "The provided app ID does not look like a valid app ID.".to_owned())
            }
            Self::MissingRedirectUri => (
                "missing_redirect_uri",
                "Invalid redirect_uri",
                "The parameter redirect_uri is required.".to_owned(),
            ),
            Self::UrlBlocked => (
                "url_blocked",
                "URL blocked",
                "This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings. Make sure Client and Web OAuth Login are on and add all your app domains as Valid OAuth Redirect URIs.".to_owned(),
            ),
            Self::InvalidScopes(scopes) => (
                "invalid_scopes",
                "Invalid Scopes",
                format!(
                    "Invalid Scopes: {}. This message is only shown to developers. Users of your app will ignore these permissions if present. Please read the documentation for valid permissions at: https://developers.facebook.com/docs/facebook-login/permissions",
                    scopes.join(", ")
                ),
            ),
            Self::UnsupportedResponseType(response_type) => (
                "unsupported_response_type",
                "Error",
                format!("The response_type '{response_type}' is not supported for this request."),
            ),
            Self::SomethingWentWrong => (
                "something_went_wrong",
                "Something went wrong",
                "We're working on getting this fixed as soon as we can. You may be able to try again.".to_owned(),
            ),
        };
        (StatusCode::BAD_REQUEST, Html(dialog_page::error_page(code, title, &message))).into_response()
    }
}
