//! The few fields of a send's request the ledger keeps beside its content, read in place
//! (borrowed, the rest of the body skipped): the content itself is stored as the text it
//! came as, so recording a send builds no `serde_json::Value` and writes none back out.
//!
//! Only `to` must be a string. Every other field is kept when it is a string and ignored
//! otherwise, as reading it from a `Value` did: a send's record must not hinge on the
//! type of a field Meta accepted.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The top level of `POST /{phone_number_id}/messages`'s JSON.
#[derive(Deserialize)]
pub(super) struct SentRequest<'a> {
    #[serde(borrow)]
    pub(super) to: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(super) recipient_type: Field<'a>,
    #[serde(borrow, default, rename = "type")]
    pub(super) message_type: Field<'a>,
    #[serde(borrow, default)]
    pub(super) template: Field<'a>,
    #[serde(borrow, default)]
    pub(super) biz_opaque_callback_data: Field<'a>,
}

/// A field's value, as far as the ledger cares: a string, an object's `name` (a template's),
/// or something else, skipped.
#[derive(Default)]
pub(super) enum Field<'a> {
    Text(Cow<'a, str>),
    Object {
        name: Option<Cow<'a, str>>,
    },
    #[default]
    Other,
}

impl Field<'_> {
    /// The string, if the field is one.
    pub(super) fn text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The object's string `name`, if the field is an object with one.
    pub(super) fn name(&self) -> Option<&str> {
        match self {
            Self::Object { name } => name.as_deref(),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor(std::marker::PhantomData))
    }
}

struct FieldVisitor<'a>(std::marker::PhantomData<Field<'a>>);

impl<'de: 'a, 'a> Visitor<'de> for FieldVisitor<'a> {
    type Value = Field<'a>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Field::Text(Cow::Borrowed(text)))
    }

    /// A string with escapes, decoded.
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Field::Text(Cow::Owned(text.to_owned())))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Self::Value, A::Error> {
        let mut name = None;
        while let Some(key) = entries.next_key::<Cow<'de, str>>()? {
            if key == "name" {
                name = match entries.next_value::<Field<'a>>()? {
                    Field::Text(text) => Some(text),
                    _ => None,
                };
            } else {
                entries.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Field::Object { name })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Self::Value, A::Error> {
        while items.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Field::Other)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_other_types_are_nothing_and_do_not_refuse_the_body() {
        let body =
            r#"{"to":"1555","type":7,"template":["x"],"biz_opaque_callback_data":{"a":[1,null]},"text":{"body":"hi"}}"#;
        let request: SentRequest<'_> = serde_json::from_str(body).unwrap();
        assert_eq!(request.to, "1555");
        assert!(request.message_type.text().is_none() && request.template.name().is_none());
        assert!(request.biz_opaque_callback_data.text().is_none() && request.recipient_type.text().is_none());
    }

    #[test]
    fn a_template_name_is_read_from_its_object_and_escapes_are_decoded() {
        let body = r#"{"to":"1555","type":"template","template":{"language":{"code":"en"},"name":"hello_\u0077orld"}}"#;
        let request: SentRequest<'_> = serde_json::from_str(body).unwrap();
        assert_eq!(request.template.name(), Some("hello_world"));
        assert_eq!(request.message_type.text(), Some("template"));
    }

    #[test]
    fn a_body_without_a_string_to_or_that_is_not_json_is_refused() {
        assert!(serde_json::from_str::<SentRequest<'_>>(r#"{"status":"read"}"#).is_err());
        assert!(serde_json::from_str::<SentRequest<'_>>(r#"{"to":15550100}"#).is_err());
        assert!(serde_json::from_str::<SentRequest<'_>>(r#"{"to":"1555"} trailing"#).is_err());
    }
}
