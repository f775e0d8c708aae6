//! The rule for a template's name, shared by template creation and template sends
//! (whatsapp-cloud-api.md §4.3): `^[a-z0-9_]+$`, at most 512 characters.

use crate::limits::TEMPLATE_NAME_MAX;
use crate::violation::{Field, ValidationError, Violation, check_required_text};

/// Fails with [`Violation::Missing`]/[`Violation::Empty`] for no name,
/// [`Violation::TooLong`] past [`TEMPLATE_NAME_MAX`], and [`Violation::Malformed`] for any
/// character other than lowercase ASCII letters, digits and `_`.
pub fn check_template_name(field: &Field, name: &str) -> Result<(), ValidationError> {
    check_required_text(field, Some(name), TEMPLATE_NAME_MAX)?;
    if !name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_') {
        return Err(field.error(Violation::Malformed { expected: "lowercase letters, digits and underscores only" }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercase_letters_digits_and_underscores_up_to_512() {
        let field = Field::root("name");
        assert_eq!(check_template_name(&field, "order_confirmation_2"), Ok(()));
        for bad in ["Order", "order confirmation", "order-confirmation", "café"] {
            let error = check_template_name(&field, bad).expect_err(bad);
            assert!(matches!(error.violation, Violation::Malformed { .. }), "{bad}");
        }
        assert_eq!(check_template_name(&field, "").unwrap_err().violation, Violation::Empty);
        let error = check_template_name(&field, &"a".repeat(513)).unwrap_err();
        assert_eq!(error.violation, Violation::TooLong { max: 512, actual: 513 });
    }
}
