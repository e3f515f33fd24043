//! Tag colours from the project's registry, rendered on every chip.
//!
//! The Content-Security-Policy (`default-src 'self'`) forbids inline `style` attributes, so a
//! chip cannot carry its colour itself. Instead every chip gets a class derived from its tag
//! (`tc-` and a 64-bit FNV-1a hash in hex) and each project page links
//! `GET /console/projects/{pid}/tags.css`, a stylesheet generated from the registry with one rule
//! per coloured tag. A hash class (rather than an attribute selector holding the tag) means no
//! user string is ever written into CSS; only colours that are exactly `#rrggbb` are, so a
//! colour stored by some other path can not inject rules either. A hash collision would at
//! worst give a chip another tag's colour.

use super::layout::PageResult;
use super::projects::load_project;
use super::session::ConsoleUser;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use parallax_store::TagInfo;
use std::fmt::Write;
use uuid::Uuid;

/// The class that carries `tag`'s colour.
pub fn tag_class(tag: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in tag.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("tc-{h:016x}")
}

/// The class list of a chip for `tag`.
pub fn chip_class(tag: &str, extra: &str) -> String {
    if extra.is_empty() {
        format!("chip {}", tag_class(tag))
    } else {
        format!("chip {} {extra}", tag_class(tag))
    }
}

/// Whether `c` is a colour the registry accepts: `#` and six hex digits.
pub fn valid_colour(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())
}

/// Dark or light text, whichever reads on `colour` (WCAG relative luminance, rounded to a
/// threshold that keeps mid-tones on white text).
fn text_on(colour: &str) -> &'static str {
    let channel = |i: usize| {
        let v = f64::from(u8::from_str_radix(&colour[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    if luminance > 0.4 {
        "#1c2330"
    } else {
        "#ffffff"
    }
}

/// The stylesheet of a registry: one rule per tag with a valid colour. `.chip.tc-…` outranks
/// the stylesheet's `a.chip` so the colour wins over the default chip grey.
pub fn stylesheet(registry: &[TagInfo]) -> String {
    let mut css = String::from("/* Tag colours from this project's registry. */\n");
    for info in registry {
        if let Some(c) = info.colour.as_deref().filter(|c| valid_colour(c)) {
            let class = tag_class(&info.tag);
            let _ = writeln!(
                css,
                ".chip.{class}, a.chip.{class}:hover {{ background: {c}; border-color: {c}; color: {}; }}",
                text_on(c)
            );
        }
    }
    css
}

pub fn stylesheet_href(project_id: Uuid) -> String {
    format!("/console/projects/{project_id}/tags.css")
}

/// `GET /console/projects/{pid}/tags.css`.
pub async fn css(
    State(state): State<AppState>,
    _user: ConsoleUser,
    Path(pid): Path<String>,
) -> PageResult<Response> {
    let project = load_project(&state, &pid).await?;
    let id = project.id;
    let registry = state.store(move |s| s.tag_registry(id)).await?;
    // No cache header: the security layer then adds `no-store`, so an edited colour shows on
    // the next page load.
    Ok((
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        stylesheet(&registry),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(tag: &str, colour: Option<&str>) -> TagInfo {
        TagInfo {
            tag: tag.into(),
            description: None,
            colour: colour.map(str::to_owned),
        }
    }

    #[test]
    fn classes_are_stable_and_distinct() {
        assert_eq!(tag_class("physics"), tag_class("physics"));
        assert_ne!(tag_class("physics"), tag_class("Physics"));
        assert_eq!(tag_class("").len(), 3 + 16);
        assert_eq!(chip_class("x", "on"), format!("chip {} on", tag_class("x")));
    }

    #[test]
    fn only_hex_colours_reach_the_stylesheet() {
        let css = stylesheet(&[
            info("good", Some("#d9480f")),
            info("evil", Some("red; } body { display: none")),
            info("none", None),
            info("</style>", Some("#FFFFFF")),
        ]);
        assert!(
            css.contains(&format!(".chip.{}, ", tag_class("good"))),
            "{css}"
        );
        assert!(
            css.contains("background: #d9480f") && css.contains("color: #ffffff"),
            "{css}"
        );
        assert!(
            !css.contains("display") && !css.contains("</style>"),
            "{css}"
        );
        // White needs dark text.
        assert!(
            css.contains("background: #FFFFFF; border-color: #FFFFFF; color: #1c2330"),
            "{css}"
        );
        assert_eq!(css.lines().count(), 3);
    }

    #[test]
    fn colours_are_validated() {
        assert!(valid_colour("#1f77b4"));
        assert!(
            !valid_colour("1f77b4")
                && !valid_colour("#1f77b")
                && !valid_colour("#1f77bz")
                && !valid_colour("#ééé")
        );
    }
}
