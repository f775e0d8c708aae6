//! Following the control API's keyset paging: each page names the next with
//! `paging.next_cursor`, asked for again as `cursor=…` until it is null.

use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use super::types::{Conversation, ConversationList, LedgerMessage, MessageList};
use crate::client::Client;
use crate::error::Error;
use crate::response::Paged;
use crate::transport::Retry;

/// The most pages one listing follows: a guard against a server that pages forever.
const MAX_PAGES: usize = 1000;

/// A page of a cursor-paged list.
pub(crate) trait CursorPage: DeserializeOwned {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

impl CursorPage for MessageList {
    type Item = LedgerMessage;
    fn into_parts(self) -> (Vec<LedgerMessage>, Option<String>) {
        (self.messages, self.paging.next_cursor)
    }
}

impl CursorPage for ConversationList {
    type Item = Conversation;
    fn into_parts(self) -> (Vec<Conversation>, Option<String>) {
        (self.conversations, self.paging.next_cursor)
    }
}

/// GETs `url` (from `cursor`, if given) and every following page, until `max_items`
/// items (if set) are gathered or a page has no next cursor.
pub(crate) async fn follow_cursor<P: CursorPage>(
    client: &Client,
    url: Url,
    mut cursor: Option<String>,
    max_items: Option<usize>,
) -> Result<Paged<P::Item>, Error> {
    let mut paged = Paged { items: Vec::new(), pages: Vec::new() };
    for _ in 0..MAX_PAGES {
        let mut page_url = url.clone();
        if let Some(cursor) = &cursor {
            page_url.query_pairs_mut().append_pair("cursor", cursor);
        }
        let page =
            client.execute_json::<P>(Retry::Idempotent, || client.request(Method::GET, page_url.clone())).await?;
        paged.pages.push(page.body);
        let (items, next) = page.value.into_parts();
        paged.items.extend(items);
        if let Some(max) = max_items.filter(|max| paged.items.len() >= *max) {
            paged.items.truncate(max);
            break;
        }
        match next.filter(|next| !next.is_empty()) {
            // A server answering the same cursor again would page forever.
            Some(next) if cursor.as_deref() != Some(next.as_str()) => cursor = Some(next),
            _ => break,
        }
    }
    Ok(paged)
}
