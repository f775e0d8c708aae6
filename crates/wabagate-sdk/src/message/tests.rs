//! One test per local rule a message builder enforces: each asserts the field named and
//! the limit reported, so a user sees exactly what to fix.

use wabagate_model::Violation;
use wabagate_model::message::Parameter;

use super::*;
use crate::{ContactCard, ListSection, Media};

const TO: &str = "1234567890";

/// The field and violation of a build that must fail locally.
fn refused<C: Content>(draft: Draft<C>) -> (String, Violation) {
    match draft.build() {
        Err(Error::Invalid(error)) => (error.field, error.violation),
        other => panic!("expected a local validation error, got {other:?}"),
    }
}

fn too_long(max: usize, actual: usize) -> Violation {
    Violation::TooLong { max, actual }
}

#[test]
fn every_message_sets_messaging_product_to_whatsapp() {
    let messages = [
        Message::text(TO, "hi").build().unwrap(),
        Message::image(TO, Media::id("1")).build().unwrap(),
        Message::reaction(TO, "wamid.X", "👍").build().unwrap(),
        Message::location(TO, 1.0, 2.0).build().unwrap(),
    ];
    for message in messages {
        assert_eq!(message.to_json()["messaging_product"], "whatsapp", "{}", message.type_name());
        assert_eq!(message.to_json()["to"], TO);
    }
}

#[test]
fn the_text_body_matches_the_hosted_example() {
    let message = Message::text(TO, "Hello from WhatsApp Business!").preview_url(true).build().unwrap();
    assert_eq!(
        message.to_json(),
        serde_json::json!({"messaging_product": "whatsapp", "to": TO, "type": "text",
            "text": {"body": "Hello from WhatsApp Business!", "preview_url": true}})
    );
}

#[test]
fn the_recipient_must_be_digits_without_plus_or_leading_zero() {
    for bad in ["+1234567890", "01234567890", "123-456-7890", "12 34 56 78 90", "12345", "abc1234567"] {
        let (field, violation) = refused(Message::text(bad, "hi"));
        assert_eq!(field, "to", "{bad}");
        assert!(matches!(violation, Violation::Malformed { .. }), "{bad}: {violation:?}");
    }
    assert_eq!(refused(Message::text("", "hi")), ("to".into(), Violation::Missing));
}

#[test]
fn a_text_body_is_required_and_at_most_4096_characters() {
    assert!(Message::text(TO, "é".repeat(4096)).build().is_ok());
    assert_eq!(refused(Message::text(TO, "é".repeat(4097))), ("text['body']".into(), too_long(4096, 4097)));
    assert_eq!(refused(Message::text(TO, " ")), ("text['body']".into(), Violation::Empty));
}

#[test]
fn captions_are_at_most_1024_characters() {
    let long = "c".repeat(1025);
    assert_eq!(
        refused(Message::image(TO, Media::id("1")).caption(&long)),
        ("image['caption']".into(), too_long(1024, 1025))
    );
    assert_eq!(
        refused(Message::video(TO, Media::id("1")).caption(&long)),
        ("video['caption']".into(), too_long(1024, 1025))
    );
    assert_eq!(
        refused(Message::document(TO, Media::id("1")).caption(&long).filename("a.pdf")),
        ("document['caption']".into(), too_long(1024, 1025))
    );
}

#[test]
fn media_is_sent_by_id_or_by_http_link() {
    let document = Message::document(TO, Media::link("https://example.com/report.pdf"))
        .caption("Here it is")
        .filename("report.pdf")
        .build()
        .unwrap();
    assert_eq!(document.to_json()["document"]["filename"], "report.pdf");
    let audio = Message::audio(TO, Media::id("4490709327384033")).voice(true).build().unwrap();
    assert_eq!(audio.to_json()["audio"], serde_json::json!({"id": "4490709327384033", "voice": true}));
    assert!(Message::sticker(TO, Media::id("1")).build().is_ok());
    let (field, violation) = refused(Message::sticker(TO, Media::link("ftp://example.com/s.webp")));
    assert_eq!(field, "sticker['link']");
    assert!(matches!(violation, Violation::Malformed { .. }));
    assert_eq!(refused(Message::audio(TO, Media::id(" "))), ("audio['id']".into(), Violation::Empty));
}

