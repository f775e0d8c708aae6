//! Contact-card messages and a small builder for one card.

use wabagate_model::ValidationError;
use wabagate_model::message::{Contact, ContactEmail, ContactName, ContactPhone, MessageContent};

use super::{Content, Draft, Message};

/// One contact card, built up field by field.
///
/// ```
/// use wabagate_sdk::{ContactCard, Message};
///
/// let card = ContactCard::new("John Doe").first_name("John").last_name("Doe").phone("+1234567890", "MOBILE");
/// let message = Message::contacts("1234567890", [card]).build()?;
/// assert_eq!(message.to_json()["contacts"][0]["phones"][0]["type"], "MOBILE");
/// # Ok::<(), wabagate_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCard(Contact);

impl ContactCard {
    /// A card showing `formatted_name` (required by Meta).
    pub fn new(formatted_name: impl Into<String>) -> Self {
        Self(Contact {
            name: ContactName {
                formatted_name: formatted_name.into(),
                first_name: None,
                last_name: None,
                middle_name: None,
                prefix: None,
                suffix: None,
            },
            phones: Vec::new(),
            emails: Vec::new(),
            addresses: Vec::new(),
            urls: Vec::new(),
            org: None,
            birthday: None,
        })
    }

    pub fn first_name(mut self, first_name: impl Into<String>) -> Self {
        self.0.name.first_name = Some(first_name.into());
        self
    }

    pub fn last_name(mut self, last_name: impl Into<String>) -> Self {
        self.0.name.last_name = Some(last_name.into());
        self
    }

    /// A phone number as it should show on the card; `kind` is `MOBILE`, `WORK`, `HOME`, ….
    pub fn phone(mut self, phone: impl Into<String>, kind: impl Into<String>) -> Self {
        self.0.phones.push(ContactPhone { phone: Some(phone.into()), kind: Some(kind.into()), wa_id: None });
        self
    }

    pub fn email(mut self, email: impl Into<String>, kind: impl Into<String>) -> Self {
        self.0.emails.push(ContactEmail { email: Some(email.into()), kind: Some(kind.into()) });
        self
    }

    /// `YYYY-MM-DD`.
    pub fn birthday(mut self, birthday: impl Into<String>) -> Self {
        self.0.birthday = Some(birthday.into());
        self
    }

    pub fn into_contact(self) -> Contact {
        self.0
    }
}

impl From<ContactCard> for Contact {
    fn from(card: ContactCard) -> Self {
        card.0
    }
}

impl Message {
    /// One to five contact cards.
    pub fn contacts(to: impl Into<String>, cards: impl IntoIterator<Item = ContactCard>) -> Draft<Vec<Contact>> {
        Message::draft(to, cards.into_iter().map(ContactCard::into_contact).collect())
    }
}

impl Draft<Vec<Contact>> {
    pub fn card(mut self, card: ContactCard) -> Self {
        self.content.push(card.into_contact());
        self
    }
}

impl Content for Vec<Contact> {
    fn into_message_content(self) -> Result<MessageContent, ValidationError> {
        Ok(MessageContent::Contacts(self))
    }
}
