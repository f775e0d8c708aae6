//! Following Graph's cursor paging through the gateway. Graph's `paging.next` is an
//! absolute upstream URL the client cannot call (it has no token), so the next page is
//! asked for on the gateway path with `after=<cursor>`.

use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;
use wabagate_model::responses::ListResponse;

use crate::client::Client;
use crate::error::Error;
use crate::response::Paged;
use crate::transport::Retry;

/// The most pages one listing follows: a guard against a server that pages forever.
const MAX_PAGES: usize = 1000;

/// GETs `url` and every following page, until `max_items` items (if set) are gathered or
/// a page has no `next`.
pub(crate) async fn follow_pages<T: DeserializeOwned>(
    client: &Client,
    url: Url,
    max_items: Option<usize>,
) -> Result<Paged<T>, Error> {
    let mut paged = Paged { items: Vec::new(), pages: Vec::new() };
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut page_url = url.clone();
        if let Some(cursor) = &after {
            page_url.query_pairs_mut().append_pair("after", cursor);
        }
        let page = client
            .execute_json::<ListResponse<T>>(Retry::Idempotent, || client.request(Method::GET, page_url.clone()))
            .await?;
        paged.pages.push(page.body);
        paged.items.extend(page.value.data);
        if max_items.is_some_and(|max| paged.items.len() >= max) {
            paged.items.truncate(max_items.unwrap_or(usize::MAX));
            break;
        }
        let paging = page.value.paging.unwrap_or_default();
        let next_cursor = paging.cursors.map(|cursors| cursors.after).filter(|cursor| !cursor.is_empty());
        match (paging.next, next_cursor) {
            (Some(_), Some(cursor)) if after.as_deref() != Some(cursor.as_str()) => after = Some(cursor),
            _ => break,
        }
    }
    Ok(paged)
}
