//! `/{version}/dialog/oauth`: validates the dialog parameters as Meta does (app, redirect
//! allow-list, scopes or `config_id`), shows the consent page, and on Continue or Cancel
//! redirects back with a code or with Meta's denial parameters (meta-oauth-and-webhooks.md
//! §2–§3). It plays classic Facebook Login for Business (`scope`) and Embedded Signup
//! (`config_id`); codes become tokens in [`super::access_token`].

use axum::Form;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use rand::Rng;
use serde::Deserialize;
use serde_json::json;
use url::Url;

use crate::directory::{PhoneNumberRef, WabaRef};
use crate::seed::DEMO_USER_ID;
use crate::state::SandboxState;
use crate::tokens::{TokenInfo, TokenKind};

use super::apps::{KNOWN_PERMISSIONS, LoginConfiguration, MetaApp, WHATSAPP_SCOPES};
use super::codes::CodeGrant;
use super::dialog_error::DialogError;
use super::dialog_page::{self, ConsentView};

/// The name the consent page shows for [`DEMO_USER_ID`].
const DEMO_USER_NAME: &str = "Sandbox User";

/// The dialog's query parameters (and, on submit, its hidden form fields).
#[derive(Debug, Default, Deserialize)]
pub(super) struct DialogParams {
    client_id: Option<String>,
    /// Some launchers send `app_id` as well as, or instead of, `client_id`.
    app_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    scope: Option<String>,
    config_id: Option<String>,
    response_type: Option<String>,
    override_default_response_type: Option<String>,
    extras: Option<String>,
    display: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct DecisionForm {
    #[serde(flatten)]
    params: DialogParams,
    decision: Option<String>,
    asset: Option<String>,
}

/// Shows the consent page, or the error page Facebook shows for bad parameters.
pub(super) async fn show(
    State(state): State<SandboxState>,
    OriginalUri(uri): OriginalUri,
    Query(params): Query<DialogParams>,
) -> Response {
    match DialogRequest::validate(&state, &params) {
        Ok(request) => Html(render_consent(&state, &request, &params, uri.path())).into_response(),
        Err(error) => error.into_response(),
    }
}

/// Handles Continue or Cancel. The hidden fields are validated again: they come from the browser.
pub(super) async fn decide(State(state): State<SandboxState>, Form(form): Form<DecisionForm>) -> Response {
    let request = match DialogRequest::validate(&state, &form.params) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    if form.decision.as_deref() != Some("continue") {
        return request.deny();
    }
    match request.resolve_asset(&state, form.asset.as_deref()) {
        Some(asset) => request.approve(&state, &asset),
        None => DialogError::SomethingWentWrong.into_response(),
    }
}

/// What the dialog was asked for.
#[derive(Debug)]
enum Requested {
    /// Classic login: these permissions (validated against [`KNOWN_PERMISSIONS`]).
    Scopes(Vec<String>),
    /// Login for Business / Embedded Signup: the configuration decides.
    Configuration(LoginConfiguration),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseType {
    Code,
    /// Implicit flow: the token travels in the URL fragment.
    Token,
}

/// A dialog request whose parameters passed Meta's checks.
#[derive(Debug)]
struct DialogRequest {
    app: MetaApp,
    redirect_uri: Url,
    /// The `redirect_uri` exactly as sent: the code exchange must repeat it byte for byte.
    redirect_uri_as_sent: String,
    state: Option<String>,
    requested: Requested,
    response_type: ResponseType,
    /// Opened as a popup (`display=popup`): Embedded Signup then also posts session info to the opener.
    popup: bool,
    /// `extras.featureType` of Embedded Signup ("" for plain Cloud API onboarding).
    feature_type: String,
}

/// The WABA (and, for Embedded Signup, the number) the user chose to share.
#[derive(Debug)]
struct SharedAsset {
    waba: WabaRef,
    phone_number: Option<PhoneNumberRef>,
}

impl DialogRequest {
    /// Meta's order: app, redirect URI, what is requested, response type.
    fn validate(state: &SandboxState, params: &DialogParams) -> Result<Self, DialogError> {
        let client_id = non_empty(&params.client_id).or(non_empty(&params.app_id)).ok_or(DialogError::InvalidAppId)?;
        let app = state.oauth().apps().get(client_id).ok_or(DialogError::InvalidAppId)?;
        let redirect_uri = non_empty(&params.redirect_uri).ok_or(DialogError::MissingRedirectUri)?;
        if !app.redirect_uris.allows(redirect_uri) {
            return Err(DialogError::UrlBlocked);
        }
        let redirect_uri_as_sent = redirect_uri.to_owned();
        let redirect_uri = Url::parse(redirect_uri).map_err(|_| DialogError::UrlBlocked)?;
        let requested = match non_empty(&params.config_id) {
            Some(config_id) => Requested::Configuration(
                state.oauth().apps().configuration(&app.app_id, config_id).ok_or(DialogError::SomethingWentWrong)?,
            ),
            None => Requested::Scopes(parse_scopes(params.scope.as_deref().unwrap_or_default())?),
        };
        let response_type = match (non_empty(&params.response_type).unwrap_or("code"), &requested) {
            ("code", _) => ResponseType::Code,
            ("token", Requested::Scopes(_)) => ResponseType::Token,
            (other, _) => return Err(DialogError::UnsupportedResponseType(other.to_owned())),
        };
        let feature_type = params
            .extras
            .as_deref()
            .and_then(|extras| serde_json::from_str::<serde_json::Value>(extras).ok())
            .and_then(|extras| extras.get("featureType")?.as_str().map(str::to_owned))
            .unwrap_or_default();
        Ok(Self {
            app,
            redirect_uri,
            redirect_uri_as_sent,
            state: non_empty(&params.state).map(str::to_owned),
            requested,
            response_type,
            popup: params.display.as_deref() == Some("popup"),
            feature_type,
        })
    }

