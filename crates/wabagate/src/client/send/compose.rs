//! The flags of each `send` subcommand and how they become an SDK [`Message`]. Every rule
//! is the SDK's (and so the model's); this only maps flags to builder calls.

use std::path::PathBuf;

use clap::Args;
use wabagate_sdk::{ContactCard, Error, ListSection, Media, Message};

use super::SendKind;
use crate::client::failure::Failure;
use crate::client::stdio;

/// Who the message goes to and what it replies to.
#[derive(Debug, Args)]
pub(crate) struct Recipient {
    #[command(flatten)]
    target: Target,
    /// Quote this earlier message (reply to it).
    #[arg(long, value_name = "MESSAGE_ID")]
    pub(crate) reply_to: Option<String>,
}

/// A person or a group: exactly one of the two.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct Target {
    /// The recipient: international format, digits only, no + or leading 0 (e.g. 1234567890).
    #[arg(long, value_name = "NUMBER")]
    to: Option<String>,
    /// A group of the sending number instead (its id from the Groups API); groups take text,
    /// media and templates.
    #[arg(long, value_name = "GROUP_ID")]
    group: Option<String>,
}

impl Recipient {
    /// The number or group id the message goes to.
    fn to(&self) -> &str {
        self.target.to.as_deref().or(self.target.group.as_deref()).unwrap_or_default()
    }
}