#[test]
fn at_most_three_reply_buttons() {
    let draft = Message::buttons(TO, "Proceed?").button("a", "A").button("b", "B").button("c", "C").button("d", "D");
    assert_eq!(refused(draft), ("interactive['action']['buttons']".into(), Violation::TooMany { max: 3, actual: 4 }));
    assert_eq!(
        refused(Message::buttons(TO, "Proceed?")),
        ("interactive['action']['buttons']".into(), Violation::TooFew { min: 1, actual: 0 })
    );
}

#[test]
fn reply_button_ids_and_titles_are_unique() {
    let (field, violation) = refused(Message::buttons(TO, "Proceed?").button("yes", "Yes").button("yes", "Sure"));
    assert_eq!(field, "interactive['action']['buttons'][1]['reply']['id']");
    assert_eq!(violation, Violation::Duplicate { value: "yes".into() });
    let (field, _) = refused(Message::buttons(TO, "Proceed?").button("a", "Yes").button("b", "Yes"));
    assert_eq!(field, "interactive['action']['buttons'][1]['reply']['title']");
}

#[test]
fn reply_button_titles_are_at_most_20_and_ids_256_characters() {
    assert_eq!(
        refused(Message::buttons(TO, "Proceed?").button("a", "t".repeat(21))),
        ("interactive['action']['buttons'][0]['reply']['title']".into(), too_long(20, 21))
    );
    assert_eq!(
        refused(Message::buttons(TO, "Proceed?").button("i".repeat(257), "A")),
        ("interactive['action']['buttons'][0]['reply']['id']".into(), too_long(256, 257))
    );
}

#[test]
fn interactive_body_header_and_footer_have_length_limits() {
    assert_eq!(
        refused(Message::buttons(TO, "b".repeat(1025)).button("a", "A")),
        ("interactive['body']['text']".into(), too_long(1024, 1025))
    );
    assert_eq!(
        refused(Message::buttons(TO, "Proceed?").button("a", "A").header_text("h".repeat(61))),
        ("interactive['header']['text']".into(), too_long(60, 61))
    );
    assert_eq!(
        refused(Message::buttons(TO, "Proceed?").button("a", "A").footer("f".repeat(61))),
        ("interactive['footer']['text']".into(), too_long(60, 61))
    );
    let list = Message::list(TO, "Choose", "Options").section(ListSection::untitled().row("1", "One", None));
    assert_eq!(
        refused(list.clone().header_text("h".repeat(61))),
        ("interactive['header']['text']".into(), too_long(60, 61))
    );
    assert_eq!(refused(list.footer("f".repeat(61))), ("interactive['footer']['text']".into(), too_long(60, 61)));
    let long_body =
        Message::list(TO, "b".repeat(4097), "Options").section(ListSection::untitled().row("1", "One", None));
    assert_eq!(refused(long_body), ("interactive['body']['text']".into(), too_long(4096, 4097)));
}

#[test]
fn the_hosted_list_example_builds() {
    let message = Message::list(TO, "Choose from the list below", "View Options")
        .header_text("Select an option")
        .section(ListSection::new("Products").row("prod1", "Product 1", Some("First product")).row(
            "prod2",
            "Product 2",
            Some("Second product"),
        ))
        .build()
        .unwrap();
    let json = message.to_json();
    assert_eq!(json["interactive"]["type"], "list");
    assert_eq!(json["interactive"]["action"]["sections"][0]["rows"][1]["id"], "prod2");
}

#[test]
fn a_list_has_at_most_10_rows_in_all() {
    let mut first = ListSection::new("A");
    let mut second = ListSection::new("B");
    for row in 0..6 {
        first = first.row(format!("a{row}"), "Row", None);
        second = second.row(format!("b{row}"), "Row", None);
    }
    let (field, violation) = refused(Message::list(TO, "Choose", "Options").section(first).section(second));
    assert_eq!(field, "interactive['action']['sections']['rows']");
    assert_eq!(violation, Violation::TooMany { max: 10, actual: 12 });
}

