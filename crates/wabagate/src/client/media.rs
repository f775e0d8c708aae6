//! `wabagate media upload|get|download|delete`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use wabagate_sdk::MediaUpload;

use super::context::{ClientOptions, phone_number_id};
use super::failure::{Failure, SdkResultExt};
use super::output::{human_size, write_fields, write_raw_body};
use super::progress_bar::TerminalProgress;

/// Upload, look up, download and delete media.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  wabagate media upload --file cat.jpg")]
pub(crate) struct MediaCommand {
    #[command(flatten)]
    options: ClientOptions,
    #[command(subcommand)]
    action: MediaAction,
}

#[derive(Debug, Subcommand)]
enum MediaAction {
    /// Upload a file; its type comes from its content and its size is checked first.
    #[command(after_help = "Example:\n  wabagate media upload --file report.pdf")]
    Upload {
        /// The file to upload.
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
        /// The MIME type, when it cannot be told from the content.
        #[arg(long = "type", value_name = "MIME_TYPE")]
        mime_type: Option<String>,
        /// The phone number the media is for [default: the connection's only phone number].
        #[arg(long, env = "WABAGATE_PHONE_NUMBER_ID", value_name = "ID")]
        phone_number_id: Option<String>,
    },
    /// Show a media's type, size, hash and (short-lived) download URL.
    #[command(after_help = "Example:\n  wabagate media get 1234567890123456")]
    Get {
        /// The media id.
        media_id: String,
    },
    /// Download a media's content through the gateway into a file.
    #[command(after_help = "Example:\n  wabagate media download 1234567890123456 --output cat.jpg")]
    Download {
        /// The media id.
        media_id: String,
        /// Where to write the content.
        #[arg(long, short, value_name = "PATH")]
        output: PathBuf,
        /// The phone number the media belongs to, to pick its connection.
        #[arg(long, env = "WABAGATE_PHONE_NUMBER_ID", value_name = "ID")]
        phone_number_id: Option<String>,
    },
    /// Delete uploaded media.
    #[command(after_help = "Example:\n  wabagate media delete 1234567890123456")]
    Delete {
        /// The media id.
        media_id: String,
    },
}

pub(crate) async fn run(command: MediaCommand, out: &mut impl Write) -> Result<(), Failure> {
    let json = command.options.json;
    let client = command.options.client(false)?;
    match command.action {
        MediaAction::Upload { file, mime_type, phone_number_id: explicit } => {
            let phone_number_id = phone_number_id(&client, explicit, json).await?;
            let mut upload = MediaUpload::from_path(&file).progress(TerminalProgress::shared("uploading"));
            if let Some(mime_type) = mime_type {
                upload = upload.mime_type(mime_type);
            }
            let uploaded = client.upload_media(&phone_number_id, upload).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &uploaded.body)?);
            }
            writeln!(out, "Uploaded {}: media id {}", file.display(), uploaded.value.id)?;
        }
        MediaAction::Get { media_id } => {
            let info = client.media_info(&media_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &info.body)?);
            }
            write_fields(
                out,
                &[
                    ("id", Some(info.value.id.clone())),
                    ("mime_type", Some(info.value.mime_type.clone())),
                    ("file_size", Some(format!("{} ({})", info.value.file_size, human_size(info.value.file_size)))),
                    ("sha256", Some(info.value.sha256.clone())),
                    ("url", Some(info.value.url.clone())),
                ],
            )?;
        }
        MediaAction::Download { media_id, output, phone_number_id } => {
            let progress = TerminalProgress::shared("downloading");
            let downloaded = client
                .download_media(&media_id, phone_number_id.as_deref(), &output, Some(progress))
                .await
                .or_fail(json)?;
            if json {
                // The content itself went to the file; --json describes what was written.
                let description = serde_json::json!({
                    "media_id": media_id,
                    "path": output.display().to_string(),
                    "bytes": downloaded.bytes,
                    "mime_type": downloaded.mime_type,
                });
                return Ok(writeln!(out, "{description}")?);
            }
            let mime_type = downloaded.mime_type.map(|mime_type| format!(", {mime_type}")).unwrap_or_default();
            writeln!(
                out,
                "Downloaded media {media_id} to {} ({}{mime_type})",
                output.display(),
                human_size(downloaded.bytes)
            )?;
        }
        MediaAction::Delete { media_id } => {
            let deleted = client.delete_media(&media_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &deleted.body)?);
            }
            writeln!(out, "Deleted media {media_id}.")?;
        }
    }
    Ok(())
}
