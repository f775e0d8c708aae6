//! Unit tests of the reply-button and list rules, one limit per test.

use super::*;

fn button(id: &str, title: &str) -> ReplyButton {
    ReplyButton { kind: ReplyKind::Reply, reply: Reply { id: id.into(), title: title.into() } }
}

fn buttons(buttons: Vec<ReplyButton>) -> ButtonMessage {
    ButtonMessage {
        kind: ButtonKind::Button,
        header: None,
        body: TextPart { text: "Would you like to proceed?".into() },
        footer: None,
        action: ButtonAction { buttons },
    }
}

fn row(id: &str) -> Row {
    Row { id: id.into(), title: format!("Title {id}"), description: None }
}

fn list(sections: Vec<Section>) -> ListMessage {
    ListMessage {
        kind: ListKind::List,
        header: Some(Header::Text { text: "Select an option".into() }),
        body: TextPart { text: "Choose from the list below".into() },
        footer: None,
        action: ListAction { button: "View Options".into(), sections },
    }
}

fn section(title: Option<&str>, rows: Vec<Row>) -> Section {
    Section { title: title.map(Into::into), rows }
}

#[test]
fn one_to_three_reply_buttons_are_accepted() {
    assert_eq!(buttons(vec![button("yes", "Yes")]).validate(), Ok(()));
    assert_eq!(buttons(vec![button("a", "A"), button("b", "B"), button("c", "C")]).validate(), Ok(()));
}

#[test]
fn a_fourth_reply_button_is_too_many() {
    let message = buttons(vec![button("a", "A"), button("b", "B"), button("c", "C"), button("d", "D")]);
    let error = message.validate().unwrap_err();
    assert_eq!(error.field, "interactive['action']['buttons']");
    assert_eq!(error.violation, Violation::TooMany { max: 3, actual: 4 });
}

#[test]
fn zero_reply_buttons_are_too_few() {
    assert_eq!(buttons(vec![]).validate().unwrap_err().violation, Violation::TooFew { min: 1, actual: 0 });
}

#[test]
fn a_button_title_longer_than_20_characters_is_rejected() {
    let error = buttons(vec![button("a", &"t".repeat(21))]).validate().unwrap_err();
    assert_eq!(error.field, "interactive['action']['buttons'][0]['reply']['title']");
    assert_eq!(error.violation, Violation::TooLong { max: 20, actual: 21 });
    assert_eq!(
        error.details(),
        "Param interactive['action']['buttons'][0]['reply']['title'] must be at most 20 characters long."
    );
}

#[test]
fn button_ids_and_titles_must_be_unique() {
    let error = buttons(vec![button("same", "A"), button("same", "B")]).validate().unwrap_err();
    assert_eq!(error.field, "interactive['action']['buttons'][1]['reply']['id']");
    assert_eq!(error.violation, Violation::Duplicate { value: "same".into() });
    let error = buttons(vec![button("a", "Same"), button("b", "Same")]).validate().unwrap_err();
    assert_eq!(error.field, "interactive['action']['buttons'][1]['reply']['title']");
}

#[test]
fn button_ids_may_not_have_surrounding_spaces_nor_exceed_256_characters() {
    let error = buttons(vec![button(" a", "A")]).validate().unwrap_err();
    assert_eq!(error.field, "interactive['action']['buttons'][0]['reply']['id']");
    let error = buttons(vec![button(&"i".repeat(257), "A")]).validate().unwrap_err();
    assert_eq!(error.violation, Violation::TooLong { max: 256, actual: 257 });
}

#[test]
fn button_body_is_limited_to_1024_and_footer_and_header_to_60() {
    let mut message = buttons(vec![button("a", "A")]);
    message.body.text = "b".repeat(1025);
    assert_eq!(message.validate().unwrap_err().field, "interactive['body']['text']");
    let mut message = buttons(vec![button("a", "A")]);
    message.footer = Some(TextPart { text: "f".repeat(61) });
    assert_eq!(message.validate().unwrap_err().field, "interactive['footer']['text']");
    let mut message = buttons(vec![button("a", "A")]);
    message.header = Some(Header::Text { text: "h".repeat(61) });
    assert_eq!(message.validate().unwrap_err().field, "interactive['header']['text']");
}

#[test]
fn a_list_of_the_hosted_products_example_is_valid() {
    assert_eq!(list(vec![section(Some("Products"), vec![row("prod1"), row("prod2")])]).validate(), Ok(()));
}

#[test]
fn eleven_rows_over_all_sections_are_too_many() {
    let first = section(Some("One"), (0..6).map(|i| row(&format!("a{i}"))).collect());
    let second = section(Some("Two"), (0..5).map(|i| row(&format!("b{i}"))).collect());
    let error = list(vec![first, second]).validate().unwrap_err();
    assert_eq!(error.field, "interactive['action']['sections']['rows']");
    assert_eq!(error.violation, Violation::TooMany { max: 10, actual: 11 });
}

#[test]
fn eleven_sections_are_too_many() {
    let sections = (0..11).map(|i| section(Some("S"), vec![row(&i.to_string())])).collect();
    let error = list(sections).validate().unwrap_err();
    assert_eq!(error.field, "interactive['action']['sections']");
    assert_eq!(error.violation, Violation::TooMany { max: 10, actual: 11 });
}

#[test]
fn a_row_title_longer_than_24_characters_is_rejected() {
    let mut long = row("a");
    long.title = "r".repeat(25);
    let error = list(vec![section(None, vec![long])]).validate().unwrap_err();
    assert_eq!(error.field, "interactive['action']['sections'][0]['rows'][0]['title']");
    assert_eq!(error.violation, Violation::TooLong { max: 24, actual: 25 });
}

#[test]
fn row_descriptions_ids_and_section_titles_have_limits() {
    let mut described = row("a");
    described.description = Some("d".repeat(73));
    let error = list(vec![section(None, vec![described])]).validate().unwrap_err();
    assert_eq!(error.violation, Violation::TooLong { max: 72, actual: 73 });
    let error = list(vec![section(None, vec![row(&"i".repeat(201))])]).validate().unwrap_err();
    assert_eq!(error.violation, Violation::TooLong { max: 200, actual: 201 });
    let error = list(vec![section(Some(&"s".repeat(25)), vec![row("a")])]).validate().unwrap_err();
    assert_eq!(error.field, "interactive['action']['sections'][0]['title']");
}

#[test]
fn section_titles_are_required_only_with_several_sections() {
    assert_eq!(list(vec![section(None, vec![row("a")])]).validate(), Ok(()));
    let error = list(vec![section(Some("A"), vec![row("a")]), section(None, vec![row("b")])]).validate().unwrap_err();
    assert_eq!(error.field, "interactive['action']['sections'][1]['title']");
    assert_eq!(error.violation, Violation::Missing);
}

#[test]
fn row_ids_must_be_unique_across_sections() {
    let error =
        list(vec![section(Some("A"), vec![row("x")]), section(Some("B"), vec![row("x")])]).validate().unwrap_err();
    assert_eq!(error.field, "interactive['action']['sections'][1]['rows'][0]['id']");
}

#[test]
fn the_list_button_label_is_limited_to_20_characters_and_headers_must_be_text() {
    let mut message = list(vec![section(None, vec![row("a")])]);
    message.action.button = "b".repeat(21);
    assert_eq!(message.validate().unwrap_err().field, "interactive['action']['button']");
    let mut message = list(vec![section(None, vec![row("a")])]);
    message.header = Some(Header::Image { image: MediaRef { id: Some("1".into()), link: None } });
    assert_eq!(message.validate().unwrap_err().field, "interactive['header']['type']");
}
