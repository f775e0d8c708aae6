//! `wabagate sandbox inbound`: makes a customer write to a running sandbox by calling its
//! `POST /__sandbox/inbound` over HTTP. The flags only build the request; the sandbox
//! completes and delivers the message.

use std::io::Write;

use anyhow::{Context, bail};
use clap::{ArgGroup, Args};
use serde_json::{Map, Value, json};

use super::inbound::{InboundAccepted, InboundRequest};

/// Where `wabagate sandbox` listens unless told otherwise.
pub const DEFAULT_SANDBOX_URL: &str = "http://127.0.0.1:8090";

/// A customer message to inject: exactly one of the content flags.
#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("content").required(true).multiple(false).args([
    "text", "image_id", "video_id", "audio_id", "document_id", "sticker_id", "location",
    "reaction_to", "button_reply", "list_reply", "button_payload", "contact", "order",
    "number_changed", "unsupported", "request_welcome", "json",
])))]
pub struct InboundArgs {
    /// Base URL of the running sandbox.
    #[arg(long, env = "WABAGATE_SANDBOX_URL", default_value = DEFAULT_SANDBOX_URL)]
    pub sandbox_url: String,

    /// The customer's wa_id, e.g. 1234567890.
    #[arg(long)]
    pub from: String,

    /// The business phone number id written to (default: the sandbox's first number).
    #[arg(long)]
    pub to: Option<String>,

    /// The customer's profile name (default: the sandbox's name for known customers).
    #[arg(long)]
    pub name: Option<String>,

    /// Quote a business message: its wamid becomes `context.id`.
    #[arg(long)]
    pub reply_to: Option<String>,

    /// A text message.
    #[arg(long)]
    pub text: Option<String>,
    /// An image with this media id.
    #[arg(long)]
    pub image_id: Option<String>,
    /// A video with this media id.
    #[arg(long)]
    pub video_id: Option<String>,
    /// An audio message with this media id (see --voice).
    #[arg(long)]
    pub audio_id: Option<String>,
    /// A document with this media id (see --filename).
    #[arg(long)]
    pub document_id: Option<String>,
    /// A sticker with this media id.
    #[arg(long)]
    pub sticker_id: Option<String>,
    /// A location, as LATITUDE,LONGITUDE (see --location-name, --address).
    #[arg(long, value_name = "LAT,LON", allow_hyphen_values = true)]
    pub location: Option<String>,
    /// A reaction to the business message with this wamid (see --emoji).
    #[arg(long, value_name = "WAMID")]
    pub reaction_to: Option<String>,
    /// A tap on the reply button with this id (see --title).
    #[arg(long, value_name = "ID")]
    pub button_reply: Option<String>,
    /// A pick of the list row with this id (see --title, --description).
    #[arg(long, value_name = "ID")]
    pub list_reply: Option<String>,
    /// A tap on a template quick-reply button with this payload (see --title).
    #[arg(long, value_name = "PAYLOAD")]
    pub button_payload: Option<String>,
    /// A contact card, as NAME:PHONE (e.g. 'Jo Doe:+1 555 0100').
    #[arg(long, value_name = "NAME:PHONE")]
    pub contact: Option<String>,
    /// An order from this catalog (see --item).
    #[arg(long, value_name = "CATALOG_ID")]
    pub order: Option<String>,
    /// An item of an --order, as SKU:QUANTITY:PRICE:CURRENCY (repeatable).
    #[arg(long, value_name = "SKU:QTY:PRICE:CURRENCY", requires = "order")]
    pub item: Vec<String>,
    /// A system notice that the customer changed their number to this wa_id.
    #[arg(long, value_name = "NEW_WA_ID")]
    pub number_changed: Option<String>,
    /// A message of a type the Cloud API does not support (delivered with error 131051).
    #[arg(long)]
    pub unsupported: bool,
    /// The customer opened the chat for the first time (`request_welcome`).
    #[arg(long)]
    pub request_welcome: bool,
    /// A raw `messages[]` object, e.g. '{"type":"order","order":{…}}'.
    #[arg(long, value_name = "JSON")]
    pub json: Option<String>,

    /// Caption of an image, video or document.
    #[arg(long)]
    pub caption: Option<String>,
    /// File name of a document.
    #[arg(long)]
    pub filename: Option<String>,
    /// Mark an audio message as a voice note.
    #[arg(long)]
    pub voice: bool,
    /// Name of a location.
    #[arg(long)]
    pub location_name: Option<String>,
    /// Address of a location.
    #[arg(long)]
    pub address: Option<String>,
    /// Emoji of a reaction.
    #[arg(long, default_value = "👍")]
    pub emoji: String,
    /// Title of a button or list reply, or text of a quick-reply button.
    #[arg(long)]
    pub title: Option<String>,
    /// Description of a list reply.
    #[arg(long)]
    pub description: Option<String>,
}

