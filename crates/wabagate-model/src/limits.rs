//! Meta's numeric limits for the Cloud API, in one table (whatsapp-cloud-api.md §2.12,
//! §3.2, §4.4, §6.2, §8). Rules elsewhere in this crate read these constants; nothing
//! else in wabagate may hard-code a WhatsApp limit.
//!
//! Where Meta's sources disagree the stricter documented value is used and the
//! alternative is noted.

/// `text.body`.
pub const TEXT_BODY_MAX: usize = 4096;
/// `caption` of image, video and document messages.
pub const MEDIA_CAPTION_MAX: usize = 1024;
/// `biz_opaque_callback_data` (pywa's cap; unverified elsewhere).
pub const CALLBACK_DATA_MAX: usize = 512;
/// Contact cards in one `contacts` message.
pub const CONTACTS_MAX: usize = 5;

/// Interactive `header.text` (buttons and lists).
pub const INTERACTIVE_HEADER_MAX: usize = 60;
/// Interactive `footer.text`.
pub const INTERACTIVE_FOOTER_MAX: usize = 60;
/// Interactive `body.text` of a reply-button message.
pub const BUTTON_BODY_MAX: usize = 1024;
/// Interactive `body.text` of a list message (Meta's 2026 list page; older sources say 1024).
pub const LIST_BODY_MAX: usize = 4096;
/// Reply buttons per message.
pub const REPLY_BUTTONS_MAX: usize = 3;
/// `reply.title` of a reply button.
pub const REPLY_BUTTON_TITLE_MAX: usize = 20;
/// `reply.id` of a reply button.
pub const REPLY_BUTTON_ID_MAX: usize = 256;
/// `action.button` (the list's open button).
pub const LIST_BUTTON_TEXT_MAX: usize = 20;
/// Sections of a list message.
pub const LIST_SECTIONS_MAX: usize = 10;
/// Rows of a list message, counted over all sections (Meta's page; S1 counts per section).
pub const LIST_ROWS_MAX: usize = 10;
/// `section.title`.
pub const LIST_SECTION_TITLE_MAX: usize = 24;
/// `row.id`.
pub const LIST_ROW_ID_MAX: usize = 200;
/// `row.title`.
pub const LIST_ROW_TITLE_MAX: usize = 24;
/// `row.description`.
pub const LIST_ROW_DESCRIPTION_MAX: usize = 72;

/// Template `name`.
pub const TEMPLATE_NAME_MAX: usize = 512;
/// Template `HEADER` text.
pub const TEMPLATE_HEADER_TEXT_MAX: usize = 60;
/// Variables in a template `HEADER` text.
pub const TEMPLATE_HEADER_VARIABLES_MAX: usize = 1;
/// Template `BODY` text.
pub const TEMPLATE_BODY_MAX: usize = 1024;
/// Template `FOOTER` text.
pub const TEMPLATE_FOOTER_MAX: usize = 60;
/// Buttons in a template's `BUTTONS` component, all kinds together.
pub const TEMPLATE_BUTTONS_MAX: usize = 10;
/// `QUICK_REPLY` buttons in a template.
pub const TEMPLATE_QUICK_REPLY_MAX: usize = 10;
/// `URL` buttons in a template.
pub const TEMPLATE_URL_BUTTONS_MAX: usize = 2;
/// `PHONE_NUMBER` buttons in a template.
pub const TEMPLATE_PHONE_BUTTONS_MAX: usize = 1;
/// `COPY_CODE` buttons in a template.
pub const TEMPLATE_COPY_CODE_BUTTONS_MAX: usize = 1;
/// A template button's `text`.
pub const TEMPLATE_BUTTON_TEXT_MAX: usize = 25;
/// A template `URL` button's `url`.
pub const TEMPLATE_BUTTON_URL_MAX: usize = 2000;
/// A template `PHONE_NUMBER` button's `phone_number`.
pub const TEMPLATE_BUTTON_PHONE_MAX: usize = 20;
/// A text parameter of a template send (S1 caps it at 32768).
pub const TEMPLATE_TEXT_PARAMETER_MAX: usize = 32768;

/// Business profile `about`.
pub const PROFILE_ABOUT_MAX: usize = 139;
/// Business profile `address`.
pub const PROFILE_ADDRESS_MAX: usize = 256;
/// Business profile `description` (Meta's page and the brief say 512; S1 says 256).
pub const PROFILE_DESCRIPTION_MAX: usize = 512;
/// Business profile `email`.
pub const PROFILE_EMAIL_MAX: usize = 128;
/// Business profile `websites` entries.
pub const PROFILE_WEBSITES_MAX: usize = 2;
/// One business profile website.
pub const PROFILE_WEBSITE_MAX: usize = 256;

/// Messages per second one business number may send at the standard throughput level.
pub const THROUGHPUT_STANDARD_PER_SECOND: u32 = 80;
/// Messages a business number may burst to one user before the pair rate limit applies.
pub const PAIR_RATE_BURST: u32 = 45;
/// After the burst, one message to the same user per this many seconds.
pub const PAIR_RATE_PERIOD_SECONDS: u64 = 6;
/// Hours a customer service window stays open after the customer's last message.
pub const SERVICE_WINDOW_HOURS: u64 = 24;
/// Seconds a media download URL stays valid.
pub const MEDIA_URL_TTL_SECONDS: u64 = 300;
/// Days a pinned group message may stay pinned: from 1 to 30 (Meta's groups messaging guide).
pub const PIN_EXPIRATION_DAYS_MIN: u32 = 1;
pub const PIN_EXPIRATION_DAYS_MAX: u32 = 30;
/// Messages a group keeps pinned at once; pinning one more unpins the oldest.
pub const PINNED_MESSAGES_MAX: usize = 3;
