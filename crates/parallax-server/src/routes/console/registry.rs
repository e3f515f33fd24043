//! The registry page of a project and stream: the team's vocabulary, kept consistent (the seed:
//! "Team collaboration: Share insights across teams with consistent tagging systems";
//! "Standardise metadata keys").
//!
//! Tags with description, colour (shown on every chip, see [`super::colours`]) and how many
//! records of the stream carry them; a tag is renamed or merged into another across history as
//! an undoable bulk job (add the new tag and remove the old one over `tag:"old"`); tags that
//! differ only by case are flagged with a one-click merge. Metadata keys with their observed type,
//! distinct values, records and an editable description; near-duplicate keys (`user_id` /
//! `userId` / `UserID`) are flagged. The project's PII policy is shown here and changed by admins.
//! The registry's tags, in order, are the number-key shortcuts of the trace page.

use super::colours::{chip_class, valid_colour};
use super::format::count;
use super::layout::{project_page, Crumb, PageError, PageResult};
use super::log_stream::tabs;
use super::projects::{load_project, load_stream, stream_href};
use super::review::{actor, can_annotate, field, parse_fields, tag_datalist, ReviewerUser};
use super::session::{AdminUser, ConsoleUser};
use super::view::{add_clause, tag_clause, View};
use crate::review::{start_bulk, BulkSpec};
use crate::routes::api::annotations::near_duplicates;
use crate::state::AppState;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use parallax_model::{MetadataKey, Tag};
use parallax_query::{print, Root};
use parallax_store::{AnnotationOp, KeyInfo, LogStream, MetadataKeyStats, Project, TagInfo};

/// Colours offered in the colour inputs; any `#rrggbb` is accepted.
const PALETTE: [&str; 10] = [
    "#1f77b4", "#2b8a3e", "#d9480f", "#c92a2a", "#7e3bd1", "#0b7a62", "#e8a10c", "#5c677d",
    "#d6336c", "#1098ad",
];

/// PII policies with what each does, as the select and the read-only text show them.
const POLICIES: [(&str, &str); 3] = [
    (
        "warn",
        "store the record and flag it (a badge in the stream, a panel on the record)",
    ),
    (
        "redact",
        "replace the value by a marker and say so on the record",
    ),
    (
        "reject",
        "keep the record aside in quarantine with the reason",
    ),
];

/// One row of the tag table: the tag, its records in the stream, and its registry entry.
pub struct TagRow {
    pub tag: String,
    pub records: u64,
    pub info: Option<TagInfo>,
}

/// Tags in use (most used first) followed by registry tags the stream does not use.
pub fn tag_rows(used: &[(String, u64)], registry: &[TagInfo]) -> Vec<TagRow> {
    let mut rows: Vec<TagRow> = used
        .iter()
        .map(|(t, n)| TagRow {
            tag: t.clone(),
            records: *n,
            info: registry.iter().find(|i| &i.tag == t).cloned(),
        })
        .collect();
    for i in registry
        .iter()
        .filter(|i| !used.iter().any(|(t, _)| t == &i.tag))
    {
        rows.push(TagRow {
            tag: i.tag.clone(),
            records: 0,
            info: Some(i.clone()),
        });
    }
    rows
}

/// For each group of tags that differ only by case, the most used one: the merge target.
pub fn merge_target<'a>(group: &'a [String], used: &[(String, u64)]) -> &'a str {
    let n = |t: &str| used.iter().find(|(u, _)| u == t).map_or(0, |(_, n)| *n);
    group
        .iter()
        .max_by(|a, b| n(a).cmp(&n(b)).then_with(|| b.cmp(a)))
        .map(String::as_str)
        .unwrap_or("")
}

struct Loaded {
    used: Vec<(String, u64)>,
    registry: Vec<TagInfo>,
    keys: Vec<MetadataKeyStats>,
    key_info: Vec<KeyInfo>,
    policy: String,
}

fn pii_section(user: &ConsoleUser, project: &Project, policy: &str, back: &str) -> Markup {
    let describe = POLICIES
        .iter()
        .find(|(p, _)| *p == policy)
        .map_or("", |(_, d)| *d);
    html! {
        section #pii-policy.card {
            h2 { "PII policy" }
            p.small.dim { "Tags and metadata (keys and values) are checked for e-mail addresses, phone numbers, payment card numbers, API keys and tokens, at ingest and on annotation." }
            p { "This project: " strong #pii-current { (policy) } " — " (describe) "." }
            @if user.is_admin() {
                form.inline method="post" action=(format!("/console/projects/{}/pii-policy", project.id)) {
                    input type="hidden" name="csrf" value=(user.csrf);
                    input type="hidden" name="back" value=(back);
                    select name="policy" aria-label="PII policy" {
                        @for (p, d) in POLICIES { option value=(p) selected[p == policy] title=(d) { (p) } }
                    }
                    button type="submit" { "Change policy" }
                }
            } @else {
                p.dim.small { "Only admins change the policy." }
            }
        }
    }
}

