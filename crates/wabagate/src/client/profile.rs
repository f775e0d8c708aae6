//! `wabagate profile get|update`: the business profile of a phone number.

use std::io::Write;

use clap::{Args, Subcommand};
use wabagate_sdk::{ProfileUpdate, Vertical};

use super::choices::one_of;
use super::context::{ClientOptions, phone_number_id};
use super::failure::{Failure, SdkResultExt};
use super::flag_terms::{FieldPath, FlagTermsExt};
use super::output::{write_fields, write_raw_body};

/// Show and update the business profile of a phone number.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  wabagate profile get")]
pub(crate) struct ProfileCommand {
    #[command(flatten)]
    options: ClientOptions,
    /// The phone number [default: the connection's only phone number].
    #[arg(long, global = true, env = "WABAGATE_PHONE_NUMBER_ID", value_name = "ID")]
    phone_number_id: Option<String>,
    #[command(subcommand)]
    action: ProfileAction,
}

#[derive(Debug, Subcommand)]
enum ProfileAction {
    /// Show the profile.
    #[command(after_help = "Example:\n  wabagate profile get --phone-number-id 1000000000001000")]
    Get,
    /// Change some fields of the profile; the others keep their value.
    #[command(
        after_help = "Example:\n  wabagate profile update --about 'Your trusted partner' --email contact@example.com \\\n    --website https://example.com --vertical RETAIL"
    )]
    Update(UpdateArgs),
}

#[derive(Debug, Args)]
struct UpdateArgs {
    /// 1 to 139 characters.
    #[arg(long)]
    about: Option<String>,
    /// At most 256 characters.
    #[arg(long)]
    address: Option<String>,
    /// At most 512 characters.
    #[arg(long)]
    description: Option<String>,
    /// A contact email (at most 128 characters).
    #[arg(long)]
    email: Option<String>,
    /// A website starting with http:// or https:// (at most two; replaces the list).
    #[arg(long, value_name = "URL")]
    website: Vec<String>,
    /// The industry, one of Meta's verticals.
    #[arg(long, ignore_case = true, value_parser = one_of(Vertical::ALL.map(Vertical::as_str), |text| text.parse::<Vertical>().ok()))]
    vertical: Option<Vertical>,
}

pub(crate) async fn run(command: ProfileCommand, out: &mut impl Write) -> Result<(), Failure> {
    let json = command.options.json;
    let client = command.options.client(false)?;
    match command.action {
        ProfileAction::Get => {
            let phone_number_id = phone_number_id(&client, command.phone_number_id, json).await?;
            let answer = client.business_profile(&phone_number_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &answer.body)?);
            }
            let profile = answer.value.data.first().cloned().unwrap_or_default();
            let websites = (!profile.websites.is_empty()).then(|| profile.websites.join(", "));
            write_fields(
                out,
                &[
                    ("about", profile.about),
                    ("address", profile.address),
                    ("description", profile.description),
                    ("email", profile.email),
                    ("websites", websites),
                    ("vertical", profile.vertical),
                    ("picture", profile.profile_picture_url),
                ],
            )?;
        }
        ProfileAction::Update(args) => {
            let update = profile_update(args);
            if update.is_empty() {
                return Err(Failure::usage(
                    "nothing to update: pass at least one of --about, --address, --description, --email, --website, --vertical",
                ));
            }
            update.check().or_fail_in_terms(json, &profile_flag)?;
            let phone_number_id = phone_number_id(&client, command.phone_number_id, json).await?;
            let updated = client.update_business_profile(&phone_number_id, &update).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &updated.body)?);
            }
            writeln!(out, "Updated the business profile of {phone_number_id}.")?;
        }
    }
    Ok(())
}

fn profile_update(args: UpdateArgs) -> ProfileUpdate {
    let mut update = ProfileUpdate::new();
    if let Some(about) = args.about {
        update = update.about(about);
    }
    if let Some(address) = args.address {
        update = update.address(address);
    }
    if let Some(description) = args.description {
        update = update.description(description);
    }
    if let Some(email) = args.email {
        update = update.email(email);
    }
    if !args.website.is_empty() {
        update = update.websites(args.website);
    }
    if let Some(vertical) = args.vertical {
        update = update.vertical(vertical);
    }
    update
}

/// The flag a business profile field comes from.
fn profile_flag(field: &FieldPath) -> Option<String> {
    let flag = match field.path.as_str() {
        "about" => "--about",
        "address" => "--address",
        "description" => "--description",
        "email" => "--email",
        "websites" => "--website",
        "vertical" => "--vertical",
        _ => return None,
    };
    Some(flag.to_owned())
}
