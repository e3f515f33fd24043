//! Reviewing a stream record by record. A record opened from the log stream carries the stream,
//! its view (filter, root, sort) and the record's position in that view in its URL:
//! `/console/projects/{pid}/traces/{tid}?span=…&sid=<stream>&i=<position>&q=…&root=…`. The trace
//! page then links the previous and next records of the same filter, which `j` and `k` follow
//! (see `assets/console.js`); without script they are ordinary links.
//!
//! Positions are offsets into the filtered, sorted list, so any sort works. A review often
//! changes whether the current record still matches (tagging `reviewed` under
//! `not tag:reviewed`), and new records may arrive meanwhile; so the page looks for the record in
//! a small window around its position. Found, its neighbours are the records either side. Gone,
//! the record that slid into its place is "next" — which is what a review queue should do.

use super::format::count;
use super::table::record_href;
use super::view::{RootParam, View};
use maud::{html, Markup};
use parallax_query::Expr;
use parallax_store::{Page, SearchRequest, Store, StoreResult, StoredRecord};
use uuid::Uuid;

/// How many records either side of the expected position are searched for the current one.
const SLACK: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub struct StreamNav {
    pub stream_id: Uuid,
    /// The filter, root and sort of the stream view (no columns, cursor or grouping).
    pub view: View,
    /// The record's position in the view when it was opened.
    pub i: usize,
}

impl StreamNav {
    /// Reads `sid`, `i` and the view's parameters; `None` without a stream (the record was not
    /// opened from a stream) or for sessions, which are not annotated one by one.
    pub fn from_query(raw: Option<&str>) -> Option<StreamNav> {
        let pairs: Vec<(String, String)> = raw
            .and_then(|r| serde_urlencoded::from_str(r).ok())
            .unwrap_or_default();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let stream_id = get("sid").and_then(|s| Uuid::parse_str(s).ok())?;
        let i = get("i").and_then(|s| s.parse().ok()).unwrap_or(0);
        let full = View::from_query(raw);
        if full.root == RootParam::Session {
            return None;
        }
        let view = View {
            q: full.q,
            root: full.root,
            sort: full.sort,
            ascending: full.ascending,
            ..View::default()
        };
        Some(StreamNav { stream_id, view, i })
    }

    /// The query string that carries this navigation (without `?`).
    pub fn query_string(&self) -> String {
        let view = self.view.query_string();
        let own = serde_urlencoded::to_string([
            ("sid", self.stream_id.to_string()),
            ("i", self.i.to_string()),
        ])
        .unwrap_or_default();
        if view.is_empty() {
            own
        } else {
            format!("{own}&{view}")
        }
    }

    pub fn at(&self, i: usize) -> StreamNav {
        StreamNav { i, ..self.clone() }
    }
}

/// The page of a record, keeping the navigation.
pub fn record_nav_href(project_id: Uuid, stored: &StoredRecord, nav: Option<&StreamNav>) -> String {
    let base = record_href(project_id, &stored.record);
    match nav {
        None => base,
        Some(n) => format!(
            "{base}{}{}",
            if base.contains('?') { "&" } else { "?" },
            n.query_string()
        ),
    }
}

/// Where the current record is, and where its neighbours are, as positions in the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The record's own position, if it still matches near where it was.
    pub found: Option<usize>,
    pub prev: Option<usize>,
    pub next: Option<usize>,
}

/// Places `current` among the ids at positions `start..start + window.len()` of a view of
/// `total` records, expecting it at `i`.
pub fn place(window: &[Uuid], start: usize, i: usize, current: Uuid, total: usize) -> Placement {
    match window
        .iter()
        .position(|id| *id == current)
        .map(|k| start + k)
    {
        Some(p) => Placement {
            found: Some(p),
            prev: p.checked_sub(1),
            next: (p + 1 < total).then_some(p + 1),
        },
        None => {
            let here = i.min(total);
            Placement {
                found: None,
                prev: here.checked_sub(1),
                next: (here < total).then_some(here),
            }
        }
    }
}

/// The current record's place in the view with its neighbours loaded.
pub struct Neighbours {
    pub total: u64,
    pub placement: Placement,
    pub prev: Option<StoredRecord>,
    pub next: Option<StoredRecord>,
}

fn request(
    project_id: Uuid,
    nav: &StreamNav,
    filter: Option<Expr>,
    offset: usize,
    limit: usize,
) -> SearchRequest {
    SearchRequest {
        project_id,
        log_stream_id: nav.stream_id,
        root: nav.view.root.root(),
        filter,
        sort: nav.view.sort(),
        limit,
        page: Page::Offset(offset),
    }
}

