//! The trace page's **Parameters** section ("You can view the tags and metadata attached to
//! Traces and Spans in their 'Parameters' section", the seed), with review on top: reviewers add
//! and remove tags and set or unset metadata inline; next to each value a reviewer changed, who
//! changed it and when; the value as logged struck through when it differs from the effective
//! one; and the record's whole history with an Undo button per event.
//!
//! The store keeps the logged values apart but reads give the effective ones, so the logged state
//! of a tag or key is recovered from the history: the first event that touched it recorded the
//! state it replaced (`previous`), which is what the client logged. Every form posts to the page
//! itself (see `trace::act`), which re-renders with the rule's message next to the form when a
//! value is refused.

use super::colours::chip_class;
use super::format::{absolute, relative, short_id};
use super::projects::stream_href;
use super::review::{actor_label, can_annotate};
use super::session::ConsoleUser;
use super::view::{add_clause, metadata_clause, tag_clause, RootParam, View};
use maud::{html, Markup};
use parallax_model::{RecordType, Timestamp};
use parallax_store::{AnnotationEvent, StoredRecord, TagInfo};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// What the history says about one tag or key.
#[derive(Debug, Clone, PartialEq)]
pub struct Change<'a> {
    /// As logged: for a tag, `Some("present")` or `Some("absent")`; for a key, its value or
    /// `None` when the client did not send it.
    pub logged: Option<&'a str>,
    /// The latest event on it.
    pub last: &'a AnnotationEvent,
}

#[derive(Debug, Default)]
pub struct Provenance<'a> {
    pub tags: BTreeMap<&'a str, Change<'a>>,
    pub metadata: BTreeMap<&'a str, Change<'a>>,
}

impl Provenance<'_> {
    fn tag_logged(&self, tag: &str) -> Option<bool> {
        self.tags.get(tag).map(|c| c.logged == Some("present"))
    }
}

/// Reads the history (oldest first) into the logged state and the latest event of every tag
/// and key it touched. Assumes the client did not re-send the record with other values after the
/// first event (then the store replays the events over the new values, and "as logged" here is
/// the first version).
pub fn provenance(events: &[AnnotationEvent]) -> Provenance<'_> {
    let mut p = Provenance::default();
    for e in events {
        let map = match e.op.as_str() {
            "add_tag" | "remove_tag" => &mut p.tags,
            "set_metadata" | "unset_metadata" => &mut p.metadata,
            _ => continue,
        };
        map.entry(e.key.as_str())
            .and_modify(|c| c.last = e)
            .or_insert(Change {
                logged: e.previous.as_deref(),
                last: e,
            });
    }
    p
}

/// Which form a refused value came from, so the message shows beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormId {
    Tag,
    Metadata,
    History,
}

#[derive(Debug, Clone)]
pub struct FormError {
    pub form: FormId,
    pub message: String,
    /// What was typed, given back so nothing is lost.
    pub key: String,
    pub value: String,
}

pub struct ParamsCtx<'a> {
    pub user: &'a ConsoleUser,
    pub stored: &'a StoredRecord,
    /// The record's history, oldest first.
    pub events: &'a [AnnotationEvent],
    pub registry: &'a [TagInfo],
    /// The page's own URL, where every form posts.
    pub action: &'a str,
    pub error: Option<&'a FormError>,
    pub now: Timestamp,
}

impl ParamsCtx<'_> {
    fn error_for(&self, form: FormId) -> Option<&FormError> {
        self.error.filter(|e| e.form == form)
    }

    fn job_href(&self, job: Uuid) -> String {
        format!("/console/projects/{}/jobs/{job}", self.stored.project_id)
    }

    /// "by ana@example.com · 3 min ago · bulk job 1a2b3c4d".
    fn who(&self, verb: &str, e: &AnnotationEvent) -> Markup {
        html! {
            span.who {
                (verb) " by " span.actor { (actor_label(&e.actor)) } " · "
                time datetime=(e.at.to_rfc3339()) title=(absolute(e.at)) { (relative(e.at, self.now)) }
                @if let Some(job) = e.job { " · " a href=(self.job_href(job)) { "bulk job " (short_id(job)) } }
            }
        }
    }

    /// The hidden fields every annotation form carries.
    fn hidden(&self, op: &str, key: &str) -> Markup {
        html! {
            input type="hidden" name="csrf" value=(self.user.csrf);
            input type="hidden" name="do" value="annotate";
            input type="hidden" name="record" value=(self.stored.record.id);
            input type="hidden" name="op" value=(op);
            @if !key.is_empty() { input type="hidden" name="key" value=(key); }
        }
    }
}

fn filter_link(r: &StoredRecord, clause: parallax_query::Expr) -> String {
    let root = if r.record.record_type == RecordType::Trace {
        RootParam::Trace
    } else {
        RootParam::Span
    };
    View {
        root,
        ..View::default()
    }
    .with_q(add_clause("", &clause))
    .href(&stream_href(r.project_id, r.log_stream_id))
}

