//! Meta's Graph API for WhatsApp: `/{version}/{id}[/{edge}[/{item}]]`, dispatched by what
//! the id is (phone number, WABA, media, template, Flow, group, app, business), as
//! graph.facebook.com does.
//! The template library and upload sessions are ids that name no stored node. Every call is
//! authenticated first, then the object is resolved (an object the token may not use is
//! reported as not existing, as Meta does), then the operation runs.

mod app_subscriptions;
mod block_users;
mod business_portfolio;
mod calling;
mod commerce;
pub mod error;
mod fields;
mod flows;
mod group_messages;
mod groups;
mod media;
mod messages;
mod nodes;
mod paging;
mod params;
mod phone_numbers;
mod profile;
mod qr_codes;
mod registration;
mod request;
mod send_setup;
mod settings;
mod signups;
mod template_admin;
mod template_upsert;
mod templates;
mod uploads;
mod username;
mod waba_admin;

pub use media::download_attachment;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::business::{PhoneNumber, Waba};
use crate::flows::StoredFlow;
use crate::groups::Group;
use crate::media_store::StoredMedia;
use crate::oauth::apps::MetaApp;
use crate::state::SandboxState;
use crate::templates::StoredTemplate;
use error::GraphError;
pub use request::{GraphCall, LATEST_VERSION, bearer_token, served_version, version_major};

/// The Graph object an id names.
enum Node {
    PhoneNumber(PhoneNumber),
    Waba(Waba),
    Media(StoredMedia),
    Template(StoredTemplate),
    Flow(StoredFlow),
    Group(Group),
    App(MetaApp),
    /// The business portfolio that owns the WABAs (the sandbox has one).
    Business(String),
}

impl Node {
    fn resolve(state: &SandboxState, id: &str) -> Option<Node> {
        let businesses = state.businesses();
        if let Some(phone_number) = businesses.phone_number(id) {
            return Some(Node::PhoneNumber(phone_number));
        }
        if let Some(waba) = businesses.waba(id) {
            return Some(Node::Waba(waba));
        }
        if let Some(media) = state.media().get(id) {
            return Some(Node::Media(media));
        }
        if let Some(template) = state.templates().get(id) {
            return Some(Node::Template(template));
        }
        if let Some(flow) = state.flows().get(id) {
            return Some(Node::Flow(flow));
        }
        if let Some(group) = state.groups().get(id) {
            return Some(Node::Group(group));
        }
        if let Some(app) = state.oauth().apps().get(id) {
            return Some(Node::App(app));
        }
        (id == crate::seed::DEMO_BUSINESS_ID).then(|| Node::Business(id.to_owned()))
    }

    /// Whether the token may see the node: a business object of one of its WABAs, or its
    /// own app.
    fn visible_to(&self, token: &crate::tokens::TokenInfo) -> bool {
        let waba_id = match self {
            Node::PhoneNumber(phone_number) => &phone_number.waba_id,
            Node::Waba(waba) => &waba.id,
            Node::Media(media) => &media.waba_id,
            Node::Template(template) => &template.waba_id,
            Node::Flow(flow) => &flow.waba_id,
            Node::Group(group) => &group.waba_id,
            Node::App(app) => return token.app_id == app.app_id,
            // Every WABA is the demo business's: a token for any of them sees the business.
            Node::Business(_) => return !token.waba_ids.is_empty(),
        };
        token.may_use_waba(waba_id)
    }
}

/// The router's fallback: every path that is not a sandbox control or download path.
pub async fn dispatch(State(state): State<SandboxState>, request: Request) -> Response {
    route(state, request).await.unwrap_or_else(IntoResponse::into_response)
}

