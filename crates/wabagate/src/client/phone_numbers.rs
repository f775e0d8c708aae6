//! `wabagate phone-numbers list|get`.

use std::io::Write;

use clap::{Args, Subcommand};

use super::context::{ClientOptions, phone_number_id, waba_id};
use super::failure::{Failure, SdkResultExt};
use super::output::{write_fields, write_raw_body, write_raw_pages};
use super::table::write_table;

/// List and show the business's phone numbers.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  wabagate phone-numbers list")]
pub(crate) struct PhoneNumbersCommand {
    #[command(flatten)]
    options: ClientOptions,
    #[command(subcommand)]
    action: PhoneNumbersAction,
}

#[derive(Debug, Subcommand)]
enum PhoneNumbersAction {
    /// List the phone numbers of a WhatsApp Business Account (with --json, one raw page per line).
    #[command(after_help = "Example:\n  wabagate phone-numbers list --waba-id 1000000000000100")]
    List {
        /// The WhatsApp Business Account [default: the connection's only one].
        #[arg(long, env = "WABAGATE_WABA_ID", value_name = "ID")]
        waba_id: Option<String>,
    },
    /// Show one phone number.
    #[command(after_help = "Example:\n  wabagate phone-numbers get 1000000000001000")]
    Get {
        /// The phone number id [default: the connection's only phone number].
        #[arg(env = "WABAGATE_PHONE_NUMBER_ID")]
        phone_number_id: Option<String>,
    },
}

pub(crate) async fn run(command: PhoneNumbersCommand, out: &mut impl Write) -> Result<(), Failure> {
    let json = command.options.json;
    let client = command.options.client(false)?;
    match command.action {
        PhoneNumbersAction::List { waba_id: explicit } => {
            let waba_id = waba_id(&client, explicit, json).await?;
            let listed = client.phone_numbers(&waba_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_pages(out, &listed.pages)?);
            }
            let rows: Vec<Vec<String>> = listed
                .items
                .iter()
                .map(|number| {
                    vec![
                        number.id.clone(),
                        number.display_phone_number.clone().unwrap_or_default(),
                        number.verified_name.clone().unwrap_or_default(),
                        number.quality_rating.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            write_table(out, &["ID", "NUMBER", "NAME", "QUALITY"], &rows, "No phone numbers.")?;
        }
        PhoneNumbersAction::Get { phone_number_id: explicit } => {
            let phone_number_id = phone_number_id(&client, explicit, json).await?;
            let number = client.phone_number(&phone_number_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &number.body)?);
            }
            write_fields(
                out,
                &[
                    ("id", Some(number.value.id.clone())),
                    ("number", number.value.display_phone_number.clone()),
                    ("verified_name", number.value.verified_name.clone()),
                    ("quality_rating", number.value.quality_rating.clone()),
                    ("verification", number.value.code_verification_status.clone()),
                    ("platform", number.value.platform_type.clone()),
                ],
            )?;
        }
    }
    Ok(())
}