    fn is_embedded_signup(&self) -> bool {
        matches!(&self.requested, Requested::Configuration(config) if config.embedded_signup)
    }

    /// Embedded Signup shares a WABA and one of its numbers, unless the flow variant
    /// shares the WABA only.
    fn shares_phone_number(&self) -> bool {
        self.is_embedded_signup() && self.feature_type != "only_waba_sharing"
    }

    /// The permissions the token will carry; `public_profile` is always granted.
    fn granted_scopes(&self) -> Vec<String> {
        let requested = match &self.requested {
            Requested::Scopes(scopes) => scopes,
            Requested::Configuration(config) => &config.scopes,
        };
        let mut scopes = requested.clone();
        if !scopes.iter().any(|scope| scope == "public_profile") {
            scopes.push("public_profile".into());
        }
        scopes
    }

    /// Whether the user picks a WABA at all: only when WhatsApp permissions are requested.
    fn shares_waba(&self) -> bool {
        self.granted_scopes().iter().any(|scope| WHATSAPP_SCOPES.contains(&scope.as_str()))
    }

    /// Reads the `asset` form value (`waba_id` or `waba_id:phone_number_id`); without one,
    /// the first asset is taken, as the page preselects it.
    fn resolve_asset(&self, state: &SandboxState, asset: Option<&str>) -> Option<SharedAsset> {
        let directory = state.directory();
        let wabas = directory.wabas();
        let (waba_id, phone_number_id) = match asset.filter(|asset| !asset.is_empty()) {
            Some(asset) => match asset.split_once(':') {
                Some((waba_id, phone_number_id)) => (waba_id.to_owned(), Some(phone_number_id.to_owned())),
                None => (asset.to_owned(), None),
            },
            None => (wabas.first()?.id.clone(), None),
        };
        let waba = wabas.into_iter().find(|waba| waba.id == waba_id)?;
        let phone_number = if self.shares_phone_number() {
            let numbers = directory.phone_numbers_of(&waba.id);
            match phone_number_id {
                Some(id) => Some(numbers.into_iter().find(|number| number.id == id)?),
                None => numbers.into_iter().next(),
            }
        } else {
            None
        };
        Some(SharedAsset { waba, phone_number })
    }

    fn approve(&self, state: &SandboxState, asset: &SharedAsset) -> Response {
        let now = state.clock().unix();
        let lifetimes = state.oauth().lifetimes();
        let token_kind = match &self.requested {
            Requested::Scopes(_) => TokenKind::User,
            Requested::Configuration(config) => config.token_kind,
        };
        // Embedded Signup's business token belongs to a system user Meta creates in the
        // customer's portfolio for this app (the BISU), not to the person who clicked.
        let user_id = match token_kind {
            TokenKind::SystemUser => new_business_integration_user_id(),
            TokenKind::User | TokenKind::App => DEMO_USER_ID.to_owned(),
        };
        let scopes = self.granted_scopes();
        let waba_ids = if self.shares_waba() { vec![asset.waba.id.clone()] } else { Vec::new() };

        let mut location = self.redirect_uri.clone();
        match self.response_type {
            ResponseType::Code => {
                let ttl =
                    if self.is_embedded_signup() { lifetimes.embedded_signup_code } else { lifetimes.classic_code };
                let code = state.oauth().codes().issue(CodeGrant {
                    app_id: self.app.app_id.clone(),
                    redirect_uri: Some(self.redirect_uri_as_sent.clone()),
                    token_kind,
                    user_id,
                    scopes,
                    waba_ids,
                    expires_at: now + ttl,
                });
                location.query_pairs_mut().append_pair("code", &code);
                if let Some(state_param) = &self.state {
                    location.query_pairs_mut().append_pair("state", state_param);
                }
                set_facebook_fragment(&mut location);
            }
            ResponseType::Token => {
                let expires_in = lifetimes.short_lived_token;
                let token = state.tokens().issue(TokenInfo {
                    kind: token_kind,
                    app_id: self.app.app_id.clone(),
                    user_id,
                    scopes,
                    waba_ids,
                    issued_at: now,
                    expires_at: Some(now + expires_in),
                });
                let mut fragment = url::form_urlencoded::Serializer::new(String::new());
                fragment
                    .append_pair("access_token", &token)
                    .append_pair("data_access_expiration_time", &(now + lifetimes.data_access).to_string())
                    .append_pair("expires_in", &expires_in.to_string());
                if let Some(state_param) = &self.state {
                    fragment.append_pair("state", state_param);
                }
                location.set_fragment(Some(&fragment.finish()));
            }
        }
        self.finish(location, || self.finish_event(asset))
    }

