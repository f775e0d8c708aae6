//! The webhook parser on the committed corpus and on odd shapes.

use serde_json::json;

use super::*;

fn corpus(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/webhook_corpus/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).unwrap()
}

fn items(name: &str) -> Vec<Item> {
    let notification = Notification::parse(&corpus(name)).unwrap();
    notification.entries.iter().flat_map(|entry| entry.changes.iter().flat_map(Change::items)).collect()
}

fn only(name: &str) -> Item {
    let mut items = items(name);
    assert_eq!(items.len(), 1, "{items:?}");
    items.remove(0)
}

#[test]
fn an_escaped_inbound_text_is_read_with_its_sender_and_profile() {
    let Item::Message(message) = only("inbound_text_escaped") else { panic!() };
    assert_eq!(message.wamid, "wamid.TEST1");
    assert_eq!(message.from, "34600111222");
    assert_eq!(message.profile_name.as_deref(), Some("Ana Ruiz"));
    assert_eq!(message.timestamp, Some(1_750_000_000));
    assert_eq!(message.raw["text"]["body"], "Olá 👍");
}

#[test]
fn a_button_reply_names_the_message_it_answers() {
    let Item::Message(message) = only("inbound_button_reply") else { panic!() };
    assert_eq!(message.message_type, "interactive");
    assert_eq!(message.reply_to.as_deref(), Some("wamid.HBgLMzQ2MDAxMTEyMjIVAgARGBJBQjEyQ0QzNEVGNTY3ODkwMQA="));
}

#[test]
fn a_failed_status_keeps_meta_errors_whole() {
    let Item::Status(status) = only("status_failed_131047") else { panic!() };
    assert_eq!(status.status, "failed");
    assert_eq!(status.errors.as_ref().unwrap()[0]["code"], 131047);
    assert_eq!(status.recipient_id.as_deref(), Some("34600111222"));
}

#[test]
fn a_template_update_reads_a_numeric_id_and_the_entry_time() {
    let notification = Notification::parse(&corpus("template_rejected")).unwrap();
    assert_eq!(notification.entries[0].time, Some(1_750_007_200));
    let Item::TemplateStatus(update) = only("template_rejected") else { panic!() };
    assert_eq!(update.template_id, "1187654321098999");
    assert_eq!((update.event.as_str(), update.reason.as_deref()), ("REJECTED", Some("INVALID_FORMAT")));
}

#[test]
fn a_batch_yields_every_item_and_keeps_unknown_ones_raw() {
    let items = items("batch_every_kind");
    assert!(matches!(&items[0], Item::AccountUpdate(update) if update.revokes_access()));
    assert!(matches!(&items[1], Item::PhoneNumberNameUpdate(update) if update.decision.as_deref() == Some("APPROVED")));
    assert!(matches!(&items[2], Item::Unknown { field, .. } if field == "security"));
    let messages: Vec<&str> = items
        .iter()
        .filter_map(|item| match item {
            Item::Message(message) => Some(message.message_type.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(messages, ["image", "location", "reaction", "order", "unsupported", "hologram"]);
    let Some(Item::Status(status)) = items.last() else { panic!() };
    assert_eq!(
        (status.timestamp, status.biz_opaque_callback_data.as_deref()),
        (Some(1_750_000_007), Some("order-4411"))
    );
}

#[test]
fn odd_shapes_are_skipped_or_kept_not_refused() {
    let body =
        json!({"entry": [7, {"id": 5, "changes": [null, {"field": "messages", "value": {"statuses": [{"id": 3}]}}]}]});
    let notification = Notification::from_value(&body).unwrap();
    assert_eq!(notification.entries.len(), 1);
    assert_eq!(notification.entries[0].id, "5");
    assert!(matches!(notification.entries[0].changes[0].items()[..], [Item::Unknown { .. }]));
    assert_eq!(Notification::parse(b"[1]"), Err(NotificationError::NotAnEnvelope));
    assert!(matches!(Notification::parse(b"{\"entry\""), Err(NotificationError::NotJson(_))));
}

#[test]
fn one_change_kept_aside_replays_as_the_same_items() {
    let notification = Notification::parse(&corpus("template_approved")).unwrap();
    let entry = &notification.entries[0];
    let replayed = Notification::from_value(&entry.with_only(&entry.changes[0])).unwrap();
    assert_eq!(replayed.entries[0], *entry);
}