fn hidden_csrf(user: &ConsoleUser) -> Markup {
    html! { input type="hidden" name="csrf" value=(user.csrf); }
}

fn tag_section(user: &ConsoleUser, base: &str, l: &Loaded) -> Markup {
    let edit = can_annotate(user);
    let warnings = near_duplicates(l.used.iter().map(|(t, _)| t.as_str()), false);
    let filter = |t: &str| {
        View::default()
            .with_q(add_clause("", &tag_clause(t)))
            .href(base)
    };
    html! {
        section #tag-registry.card {
            h2 { "Tags" }
            @if !warnings.is_empty() {
                div #tag-warnings.notice.warn role="note" {
                    @for group in &warnings {
                        @let target = merge_target(group, &l.used);
                        p {
                            "Tags that differ only by case: " strong { (group.join(", ")) } "."
                            @if edit {
                                @for from in group.iter().filter(|t| t.as_str() != target) {
                                    " "
                                    form.inline method="post" action=(format!("{base}/registry/tags/rename")) {
                                        (hidden_csrf(user))
                                        input type="hidden" name="from" value=(from);
                                        input type="hidden" name="to" value=(target);
                                        button.merge type="submit" { "Merge " (from) " into " (target) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            table.grid.compact.registry {
                thead { tr { th { "Tag" } th.num { "Records" } th { "Description" } th { "Colour" } @if edit { th { "Edit" } th { "Rename or merge" } } } }
                tbody {
                    @for row in tag_rows(&l.used, &l.registry) {
                        @let desc = row.info.as_ref().and_then(|i| i.description.clone()).unwrap_or_default();
                        @let colour = row.info.as_ref().and_then(|i| i.colour.clone()).unwrap_or_default();
                        tr data-tag=(row.tag) {
                            td { a class=(chip_class(&row.tag, "")) href=(filter(&row.tag)) { (row.tag) } }
                            td.num { (count(row.records)) }
                            td.desc { (desc) }
                            td.mono { (colour) }
                            @if edit {
                                td {
                                    form.inline.tag-info method="post" action=(format!("{base}/registry/tags")) {
                                        (hidden_csrf(user))
                                        input type="hidden" name="tag" value=(row.tag);
                                        input type="text" name="description" value=(desc) placeholder="description" aria-label="Description";
                                        input.colour type="text" name="colour" value=(colour) placeholder="#1f77b4" list="palette" pattern="#[0-9a-fA-F]{6}" aria-label="Colour";
                                        button type="submit" { "Save" }
                                    }
                                }
                                td {
                                    @if row.records > 0 {
                                        form.inline.rename method="post" action=(format!("{base}/registry/tags/rename")) {
                                            (hidden_csrf(user))
                                            input type="hidden" name="from" value=(row.tag);
                                            input type="text" name="to" placeholder="new name" list="tag-suggestions" required aria-label="New name";
                                            button type="submit" { "Rename" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if edit {
                form #describe-tag.inline method="post" action=(format!("{base}/registry/tags")) {
                    (hidden_csrf(user))
                    input type="text" name="tag" placeholder="tag" required list="tag-suggestions" aria-label="Tag";
                    input type="text" name="description" placeholder="description" aria-label="Description";
                    input.colour type="text" name="colour" placeholder="#1f77b4" list="palette" pattern="#[0-9a-fA-F]{6}" aria-label="Colour";
                    button type="submit" { "Add to the registry" }
                }
                p.dim.small { "The registry's first nine tags, in this order, are the number-key shortcuts on a record's page." }
            }
        }
    }
}

fn key_section(user: &ConsoleUser, base: &str, l: &Loaded) -> Markup {
    let edit = can_annotate(user);
    let warnings = near_duplicates(l.keys.iter().map(|k| k.key.as_str()), true);
    html! {
        section #key-registry.card {
            h2 { "Metadata keys" }
            @if !warnings.is_empty() {
                div #key-warnings.notice.warn role="note" {
                    @for group in &warnings { p { "Keys that look like the same key: " strong { (group.join(", ")) } ". Standardise on one name." } }
                }
            }
            table.grid.compact.registry {
                thead { tr { th { "Key" } th { "Type" } th.num { "Distinct values" } th.num { "Records" } th { "Description" } @if edit { th { "Edit" } } } }
                tbody {
                    @for k in &l.keys {
                        @let desc = l.key_info.iter().find(|i| i.key == k.key).and_then(|i| i.description.clone()).unwrap_or_default();
                        tr data-key=(k.key) {
                            td.mono { a href=(View { by: Some(format!("metadata.{}", k.key)), ..View::default() }.href(&format!("{base}/group-by"))) { (k.key) } }
                            td { span.badge { (k.observed_type) } }
                            td.num { (count(k.distinct_values)) }
                            td.num { (count(k.records)) }
                            td.desc { (desc) }
                            @if edit {
                                td {
                                    form.inline method="post" action=(format!("{base}/registry/keys")) {
                                        (hidden_csrf(user))
                                        input type="hidden" name="key" value=(k.key);
                                        input type="text" name="description" value=(desc) placeholder="description" aria-label="Description";
                                        button type="submit" { "Save" }
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

async fn render(
    state: &AppState,
    user: &ConsoleUser,
    project: &Project,
    stream: &LogStream,
    error: Option<String>,
) -> PageResult<Response> {
    let (p, s) = (project.id, stream.id);
    let l = state
        .store(move |st| {
            Ok(Loaded {
                used: st.tags(p, s)?,
                registry: st.tag_registry(p)?,
                keys: st.metadata_keys(p, s)?,
                key_info: st.key_registry(p)?,
                policy: st.pii_policy(p)?,
            })
        })
        .await?;
    let base = stream_href(p, s);
    let here = format!("{base}/registry");
    let body = html! {
        (tabs(project, stream, &View::default(), "registry"))
        @if let Some(m) = &error { p.notice.error role="alert" { (m) } }
        (tag_section(user, &base, &l))
        (key_section(user, &base, &l))
        (pii_section(user, project, &l.policy, &here))
        (tag_datalist(&l.registry, &l.used))
        datalist #palette { @for c in PALETTE { option value=(c) {} } }
    };
    let crumbs = [
        Crumb::link("Projects", "/console/"),
        Crumb::link(
            project.name.clone(),
            format!("/console/projects/{}", project.id),
        ),
        Crumb::link(stream.name.clone(), base.clone()),
        Crumb::here("Registry"),
    ];
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        project_page(
            user,
            project.id,
            &format!("Registry · {}", stream.name),
            &crumbs,
            body,
        ),
    )
        .into_response())
}

/// `GET /console/projects/{pid}/log-streams/{sid}/registry`.
pub async fn page(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path((pid, sid)): Path<(String, String)>,
) -> PageResult<Response> {
    let (project, stream) = load_stream(&state, &pid, &sid).await?;
    render(&state, &user, &project, &stream, None).await
}

/// `POST …/registry/tags`: a tag's description and colour (empty clears them).
pub async fn set_tag(
    State(state): State<AppState>,
    ReviewerUser(user): ReviewerUser,
    Path((pid, sid)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> PageResult<Response> {
    let f = parse_fields(&body);
    user.check_csrf(field(&f, "csrf"))?;
    let (project, stream) = load_stream(&state, &pid, &sid).await?;
    let colour = field(&f, "colour").trim();
    let description = field(&f, "description").trim();
    let checked = Tag::parse(field(&f, "tag").trim())
        .map_err(|e| e.to_string())
        .and_then(|t| {
            if colour.is_empty() || valid_colour(colour) {
                Ok(t)
            } else {
                Err(format!("colour {colour:?} is not a colour like #1f77b4"))
            }
        });
    let tag = match checked {
        Ok(t) => t,
        Err(m) => return render(&state, &user, &project, &stream, Some(m)).await,
    };
    let info = TagInfo {
        tag: tag.as_str().to_owned(),
        description: (!description.is_empty()).then(|| description.to_owned()),
        colour: (!colour.is_empty()).then(|| colour.to_lowercase()),
    };
    let p = project.id;
    state.store(move |s| s.set_tag_info(p, info)).await?;
    Ok(Redirect::to(&format!("{}/registry", stream_href(project.id, stream.id))).into_response())
}

/// `POST …/registry/tags/rename`: `from` becomes `to` on every trace and span of the stream
/// (a merge when `to` exists), as bulk jobs that undo as a whole.
pub async fn rename(
    State(state): State<AppState>,
    ReviewerUser(user): ReviewerUser,
    Path((pid, sid)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> PageResult<Response> {
    let f = parse_fields(&body);
    user.check_csrf(field(&f, "csrf"))?;
    let (project, stream) = load_stream(&state, &pid, &sid).await?;
    let parsed = Tag::parse(field(&f, "from").trim())
        .and_then(|from| Tag::parse(field(&f, "to").trim()).map(|to| (from, to)))
        .map_err(|e| e.to_string())
        .and_then(|(from, to)| {
            if from == to {
                Err("the new name is the old one".to_owned())
            } else {
                Ok((from, to))
            }
        });
    let (from, to) = match parsed {
        Ok(pair) => pair,
        Err(m) => return render(&state, &user, &project, &stream, Some(m)).await,
    };
    let filter = tag_clause(from.as_str());
    let query = print(&filter);
    let ops = vec![AnnotationOp::AddTag(to), AnnotationOp::RemoveTag(from)];
    let (p, s) = (project.id, stream.id);
    let f2 = filter.clone();
    let spans = state
        .store(move |st| st.count(p, s, Root::Span, Some(&f2)))
        .await?;
    let job = start_bulk(
        &state,
        BulkSpec {
            project_id: p,
            log_stream_id: s,
            root: Root::Trace,
            query: query.clone(),
            filter: Some(filter.clone()),
        },
        ops.clone(),
        actor(&user),
    )
    .await?;
    if spans == 0 {
        return Ok(Redirect::to(&format!("/console/projects/{p}/jobs/{}", job.id)).into_response());
    }
    // Spans are a root of their own; their job runs beside the traces' and is listed with it.
    start_bulk(
        &state,
        BulkSpec {
            project_id: p,
            log_stream_id: s,
            root: Root::Span,
            query,
            filter: Some(filter),
        },
        ops,
        actor(&user),
    )
    .await?;
    Ok(Redirect::to(&format!("/console/projects/{p}/jobs")).into_response())
}

/// `POST …/registry/keys`: a metadata key's description.
pub async fn set_key(
    State(state): State<AppState>,
    ReviewerUser(user): ReviewerUser,
    Path((pid, sid)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> PageResult<Response> {
    let f = parse_fields(&body);
    user.check_csrf(field(&f, "csrf"))?;
    let (project, stream) = load_stream(&state, &pid, &sid).await?;
    let key = match MetadataKey::parse(field(&f, "key")) {
        Ok(k) => k,
        Err(e) => return render(&state, &user, &project, &stream, Some(e.to_string())).await,
    };
    let description = field(&f, "description").trim();
    let info = KeyInfo {
        key: key.as_str().to_owned(),
        description: (!description.is_empty()).then(|| description.to_owned()),
    };
    let p = project.id;
    state.store(move |s| s.set_key_info(p, info)).await?;
    Ok(Redirect::to(&format!("{}/registry", stream_href(project.id, stream.id))).into_response())
}

/// `POST /console/projects/{pid}/pii-policy` (admins only): `policy` and the page to go back to.
pub async fn set_policy(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(pid): Path<String>,
    RawForm(body): RawForm,
) -> PageResult<Response> {
    let f = parse_fields(&body);
    user.check_csrf(field(&f, "csrf"))?;
    let project = load_project(&state, &pid).await?;
    let policy = field(&f, "policy").to_owned();
    if !POLICIES.iter().any(|(p, _)| *p == policy) {
        return Err(PageError::bad_request(format!(
            "{policy:?} is not one of warn, redact, reject"
        )));
    }
    let p = project.id;
    let pol = policy.clone();
    state.store(move |s| s.set_pii_policy(p, &pol)).await?;
    tracing::info!(by = %user.email, project = %p, %policy, "PII policy changed in the console");
    // Only a path inside this console is a redirect target.
    let back = field(&f, "back");
    let back = if back.starts_with("/console/") && !back.starts_with("//") && back.is_ascii() {
        back.to_owned()
    } else {
        format!("/console/projects/{p}")
    };
    Ok(Redirect::to(&back).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_list_used_tags_then_unused_registry_tags() {
        let used = vec![("physics".to_string(), 5), ("Physics".to_string(), 2)];
        let registry = vec![
            TagInfo {
                tag: "physics".into(),
                description: Some("the science".into()),
                colour: None,
            },
            TagInfo {
                tag: "reviewed".into(),
                description: None,
                colour: Some("#2b8a3e".into()),
            },
        ];
        let rows = tag_rows(&used, &registry);
        let names: Vec<(&str, u64)> = rows.iter().map(|r| (r.tag.as_str(), r.records)).collect();
        assert_eq!(names, vec![("physics", 5), ("Physics", 2), ("reviewed", 0)]);
        assert_eq!(
            rows[0].info.as_ref().unwrap().description.as_deref(),
            Some("the science")
        );
        assert!(rows[1].info.is_none());
    }

    #[test]
    fn case_duplicates_merge_into_the_most_used() {
        let used = vec![("physics".to_string(), 5), ("Physics".to_string(), 2)];
        let groups = near_duplicates(used.iter().map(|(t, _)| t.as_str()), false);
        assert_eq!(groups.len(), 1);
        assert_eq!(merge_target(&groups[0], &used), "physics");
        // Equal counts: the first in sort order wins, so the answer does not flicker.
        let even = vec![("B".to_string(), 1), ("b".to_string(), 1)];
        assert_eq!(
            merge_target(&["B".to_string(), "b".to_string()], &even),
            "B"
        );
    }
}