async fn route(state: SandboxState, request: Request) -> Result<Response, GraphError> {
    let (call, request) = GraphCall::from_request(&state, request)?;
    let segments: Vec<String> = call.segments.clone();
    let Some(id) = segments.first() else {
        return Err(GraphError::unknown_path("/"));
    };
    // Paths that name no stored node first: Meta's template library, sign-up links
    // (`/signups/{id}`) and upload sessions.
    match (id.as_str(), segments.len(), &call.method) {
        ("message_template_library", 1, &Method::GET) => return template_admin::list_library(&call),
        ("signups", 2, &Method::GET) => return signups::get(&state, &call, &segments[1]),
        ("signups", 2, &Method::POST) => {
            return signups::update(&state, &call, &segments[1], request.into_body()).await;
        }
        (session, 1, &Method::GET) if session.starts_with("upload:") => {
            return uploads::status(&state, &session["upload:".len()..]);
        }
        (session, 1, &Method::POST) if session.starts_with("upload:") => {
            return uploads::receive(&state, &call, &session["upload:".len()..], request.into_body()).await;
        }
        _ => {}
    }
    let node = Node::resolve(&state, id)
        .filter(|node| node.visible_to(&call.token))
        .ok_or_else(|| GraphError::unknown_object(&call.method, id))?;
    match segments.get(1..).unwrap_or_default() {
        [] => node_operation(&state, call, node, request).await,
        [edge] => edge_operation(&state, call, node, edge, request).await,
        [edge, item] => item_operation(&state, call, node, edge, item, request).await,
        more => Err(GraphError::unknown_path(&format!("/{}", more.join("/")))),
    }
}

async fn node_operation(
    state: &SandboxState,
    call: GraphCall,
    node: Node,
    request: Request,
) -> Result<Response, GraphError> {
    let (parts, body) = request.into_parts();
    match (&call.method, node) {
        (&Method::GET, Node::PhoneNumber(phone_number)) => phone_numbers::get(state, &call, &phone_number),
        (&Method::POST, Node::PhoneNumber(phone_number)) => {
            registration::update(state, &call, &phone_number, body).await
        }
        (&Method::GET, Node::Waba(waba)) => phone_numbers::get_waba(state, &call, &waba),
        (&Method::POST, Node::Waba(waba)) => waba_admin::update(state, &call, &waba, body).await,
        (&Method::GET, Node::Media(media)) => media::info(state, &call, &media),
        (&Method::DELETE, Node::Media(media)) => media::delete(state, &call, &media),
        (&Method::GET, Node::Template(template)) => templates::get_one(state, &call, &template),
        (&Method::POST, Node::Template(template)) => template_admin::edit(state, &call, &template, body).await,
        (&Method::GET, Node::Flow(flow)) => flows::get(state, &call, &flow),
        (&Method::POST, Node::Flow(flow)) => flows::update(state, &call, &flow, Request::new(body)).await,
        (&Method::DELETE, Node::Flow(flow)) => flows::delete(state, &call, &flow),
        (&Method::GET, Node::Group(group)) => groups::get(&call, &group),
        (&Method::POST, Node::Group(group)) => {
            groups::update(state, &call, &group, Request::from_parts(parts, body)).await
        }
        (&Method::DELETE, Node::Group(group)) => groups::delete(state, &call, &group),
        (method, _) => Err(GraphError::unknown_object(method, &call.segments[0])),
    }
}

/// `/{id}/{edge}/{item}`: one QR code, and template archiving.
async fn item_operation(
    state: &SandboxState,
    call: GraphCall,
    node: Node,
    edge: &str,
    item: &str,
    request: Request,
) -> Result<Response, GraphError> {
    match (node, edge, item, &call.method) {
        (Node::PhoneNumber(number), "message_qrdls", code, &Method::GET) => {
            qr_codes::get_one(state, &call, &number, code)
        }
        (Node::PhoneNumber(number), "message_qrdls", code, &Method::DELETE) => {
            qr_codes::delete(state, &call, &number, code)
        }
        (Node::PhoneNumber(number), "message_qrdls", code, &Method::POST) => {
            qr_codes::create_or_edit(state, &call, &number, request.into_body(), Some(code)).await
        }
        (Node::Waba(waba), "message_templates", "archive", &Method::POST) => {
            template_admin::archive(state, &call, &waba, request.into_body(), true).await
        }
        (Node::Waba(waba), "message_templates", "unarchive", &Method::POST) => {
            template_admin::archive(state, &call, &waba, request.into_body(), false).await
        }
        _ => Err(GraphError::unknown_path(&format!("/{edge}/{item}"))),
    }
}

