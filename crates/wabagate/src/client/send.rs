//! `wabagate send …`: one subcommand per message type plus `read`. The message is built and
//! checked locally first (exit 2 on a broken rule, before any network call), then the
//! sending number is resolved, a `--file` is uploaded, and the message is sent.

mod compose;
mod wait;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use wabagate_sdk::{Media, MediaKind, Message};

use super::context::{ClientOptions, phone_number_id};
use super::failure::{Failure, SdkResultExt};
use super::flag_terms::{FlagTermsExt, send_flag};
use super::media_file::MediaFile;
use super::output::write_raw_body;
use super::progress_bar::TerminalProgress;

/// Send a message or a read receipt from one of the business's phone numbers.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  wabagate send text --to 1234567890 --body 'Hello from WhatsApp Business!'\n  echo 'Hello from a pipe' | wabagate send text --to 1234567890 --body -"
)]
pub(crate) struct SendCommand {
    #[command(flatten)]
    options: ClientOptions,
    /// The sending phone number id [default: the connection's only phone number].
    #[arg(long, global = true, env = "WABAGATE_PHONE_NUMBER_ID", value_name = "ID")]
    phone_number_id: Option<String>,
    /// Retry on 429 and 5xx answers (a send whose answer was lost may then arrive twice).
    #[arg(long, global = true)]
    retry: bool,
    /// Wait until the message is sent, delivered or read (or a later status); a failed
    /// message prints Meta's error and exits 1.
    #[arg(long, global = true, value_name = "STATUS")]
    wait: Option<wait::WaitFor>,
    /// How long --wait waits, in seconds.
    #[arg(long, global = true, default_value_t = 60, value_name = "SECONDS", requires = "wait")]
    timeout: u64,
    #[command(subcommand)]
    kind: SendKind,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SendKind {
    /// A text message (at most 4096 characters).
    #[command(
        after_help = "Example:\n  wabagate send text --to 1234567890 --body 'See https://example.com' --preview-url"
    )]
    Text(compose::TextArgs),
    /// A message from an approved template, with its parameters.
    #[command(
        after_help = "Example:\n  wabagate send template --to 1234567890 --name seasonal_promotion --language en_US \\\n    --header-text Summer --body-text 'the end of August' --body-text 25OFF --body-text 25%"
    )]
    Template(compose::TemplateArgs),
    /// An image (JPEG/PNG) by link, media id, or a file uploaded first.
    #[command(
        after_help = "Example:\n  wabagate send image --to 1234567890 --link https://example.com/cat.jpg --caption 'Look!'"
    )]
    Image(compose::CaptionedMediaArgs),
    /// A document, with the file name the recipient sees.
    #[command(
        after_help = "Example:\n  wabagate send document --to 1234567890 --file examples/report.pdf --filename report.pdf --caption 'This is the document'"
    )]
    Document(compose::DocumentArgs),
    /// A video (MP4/3GPP).
    #[command(
        after_help = "Example:\n  wabagate send video --to 1234567890 --link https://example.com/video.mp4 --caption 'Watch this'"
    )]
    Video(compose::CaptionedMediaArgs),
    /// An audio file or, with --voice, a voice note.
    #[command(after_help = "Example:\n  wabagate send audio --to 1234567890 --link https://example.com/audio.mp3")]
    Audio(compose::AudioArgs),
    /// A WebP sticker.
    #[command(after_help = "Example:\n  wabagate send sticker --to 1234567890 --id 1234567890123456")]
    Sticker(compose::StickerArgs),
    /// A location pin.
    #[command(
        after_help = "Example:\n  wabagate send location --to 1234567890 --latitude 37.7749 --longitude -122.4194 --name 'San Francisco' --address 'San Francisco, CA, USA'"
    )]
    Location(compose::LocationArgs),
    /// A contact card.
    #[command(
        after_help = "Example:\n  wabagate send contacts --to 1234567890 --name 'John Doe' --first-name John --last-name Doe --phone +1234567890:MOBILE"
    )]
    Contacts(compose::ContactsArgs),
    /// An interactive message with up to three reply buttons.
    #[command(
        after_help = "Example:\n  wabagate send buttons --to 1234567890 --body 'Would you like to proceed?' --button yes=Yes --button no=No"
    )]
    Buttons(compose::ButtonsArgs),
    /// An interactive list (at most 10 sections and 10 rows in all).
    #[command(
        after_help = "Rows are ID|TITLE[|DESCRIPTION], optionally prefixed with 'SECTION>' to put them in a section.\n\nExample:\n  wabagate send list --to 1234567890 --body 'Choose from the list below' --button-text 'View Options' \\\n    --row 'Products>prod1|Product 1|First product' --row 'Products>prod2|Product 2|Second product'"
    )]
    List(compose::ListArgs),
    /// A reaction (an emoji) to a message; an empty emoji removes it.
    #[command(after_help = "Example:\n  wabagate send reaction --to 1234567890 --message-id wamid.HBgL... --emoji 👍")]
    Reaction(compose::ReactionArgs),
    /// Pin a message of a group chat for 1 to 30 days (only groups have pins).
    #[command(
        after_help = "Example:\n  wabagate send pin --group Y2FwaV9ncm91cDoxNTU1MDEwMDAwMToxMjAzNjMwMDAwMDAwMDAwMDA --message-id wamid.HBgL... --days 7"
    )]
    Pin(compose::PinArgs),
    /// Unpin a pinned message of a group chat.
    #[command(
        after_help = "Example:\n  wabagate send unpin --group Y2FwaV9ncm91cDoxNTU1MDEwMDAwMToxMjAzNjMwMDAwMDAwMDAwMDA --message-id wamid.HBgL..."
    )]
    Unpin(compose::UnpinArgs),
    /// Mark an inbound message as read.
    #[command(after_help = "Example:\n  wabagate send read --message-id wamid.HBgL...")]
    Read(compose::ReadArgs),
}