    /// Meta's denial redirect; the `state` is echoed here too.
    fn deny(&self) -> Response {
        let mut location = self.redirect_uri.clone();
        location
            .query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_code", "200")
            .append_pair("error_description", "Permissions error")
            .append_pair("error_reason", "user_denied");
        if let Some(state_param) = &self.state {
            location.query_pairs_mut().append_pair("state", state_param);
        }
        set_facebook_fragment(&mut location);
        self.finish(location, || {
            json!({ "type": "WA_EMBEDDED_SIGNUP", "event": "CANCEL", "data": { "current_step": "PHONE_NUMBER_SETUP" }, "version": "3" })
        })
    }

    /// A plain 302, except for Embedded Signup in a popup, whose page first posts the
    /// session-info event to the opener.
    fn finish(&self, location: Url, session_info: impl FnOnce() -> serde_json::Value) -> Response {
        if self.popup && self.is_embedded_signup() {
            Html(dialog_page::session_info_page(&self.app.name, &session_info(), location.as_str())).into_response()
        } else {
            (StatusCode::FOUND, [(header::LOCATION, location.to_string())]).into_response()
        }
    }

    /// The `WA_EMBEDDED_SIGNUP` event of a completed signup (meta-oauth-and-webhooks.md §2.3).
    fn finish_event(&self, asset: &SharedAsset) -> serde_json::Value {
        let event = match self.feature_type.as_str() {
            "only_waba_sharing" => "FINISH_ONLY_WABA",
            "whatsapp_business_app_onboarding" => "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING",
            _ => "FINISH",
        };
        let mut data = json!({ "waba_id": asset.waba.id, "business_id": asset.waba.business_id });
        if let Some(number) = &asset.phone_number {
            data["phone_number_id"] = number.id.clone().into();
        }
        json!({ "type": "WA_EMBEDDED_SIGNUP", "event": event, "data": data, "version": "3" })
    }
}

fn render_consent(state: &SandboxState, request: &DialogRequest, params: &DialogParams, action: &str) -> String {
    let hidden: Vec<(&'static str, String)> = [
        ("client_id", Some(request.app.app_id.clone())),
        ("redirect_uri", params.redirect_uri.clone()),
        ("state", params.state.clone()),
        ("scope", params.scope.clone()),
        ("config_id", params.config_id.clone()),
        ("response_type", params.response_type.clone()),
        ("override_default_response_type", params.override_default_response_type.clone()),
        ("extras", params.extras.clone()),
        ("display", params.display.clone()),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name, value?)))
    .collect();

    let directory = state.directory();
    let (asset_label, assets): (&str, Vec<(String, String)>) = if !request.shares_waba() {
        ("", Vec::new())
    } else if request.shares_phone_number() {
        let assets = directory
            .wabas()
            .into_iter()
            .flat_map(|waba| {
                directory.phone_numbers_of(&waba.id).into_iter().map(move |number| {
                    (format!("{}:{}", waba.id, number.id), format!("{} — {}", waba.name, number.display_phone_number))
                })
            })
            .collect();
        ("WhatsApp Business Account and phone number", assets)
    } else {
        let assets = directory.wabas().into_iter().map(|waba| (waba.id.clone(), waba.name)).collect();
        ("WhatsApp Business Account", assets)
    };
    let configuration = match &request.requested {
        Requested::Configuration(config) => Some(config.name.as_str()),
        Requested::Scopes(_) => None,
    };
    dialog_page::consent_page(&ConsentView {
        action,
        app_name: &request.app.name,
        user_name: DEMO_USER_NAME,
        configuration,
        permissions: &request.granted_scopes(),
        hidden: &hidden,
        asset_label,
        assets: &assets,
    })
}

/// `scope` is comma- or space-separated; unknown permissions make the whole request fail.
fn parse_scopes(scope: &str) -> Result<Vec<String>, DialogError> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in scope.split([',', ' ']).map(str::trim).filter(|scope| !scope.is_empty()) {
        if !scopes.iter().any(|known| known == scope) {
            scopes.push(scope.to_owned());
        }
    }
    let invalid: Vec<String> =
        scopes.iter().filter(|scope| !KNOWN_PERMISSIONS.contains(&scope.as_str())).cloned().collect();
    if invalid.is_empty() { Ok(scopes) } else { Err(DialogError::InvalidScopes(invalid)) }
}

/// Meta appends `#_=_` to redirects whose URI has no fragment of its own.
fn set_facebook_fragment(location: &mut Url) {
    if location.fragment().is_none() {
        location.set_fragment(Some("_=_"));
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|value| !value.is_empty())
}

/// A fresh app-scoped id for Embedded Signup's business integration system user.
fn new_business_integration_user_id() -> String {
    format!("1221{:011}", rand::thread_rng().gen_range(0..100_000_000_000_u64))
}