async fn edge_operation(
    state: &SandboxState,
    call: GraphCall,
    node: Node,
    edge: &str,
    request: Request,
) -> Result<Response, GraphError> {
    if edge == "subscribed_apps" {
        return Ok(versioned_subscribed_apps(state, &call, request).await);
    }
    let (parts, body) = request.into_parts();
    match (node, edge, &call.method) {
        (Node::PhoneNumber(phone_number), "messages", &Method::POST) => {
            messages::send(state, &call, &phone_number, body).await
        }
        (Node::PhoneNumber(phone_number), "media", &Method::POST) => {
            media::upload(state, &call, &phone_number, Request::from_parts(parts, body)).await
        }
        (Node::PhoneNumber(phone_number), "whatsapp_business_profile", &Method::GET) => {
            profile::get(state, &call, &phone_number)
        }
        (Node::PhoneNumber(phone_number), "whatsapp_business_profile", &Method::POST) => {
            profile::update(state, &call, &phone_number, body).await
        }
        (Node::PhoneNumber(number), "register", &Method::POST) => {
            registration::register(state, &call, &number, body).await
        }
        (Node::PhoneNumber(_), "deregister", &Method::POST) => {
            call.require_any(&[MANAGEMENT, MESSAGING])?;
            Ok(success())
        }
        (Node::PhoneNumber(number), "request_code", &Method::POST) => {
            registration::request_code(state, &call, &number, body).await
        }
        (Node::PhoneNumber(number), "verify_code", &Method::POST) => {
            registration::verify_code(state, &call, &number, body).await
        }
        (Node::PhoneNumber(number), "settings", &Method::GET) => settings::get(state, &call, &number),
        (Node::PhoneNumber(number), "settings", &Method::POST) => settings::update(state, &call, &number, body).await,
        (Node::PhoneNumber(number), "conversational_automation", &Method::GET) => {
            settings::get_automation(state, &call, &number)
        }
        (Node::PhoneNumber(number), "conversational_automation", &Method::POST) => {
            settings::update_automation(state, &call, &number, body).await
        }
        (Node::PhoneNumber(number), "block_users", &Method::GET) => block_users::list(state, &call, &number),
        (Node::PhoneNumber(number), "block_users", &Method::POST) => {
            block_users::block(state, &call, &number, body).await
        }
        (Node::PhoneNumber(number), "block_users", &Method::DELETE) => {
            block_users::unblock(state, &call, &number, body).await
        }
        (Node::PhoneNumber(number), "message_qrdls", &Method::GET) => qr_codes::list(state, &call, &number),
        (Node::PhoneNumber(number), "message_qrdls", &Method::POST) => {
            qr_codes::create_or_edit(state, &call, &number, body, None).await
        }
        (Node::PhoneNumber(number), "whatsapp_commerce_settings", &Method::GET) => {
            commerce::get_commerce(state, &call, &number)
        }
        (Node::PhoneNumber(number), "whatsapp_commerce_settings", &Method::POST) => {
            commerce::update_commerce(state, &call, &number, body).await
        }
        (Node::PhoneNumber(number), "whatsapp_business_encryption", &Method::GET) => {
            commerce::get_encryption(state, &call, &number)
        }
        (Node::PhoneNumber(number), "whatsapp_business_encryption", &Method::POST) => {
            commerce::update_encryption(state, &call, &number, Request::from_parts(parts, body)).await
        }
        (Node::PhoneNumber(number), "username", &Method::GET) => username::get(state, &call, &number),
        (Node::PhoneNumber(number), "username", &Method::POST) => username::set(state, &call, &number, body).await,
        (Node::PhoneNumber(number), "username", &Method::DELETE) => username::delete(state, &call, &number),
        (Node::PhoneNumber(number), "username_suggestions", &Method::GET) => username::suggestions(&call, &number),
        (Node::PhoneNumber(number), "groups", &Method::GET) => groups::list(state, &call, &number),
        (Node::PhoneNumber(number), "groups", &Method::POST) => {
            groups::create(state, &call, &number, Request::from_parts(parts, body)).await
        }
        (Node::Group(group), "invite_link", &Method::GET) => groups::invite_link(state, &call, &group, false),
        (Node::Group(group), "invite_link", &Method::POST) => groups::invite_link(state, &call, &group, true),
        (Node::Group(_), "join_requests", &Method::GET) => groups::join_requests(&call),
        (Node::PhoneNumber(number), "calls", &Method::POST) => calling::call(state, &call, &number, body).await,
        (Node::PhoneNumber(number), "call_permissions", &Method::GET) => calling::permissions(state, &call, &number),
        (Node::Waba(waba), "phone_numbers", &Method::GET) => phone_numbers::list(state, &call, &waba),
        (Node::Waba(waba), "phone_numbers", &Method::POST) => {
            waba_admin::create_phone_number(state, &call, &waba, body).await
        }
        (Node::Waba(waba), "upsert_message_templates", &Method::POST) => {
            template_upsert::upsert(state, &call, &waba, body).await
        }
        (Node::Waba(waba), "message_templates", &Method::GET) => templates::list(state, &call, &waba),
        (Node::Waba(waba), "message_templates", &Method::POST) => templates::create(state, &call, &waba, body).await,
        (Node::Waba(waba), "message_templates", &Method::DELETE) => templates::delete(state, &call, &waba),
        (Node::Waba(waba), "signups", &Method::GET) => signups::list(state, &call, &waba),
        (Node::Waba(waba), "signups", &Method::POST) => signups::create(state, &call, &waba, body).await,
        (Node::Waba(waba), "flows", &Method::GET) => flows::list(state, &call, &waba),
        (Node::Waba(waba), "flows", &Method::POST) => {
            flows::create(state, &call, &waba, Request::from_parts(parts, body)).await
        }
        (Node::Template(template), "compare", &Method::GET) => template_admin::compare(state, &call, &template),
        (Node::Template(template), "unpause", &Method::POST) => template_admin::unpause(state, &call, &template),
        (Node::Business(business), "owned_whatsapp_business_accounts", &Method::GET) => {
            business_portfolio::wabas(state, &call, &business, business_portfolio::Relation::Owned)
        }
        (Node::Business(business), "client_whatsapp_business_accounts", &Method::GET) => {
            business_portfolio::wabas(state, &call, &business, business_portfolio::Relation::Client)
        }
        (Node::Flow(flow), "assets", &Method::GET) => flows::assets(state, &call, &flow),
        (Node::Flow(flow), "assets", &Method::POST) => {
            flows::upload_asset(state, &call, &flow, Request::from_parts(parts, body)).await
        }
        (Node::Flow(flow), "publish", &Method::POST) => flows::publish(state, &call, &flow),
        (Node::Flow(flow), "deprecate", &Method::POST) => flows::deprecate(state, &call, &flow),
        (Node::App(app), "uploads", &Method::POST) => uploads::open(state, &call, &app),
        (Node::App(app), "subscriptions", &Method::GET) => app_subscriptions::list(state, &app),
        (Node::App(app), "subscriptions", &Method::POST) => {
            app_subscriptions::subscribe(state, &call, &app, body).await
        }
        (_, edge, method) if KNOWN_EDGES.contains(&edge) => Err(GraphError::unknown_object(method, &call.segments[0])),
        (_, edge, _) => Err(GraphError::unknown_path(&format!("/{edge}"))),
    }
}

