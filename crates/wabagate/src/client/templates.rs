//! `wabagate templates list|create|delete|sync`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use wabagate_sdk::{NewTemplate, TemplateCategory, TemplateQuery, TemplateStatus};

use super::choices::one_of;
use super::context::{ClientOptions, waba_id};
use super::failure::{Failure, SdkResultExt};
use super::flag_terms::{FieldPath, FlagTermsExt};
use super::output::{write_raw_body, write_raw_pages};
use super::stdio;
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
        /// Only templates in this status.
        #[arg(long, ignore_case = true, value_parser = one_of(TemplateStatus::ALL.map(TemplateStatus::as_str), TemplateStatus::parse))]
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
    /// A JSON file with the whole definition (Meta's shape; `-`: standard input); replaces the flags below.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["name", "body", "category"])]
    file: Option<PathBuf>,
    /// Lowercase letters, digits and underscores.
    #[arg(long, required_unless_present = "file")]
    name: Option<String>,
    #[arg(long, default_value = "en_US")]
    language: String,
    /// What the template is for.
    #[arg(long, required_unless_present = "file", ignore_case = true, value_parser = one_of(["AUTHENTICATION", "MARKETING", "UTILITY"], TemplateCategory::parse))]
    category: Option<TemplateCategory>,
    /// A text header (at most 60 characters, at most one {{1}}).
    #[arg(long)]
    header: Option<String>,
    /// The example value of the header's {{1}}.
    #[arg(long, value_name = "VALUE")]
    header_example: Option<String>,
    /// The body (at most 1024 characters; variables {{1}}, {{2}}, … in order; `-`: standard input).
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
            // Asking Graph for pages of `limit` keeps `--json`'s raw pages to what was asked.
            let page_size = limit.and_then(|limit| u32::try_from(limit).ok()).filter(|size| *size > 0);
            let query = TemplateQuery { status, name, page_size, max_items: limit };
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
            let template = new_template(&args)?.or_fail_in_terms(json, &|field| template_flag(&args, field))?;
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

/// The template the flags (or the definition file) describe; reading the file or stdin can
/// fail before any rule is checked.
fn new_template(args: &CreateArgs) -> Result<Result<NewTemplate, wabagate_sdk::Error>, Failure> {
    if let Some(path) = &args.file {
        let (shown, text) = if stdio::is_dash(path) {
            ("stdin".to_owned(), stdio::read_bytes("--file", 1024 * 1024)?)
        } else {
            let text = std::fs::read(path).map_err(|error| Failure::usage(format!("{}: {error}", path.display())))?;
            (path.display().to_string(), text)
        };
        let definition = serde_json::from_slice(&text)
            .map_err(|error| Failure::usage(format!("{shown} is not a template definition: {error}")))?;
        return Ok(NewTemplate::from_definition(definition));
    }
    let body = stdio::text_or_stdin("--body", args.body.as_deref().unwrap_or_default())?;
    let category = args.category.unwrap_or(TemplateCategory::Utility);
    let mut builder = NewTemplate::builder(args.name.clone().unwrap_or_default(), &args.language, category);
    if let Some(header) = &args.header {
        let examples: Vec<&str> = args.header_example.iter().map(String::as_str).collect();
        builder = builder.header_text(header, &examples);
    }
    let examples: Vec<&str> = args.example.iter().map(String::as_str).collect();
    builder = builder.body(body, &examples);
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
    Ok(builder.build())
}

/// The flag a template field comes from. The components are built in the order header,
/// body, footer, buttons, each only if given, which tells what `components[i]` is.
fn template_flag(args: &CreateArgs, field: &FieldPath) -> Option<String> {
    if args.file.is_some() {
        return None;
    }
    let flag = match field.path.as_str() {
        "name" => "--name",
        "language" => "--language",
        "category" => "--category",
        path if path.starts_with("components") => {
            let mut kinds = Vec::new();
            if args.header.is_some() {
                kinds.push("header");
            }
            kinds.push("body");
            if args.footer.is_some() {
                kinds.push("footer");
            }
            kinds.push("buttons");
            let kind = field.indexes.first().and_then(|index| kinds.get(*index)).copied().unwrap_or("body");
            match (kind, path) {
                ("header", "components.example.header_text") => "--header-example",
                ("header", _) => "--header",
                ("body", path) if path.starts_with("components.example") => "--example",
                ("body", _) => "--body",
                ("footer", _) => "--footer",
                _ => return Some(button_flag(args, field.indexes.get(1).copied()).to_owned()),
            }
        }
        _ => return None,
    };
    Some(flag.to_owned())
}

/// Buttons are built quick replies first, then the URL button, then the call button.
fn button_flag(args: &CreateArgs, index: Option<usize>) -> &'static str {
    let mut flags = vec!["--quick-reply"; args.quick_reply.len()];
    if args.url_button.is_some() {
        flags.push("--url-button");
    }
    if args.phone_button.is_some() {
        flags.push("--phone-button");
    }
    index.and_then(|index| flags.get(index)).copied().unwrap_or("--quick-reply")
}
