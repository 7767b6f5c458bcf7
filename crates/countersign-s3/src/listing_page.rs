//! A page of a bucket's listing: what is asked ([`ListQuery`]), what is answered
//! ([`Listing`]), and [`ListingPage`], which a storage feeds its keys in order to make one.

use crate::meta::ObjectMeta;

/// What a listing asks: the keys under `prefix` that sort after `after`, those with
/// `delimiter` past the prefix grouped into one common prefix, at most `max_keys` entries
/// (objects and common prefixes together).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// Only keys that start with it.
    pub prefix: String,
    /// Keys whose rest after the prefix holds it are grouped by what precedes it (and it).
    pub delimiter: Option<String>,
    /// Only keys (and common prefixes) that sort after it: the last one of the page before.
    pub after: Option<String>,
    /// The most entries on the page.
    pub max_keys: usize,
}

impl ListQuery {
    /// Every key under `prefix`, up to 1,000, without grouping.
    pub fn new(prefix: impl Into<String>) -> Self {
        ListQuery {
            prefix: prefix.into(),
            delimiter: None,
            after: None,
            max_keys: 1000,
        }
    }

    /// The same query, grouping by `delimiter` (an empty one groups nothing).
    pub fn delimiter(mut self, delimiter: Option<impl Into<String>>) -> Self {
        self.delimiter = delimiter.map(Into::into).filter(|d: &String| !d.is_empty());
        self
    }

    /// The same query, from after `after`.
    pub fn after(mut self, after: Option<impl Into<String>>) -> Self {
        self.after = after.map(Into::into);
        self
    }

    /// The same query, with at most `max_keys` entries.
    pub fn max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys;
        self
    }
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// Its key.
    pub key: String,
    /// Its metadata.
    pub meta: ObjectMeta,
}

/// A page of a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Listing {
    /// The objects, by key.
    pub contents: Vec<Entry>,
    /// The common prefixes (each ending with the delimiter), in order.
    pub common_prefixes: Vec<String>,
    /// Whether more entries follow.
    pub truncated: bool,
    /// The last key or common prefix of the page, when truncated: the next page starts
    /// after it.
    pub next_marker: Option<String>,
}

/// What [`ListingPage::offer`] says of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// The key is on the page as an object: give its metadata to
    /// [`ListingPage::add_object`].
    Object,
    /// The key is not on the page by itself (before the start, outside the prefix, or in
    /// a common prefix): go on with the next.
    Skip,
    /// The page is full: stop.
    Full,
}

/// Makes one page of a listing from a bucket's keys, offered in ascending order, so that
/// every storage groups and pages them alike.
///
/// ```
/// use countersign_s3::{ListQuery, ListingPage, ObjectMeta, Offer};
///
/// let query = ListQuery::new("photos/").delimiter(Some("/")).max_keys(2);
/// let mut page = ListingPage::new(&query);
/// for key in ["photos/2023/a.jpg", "photos/2024/b.jpg", "photos/c.jpg", "photos/d.jpg"] {
///     match page.offer(key) {
///         Offer::Object => page.add_object(key, ObjectMeta::new(0, "\"\"")),
///         Offer::Skip => continue,
///         Offer::Full => break,
///     }
/// }
/// let listing = page.finish();
/// assert_eq!(listing.common_prefixes, ["photos/2023/", "photos/2024/"]);
/// assert!(listing.contents.is_empty());
/// assert_eq!(listing.next_marker.as_deref(), Some("photos/2024/"));
/// ```
#[derive(Debug)]
pub struct ListingPage<'q> {
    query: &'q ListQuery,
    listing: Listing,
    count: usize,
    /// The last entry taken (a key or a common prefix).
    last: Option<String>,
}

impl<'q> ListingPage<'q> {
    /// An empty page for `query`.
    pub fn new(query: &'q ListQuery) -> Self {
        ListingPage {
            query,
            listing: Listing::default(),
            count: 0,
            last: None,
        }
    }

    /// Offers the next key (each greater than the one before).
    pub fn offer(&mut self, key: &str) -> Offer {
        let query = self.query;
        let Some(rest) = key.strip_prefix(query.prefix.as_str()) else {
            return Offer::Skip;
        };
        let after = query.after.as_deref();
        if after.is_some_and(|a| key <= a) {
            return Offer::Skip;
        }
        let group = query.delimiter.as_deref().and_then(|d| {
            rest.find(d)
                .map(|i| &key[..query.prefix.len() + i + d.len()])
        });
        let item = match group {
            Some(common) if after.is_some_and(|a| common <= a) => return Offer::Skip,
            Some(common) if self.last.as_deref() == Some(common) => return Offer::Skip,
            Some(common) => common,
            None => key,
        };
        if self.count == query.max_keys {
            self.listing.truncated = true;
            self.listing.next_marker = self.last.clone();
            return Offer::Full;
        }
        self.count += 1;
        self.last = Some(item.to_string());
        match group {
            Some(common) => {
                self.listing.common_prefixes.push(common.to_string());
                Offer::Skip
            }
            None => Offer::Object,
        }
    }

    /// Adds the object that [`offer`](Self::offer) answered [`Offer::Object`] for.
    pub fn add_object(&mut self, key: impl Into<String>, meta: ObjectMeta) {
        self.listing.contents.push(Entry {
            key: key.into(),
            meta,
        });
    }

    /// The page.
    pub fn finish(self) -> Listing {
        self.listing
    }
}
