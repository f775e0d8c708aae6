//! Sends one message of every type through a wabagate gateway.
//!
//! ```text
//! wabagate serve --demo            # in another terminal; prints the API key
//! export WABAGATE_API_KEY=wbg_…
//! cargo run -p wabagate-sdk --example send_every_message_type -- 1234567890
//! ```
//!
//! The sending number is the connection's only phone number; the recipient is the first
//! argument (default 1234567890).

use wabagate_sdk::{ClientBuilder, ClientSettings, ContactCard, Error, ListSection, Media, MediaUpload, Message};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let to = std::env::args().nth(1).unwrap_or_else(|| "1234567890".to_owned());
    // Sends are retried on 429 here: the gateway allows a few requests per second per
    // account, and these sends are not at risk of double delivery (each is new content).
    let client = ClientBuilder::from_settings(ClientSettings::from_env()).retry_sends(true).build()?;
    let connection = client.current_connection().await?.ok_or_else(|| {
        Error::Config("No ACTIVE connection: run `wabagate connections create --open --wait` first.".into())
    })?;
    let phone_number_id = connection
        .single_phone_number_id()
        .ok_or_else(|| Error::Config("The connection does not have exactly one phone number.".into()))?
        .to_owned();

    // A small PNG, uploaded so the image can be sent by media id.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let length = png.len() as u64;
    let uploaded =
        client.upload_media(&phone_number_id, MediaUpload::from_reader(std::io::Cursor::new(png), length)).await?;

    let messages = vec![
        Message::text(&to, "Hello from wabagate! https://example.com").preview_url(true).build()?,
        Message::template(&to, "hello_world", "en_US").build()?,
        Message::image(&to, Media::id(&uploaded.id)).caption("Uploaded a moment ago").build()?,
        Message::document(&to, Media::link("https://example.com/report.pdf")).filename("report.pdf").build()?,
        Message::video(&to, Media::link("https://example.com/video.mp4")).caption("Watch this").build()?,
        Message::audio(&to, Media::link("https://example.com/audio.mp3")).build()?,
        Message::sticker(&to, Media::link("https://example.com/sticker.webp")).build()?,
        Message::location(&to, 37.7749, -122.4194).name("San Francisco").address("San Francisco, CA, USA").build()?,
        Message::contacts(&to, [ContactCard::new("John Doe").first_name("John").phone("+1234567890", "MOBILE")])
            .build()?,
        Message::buttons(&to, "Would you like to proceed?").button("yes", "Yes").button("no", "No").build()?,
        Message::list(&to, "Choose from the list below", "View Options")
            .header_text("Select an option")
            .section(ListSection::new("Products").row("prod1", "Product 1", Some("First product")).row(
                "prod2",
                "Product 2",
                Some("Second product"),
            ))
            .build()?,
    ];
    let mut first_id = None;
    for message in &messages {
        let sent = client.send(&phone_number_id, message).await?;
        let id = sent.message_id().unwrap_or_default().to_owned();
        println!("{:<12} {id}", message.type_name());
        first_id.get_or_insert(id);
    }
    if let Some(first_id) = first_id {
        let reply = Message::text(&to, "Replying to the first one").reply_to(&first_id).build()?;
        println!("{:<12} {}", "reply", client.send(&phone_number_id, &reply).await?.message_id().unwrap_or_default());
        let reaction = Message::reaction(&to, &first_id, "👍").build()?;
        println!(
            "{:<12} {}",
            "reaction",
            client.send(&phone_number_id, &reaction).await?.message_id().unwrap_or_default()
        );
        // Read receipts are for inbound messages; the sandbox accepts any id.
        client.mark_read(&phone_number_id, &first_id).await?;
        println!("{:<12} {first_id}", "read");
    }
    Ok(())
}