impl InboundArgs {
    /// The request body for `POST /__sandbox/inbound`.
    ///
    /// Errors: a malformed `--location` or `--json`.
    pub fn request(&self) -> anyhow::Result<InboundRequest> {
        let mut message = self.message()?;
        if let Some(wamid) = &self.reply_to {
            message.insert("context".into(), json!({ "id": wamid }));
        }
        Ok(InboundRequest {
            from: self.from.clone(),
            phone_number_id: self.to.clone(),
            profile_name: self.name.clone(),
            message,
        })
    }

    fn message(&self) -> anyhow::Result<Map<String, Value>> {
        let title = self.title.clone().unwrap_or_default();
        let message = if let Some(body) = &self.text {
            json!({ "type": "text", "text": { "body": body } })
        } else if let Some(id) = &self.image_id {
            media("image", id, &[("caption", self.caption.as_deref())])
        } else if let Some(id) = &self.video_id {
            media("video", id, &[("caption", self.caption.as_deref())])
        } else if let Some(id) = &self.audio_id {
            let mut message = media("audio", id, &[]);
            message["audio"]["voice"] = self.voice.into();
            message
        } else if let Some(id) = &self.document_id {
            media("document", id, &[("caption", self.caption.as_deref()), ("filename", self.filename.as_deref())])
        } else if let Some(id) = &self.sticker_id {
            let mut message = media("sticker", id, &[]);
            message["sticker"]["animated"] = false.into();
            message
        } else if let Some(location) = &self.location {
            self.location_message(location)?
        } else if let Some(wamid) = &self.reaction_to {
            json!({ "type": "reaction", "reaction": { "message_id": wamid, "emoji": self.emoji } })
        } else if let Some(id) = &self.button_reply {
            json!({ "type": "interactive", "interactive": { "type": "button_reply", "button_reply": { "id": id, "title": title } } })
        } else if let Some(id) = &self.list_reply {
            let mut reply = json!({ "id": id, "title": title });
            if let Some(description) = &self.description {
                reply["description"] = description.clone().into();
            }
            json!({ "type": "interactive", "interactive": { "type": "list_reply", "list_reply": reply } })
        } else if let Some(payload) = &self.button_payload {
            json!({ "type": "button", "button": { "payload": payload, "text": title } })
        } else if let Some(contact) = &self.contact {
            let (name, phone) = contact.rsplit_once(':').context("--contact must be NAME:PHONE")?;
            let wa_id: String = phone.chars().filter(char::is_ascii_digit).collect();
            json!({ "type": "contacts", "contacts": [{
                "name": { "formatted_name": name, "first_name": name },
                "phones": [{ "phone": phone, "wa_id": wa_id, "type": "CELL" }],
            }] })
        } else if let Some(catalog_id) = &self.order {
            let items = self.item.iter().map(|item| order_item(item)).collect::<anyhow::Result<Vec<Value>>>()?;
            if items.is_empty() {
                bail!("--order needs at least one --item SKU:QUANTITY:PRICE:CURRENCY");
            }
            json!({ "type": "order", "order": { "catalog_id": catalog_id, "product_items": items } })
        } else if let Some(new_wa_id) = &self.number_changed {
            json!({ "type": "system", "system": {
                "body": format!("User {} changed from {} to {new_wa_id}", self.name.as_deref().unwrap_or("A customer"), self.from),
                "wa_id": new_wa_id,
                "type": "user_changed_number",
            } })
        } else if self.unsupported {
            json!({ "type": "unsupported" })
        } else if self.request_welcome {
            json!({ "type": "request_welcome" })
        } else if let Some(raw) = &self.json {
            serde_json::from_str(raw).context("--json must be a JSON object")?
        } else {
            bail!("one content flag (--text, --image-id, …, --json) is required")
        };
        match message {
            Value::Object(object) => Ok(object),
            _ => bail!("--json must be a JSON object"),
        }
    }

    fn location_message(&self, location: &str) -> anyhow::Result<Value> {
        let (latitude, longitude) = location.split_once(',').context("--location must be LATITUDE,LONGITUDE")?;
        let latitude: f64 = latitude.trim().parse().context("--location latitude is not a number")?;
        let longitude: f64 = longitude.trim().parse().context("--location longitude is not a number")?;
        let mut content = json!({ "latitude": latitude, "longitude": longitude });
        if let Some(name) = &self.location_name {
            content["name"] = name.clone().into();
        }
        if let Some(address) = &self.address {
            content["address"] = address.clone().into();
        }
        Ok(json!({ "type": "location", "location": content }))
    }
}

/// `SKU:QUANTITY:PRICE:CURRENCY` as an order's `product_items[]` entry.
fn order_item(item: &str) -> anyhow::Result<Value> {
    let parts: Vec<&str> = item.split(':').collect();
    let [sku, quantity, price, currency] = parts.as_slice() else {
        bail!("--item must be SKU:QUANTITY:PRICE:CURRENCY, got {item:?}");
    };
    let quantity: u32 = quantity.parse().context("--item quantity is not a whole number")?;
    let price: f64 = price.parse().context("--item price is not a number")?;
    Ok(json!({ "product_retailer_id": sku, "quantity": quantity, "item_price": price, "currency": currency }))
}

