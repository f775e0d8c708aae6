//! `wabagate templates list|create|delete|sync`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use wabagate_sdk::{NewTemplate, TemplateCategory, TemplateQuery, TemplateStatus};

use super::context::{ClientOptions, waba_id};
use super::failure::{Failure, SdkResultExt};
use super::output::{write_raw_body, write_raw_pages};
use super::table::write_table;

/// List, create and delete message templates.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  wabagate templates list --status APPROVED")]
pub(crate) struct TemplatesCommand {
    #[command(flatten)]
    options: ClientOptions,
    /// The WhatsApp Business Account [default: the connection's only one].
    #[arg(long, global = true, env = "WABAGATE_WABA_ID", value_name = "ID")]
    waba_id: Option<String>,
    #[command(subcommand)]
    action: TemplatesAction,
}

#[derive(Debug, Subcommand)]
enum TemplatesAction {
    /// List templates, every page followed (with --json, one raw page per line).
    #[command(after_help = "Example:\n  wabagate templates list --status APPROVED --limit 20")]
    List {
        /// Only templates in this status (APPROVED, PENDING, REJECTED, …).
        #[arg(long, value_parser = parse_status)]
        status: Option<TemplateStatus>,
        /// Only the template with this name.
        #[arg(long)]
        name: Option<String>,
        /// Stop after this many templates.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Submit a template for review, from flags or from a JSON definition.
    #[command(
        after_help = "Example:\n  wabagate templates create --name order_confirmation --category UTILITY --language en_US \\\n    --header 'Order confirmed' --body 'Hello {{1}}, your order #{{2}} is confirmed!' \\\n    --example John --example A-1042 --footer 'Thanks for your purchase'"
    )]
    Create(Box<CreateArgs>),
    /// Delete a template (every language of it).
    #[command(after_help = "Example:\n  wabagate templates delete --name order_confirmation")]
    Delete {
        /// The template's name.
        #[arg(long)]
        name: String,
    },
    /// Refresh the gateway's template mirror of the WABA from Meta.
    #[command(after_help = "Example:\n  wabagate templates sync")]
    Sync,
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// A JSON file with the whole definition (Meta's shape); replaces the flags below.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["name", "body", "category"])]
    file: Option<PathBuf>,
    /// Lowercase letters, digits and underscores.
    #[arg(long, required_unless_present = "file")]
    name: Option<String>,
    #[arg(long, default_value = "en_US")]
    language: String,
    /// AUTHENTICATION, MARKETING or UTILITY.
    #[arg(long, required_unless_present = "file", value_parser = parse_category)]
    category: Option<TemplateCategory>,
    /// A text header (at most 60 characters, at most one {{1}}).
    #[arg(long)]
    header: Option<String>,
    /// The example value of the header's {{1}}.
    #[arg(long, value_name = "VALUE")]
    header_example: Option<String>,
    /// The body (at most 1024 characters; variables {{1}}, {{2}}, … in order).
    #[arg(long, required_unless_present = "file")]
    body: Option<String>,
    /// An example value for the body's next variable (one per variable, as Meta requires).
    #[arg(long, value_name = "VALUE")]
    example: Vec<String>,
    /// A footer (at most 60 characters, no variables).
    #[arg(long)]
    footer: Option<String>,
    /// A quick-reply button.
    #[arg(long, value_name = "TEXT")]
    quick_reply: Vec<String>,
    /// A URL button, as TEXT=URL (a URL ending in {{1}} needs --url-example).
    #[arg(long, value_name = "TEXT=URL")]
    url_button: Option<String>,
    /// A full sample URL for a URL button with a variable.
    #[arg(long, value_name = "URL")]
    url_example: Option<String>,
    /// A call button, as TEXT=PHONE (e.g. 'Call us=+15550100').
    #[arg(long, value_name = "TEXT=PHONE")]
    phone_button: Option<String>,
}

