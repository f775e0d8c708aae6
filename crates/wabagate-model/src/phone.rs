//! How Meta reads the `to` field of a send: which characters it tolerates and how it
//! turns what the business typed into a WhatsApp id (`wa_id`), whatsapp-cloud-api.md §2.1.

use crate::violation::{Field, ValidationError, Violation};

/// The shortest and longest `wa_id` Meta accepts (E.164 allows at most 15 digits).
const WA_ID_MIN_DIGITS: usize = 7;
const WA_ID_MAX_DIGITS: usize = 15;

/// Turns a `to` value into the `wa_id` Meta would deliver to.
///
/// - `+`, `-`, `(`, `)`, `.` and spaces are tolerated and dropped; any other non-digit is an error.
/// - A leading `+` or `00` (the international call prefix) means the number is international.
/// - A single leading `0` is a national trunk prefix: it is dropped and the sending number's
///   country calling code (`business_country_code`, digits only) is put in front, as Meta
///   prepends the business's country code to numbers without one.
/// - Digits without any prefix are taken as an international number as written (what
///   every client library and the hosted product's examples send, e.g. `1234567890`).
///
/// Errors name the `to` field with [`Violation::Malformed`].
pub fn normalize_recipient(to: &str, business_country_code: &str) -> Result<String, ValidationError> {
    let malformed = || Field::root("to").error(Violation::Malformed { expected: "a valid WhatsApp phone number" });
    let trimmed = to.trim();
    let mut digits = String::with_capacity(trimmed.len());
    for (position, character) in trimmed.char_indices() {
        match character {
            '0'..='9' => digits.push(character),
            '+' if position == 0 => {}
            '-' | '(' | ')' | ' ' | '.' => {}
            _ => return Err(malformed()),
        }
    }
    let international = trimmed.starts_with('+');
    let wa_id = if international {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let Some(national) = digits.strip_prefix('0') {
        format!("{business_country_code}{national}")
    } else {
        digits
    };
    let plausible = (WA_ID_MIN_DIGITS..=WA_ID_MAX_DIGITS).contains(&wa_id.len()) && !wa_id.starts_with('0');
    if plausible { Ok(wa_id) } else { Err(malformed()) }
}

/// The strict form the hosted product documents for `to`: an international number written
/// as digits only, without `+`, without a leading `0` or `00`, 7 to 15 digits long
/// (E.164). Clients check this before sending so that a number Meta would reinterpret
/// ([`normalize_recipient`] prepends the business's country code to `0…`) is caught early.
///
/// Errors name the `to` field with [`Violation::Malformed`], saying which part is wrong.
pub fn check_recipient_format(to: &str) -> Result<(), ValidationError> {
    let field = Field::root("to");
    if to.is_empty() {
        return Err(field.error(Violation::Missing));
    }
    if to.starts_with('+') {
        return Err(field.error(Violation::Malformed { expected: "digits only, without the leading +" }));
    }
    if !to.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(field.error(Violation::Malformed { expected: "digits only (no spaces, dashes or letters)" }));
    }
    if to.starts_with('0') {
        return Err(field.error(Violation::Malformed {
            expected: "an international number starting with the country code, not with 0",
        }));
    }
    if !(WA_ID_MIN_DIGITS..=WA_ID_MAX_DIGITS).contains(&to.len()) {
        return Err(field.error(Violation::Malformed { expected: "7 to 15 digits long" }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strict_recipient_format_is_digits_only_without_plus_or_leading_zero() {
        assert_eq!(check_recipient_format("1234567890"), Ok(()));
        assert_eq!(check_recipient_format("447700900123"), Ok(()));
        let cases = [
            ("", Violation::Missing),
            ("+1234567890", Violation::Malformed { expected: "digits only, without the leading +" }),
            ("123 456 7890", Violation::Malformed { expected: "digits only (no spaces, dashes or letters)" }),
            ("123-456-7890", Violation::Malformed { expected: "digits only (no spaces, dashes or letters)" }),
            (
                "07700900123",
                Violation::Malformed { expected: "an international number starting with the country code, not with 0" },
            ),
            ("123456", Violation::Malformed { expected: "7 to 15 digits long" }),
            ("1234567890123456", Violation::Malformed { expected: "7 to 15 digits long" }),
        ];
        for (bad, violation) in cases {
            let error = check_recipient_format(bad).expect_err(bad);
            assert_eq!(error.field, "to", "{bad}");
            assert_eq!(error.violation, violation, "{bad}");
        }
    }

    #[test]
    fn plain_digits_are_taken_as_an_international_number() {
        assert_eq!(normalize_recipient("1234567890", "1").as_deref(), Ok("1234567890"));
    }

    #[test]
    fn formatting_characters_and_the_plus_are_dropped() {
        assert_eq!(normalize_recipient("+1 (650) 555-1234", "44").as_deref(), Ok("16505551234"));
        assert_eq!(normalize_recipient(" +44 7700.900.123 ", "1").as_deref(), Ok("447700900123"));
    }

    #[test]
    fn a_double_zero_prefix_is_the_international_call_prefix() {
        assert_eq!(normalize_recipient("0044 7700 900123", "1").as_deref(), Ok("447700900123"));
    }

    #[test]
    fn a_single_leading_zero_gets_the_business_country_code() {
        assert_eq!(normalize_recipient("07700 900123", "44").as_deref(), Ok("447700900123"));
    }

    #[test]
    fn letters_and_misplaced_plus_signs_are_rejected() {
        for bad in ["12345abc678", "1+2345678901", "", "+", "12345", "+0123456789", "1234567890123456"] {
            let error = normalize_recipient(bad, "1").expect_err(bad);
            assert_eq!(error.field, "to", "{bad}");
            assert!(matches!(error.violation, Violation::Malformed { .. }), "{bad}");
        }
    }
}