fn media(kind: &str, id: &str, extras: &[(&str, Option<&str>)]) -> Value {
    let mut content = json!({ "id": id });
    for (name, value) in extras {
        if let Some(value) = value {
            content[*name] = (*value).into();
        }
    }
    json!({ "type": kind, kind: content })
}

/// Sends the message to the sandbox and prints the inbound wamid.
///
/// Errors: bad flags, an unreachable sandbox, or the sandbox refusing the message
/// (its status and message are in the error).
pub async fn run_inbound(args: InboundArgs) -> anyhow::Result<()> {
    let accepted = send_inbound(&reqwest::Client::new(), &args).await?;
    writeln!(std::io::stdout(), "{}", accepted.id)?;
    Ok(())
}

/// The HTTP half of [`run_inbound`], for callers that print differently.
pub async fn send_inbound(client: &reqwest::Client, args: &InboundArgs) -> anyhow::Result<InboundAccepted> {
    let request = args.request()?;
    let url = format!("{}/__sandbox/inbound", args.sandbox_url.trim_end_matches('/'));
    let response = client
        .post(&url)
        .json(&request)
        .send()
        .await
        .with_context(|| format!("could not reach the sandbox at {}", args.sandbox_url))?;
    let status = response.status();
    let body: Value = response.json().await.context("the sandbox answered with something other than JSON")?;
    if !status.is_success() {
        let message = body.pointer("/error/message").and_then(Value::as_str).unwrap_or("no message");
        bail!("the sandbox refused the message ({status}): {message}");
    }
    serde_json::from_value(body).context("unexpected answer from the sandbox")
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        inbound: InboundArgs,
    }

    fn request(args: &[&str]) -> InboundRequest {
        let cli = Cli::try_parse_from(std::iter::once("inbound").chain(args.iter().copied())).unwrap();
        cli.inbound.request().unwrap()
    }

    #[test]
    fn text_flag_builds_a_text_message() {
        let request = request(&["--from", "1234567890", "--text", "hi"]);
        assert_eq!(request.from, "1234567890");
        assert_eq!(Value::Object(request.message), json!({ "type": "text", "text": { "body": "hi" } }));
    }

    #[test]
    fn location_accepts_negative_coordinates_and_a_name() {
        let request = request(&["--from", "1", "--location", "-33.86,151.2", "--location-name", "Opera"]);
        assert_eq!(
            Value::Object(request.message),
            json!({ "type": "location", "location": { "latitude": -33.86, "longitude": 151.2, "name": "Opera" } })
        );
    }

    #[test]
    fn reply_to_sets_the_context() {
        let request = request(&["--from", "1", "--button-reply", "yes", "--title", "Yes", "--reply-to", "wamid.X"]);
        assert_eq!(request.message["context"], json!({ "id": "wamid.X" }));
        assert_eq!(request.message["interactive"]["button_reply"], json!({ "id": "yes", "title": "Yes" }));
    }

    #[test]
    fn contacts_orders_system_unsupported_and_welcome_have_flags() {
        let contact = request(&["--from", "1", "--contact", "Jo Doe:+1 555 0100"]);
        assert_eq!(contact.message["contacts"][0]["name"]["formatted_name"], "Jo Doe");
        assert_eq!(contact.message["contacts"][0]["phones"][0]["wa_id"], "15550100");
        let order = request(&["--from", "1", "--order", "cat1", "--item", "sku-1:2:9.99:USD"]);
        assert_eq!(
            order.message["order"],
            json!({ "catalog_id": "cat1", "product_items": [
                { "product_retailer_id": "sku-1", "quantity": 2, "item_price": 9.99, "currency": "USD" }] })
        );
        let system = request(&["--from", "1", "--number-changed", "2"]);
        assert_eq!(
            (system.message["type"].as_str(), system.message["system"]["wa_id"].as_str()),
            (Some("system"), Some("2"))
        );
        assert_eq!(request(&["--from", "1", "--unsupported"]).message["type"], "unsupported");
        assert_eq!(request(&["--from", "1", "--request-welcome"]).message["type"], "request_welcome");
    }

    #[test]
    fn an_order_needs_well_formed_items() {
        let cli = Cli::try_parse_from(["inbound", "--from", "1", "--order", "c", "--item", "sku:x:1:USD"]).unwrap();
        assert!(cli.inbound.request().is_err());
        let cli = Cli::try_parse_from(["inbound", "--from", "1", "--order", "c"]).unwrap();
        assert!(cli.inbound.request().is_err());
    }

    #[test]
    fn exactly_one_content_flag_is_required() {
        assert!(Cli::try_parse_from(["inbound", "--from", "1"]).is_err());
        assert!(Cli::try_parse_from(["inbound", "--from", "1", "--text", "a", "--image-id", "2"]).is_err());
    }
}