pub(crate) async fn run(command: TemplatesCommand, out: &mut impl Write) -> Result<(), Failure> {
    let json = command.options.json;
    let client = command.options.client(false)?;
    match command.action {
        TemplatesAction::List { status, name, limit } => {
            let waba_id = waba_id(&client, command.waba_id, json).await?;
            let query = TemplateQuery { status, name, page_size: None, max_items: limit };
            let listed = client.list_templates(&waba_id, &query).await.or_fail(json)?;
            if json {
                return Ok(write_raw_pages(out, &listed.pages)?);
            }
            let rows: Vec<Vec<String>> = listed
                .items
                .iter()
                .map(|template| {
                    vec![
                        template.name.clone(),
                        template.language.clone(),
                        template.category.clone(),
                        template.status.clone(),
                        template.id.clone(),
                    ]
                })
                .collect();
            write_table(out, &["NAME", "LANGUAGE", "CATEGORY", "STATUS", "ID"], &rows, "No templates.")?;
        }
        TemplatesAction::Create(args) => {
            // Checked before the WABA is looked up, so a broken rule never reaches the network.
            let template = new_template(&args).or_fail(json)?;
            let waba_id = waba_id(&client, command.waba_id, json).await?;
            let created = client.create_template(&waba_id, &template).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &created.body)?);
            }
            writeln!(
                out,
                "Created template {} (id {}): {}, {}",
                template.definition().name,
                created.value.id,
                created.value.status,
                created.value.category
            )?;
        }
        TemplatesAction::Delete { name } => {
            let waba_id = waba_id(&client, command.waba_id, json).await?;
            let deleted = client.delete_template(&waba_id, &name).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &deleted.body)?);
            }
            writeln!(out, "Deleted template {name}.")?;
        }
        TemplatesAction::Sync => {
            let waba_id = waba_id(&client, command.waba_id, json).await?;
            let synced = client.sync_templates(&waba_id).await.or_fail(json)?;
            if json {
                return Ok(write_raw_body(out, &synced.body)?);
            }
            writeln!(out, "Synced {} templates of WABA {waba_id}.", synced.value.synced)?;
        }
    }
    Ok(())
}

fn new_template(args: &CreateArgs) -> Result<NewTemplate, wabagate_sdk::Error> {
    if let Some(path) = &args.file {
        let text = std::fs::read(path).map_err(|source| wabagate_sdk::Error::File { path: path.clone(), source })?;
        let definition = serde_json::from_slice(&text).map_err(|error| {
            wabagate_sdk::Error::Config(format!("{} is not a template definition: {error}", path.display()))
        })?;
        return NewTemplate::from_definition(definition);
    }
    let category = args.category.unwrap_or(TemplateCategory::Utility);
    let mut builder = NewTemplate::builder(args.name.clone().unwrap_or_default(), &args.language, category);
    if let Some(header) = &args.header {
        let examples: Vec<&str> = args.header_example.iter().map(String::as_str).collect();
        builder = builder.header_text(header, &examples);
    }
    let examples: Vec<&str> = args.example.iter().map(String::as_str).collect();
    builder = builder.body(args.body.clone().unwrap_or_default(), &examples);
    if let Some(footer) = &args.footer {
        builder = builder.footer(footer);
    }
    for text in &args.quick_reply {
        builder = builder.quick_reply_button(text);
    }
    if let Some(url_button) = &args.url_button {
        let (text, url) = url_button.split_once('=').unwrap_or((url_button, ""));
        builder = builder.url_button(text, url, args.url_example.as_deref());
    }
    if let Some(phone_button) = &args.phone_button {
        let (text, phone) = phone_button.split_once('=').unwrap_or((phone_button, ""));
        builder = builder.phone_number_button(text, phone);
    }
    builder.build()
}

fn parse_status(text: &str) -> Result<TemplateStatus, String> {
    TemplateStatus::parse(text).ok_or_else(|| {
        let known: Vec<&str> = TemplateStatus::ALL.iter().map(|status| status.as_str()).collect();
        format!("unknown status {text:?}; use one of {}", known.join(", "))
    })
}

fn parse_category(text: &str) -> Result<TemplateCategory, String> {
    TemplateCategory::parse(text)
        .ok_or_else(|| format!("unknown category {text:?}; use AUTHENTICATION, MARKETING or UTILITY"))
}