fn tags(c: &ParamsCtx, prov: &Provenance, edit: bool) -> Markup {
    let rec = &c.stored.record;
    let removed: Vec<(&str, &Change)> = prov
        .tags
        .iter()
        .filter(|(t, ch)| {
            ch.logged == Some("present") && !rec.tags.iter().any(|x| x.as_str() == **t)
        })
        .map(|(t, ch)| (*t, ch))
        .collect();
    html! {
        @if rec.tags.is_empty() && removed.is_empty() { p.dim { "No tags." } }
        div.tags #tags {
            @for t in &rec.tags {
                @let added = prov.tag_logged(t.as_str()) == Some(false);
                span.tag-item {
                    a class=(chip_class(t.as_str(), if added { "added" } else { "" })) href=(filter_link(c.stored, tag_clause(t.as_str()))) { (t.as_str()) }
                    @if edit {
                        form.inline.remove method="post" action=(c.action) {
                            (c.hidden("remove_tag", t.as_str()))
                            button.x type="submit" title=(format!("Remove the tag {}", t.as_str())) aria-label=(format!("Remove the tag {}", t.as_str())) { "×" }
                        }
                    }
                    @if added { @if let Some(ch) = prov.tags.get(t.as_str()) { (c.who("added", ch.last)) } }
                }
            }
            @for (t, ch) in &removed {
                span.tag-item.removed {
                    del class=(chip_class(t, "removed")) title="logged, removed by a reviewer" { (t) }
                    (c.who("removed", ch.last))
                }
            }
        }
        @if edit {
            @let err = c.error_for(FormId::Tag);
            form #add-tag.inline.annotate method="post" action=(c.action) {
                (c.hidden("add_tag", ""))
                input type="text" name="key" list="tag-suggestions" placeholder="add a tag" required autocomplete="off"
                    value=(err.map(|e| e.key.as_str()).unwrap_or("")) aria-invalid=(if err.is_some() { "true" } else { "false" });
                button type="submit" { "Add tag" }
            }
            @if let Some(e) = err { p #tag-error.form-error role="alert" { (e.message) } }
            (quick_tags(c))
        }
    }
}

/// The registry's first nine tags as toggles: the number keys press them (see `console.js`).
fn quick_tags(c: &ParamsCtx) -> Markup {
    let rec = &c.stored.record;
    html! {
        @if c.registry.is_empty() {
            p.dim.small { "Tags described in the project's registry appear here with number-key shortcuts." }
        } @else {
            div.quick-tags #quick-tags {
                span.dim.small { "Registry tags " }
                @for (n, info) in c.registry.iter().take(9).enumerate() {
                    @let on = rec.tags.iter().any(|t| t.as_str() == info.tag);
                    form.inline.quick method="post" action=(c.action) {
                        (c.hidden(if on { "remove_tag" } else { "add_tag" }, &info.tag))
                        button type="submit" class=(chip_class(&info.tag, if on { "quick on" } else { "quick" })) data-quick=(n + 1)
                            aria-pressed=(if on { "true" } else { "false" })
                            title=(info.description.clone().unwrap_or_else(|| format!("{} the tag {}", if on { "Remove" } else { "Add" }, info.tag))) {
                            kbd { (n + 1) } " " (info.tag) @if on { " ✓" }
                        }
                    }
                }
            }
        }
    }
}

fn metadata(c: &ParamsCtx, prov: &Provenance, edit: bool) -> Markup {
    let rec = &c.stored.record;
    let unset: Vec<(&str, &Change)> = prov
        .metadata
        .iter()
        .filter(|(k, ch)| ch.logged.is_some() && rec.metadata.get(k).is_none())
        .map(|(k, ch)| (*k, ch))
        .collect();
    html! {
        @if rec.metadata.is_empty() && unset.is_empty() { p.dim { "No metadata." } }
        @else {
            table.kv.metadata {
                @for (k, v) in rec.metadata.iter() {
                    @let changed = prov.metadata.get(k.as_str()).filter(|ch| ch.logged != Some(v.as_str()));
                    tr {
                        th.mono scope="row" { (k.as_str()) }
                        td.value {
                            @if let Some(old) = changed.and_then(|ch| ch.logged) { del.logged title="as logged" { (old) } " " }
                            a.plain href=(filter_link(c.stored, metadata_clause(k.as_str(), v.as_str()))) { (v.as_str()) }
                        }
                        td.prov { @if let Some(ch) = changed { (c.who("set", ch.last)) } }
                        @if edit {
                            td.actions {
                                form.inline.remove method="post" action=(c.action) {
                                    (c.hidden("unset_metadata", k.as_str()))
                                    button.x type="submit" title=(format!("Unset {}", k.as_str())) aria-label=(format!("Unset {}", k.as_str())) { "×" }
                                }
                            }
                        }
                    }
                }
                @for (k, ch) in &unset {
                    tr.removed {
                        th.mono scope="row" { (k) }
                        td.value { del.logged title="as logged" { (ch.logged.unwrap_or("")) } }
                        td.prov { (c.who("unset", ch.last)) }
                        @if edit { td.actions {} }
                    }
                }
            }
        }
        @if edit {
            @let err = c.error_for(FormId::Metadata);
            form #set-metadata.inline.annotate method="post" action=(c.action) {
                (c.hidden("set_metadata", ""))
                input type="text" name="key" list="key-suggestions" placeholder="key" required autocomplete="off"
                    value=(err.map(|e| e.key.as_str()).unwrap_or(""));
                input type="text" name="value" placeholder="value" autocomplete="off" value=(err.map(|e| e.value.as_str()).unwrap_or(""));
                button type="submit" { "Set metadata" }
            }
            @if let Some(e) = err { p #metadata-error.form-error role="alert" { (e.message) } }
        }
    }
}

