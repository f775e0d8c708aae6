//! Message templates: their definition as created through `/{waba_id}/message_templates`
//! (name rules, categories, components and their limits, whatsapp-cloud-api.md §4) and the
//! rule that a send's parameters must fit the template's variables (§2.10).

mod definition;
mod examples;
mod language;
mod name;
mod parameters;
mod placeholders;

pub use definition::{
    ButtonDefinition, ComponentDefinition, TemplateCategory, TemplateDefinition, TemplateError, TemplatePart,
    TemplateStatus, check_examples,
};
pub use examples::check_example_counts;
pub use language::{SUPPORTED_LANGUAGES, is_supported_language};
pub use name::check_template_name;
pub use parameters::{ParameterMismatch, check_parameters};
pub use placeholders::{Placeholders, placeholders};
