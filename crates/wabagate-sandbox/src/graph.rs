//! Meta's Graph API for WhatsApp: `/{version}/{id}[/{edge}]`, dispatched by what the id is
//! (phone number, WABA, media, template), as graph.facebook.com does. Every call is
//! authenticated first, then the object is resolved (an object the token may not use is
//! reported as not existing, as Meta does), then the operation runs.

pub mod error;
mod fields;
mod media;
mod messages;
mod phone_numbers;
mod profile;
mod request;
mod templates;

pub use media::download_attachment;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::business::{PhoneNumber, Waba};
use crate::media_store::StoredMedia;
use crate::state::SandboxState;
use crate::templates::StoredTemplate;
use error::GraphError;
pub use request::{GraphCall, LATEST_VERSION, bearer_token, version_major};

/// The Graph object an id names.
enum Node {
    PhoneNumber(PhoneNumber),
    Waba(Waba),
    Media(StoredMedia),
    Template(StoredTemplate),
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
        state.templates().get(id).map(Node::Template)
    }

    fn waba_id(&self) -> &str {
        match self {
            Node::PhoneNumber(phone_number) => &phone_number.waba_id,
            Node::Waba(waba) => &waba.id,
            Node::Media(media) => &media.waba_id,
            Node::Template(template) => &template.waba_id,
        }
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
    let node = Node::resolve(&state, id)
        .filter(|node| call.token.may_use_waba(node.waba_id()))
        .ok_or_else(|| GraphError::unknown_object(&call.method, id))?;
    match segments.get(1..).unwrap_or_default() {
        [] => node_operation(&state, call, node),
        [edge] => edge_operation(&state, call, node, edge, request).await,
        more => Err(GraphError::unknown_path(&format!("/{}", more.join("/")))),
    }
}

fn node_operation(state: &SandboxState, call: GraphCall, node: Node) -> Result<Response, GraphError> {
    match (&call.method, node) {
        (&Method::GET, Node::PhoneNumber(phone_number)) => phone_numbers::get(&call, &phone_number),
        (&Method::POST, Node::PhoneNumber(_)) => {
            call.require_any(&[MANAGEMENT])?;
            Ok(success())
        }
        (&Method::GET, Node::Waba(waba)) => phone_numbers::get_waba(&call, &waba),
        (&Method::GET, Node::Media(media)) => media::info(state, &call, &media),
        (&Method::DELETE, Node::Media(media)) => media::delete(state, &call, &media),
        (&Method::GET, Node::Template(template)) => templates::get_one(state, &call, &template),
        (method, _) => Err(GraphError::unknown_object(method, &call.segments[0])),
    }
}

async fn edge_operation(
    state: &SandboxState,
    call: GraphCall,
    node: Node,
    edge: &str,
    request: Request,
) -> Result<Response, GraphError> {
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
        (Node::PhoneNumber(_), "register" | "deregister", &Method::POST) => {
            call.require_any(&[MANAGEMENT, MESSAGING])?;
            Ok(success())
        }
        (Node::Waba(waba), "phone_numbers", &Method::GET) => phone_numbers::list(state, &call, &waba),
        (Node::Waba(waba), "message_templates", &Method::GET) => templates::list(state, &call, &waba),
        (Node::Waba(waba), "message_templates", &Method::POST) => templates::create(state, &call, &waba, body).await,
        (Node::Waba(waba), "message_templates", &Method::DELETE) => templates::delete(state, &call, &waba),
        (
            _,
            "messages"
            | "media"
            | "whatsapp_business_profile"
            | "register"
            | "deregister"
            | "phone_numbers"
            | "message_templates",
            method,
        ) => Err(GraphError::unknown_object(method, &call.segments[0])),
        (_, edge, _) => Err(GraphError::unknown_path(&format!("/{edge}"))),
    }
}

/// The permission to send and to handle media.
pub const MESSAGING: &str = "whatsapp_business_messaging";
/// The permission to manage templates, numbers and profiles.
pub const MANAGEMENT: &str = "whatsapp_business_management";

fn success() -> Response {
    axum::Json(json!({"success": true})).into_response()
}