pub(crate) async fn run(mut command: SendCommand, out: &mut impl Write) -> Result<(), Failure> {
    let json = command.options.json;
    compose::read_stdin_texts(&mut command.kind)?;
    let client = command.options.client(command.retry)?;
    if let SendKind::Read(read) = &command.kind {
        if command.wait.is_some() {
            return Err(Failure::usage("--wait follows a sent message; a read receipt has no status to wait for"));
        }
        let phone_number_id = phone_number_id(&client, command.phone_number_id.clone(), json).await?;
        let answer = client.mark_read(&phone_number_id, &read.message_id).await.or_fail(json)?;
        return if json {
            Ok(write_raw_body(out, &answer.body)?)
        } else {
            Ok(writeln!(out, "Marked {} as read.", read.message_id)?)
        };
    }
    // Checked before anything goes over the network; a file to upload stands in as an id.
    let file = command.kind.file().cloned();
    let placeholder = file.as_ref().map(|_| Media::id("0"));
    compose::message(&command.kind, placeholder.clone()).or_fail_in_terms(json, &send_flag)?;
    let file = match (&file, command.kind.media_kind()) {
        (Some(path), Some(kind)) => {
            let file = MediaFile::open(path, None)?;
            file.expect_kind(kind)?;
            Some((file, kind))
        }
        _ => None,
    };
    let phone_number_id = phone_number_id(&client, command.phone_number_id.clone(), json).await?;
    let media = match file {
        Some((file, kind)) => {
            let terms = file.flag_terms();
            let upload = file.upload().expect_kind(kind).progress(TerminalProgress::shared("uploading"));
            let uploaded = client.upload_media(&phone_number_id, upload).await.or_fail_in_terms(json, &terms)?;
            Some(Media::id(uploaded.value.id))
        }
        None => None,
    };
    let message: Message = compose::message(&command.kind, media).or_fail_in_terms(json, &send_flag)?;
    let sent = client.send(&phone_number_id, &message).await.or_fail(json)?;
    if json {
        write_raw_body(out, &sent.body)?;
    } else {
        writeln!(
            out,
            "Sent {} message to {}: {}",
            message.type_name(),
            message.to(),
            sent.message_id().unwrap_or("(no message id)")
        )?;
    }
    match (command.wait, sent.message_id()) {
        (Some(target), Some(wamid)) => {
            wait::follow(&client, wamid, target, Duration::from_secs(command.timeout), json, out).await
        }
        (Some(_), None) => Err(Failure::Sdk {
            error: wabagate_sdk::Error::UnexpectedBody {
                status: sent.status,
                reason: "no message id to --wait for".into(),
                body: sent.body.clone(),
            },
            json,
        }),
        (None, _) => Ok(()),
    }
}

impl SendKind {
    /// The kind of file a media message carries.
    fn media_kind(&self) -> Option<MediaKind> {
        match self {
            SendKind::Image(_) => Some(MediaKind::Image),
            SendKind::Video(_) => Some(MediaKind::Video),
            SendKind::Document(_) => Some(MediaKind::Document),
            SendKind::Audio(_) => Some(MediaKind::Audio),
            SendKind::Sticker(_) => Some(MediaKind::Sticker),
            _ => None,
        }
    }

    /// The file a media send uploads first, if it names one.
    fn file(&self) -> Option<&PathBuf> {
        match self {
            SendKind::Image(args) | SendKind::Video(args) => args.source.file.as_ref(),
            SendKind::Document(args) => args.source.file.as_ref(),
            SendKind::Audio(args) => args.source.file.as_ref(),
            SendKind::Sticker(args) => args.source.file.as_ref(),
            _ => None,
        }
    }
}
