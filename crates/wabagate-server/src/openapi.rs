//! `GET /openapi.json`: the OpenAPI 3.1 description of the gateway's own routes, a file
//! committed beside the crate (`openapi.json`) and served as it is. The pass-through
//! `/whatsapp-business/{graph_path}` points to Meta's description rather than copying it.
//! A test drives every operation against a real server and validates each answer, and fails
//! on a route the router serves that the file does not describe.

use axum::http::header;
use axum::response::IntoResponse;

/// The committed description, byte for byte.
pub const DESCRIPTION: &str = include_str!("../openapi.json");

pub(crate) async fn describe() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DESCRIPTION)
}
