//! Every list operation, and search, as a `futures::Stream` of items.
//!
//! The stream asks for the next page only when the items of the current one are used up, holds
//! one page at a time, follows the cursor in `links.next`, and stops when dropped. Filters and
//! `page_size` set on the builder apply to every page.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use persona_api::Paginate;
//!
//! # async fn run(client: persona_api::Client) -> Result<(), persona_api::Error> {
//! let mut approved = client.list_inquiries().filter_status("approved").page_size(100).into_stream();
//! while let Some(inquiry) = approved.try_next().await? {
//!     println!("{}", inquiry.id);
//! }
//! # Ok(())
//! # }
//! ```

use std::future::Future;

use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream, TryStreamExt};

use crate::error::{DecodeError, Error};

/// A list request that can be read page by page; the generator implements it for every
/// operation of the spec that returns a page and takes a cursor (`generated/pagination.rs`).
pub trait Paginate<'a>: Sized + Send + 'a {
    type Item: Send + 'a;

    /// Sends the request for the page after `cursor` (the first page for `None`); returns its
    /// items and the cursor of the next page, if there is one.
    fn fetch_page(
        self,
        cursor: Option<String>,
    ) -> impl Future<Output = Result<(Vec<Self::Item>, Option<String>), Error>> + Send + 'a;

    /// The items of every page, in order, fetched lazily. Boxed, so it is `Unpin` and can be
    /// polled with `try_next()` directly.
    fn into_stream(self) -> BoxStream<'a, Result<Self::Item, Error>>
    where
        Self: Clone,
    {
        let first = Some((self, None::<String>));
        stream::try_unfold(first, |state| async move {
            let Some((request, cursor)) = state else {
                return Ok(None);
            };
            let (items, next) = request.clone().fetch_page(cursor.clone()).await?;
            if next.is_some() && next == cursor {
                return Err(Error::Decode(DecodeError {
                    path: "links.next".to_string(),
                    message: "the next page has the same cursor as this one".to_string(),
                    snippet: next.unwrap_or_default(),
                }));
            }
            let following = next.map(|next| (request, Some(next)));
            Ok(Some((stream::iter(items.into_iter().map(Ok)), following)))
        })
        .try_flatten()
        .boxed()
    }
}

/// A page's `links.next`, whichever type its `links` has (our pages' optional `PageLinks`, or
/// the links object a product's page has in Persona's bundle): read through its JSON, which is
/// a few bytes.
#[allow(dead_code)]
pub(crate) fn next_link<L: serde::Serialize>(links: &L) -> Option<String> {
    let links = serde_json::to_value(links).ok()?;
    links.get("next")?.as_str().map(str::to_string)
}

/// The `page[after]` cursor in a `links.next` URL such as `/api/v1/inquiries?page%5Bafter%5D=inq_...`.
/// Used by each paged operation's `Paginate`, so by none when no product with one is on.
#[allow(dead_code)]
pub(crate) fn next_cursor(next: Option<&str>) -> Result<Option<String>, Error> {
    let Some(next) = next else {
        return Ok(None);
    };
    let query = next.split_once('?').map_or("", |(_, query)| query);
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "page[after]")
        .map(|(_, cursor)| Some(cursor.into_owned()))
        .ok_or_else(|| {
            Error::Decode(DecodeError {
                path: "links.next".to_string(),
                message: "no page[after] cursor in the link".to_string(),
                snippet: next.to_string(),
            })
        })
}

/// `Paginate` for each builder named, whose page's `data` holds the item type named:
/// `paged_operations! { builder, types; ListInquiries => Inquiry, }` with the modules of the
/// builders and the types.
// Unused when no product with a paged list is on.
#[allow(unused_macros)]
macro_rules! paged_operations {
    ($builders:ident, $types:ident; $($builder:ident => $item:ident,)+) => {$(
        impl<'a> $crate::pagination::Paginate<'a> for $builders::$builder<'a> {
            type Item = $types::$item;

            fn fetch_page(
                self,
                cursor: Option<String>,
            ) -> impl Future<Output = Result<(Vec<$types::$item>, Option<String>), $crate::Error>> + Send + 'a {
                async move {
                    let request = match cursor {
                        Some(cursor) => self.page_after(cursor),
                        None => self,
                    };
                    let page = request.send().await?.into_inner();
                    let next = $crate::pagination::next_link(&page.links);
                    Ok((page.data, $crate::pagination::next_cursor(next.as_deref())?))
                }
            }
        }
    )+};
}
#[allow(unused_imports)]
pub(crate) use paged_operations;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_comes_from_links_next() {
        let next = "/api/v1/inquiries?filter%5Bstatus%5D=approved&page%5Bafter%5D=inq_Qk4u";
        assert_eq!(
            next_cursor(Some(next)).unwrap().as_deref(),
            Some("inq_Qk4u")
        );
        assert_eq!(next_cursor(None).unwrap(), None);
        assert!(matches!(
            next_cursor(Some("/api/v1/inquiries?page%5Bbefore%5D=x")),
            Err(Error::Decode(_))
        ));
    }
}
