//! `wabagate media upload|get|download|delete`. `--file -` uploads stdin, `-o -` downloads
//! to stdout, and a download never replaces an existing file without `--force`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use wabagate_sdk::{Client, Downloaded};

use super::context::{ClientOptions, phone_number_id};
use super::failure::{Failure, SdkResultExt};
use super::flag_terms::FlagTermsExt;
use super::media_file::MediaFile;
use super::output::{human_size, write_download, write_fields, write_raw_body};
use super::progress_bar::TerminalProgress;
use super::stdio;

/// Upload, look up, download and delete media.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  wabagate media upload --file examples/photo.jpg")]
pub(crate) struct MediaCommand {
    #[command(flatten)]
    options: ClientOptions,
    #[command(subcommand)]
    action: MediaAction,
}

#[derive(Debug, Subcommand)]
enum MediaAction {
    /// Upload a file; its type comes from its content and its size is checked first.
    #[command(
        after_help = "Examples:\n  wabagate media upload --file examples/report.pdf\n  cat examples/photo.jpg | wabagate media upload --file -"
    )]
    Upload {
        /// The file to upload (`-`: standard input).
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
    /// Download a media's content through the gateway into a file (or stdout with `-o -`).
    #[command(
        after_help = "Examples:\n  wabagate media download 1234567890123456 --output copy.jpg --force\n  wabagate media download 1234567890123456 -o - > copy.jpg"
    )]
    Download {
        /// The media id.
        media_id: String,
        /// Where to write the content (`-`: standard output).
        #[arg(long, short, value_name = "PATH")]
        output: PathBuf,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
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
            let file = MediaFile::open(&file, mime_type.as_deref())?;
            let phone_number_id = phone_number_id(&client, explicit, json).await?;
            let (shown, terms) = (file.shown.clone(), file.flag_terms());
            let upload = file.upload().progress(TerminalProgress::shared("uploading"));
            let uploaded = client.upload_media(&phone_number_id, upload).await.or_fail_in_terms(json, &terms)?;
            if json {
                return Ok(write_raw_body(out, &uploaded.body)?);
            }
            writeln!(out, "Uploaded {shown}: media id {}", uploaded.value.id)?;
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
        MediaAction::Download { media_id, output, force, phone_number_id } => {
            let to_stdout = stdio::is_dash(&output);
            let downloaded = if to_stdout {
                let mut stdout = tokio::io::stdout();
                let downloaded =
                    client.download_media_to(&media_id, phone_number_id.as_deref(), &mut stdout, None).await;
                // A reader that stops early (`| head`) is an output matter, not an API error.
                downloaded.map_err(|error| match error {
                    wabagate_sdk::Error::File { source, .. } => Failure::Output(source),
                    error => Failure::Sdk { error, json },
                })?
            } else {
                download_to_file(&client, &media_id, phone_number_id.as_deref(), &output, force, json).await?
            };
            if to_stdout {
                // Standard output is the content; the summary, if any, goes to stderr.
                if !json {
                    eprintln!("Downloaded media {media_id} ({})", human_size(downloaded.bytes));
                }
                return Ok(());
            }
            write_download(out, json, ("media_id", &media_id), &format!("media {media_id}"), &output, &downloaded)?;
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

/// Downloads into `path`, created anew unless `force`; a failed download leaves no file.
async fn download_to_file(
    client: &Client,
    media_id: &str,
    phone_number_id: Option<&str>,
    path: &std::path::Path,
    force: bool,
    json: bool,
) -> Result<Downloaded, Failure> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = match options.open(path).await {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Failure::usage(format!("{} exists: pass --force to replace it", path.display())));
        }
        Err(source) => return Err(wabagate_sdk::Error::File { path: path.to_owned(), source }).or_fail(json),
    };
    let progress = TerminalProgress::shared("downloading");
    let outcome = client.download_media_to(media_id, phone_number_id, &mut file, Some(progress)).await;
    if outcome.is_err() {
        drop(file);
        let _ = tokio::fs::remove_file(path).await;
    }
    outcome
        .map_err(|error| match error {
            wabagate_sdk::Error::File { source, .. } => wabagate_sdk::Error::File { path: path.to_owned(), source },
            other => other,
        })
        .or_fail(json)
}
