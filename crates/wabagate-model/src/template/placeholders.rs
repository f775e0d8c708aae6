//! Finding template variables (`{{1}}`, `{{first_name}}`) in a text.

/// The variables of one text, in order of first appearance, without repeats.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Placeholders {
    pub names: Vec<String>,
    /// Whether the text starts with a variable (ignoring whitespace).
    pub at_start: bool,
    /// Whether the text ends with a variable (ignoring whitespace and final punctuation is
    /// *not* ignored: Meta only rejects a variable as the very last thing).
    pub at_end: bool,
}

impl Placeholders {
    pub fn count(&self) -> usize {
        self.names.len()
    }
}

/// Scans `text` for `{{name}}` variables; names are trimmed; `{{}}` is not a variable.
pub fn placeholders(text: &str) -> Placeholders {
    let mut found = Placeholders::default();
    let trimmed = text.trim();
    let mut rest = trimmed;
    let mut offset = 0;
    while let Some(open) = rest.find("{{") {
        let after_open = &rest[open + 2..];
        let Some(close) = after_open.find("}}") else { break };
        let name = after_open[..close].trim();
        let start = offset + open;
        let end = start + 2 + close + 2;
        if !name.is_empty() && !name.contains('{') {
            if start == 0 {
                found.at_start = true;
            }
            if end == trimmed.len() {
                found.at_end = true;
            }
            if !found.names.iter().any(|known| known == name) {
                found.names.push(name.to_owned());
            }
        }
        offset = end;
        rest = &trimmed[end..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_and_named_variables_are_found_once_each() {
        let found = placeholders("Hi {{1}}, order #{{2}} for {{1}} is ready");
        assert_eq!(found.names, ["1", "2"]);
        assert!(!found.at_start && !found.at_end);
        assert_eq!(placeholders("Dear {{ first_name }}!").names, ["first_name"]);
    }

    #[test]
    fn variables_at_the_edges_are_noticed() {
        let found = placeholders(" {{1}} is your code {{2}} ");
        assert!(found.at_start && found.at_end);
    }

    #[test]
    fn text_without_variables_has_none() {
        assert_eq!(placeholders("Hello World").count(), 0);
        assert_eq!(placeholders("{{}} and {{ unclosed").count(), 0);
    }
}
