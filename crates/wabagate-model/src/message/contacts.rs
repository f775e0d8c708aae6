//! Contact-card messages (whatsapp-cloud-api.md §2.6). Card sub-objects accept unknown keys:
//! Meta documents many optional fields and clients send more than the digest lists.

use serde::{Deserialize, Serialize};

use crate::limits::CONTACTS_MAX;
use crate::violation::{Field, ValidationError, check_count, require_text};

/// One contact card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: ContactName,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<ContactPhone>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<ContactEmail>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<serde_json::Value>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactName {
    pub formatted_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPhone {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `HOME`, `WORK`, `CELL`, `MAIN`, `IPHONE`, `MOBILE`, …: Meta does not close the set.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wa_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactEmail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// 1 to [`CONTACTS_MAX`] cards, each with a non-empty `name.formatted_name`.
pub fn validate_contacts(contacts: &[Contact]) -> Result<(), ValidationError> {
    let field = Field::root("contacts");
    check_count(&field, contacts.len(), 1, CONTACTS_MAX)?;
    for (index, contact) in contacts.iter().enumerate() {
        let name = field.index(index).key("name").key("formatted_name");
        require_text(&name, Some(&contact.name.formatted_name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::Violation;

    fn card(formatted_name: &str) -> Contact {
        Contact {
            name: ContactName {
                formatted_name: formatted_name.into(),
                first_name: None,
                last_name: None,
                middle_name: None,
                prefix: None,
                suffix: None,
            },
            phones: vec![ContactPhone { phone: Some("+1234567890".into()), kind: Some("MOBILE".into()), wa_id: None }],
            emails: vec![],
            addresses: vec![],
            urls: vec![],
            org: None,
            birthday: None,
        }
    }

    #[test]
    fn between_one_and_five_cards_are_accepted() {
        assert_eq!(validate_contacts(&[card("John Doe")]), Ok(()));
        assert_eq!(validate_contacts(&vec![card("A"); 5]), Ok(()));
        let error = validate_contacts(&vec![card("A"); 6]).unwrap_err();
        assert_eq!(error.violation, Violation::TooMany { max: 5, actual: 6 });
        assert_eq!(validate_contacts(&[]).unwrap_err().violation, Violation::TooFew { min: 1, actual: 0 });
    }

    #[test]
    fn every_card_needs_a_formatted_name() {
        let error = validate_contacts(&[card("A"), card("")]).unwrap_err();
        assert_eq!(error.field, "contacts[1]['name']['formatted_name']");
        assert_eq!(error.violation, Violation::Empty);
    }
}