#[test]
fn a_list_has_at_most_10_sections() {
    let mut draft = Message::list(TO, "Choose", "Options");
    for section in 0..11 {
        draft = draft.section(ListSection::new(format!("S{section}")).row(format!("r{section}"), "Row", None));
    }
    assert_eq!(
        refused(draft),
        ("interactive['action']['sections']".into(), Violation::TooMany { max: 10, actual: 11 })
    );
}

#[test]
fn list_rows_sections_and_button_have_their_limits() {
    let list = |section: ListSection| Message::list(TO, "Choose", "Options").section(section);
    assert_eq!(
        refused(list(ListSection::new("S").row("1", "t".repeat(25), None))),
        ("interactive['action']['sections'][0]['rows'][0]['title']".into(), too_long(24, 25))
    );
    assert_eq!(
        refused(list(ListSection::new("S").row("1", "T", Some(&"d".repeat(73))))),
        ("interactive['action']['sections'][0]['rows'][0]['description']".into(), too_long(72, 73))
    );
    assert_eq!(
        refused(list(ListSection::new("s".repeat(25)).row("1", "T", None))),
        ("interactive['action']['sections'][0]['title']".into(), too_long(24, 25))
    );
    let (field, violation) = refused(list(ListSection::new("S").row("1", "T", None).row("1", "U", None)));
    assert_eq!(field, "interactive['action']['sections'][0]['rows'][1]['id']");
    assert_eq!(violation, Violation::Duplicate { value: "1".into() });
    let long_button = Message::list(TO, "Choose", "b".repeat(21)).section(ListSection::new("S").row("1", "T", None));
    assert_eq!(refused(long_button), ("interactive['action']['button']".into(), too_long(20, 21)));
    let two_untitled = Message::list(TO, "Choose", "Options")
        .section(ListSection::untitled().row("1", "T", None))
        .section(ListSection::new("B").row("2", "U", None));
    assert_eq!(refused(two_untitled), ("interactive['action']['sections'][0]['title']".into(), Violation::Missing));
}

#[test]
fn template_names_follow_metas_rules() {
    for bad in ["Hello_World", "hello world", "hello-world"] {
        let (field, violation) = refused(Message::template(TO, bad, "en_US"));
        assert_eq!(field, "template['name']", "{bad}");
        assert!(matches!(violation, Violation::Malformed { .. }), "{bad}");
    }
    assert_eq!(
        refused(Message::template(TO, "a".repeat(513), "en_US")),
        ("template['name']".into(), too_long(512, 513))
    );
    assert_eq!(
        refused(Message::template(TO, "hello_world", "")),
        ("template['language']['code']".into(), Violation::Missing)
    );
}

#[test]
fn template_parameters_go_to_their_components() {
    let message = Message::template(TO, "order_update", "en_US")
        .header_image(Media::link("https://example.com/banner.png"))
        .body_text("John")
        .body_named_text("order", "A-1")
        .body_parameter(Parameter::Payload { payload: "x".into() })
        .quick_reply_button(0, "STOP")
        .url_button(1, "A-1")
        .build()
        .unwrap();
    let components = &message.to_json()["template"]["components"];
    assert_eq!(components[0]["type"], "header");
    assert_eq!(components[0]["parameters"][0]["image"]["link"], "https://example.com/banner.png");
    assert_eq!(components[1]["parameters"][1]["parameter_name"], "order");
    assert_eq!(components[2]["sub_type"], "quick_reply");
    assert_eq!(components[3]["index"], "1");
    let (field, violation) = refused(Message::template(TO, "hello_world", "en_US").body_text(""));
    assert_eq!(field, "template['components'][0]['parameters'][0]['text']");
    assert_eq!(violation, Violation::Missing);
}