/// Finds the neighbours of `current` (run inside one store call). A filter that no longer parses
/// gives no navigation.
pub fn neighbours(
    s: &dyn Store,
    project_id: Uuid,
    nav: &StreamNav,
    current: Uuid,
) -> StoreResult<Option<Neighbours>> {
    let Ok(filter) = nav.view.filter() else {
        return Ok(None);
    };
    let total = s.count(
        project_id,
        nav.stream_id,
        nav.view.root.root(),
        filter.as_ref(),
    )?;
    let start = nav.i.saturating_sub(SLACK);
    let window = s
        .search(&request(
            project_id,
            nav,
            filter.clone(),
            start,
            2 * SLACK + 1,
        ))?
        .records;
    let ids: Vec<Uuid> = window.iter().map(|r| r.record.id).collect();
    let placement = place(&ids, start, nav.i, current, total as usize);
    let at = |pos: Option<usize>| -> StoreResult<Option<StoredRecord>> {
        let Some(pos) = pos else { return Ok(None) };
        if pos >= start && pos - start < window.len() {
            return Ok(Some(window[pos - start].clone()));
        }
        Ok(s.search(&request(project_id, nav, filter.clone(), pos, 1))?
            .records
            .into_iter()
            .next())
    };
    let (prev, next) = (at(placement.prev)?, at(placement.next)?);
    Ok(Some(Neighbours {
        total,
        placement,
        prev,
        next,
    }))
}

/// The bar above the record: back to the stream, the position, previous and next.
pub fn bar(project_id: Uuid, nav: &StreamNav, n: &Neighbours, stream_href: &str) -> Markup {
    let link = |r: &Option<StoredRecord>, pos: Option<usize>| {
        r.as_ref()
            .zip(pos)
            .map(|(r, p)| record_nav_href(project_id, r, Some(&nav.at(p))))
    };
    let prev = link(&n.prev, n.placement.prev);
    let next = link(&n.next, n.placement.next);
    html! {
        nav #review-nav.review-nav aria-label="Review" {
            a #nav-back href=(nav.view.href(stream_href)) { "← Stream" }
            span.position {
                @match n.placement.found {
                    Some(p) => { "Record " strong { (count(p as u64 + 1)) } " of " (count(n.total)) }
                    None => { "No longer matches · " (count(n.total)) " left" }
                }
                @if !nav.view.q.trim().is_empty() { " matching " code { (nav.view.q) } }
            }
            span.spacer {}
            @match prev {
                Some(href) => a #nav-prev.button href=(href) rel="prev" { "← Previous " kbd { "k" } },
                None => span.button.disabled { "← Previous" },
            }
            @match next {
                Some(href) => a #nav-next.button href=(href) rel="next" { "Next " kbd { "j" } " →" },
                None => span.button.disabled { "Next →" },
            }
            button #shortcut-toggle type="button" title="Keyboard shortcuts" { kbd { "?" } }
        }
    }
}

/// The list of shortcuts that `?` shows.
pub fn help() -> Markup {
    html! {
        div #shortcut-help.shortcut-help role="dialog" aria-label="Keyboard shortcuts" hidden {
            h3 { "Keyboard shortcuts" }
            dl {
                dt { kbd { "j" } } dd { "next record of the filter" }
                dt { kbd { "k" } } dd { "previous record" }
                dt { kbd { "1" } "–" kbd { "9" } } dd { "add or remove the n-th registry tag" }
                dt { kbd { "?" } } dd { "show or hide this help" }
                dt { kbd { "Esc" } } dd { "close" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::new_v4()).collect()
    }

    #[test]
    fn found_where_expected_or_shifted() {
        let w = ids(7);
        // Window holds positions 7..14; the record is at 10 as expected.
        assert_eq!(
            place(&w, 7, 10, w[3], 100),
            Placement {
                found: Some(10),
                prev: Some(9),
                next: Some(11)
            }
        );
        // A newer record arrived: it moved one down.
        assert_eq!(
            place(&w, 7, 10, w[4], 100),
            Placement {
                found: Some(11),
                prev: Some(10),
                next: Some(12)
            }
        );
        // First and last records have one neighbour.
        assert_eq!(
            place(&w, 0, 0, w[0], 7),
            Placement {
                found: Some(0),
                prev: None,
                next: Some(1)
            }
        );
        assert_eq!(
            place(&w, 0, 6, w[6], 7),
            Placement {
                found: Some(6),
                prev: Some(5),
                next: None
            }
        );
    }

    #[test]
    fn a_record_that_left_the_filter_yields_its_place() {
        let w = ids(7);
        let gone = Uuid::new_v4();
        assert_eq!(
            place(&w, 7, 10, gone, 99),
            Placement {
                found: None,
                prev: Some(9),
                next: Some(10)
            }
        );
        // It was the last one: nothing comes next.
        assert_eq!(
            place(&w[..3], 0, 3, gone, 3),
            Placement {
                found: None,
                prev: Some(2),
                next: None
            }
        );
        assert_eq!(
            place(&[], 0, 0, gone, 0),
            Placement {
                found: None,
                prev: None,
                next: None
            }
        );
    }

    #[test]
    fn the_url_round_trips() {
        let sid = Uuid::new_v4();
        let raw = format!(
            "span=x&sid={sid}&i=12&q=tag%3Aa&root=span&sort=duration&dir=asc&col=time&cursor=c"
        );
        let nav = StreamNav::from_query(Some(&raw)).unwrap();
        assert_eq!(nav.i, 12);
        assert_eq!(nav.view.q, "tag:a");
        assert!(nav.view.cols.is_empty() && nav.view.cursor.is_none());
        assert_eq!(
            StreamNav::from_query(Some(&nav.query_string())),
            Some(nav.clone())
        );
        assert!(StreamNav::from_query(Some("q=tag%3Aa")).is_none());
        assert!(StreamNav::from_query(Some(&format!("sid={sid}&root=session"))).is_none());
    }
}