/// Where a media message's file comes from: exactly one of the three.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct MediaSourceArgs {
    /// A public http(s) URL Meta fetches the file from.
    #[arg(long, value_name = "URL")]
    pub(crate) link: Option<String>,
    /// The id of uploaded media (see `wabagate media upload`).
    #[arg(long, value_name = "MEDIA_ID")]
    pub(crate) id: Option<String>,
    /// Upload this file first, then send it by id (`-`: standard input).
    #[arg(long, value_name = "PATH")]
    pub(crate) file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct TextArgs {
    #[command(flatten)]
    recipient: Recipient,
    /// The text (at most 4096 characters; `-`: standard input).
    #[arg(long)]
    body: String,
    /// Show a preview of the first URL in the text.
    #[arg(long)]
    preview_url: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TemplateArgs {
    #[command(flatten)]
    recipient: Recipient,
    /// The template's name.
    #[arg(long)]
    name: String,
    /// The template's language code.
    #[arg(long, default_value = "en_US")]
    language: String,
    /// A value for the text header's variable.
    #[arg(long, value_name = "VALUE")]
    header_text: Vec<String>,
    /// The image of an IMAGE header (a URL or a media id).
    #[arg(long, value_name = "URL_OR_ID")]
    header_image: Option<String>,
    /// The video of a VIDEO header (a URL or a media id).
    #[arg(long, value_name = "URL_OR_ID")]
    header_video: Option<String>,
    /// The document of a DOCUMENT header (a URL or a media id).
    #[arg(long, value_name = "URL_OR_ID")]
    header_document: Option<String>,
    /// A value for the body's next variable ({{1}}, {{2}}, …), in order.
    #[arg(long, visible_alias = "param", value_name = "VALUE")]
    body_text: Vec<String>,
    /// The payload of a quick-reply button, as INDEX=PAYLOAD.
    #[arg(long, value_name = "INDEX=PAYLOAD", value_parser = indexed)]
    button_payload: Vec<(u32, String)>,
    /// The variable at the end of a URL button's URL, as INDEX=VALUE.
    #[arg(long, value_name = "INDEX=VALUE", value_parser = indexed)]
    button_url: Vec<(u32, String)>,
}

#[derive(Debug, Args)]
pub(crate) struct CaptionedMediaArgs {
    #[command(flatten)]
    recipient: Recipient,
    #[command(flatten)]
    pub(crate) source: MediaSourceArgs,
    /// A caption (at most 1024 characters).
    #[arg(long)]
    caption: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DocumentArgs {
    #[command(flatten)]
    recipient: Recipient,
    #[command(flatten)]
    pub(crate) source: MediaSourceArgs,
    /// A caption (at most 1024 characters).
    #[arg(long)]
    caption: Option<String>,
    /// The file name the recipient sees.
    #[arg(long)]
    filename: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AudioArgs {
    #[command(flatten)]
    recipient: Recipient,
    #[command(flatten)]
    pub(crate) source: MediaSourceArgs,
    /// Send as a voice note (an OGG/Opus file).
    #[arg(long)]
    voice: bool,
}

#[derive(Debug, Args)]
pub(crate) struct StickerArgs {
    #[command(flatten)]
    recipient: Recipient,
    #[command(flatten)]
    pub(crate) source: MediaSourceArgs,
}

#[derive(Debug, Args)]
pub(crate) struct LocationArgs {
    #[command(flatten)]
    recipient: Recipient,
    /// Latitude in decimal degrees.
    #[arg(long, allow_negative_numbers = true)]
    latitude: f64,
    /// Longitude in decimal degrees.
    #[arg(long, allow_negative_numbers = true)]
    longitude: f64,
    /// The place's name.
    #[arg(long)]
    name: Option<String>,
    /// The place's address.
    #[arg(long)]
    address: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ContactsArgs {
    #[command(flatten)]
    recipient: Recipient,
    /// The name shown on the card.
    #[arg(long)]
    name: String,
    #[arg(long)]
    first_name: Option<String>,
    #[arg(long)]
    last_name: Option<String>,
    /// A phone number, as NUMBER or NUMBER:TYPE (MOBILE, WORK, HOME, …).
    #[arg(long, value_name = "NUMBER[:TYPE]")]
    phone: Vec<String>,
    /// An email address, as ADDRESS or ADDRESS:TYPE.
    #[arg(long, value_name = "ADDRESS[:TYPE]")]
    email: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ButtonsArgs {
    #[command(flatten)]
    recipient: Recipient,
    /// The message text (at most 1024 characters).
    #[arg(long)]
    body: String,
    /// A reply button, as ID=TITLE (at most 3; titles at most 20 characters).
    #[arg(long, value_name = "ID=TITLE", value_parser = pair)]
    button: Vec<(String, String)>,
    /// A text header (at most 60 characters).
    #[arg(long)]
    header: Option<String>,
    /// A footer (at most 60 characters).
    #[arg(long)]
    footer: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    recipient: Recipient,
    /// The message text.
    #[arg(long)]
    body: String,
    /// The label of the button that opens the list (at most 20 characters).
    #[arg(long)]
    button_text: String,
    /// A row, as [SECTION>]ID|TITLE[|DESCRIPTION].
    #[arg(long, value_name = "ROW")]
    row: Vec<String>,
    /// A text header (at most 60 characters).
    #[arg(long)]
    header: Option<String>,
    /// A footer (at most 60 characters).
    #[arg(long)]
    footer: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ReactionArgs {
    #[command(flatten)]
    recipient: Recipient,
    /// The message reacted to.
    #[arg(long, value_name = "MESSAGE_ID")]
    message_id: String,
    /// The emoji; empty to remove the reaction.
    #[arg(long, default_value = "")]
    emoji: String,
}

#[derive(Debug, Args)]
pub(crate) struct PinArgs {
    /// The group whose message is pinned (its id from the Groups API).
    #[arg(long, value_name = "GROUP_ID")]
    group: String,
    /// The group's message to pin.
    #[arg(long, value_name = "MESSAGE_ID")]
    message_id: String,
    /// How many days it stays pinned (1 to 30).
    #[arg(long, value_name = "DAYS")]
    days: u32,
}

#[derive(Debug, Args)]
pub(crate) struct UnpinArgs {
    /// The group whose message is unpinned.
    #[arg(long, value_name = "GROUP_ID")]
    group: String,
    /// The pinned message.
    #[arg(long, value_name = "MESSAGE_ID")]
    message_id: String,
}

#[derive(Debug, Args)]
pub(crate) struct ReadArgs {
    /// The inbound message to mark as read.
    #[arg(long, value_name = "MESSAGE_ID")]
    pub(crate) message_id: String,
}

/// Replaces a `-` given for the message's text (`--body`, `--caption`) by standard input.
pub(crate) fn read_stdin_texts(kind: &mut SendKind) -> Result<(), Failure> {
    match kind {
        SendKind::Text(args) => args.body = stdio::text_or_stdin("--body", &args.body)?,
        SendKind::Buttons(args) => args.body = stdio::text_or_stdin("--body", &args.body)?,
        SendKind::List(args) => args.body = stdio::text_or_stdin("--body", &args.body)?,
        SendKind::Image(args) | SendKind::Video(args) => {
            if let Some(caption) = &mut args.caption {
                *caption = stdio::text_or_stdin("--caption", caption)?;
            }
        }
        SendKind::Document(args) => {
            if let Some(caption) = &mut args.caption {
                *caption = stdio::text_or_stdin("--caption", caption)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The message the flags describe; `uploaded` replaces a `--file` source.
pub(crate) fn message(kind: &SendKind, uploaded: Option<Media>) -> Result<Message, Error> {
    match kind {
        SendKind::Text(args) => {
            let draft = Message::text(args.recipient.to(), &args.body);
            let draft = if args.preview_url { draft.preview_url(true) } else { draft };
            reply(draft, &args.recipient).build()
        }
        SendKind::Template(args) => template(args),
        SendKind::Image(args) => {
            let mut draft = Message::image(args.recipient.to(), media(&args.source, uploaded));
            if let Some(caption) = &args.caption {
                draft = draft.caption(caption);
            }
            reply(draft, &args.recipient).build()
        }
        SendKind::Video(args) => {
            let mut draft = Message::video(args.recipient.to(), media(&args.source, uploaded));
            if let Some(caption) = &args.caption {
                draft = draft.caption(caption);
            }
            reply(draft, &args.recipient).build()
        }
        SendKind::Document(args) => {
            let mut draft = Message::document(args.recipient.to(), media(&args.source, uploaded));
            if let Some(caption) = &args.caption {
                draft = draft.caption(caption);
            }
            let filename = args.filename.clone().or_else(|| {
                let path = args.source.file.as_ref().filter(|path| !stdio::is_dash(path))?;
                path.file_name().map(|name| name.to_string_lossy().into())
            });
            if let Some(filename) = filename {
                draft = draft.filename(filename);
            }
            reply(draft, &args.recipient).build()
        }
        SendKind::Audio(args) => {
            let draft = Message::audio(args.recipient.to(), media(&args.source, uploaded));
            let draft = if args.voice { draft.voice(true) } else { draft };
            reply(draft, &args.recipient).build()
        }
        SendKind::Sticker(args) => {
            reply(Message::sticker(args.recipient.to(), media(&args.source, uploaded)), &args.recipient).build()
        }
        SendKind::Location(args) => {
            let mut draft = Message::location(args.recipient.to(), args.latitude, args.longitude);
            if let Some(name) = &args.name {
                draft = draft.name(name);
            }
            if let Some(address) = &args.address {
                draft = draft.address(address);
            }
            reply(draft, &args.recipient).build()
        }
        SendKind::Contacts(args) => {
            let mut card = ContactCard::new(&args.name);
            if let Some(first_name) = &args.first_name {
                card = card.first_name(first_name);
            }
            if let Some(last_name) = &args.last_name {
                card = card.last_name(last_name);
            }
            for phone in &args.phone {
                let (number, kind) = phone.rsplit_once(':').unwrap_or((phone, "MOBILE"));
                card = card.phone(number, kind);
            }
            for email in &args.email {
                let (address, kind) = email.rsplit_once(':').unwrap_or((email, "WORK"));
                card = card.email(address, kind);
            }
            reply(Message::contacts(args.recipient.to(), [card]), &args.recipient).build()
        }
        SendKind::Buttons(args) => {
            let mut draft = Message::buttons(args.recipient.to(), &args.body);
            for (id, title) in &args.button {
                draft = draft.button(id, title);
            }
            if let Some(header) = &args.header {
                draft = draft.header_text(header);
            }
            if let Some(footer) = &args.footer {
                draft = draft.footer(footer);
            }
            reply(draft, &args.recipient).build()
        }
        SendKind::List(args) => list(args),
        SendKind::Reaction(args) => {
            reply(Message::reaction(args.recipient.to(), &args.message_id, &args.emoji), &args.recipient).build()
        }
        SendKind::Pin(args) => Message::pin(&args.group, &args.message_id, args.days).build(),
        SendKind::Unpin(args) => Message::unpin(&args.group, &args.message_id).build(),
        SendKind::Read(_) => unreachable!("read receipts are not messages; `send::run` handles them"),
    }
}

/// The envelope the flags give: a group recipient, a quoted message.
fn reply<C: wabagate_sdk::Content>(draft: wabagate_sdk::Draft<C>, recipient: &Recipient) -> wabagate_sdk::Draft<C> {
    let draft = if recipient.target.group.is_some() { draft.for_group() } else { draft };
    match &recipient.reply_to {
        Some(message_id) => draft.reply_to(message_id),
        None => draft,
    }
}

fn media(source: &MediaSourceArgs, uploaded: Option<Media>) -> Media {
    match (uploaded, &source.link, &source.id) {
        (Some(uploaded), _, _) => uploaded,
        (None, Some(link), _) => Media::link(link),
        (None, None, Some(id)) => Media::id(id),
        // clap's group makes one source required; a `--file` without its upload yet is checked as an id.
        (None, None, None) => Media::id("0"),
    }
}

/// A flag value that is a URL (sent as a link) or anything else (a media id).
fn link_or_id(value: &str) -> Media {
    if value.starts_with("http://") || value.starts_with("https://") { Media::link(value) } else { Media::id(value) }
}

fn template(args: &TemplateArgs) -> Result<Message, Error> {
    let mut draft = Message::template(args.recipient.to(), &args.name, &args.language);
    for value in &args.header_text {
        draft = draft.header_text(value);
    }
    if let Some(image) = &args.header_image {
        draft = draft.header_image(link_or_id(image));
    }
    if let Some(video) = &args.header_video {
        draft = draft.header_video(link_or_id(video));
    }
    if let Some(document) = &args.header_document {
        draft = draft.header_document(link_or_id(document), None);
    }
    for value in &args.body_text {
        draft = draft.body_text(value);
    }
    for (index, payload) in &args.button_payload {
        draft = draft.quick_reply_button(*index, payload);
    }
    for (index, value) in &args.button_url {
        draft = draft.url_button(*index, value);
    }
    reply(draft, &args.recipient).build()
}

fn list(args: &ListArgs) -> Result<Message, Error> {
    // Rows are grouped into sections in the order the sections first appear.
    let mut sections: Vec<(Option<String>, ListSection)> = Vec::new();
    for row in &args.row {
        let (section_title, row) = match row.split_once('>') {
            Some((section, rest)) if !section.contains('|') => (Some(section.to_owned()), rest),
            _ => (None, row.as_str()),
        };
        let mut parts = row.splitn(3, '|');
        let id = parts.next().unwrap_or_default();
        let title = parts.next().unwrap_or_default();
        let description = parts.next();
        let position = match sections.iter().position(|(title, _)| *title == section_title) {
            Some(position) => position,
            None => {
                let section = section_title.as_deref().map_or_else(ListSection::untitled, ListSection::new);
                sections.push((section_title.clone(), section));
                sections.len() - 1
            }
        };
        let (title_key, section) = sections.remove(position);
        sections.insert(position, (title_key, section.row(id, title, description)));
    }
    let mut draft = Message::list(args.recipient.to(), &args.body, &args.button_text);
    for (_, section) in sections {
        draft = draft.section(section);
    }
    if let Some(header) = &args.header {
        draft = draft.header_text(header);
    }
    if let Some(footer) = &args.footer {
        draft = draft.footer(footer);
    }
    reply(draft, &args.recipient).build()
}

fn pair(value: &str) -> Result<(String, String), String> {
    value
        .split_once('=')
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {value:?}"))
}

fn indexed(value: &str) -> Result<(u32, String), String> {
    let (index, value) = pair(value)?;
    let index = index.trim().parse().map_err(|_| format!("expected a button index (0-9) before '=', got {index:?}"))?;
    Ok((index, value))
}
