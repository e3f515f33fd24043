//! The page shell every console page shares (head, navigation bar, breadcrumbs), the HTML error
//! pages, and the security headers.
//!
//! Escaping: pages are written with `maud`, whose `(expr)` splices escape `&`, `<`, `>`, `"` and
//! `'` in text and attribute values alike, so every user string (tags, metadata, inputs, names)
//! goes through one escaper. `PreEscaped` is used in this module only, for nothing but constant
//! text. Pages load one stylesheet and one script from `/console/assets/`, and the
//! Content-Security-Policy (`default-src 'self'`) forbids inline scripts and styles, so even a
//! missed escape could not run script.

use super::session::ConsoleUser;
use crate::error::ApiError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

/// The policy every console response carries. `form-action 'self'` keeps forms on this origin;
/// `frame-ancestors 'none'` stops click-jacking.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to a console response.
pub async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// One step of the breadcrumb trail: a label and, except for the last, a link.
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

impl Crumb {
    pub fn link(label: impl Into<String>, href: impl Into<String>) -> Crumb {
        Crumb {
            label: label.into(),
            href: Some(href.into()),
        }
    }

    pub fn here(label: impl Into<String>) -> Crumb {
        Crumb {
            label: label.into(),
            href: None,
        }
    }
}

/// The document head. `project_css` is the stylesheet with a project's tag colours (see
/// [`super::colours`]): a separate file because the CSP forbids inline styles.
fn head(title: &str, project_css: Option<&str>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Parallax" }
            link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml";
            link rel="stylesheet" href=(concat!("/console/assets/console.css?v=", env!("CARGO_PKG_VERSION")));
            @if let Some(href) = project_css { link rel="stylesheet" href=(href); }
            script src=(concat!("/console/assets/console.js?v=", env!("CARGO_PKG_VERSION"))) defer {}
        }
    }
}

fn navigation(user: &ConsoleUser) -> Markup {
    html! {
        nav.top {
            a.brand href="/console/" { span.logo { "◆" } " Parallax" }
            a href="/console/" { "Projects" }
            @if user.is_admin() {
                a href="/console/admin/users" { "Users" }
                a href="/console/admin/keys" { "API keys" }
            }
            span.spacer {}
            span.who { (user.email) " " span.role { (user.role.as_str()) } }
            form.logout method="post" action="/console/logout" {
                input type="hidden" name="csrf" value=(user.csrf);
                button.link type="submit" { "Log out" }
            }
        }
    }
}

/// A full page for a logged-in user.
pub fn page(user: &ConsoleUser, title: &str, crumbs: &[Crumb], body: Markup) -> Response {
    page_with_css(user, title, crumbs, body, None)
}

/// A full page inside one project: tag chips get the project's registry colours.
pub fn project_page(
    user: &ConsoleUser,
    project_id: uuid::Uuid,
    title: &str,
    crumbs: &[Crumb],
    body: Markup,
) -> Response {
    let css = super::colours::stylesheet_href(project_id);
    page_with_css(user, title, crumbs, body, Some(&css))
}

fn page_with_css(
    user: &ConsoleUser,
    title: &str,
    crumbs: &[Crumb],
    body: Markup,
    css: Option<&str>,
) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, css))
            body {
                (navigation(user))
                main {
                    @if !crumbs.is_empty() {
                        ol.crumbs {
                            @for c in crumbs {
                                li {
                                    @match &c.href {
                                        Some(href) => a href=(href) { (c.label) },
                                        None => span { (c.label) },
                                    }
                                }
                            }
                        }
                    }
                    (body)
                }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// A page without the navigation bar (login, errors before login).
pub fn bare_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, None))
            body.bare { main.narrow { (body) } }
        }
    }
}

/// The 403 a logged-in user sees on a page their role does not open.
pub fn forbidden_page(user: &ConsoleUser, why: &str) -> Response {
    let body = html! {
        section.notice.error {
            h1 { "Forbidden" }
            p { (why) " You are logged in as " strong { (user.email) } " with the role " code { (user.role.as_str()) } "." }
            p { a href="/console/" { "Back to the projects" } }
        }
    };
    (StatusCode::FORBIDDEN, page(user, "Forbidden", &[], body)).into_response()
}

/// An error shown as an HTML page with the right status. Internal causes are logged, never shown.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl PageError {
    pub fn new(e: ApiError) -> PageError {
        PageError(e)
    }

    pub fn not_found(what: impl Into<String>) -> PageError {
        PageError(ApiError::NotFound(what.into()))
    }

    pub fn bad_request(what: impl Into<String>) -> PageError {
        PageError(ApiError::BadRequest(what.into()))
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self.0 {
            tracing::error!(%cause, "internal error in the console");
        }
        let status = self.0.status();
        let body = bare_page(
            status.canonical_reason().unwrap_or("Error"),
            html! {
                section.notice.error {
                    h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("Error")) }
                    p { (self.0.public_message()) }
                    p { a href="/console/" { "Back to the console" } }
                }
            },
        );
        (status, Html(body.into_string())).into_response()
    }
}

pub type PageResult<T = Response> = Result<T, PageError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_pages_escape_their_message() {
        let r = PageError::not_found("record <script>alert(1)</script> not found").into_response();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let body =
            futures_util::FutureExt::now_or_never(axum::body::to_bytes(r.into_body(), 1 << 20))
                .unwrap()
                .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            text.contains("record &lt;script&gt;alert(1)&lt;/script&gt; not found"),
            "{text}"
        );
        assert!(!text.contains("<script>alert"));
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let r = PageError(ApiError::Internal(
            "database is locked at /secret/path".into(),
        ))
        .into_response();
        let body =
            futures_util::FutureExt::now_or_never(axum::body::to_bytes(r.into_body(), 1 << 20))
                .unwrap()
                .unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("/secret/path"));
    }
}