/// Edges some node has: on another node, or with another method, they are Graph's
/// "unsupported request" rather than an unknown path.
const KNOWN_EDGES: &[&str] = &[
    "messages",
    "media",
    "whatsapp_business_profile",
    "register",
    "deregister",
    "request_code",
    "verify_code",
    "settings",
    "conversational_automation",
    "block_users",
    "message_qrdls",
    "whatsapp_commerce_settings",
    "whatsapp_business_encryption",
    "calls",
    "call_permissions",
    "username",
    "username_suggestions",
    "groups",
    "invite_link",
    "join_requests",
    "phone_numbers",
    "upsert_message_templates",
    "signups",
    "unpause",
    "owned_whatsapp_business_accounts",
    "client_whatsapp_business_accounts",
    "message_templates",
    "flows",
    "compare",
    "assets",
    "publish",
    "deprecate",
    "uploads",
    "subscriptions",
];

/// `/{waba_id}/subscribed_apps` without a version: answered by the versioned route of the
/// webhook side, as Graph serves unversioned calls at the latest version.
async fn versioned_subscribed_apps(state: &SandboxState, call: &GraphCall, request: Request) -> Response {
    use tower::ServiceExt as _;
    let (mut parts, body) = request.into_parts();
    let query = parts.uri.query().map(|query| format!("?{query}")).unwrap_or_default();
    let path = format!("/{}/{}/subscribed_apps{query}", call.version, call.segments[0]);
    match path.parse() {
        Ok(uri) => parts.uri = uri,
        Err(_) => return GraphError::unknown_path("/subscribed_apps").into_response(),
    }
    let router = crate::webhooks::router().with_state(state.clone());
    match router.oneshot(Request::from_parts(parts, body)).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The permission to send and to handle media.
pub const MESSAGING: &str = "whatsapp_business_messaging";
/// The permission to manage templates, numbers and profiles.
pub const MANAGEMENT: &str = "whatsapp_business_management";

fn success() -> Response {
    axum::Json(json!({"success": true})).into_response()
}