#[test]
fn a_template_without_parameters_has_no_components() {
    let message = Message::template(TO, "hello_world", "en_US").build().unwrap();
    assert_eq!(
        message.to_json()["template"],
        serde_json::json!({"name": "hello_world", "language": {"code": "en_US"}})
    );
}

#[test]
fn locations_must_be_on_earth() {
    let located = Message::location(TO, 37.7749, -122.4194).name("San Francisco").address("CA").build().unwrap();
    assert_eq!(located.to_json()["location"]["name"], "San Francisco");
    let (field, _) = refused(Message::location(TO, 91.0, 0.0));
    assert_eq!(field, "location['latitude']");
    let (field, _) = refused(Message::location(TO, 0.0, 180.5));
    assert_eq!(field, "location['longitude']");
}

#[test]
fn one_to_five_contact_cards_each_with_a_name() {
    let card = || ContactCard::new("John Doe").phone("+1234567890", "MOBILE");
    assert!(Message::contacts(TO, [card()]).build().is_ok());
    assert_eq!(
        refused(Message::contacts(TO, vec![card(); 6])),
        ("contacts".into(), Violation::TooMany { max: 5, actual: 6 })
    );
    assert_eq!(refused(Message::contacts(TO, [])), ("contacts".into(), Violation::TooFew { min: 1, actual: 0 }));
    assert_eq!(
        refused(Message::contacts(TO, [card()]).card(ContactCard::new(""))),
        ("contacts[1]['name']['formatted_name']".into(), Violation::Empty)
    );
}

#[test]
fn a_reaction_needs_its_target_message() {
    assert_eq!(refused(Message::reaction(TO, "", "👍")), ("reaction['message_id']".into(), Violation::Empty));
    assert!(Message::reaction(TO, "wamid.X", "").build().is_ok(), "an empty emoji removes a reaction");
}

#[test]
fn reply_to_sets_the_context_and_must_name_a_message() {
    let reply = Message::text(TO, "Sure!").reply_to("wamid.ABC").build().unwrap();
    assert_eq!(reply.to_json()["context"]["message_id"], "wamid.ABC");
    assert_eq!(refused(Message::text(TO, "Sure!").reply_to("")), ("context['message_id']".into(), Violation::Empty));
}

#[test]
fn callback_data_is_at_most_512_characters() {
    assert_eq!(
        refused(Message::text(TO, "hi").callback_data("x".repeat(513))),
        ("biz_opaque_callback_data".into(), too_long(512, 513))
    );
}

const GROUP: &str = "Y2FwaV9ncm91cDoxNTU1MDEwMDAwMToxMjAzNjMwMDAwMDAwMDAwMDA";

#[test]
fn a_group_message_carries_the_group_id_and_recipient_type() {
    let text = Message::text(GROUP, "Welcome, team!").for_group().build().unwrap();
    assert_eq!((text.to_json()["recipient_type"].as_str(), text.to()), (Some("group"), GROUP));
    let pin = Message::pin(GROUP, "wamid.X", 7).build().unwrap();
    assert_eq!(
        pin.to_json(),
        serde_json::json!({"messaging_product": "whatsapp", "recipient_type": "group", "to": GROUP, "type": "pin",
                           "pin": {"type": "pin", "message_id": "wamid.X", "expiration_days": 7}})
    );
    assert_eq!(Message::unpin(GROUP, "wamid.X").build().unwrap().to_json()["pin"]["type"], "unpin");
}

#[test]
fn a_group_refuses_what_meta_does_not_deliver_to_groups_and_a_pin_its_days() {
    let (field, violation) = refused(Message::reaction(GROUP, "wamid.X", "👍").for_group());
    assert_eq!(field, "recipient_type");
    assert_eq!(violation, Violation::NotForRecipientType { message_type: "reaction".into(), recipient_type: "group" });
    assert_eq!(refused(Message::pin(GROUP, "wamid.X", 31)).0, "pin['expiration_days']");
    assert_eq!(refused(Message::text("", "hi").for_group()), ("to".to_owned(), Violation::Empty));
}
