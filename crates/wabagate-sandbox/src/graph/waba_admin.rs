//! Changes to a WhatsApp Business Account: `POST /{waba_id}` (its settings) and
//! `POST /{waba_id}/phone_numbers` (a new number on it), as Meta's OpenAPI description has
//! them (`PhoneNumberCreateRequest`: `cc`, `phone_number`, `verified_name`).

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::GraphError;
use super::request::GraphCall;
use super::{MANAGEMENT, params, success};
use crate::business::{AddNumberRejection, PhoneNumber, Waba};
use crate::state::SandboxState;

/// What `POST /{waba_id}` may set: the OpenAPI description's `name` and `timezone_id`, and
/// the marketing switch of Meta's error 131063.
const SETTINGS: &[&str] = &["name", "timezone_id", "disable_marketing_messages_on_cloud_api"];
/// Numbers one WABA may hold: Meta's most for a verified business.
pub(super) const MAX_NUMBERS_PER_WABA: usize = 20;
/// `verified_name` lengths, from `PhoneNumberCreateRequest`.
const VERIFIED_NAME_CHARS: std::ops::RangeInclusive<usize> = 2..=75;

pub(super) async fn update(
    state: &SandboxState,
    call: &GraphCall,
    waba: &Waba,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    if let Some(unknown) = body.keys().find(|key| !SETTINGS.contains(&key.as_str())) {
        return Err(GraphError::invalid_parameter(format!(
            "Param {unknown} is not a setting of a WhatsApp Business Account."
        )));
    }
    if body.is_empty() {
        return Err(GraphError::missing_parameter("name"));
    }
    let name = match body.get("name") {
        None => None,
        Some(Value::String(name)) if (1..=100).contains(&name.chars().count()) => Some(name.clone()),
        Some(_) => return Err(GraphError::invalid_parameter("Param name must be a text of 1 to 100 characters.")),
    };
    let timezone_id = match body.get("timezone_id") {
        None => None,
        Some(Value::String(id)) if !id.is_empty() && id.bytes().all(|byte| byte.is_ascii_digit()) => Some(id.clone()),
        Some(Value::Number(id)) if id.is_u64() => Some(id.to_string()),
        Some(_) => return Err(GraphError::invalid_parameter("Param timezone_id must be a timezone id.")),
    };
    let marketing_disabled = params::boolean(&body, "disable_marketing_messages_on_cloud_api")?;
    state.businesses().update_waba(&waba.id, |stored| {
        if let Some(name) = name {
            stored.name = name;
        }
        if let Some(timezone_id) = timezone_id {
            stored.timezone_id = timezone_id;
        }
        if let Some(disabled) = marketing_disabled {
            stored.disable_marketing_messages_on_cloud_api = disabled;
        }
    });
    Ok(success())
}

/// `POST /{waba_id}/phone_numbers`: answers the new number's `id`. Without `cc` the number
/// is taken in the WABA's own country (that of its numbers), with or without that calling
/// code in front, as Meta's guide allows. The number is `PENDING` until it is registered.
pub(super) async fn create_phone_number(
    state: &SandboxState,
    call: &GraphCall,
    waba: &Waba,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    let digits: String =
        params::text(&body, "phone_number")?.chars().filter(|c| !matches!(c, ' ' | '-' | '+' | '(' | ')')).collect();
    let verified_name = params::text(&body, "verified_name")?.trim().to_owned();
    if !VERIFIED_NAME_CHARS.contains(&verified_name.chars().count()) {
        return Err(GraphError::invalid_parameter("Param verified_name must have 2 to 75 characters."));
    }
    let home = state.businesses().phone_numbers_of(&waba.id).into_iter().next();
    let (dial_code, country) = match body.get("cc") {
        Some(cc) => {
            let cc = cc.as_str().map_or_else(|| cc.to_string(), str::to_owned);
            if cc.is_empty() || cc.len() > 3 || !cc.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(GraphError::invalid_parameter("Param cc must be a country calling code of 1 to 3 digits."));
            }
            let country =
                home.as_ref().filter(|home| home.country_dial_code == cc).map(|home| home.country_code.clone());
            (cc, country.unwrap_or_default())
        }
        None => home.map(|home| (home.country_dial_code, home.country_code)).unwrap_or_default(),
    };
    let national = digits.strip_prefix(dial_code.as_str()).filter(|rest| rest.len() >= 7).unwrap_or(&digits);
    let international = format!("{dial_code}{national}");
    let valid = national.len() >= 4
        && (7..=15).contains(&international.len())
        && !international.starts_with('0')
        && international.bytes().all(|byte| byte.is_ascii_digit());
    if !valid {
        return Err(GraphError::invalid_parameter("Param phone_number must be a phone number of 7 to 15 digits."));
    }
    let number = PhoneNumber {
        id: state.ids().next_id(),
        waba_id: waba.id.clone(),
        display_phone_number: display(&dial_code, national),
        verified_name,
        country_dial_code: dial_code,
        country_code: country,
        // The description of `GET /{Phone-Number-ID}`: `NA`, not yet rated, for new numbers.
        quality_rating: "NA".into(),
        last_onboarded_time: super::nodes::graph_time(call.now),
        pending: true,
    };
    let added =
        state.businesses().add_phone_number(number, MAX_NUMBERS_PER_WABA).map_err(|rejection| match rejection {
            AddNumberRejection::InUse => {
                GraphError::invalid_parameter("This phone number is already registered to a WhatsApp Business Account.")
            }
            AddNumberRejection::WabaFull => GraphError::invalid_parameter(format!(
                "This WhatsApp Business Account already has its maximum of {MAX_NUMBERS_PER_WABA} phone numbers."
            )),
        })?;
    Ok(Json(json!({"id": added.id})).into_response())
}

/// Meta's display form: `+1 555-000-9999` for North American numbers, else `+CC NATIONAL`.
fn display(dial_code: &str, national: &str) -> String {
    if dial_code == "1" && national.len() == 10 {
        format!("+1 {}-{}-{}", &national[..3], &national[3..6], &national[6..])
    } else {
        format!("+{dial_code} {national}")
    }
}