fn history(c: &ParamsCtx, edit: bool) -> Markup {
    let undone: HashSet<Uuid> = c.events.iter().filter_map(|e| e.undoes).collect();
    let err = c.error_for(FormId::History);
    html! {
        details #history.history open[err.is_some()] {
            summary { "History (" (c.events.len()) @if c.events.len() == 1 { " event)" } @else { " events)" } }
            @if let Some(e) = err { p.form-error role="alert" { (e.message) } }
            @if c.events.is_empty() {
                p.dim.small { "No review events: the tags and metadata are as logged." }
            } @else {
                table.grid.compact.history {
                    thead { tr { th { "Time" } th { "Event" } th { "Key" } th { "Value" } th { "Previous" } th { "Actor" } th { "Source" } th {} } }
                    tbody {
                        @for e in c.events.iter().rev() {
                            tr data-event=(e.id) {
                                td.nowrap { time datetime=(e.at.to_rfc3339()) title=(absolute(e.at)) { (relative(e.at, c.now)) } }
                                td.mono { (e.op) @if e.undoes.is_some() { " " span.badge { "undo" } } }
                                td.mono { (e.key) }
                                td { (e.value.as_deref().unwrap_or("")) }
                                td.dim { (e.previous.as_deref().unwrap_or("—")) }
                                td { (actor_label(&e.actor)) }
                                td.mono {
                                    @match e.job {
                                        Some(job) => a href=(c.job_href(job)) title=(e.source) { "bulk:" (short_id(job)) },
                                        None => (e.source),
                                    }
                                }
                                td {
                                    @if undone.contains(&e.id) { span.dim { "undone" } }
                                    @else if edit {
                                        form.inline method="post" action=(c.action) {
                                            input type="hidden" name="csrf" value=(c.user.csrf);
                                            input type="hidden" name="do" value="undo";
                                            input type="hidden" name="event" value=(e.id);
                                            button.undo type="submit" { "Undo" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The Parameters section of the selected record.
pub fn section(c: &ParamsCtx) -> Markup {
    let rec = &c.stored.record;
    let prov = provenance(c.events);
    let edit = can_annotate(c.user);
    html! {
        section #parameters.parameters data-record=(rec.id) data-type=(rec.record_type.as_str()) {
            h3 { "Parameters" }
            h4 { "Tags" }
            (tags(c, &prov, edit))
            h4 { "Metadata" }
            (metadata(c, &prov, edit))
            (history(c, edit))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(
        op: &str,
        key: &str,
        value: Option<&str>,
        previous: Option<&str>,
        actor: &str,
    ) -> AnnotationEvent {
        AnnotationEvent {
            id: Uuid::new_v4(),
            record_id: Uuid::nil(),
            op: op.into(),
            key: key.into(),
            value: value.map(str::to_owned),
            previous: previous.map(str::to_owned),
            actor: actor.into(),
            source: "console".into(),
            at: Timestamp(0),
            undoes: None,
            job: None,
        }
    }

    #[test]
    fn the_first_event_tells_the_logged_state_and_the_last_who() {
        let events = vec![
            ev("add_tag", "reviewed", None, Some("absent"), "user:a@x"),
            ev("remove_tag", "newton", None, Some("present"), "user:a@x"),
            ev(
                "set_metadata",
                "field",
                Some("chemistry"),
                Some("physics"),
                "user:a@x",
            ),
            ev(
                "set_metadata",
                "field",
                Some("biology"),
                Some("chemistry"),
                "user:b@x",
            ),
            ev("set_metadata", "note", Some("ok"), None, "user:b@x"),
            ev("add_tag", "newton", None, Some("absent"), "key:plx_1"),
        ];
        let p = provenance(&events);
        assert_eq!(p.tag_logged("reviewed"), Some(false));
        // Removed and added back: logged present, last touched by the key.
        assert_eq!(p.tag_logged("newton"), Some(true));
        assert_eq!(p.tags["newton"].last.actor, "key:plx_1");
        assert_eq!(p.tag_logged("never"), None);
        assert_eq!(p.metadata["field"].logged, Some("physics"));
        assert_eq!(p.metadata["field"].last.actor, "user:b@x");
        assert_eq!(p.metadata["note"].logged, None);
    }

    #[test]
    fn unknown_ops_are_ignored() {
        let events = vec![ev("rename", "x", None, None, "user:a@x")];
        let p = provenance(&events);
        assert!(p.tags.is_empty() && p.metadata.is_empty());
    }
}
