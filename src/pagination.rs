//! Page numbers, page sizes, the `meta` of list responses and their `Link` header.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::FieldError;
use crate::error::ApiError;

/// Largest accepted `per_page`.
pub const MAX_PER_PAGE: u32 = 100;
/// Largest accepted `page`: deeper pages cost a scan of everything before them.
pub const MAX_PAGE: u32 = 100_000;
/// `per_page` when none is given.
pub const DEFAULT_PER_PAGE: u32 = 20;

/// The query of a list that takes nothing but a page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

impl PageQuery {
    /// The validated page (422 when out of range).
    pub fn page(&self) -> Result<Page, ApiError> {
        Page::new(self.page, self.per_page)
    }
}

/// A validated page request.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    /// 1-based page number.
    pub page: u32,
    /// Items per page, 1 to 100.
    pub per_page: u32,
}

impl Page {
    /// Validates `page` (1 to 100000) and `per_page` (1 to 100; default 20): 422 otherwise.
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Result<Self, ApiError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = Vec::new();
        if page == 0 || page > MAX_PAGE {
            errors.push(FieldError::new(
                "page",
                format!("must be from 1 to {MAX_PAGE}"),
            ));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            errors.push(FieldError::new(
                "per_page",
                format!("must be from 1 to {MAX_PER_PAGE}"),
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation {
                detail: "The page parameters are not valid.".into(),
                errors,
            });
        }
        Ok(Self { page, per_page })
    }

    /// SQL `OFFSET`.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    /// SQL `LIMIT`.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    /// The `meta` of a list with `total` items.
    pub fn meta(&self, total: i64) -> PageMeta {
        let per_page = i64::from(self.per_page);
        PageMeta {
            page: self.page,
            per_page: self.per_page,
            total,
            total_pages: (total + per_page - 1) / per_page,
        }
    }
}

/// Where a list page stands.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PageMeta {
    /// This page, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Items in all pages.
    pub total: i64,
    /// Number of pages.
    pub total_pages: i64,
}

impl PageMeta {
    /// `200 OK` with this page's `Link` header, for the list body to be added.
    pub fn ok(&self, request: &HttpRequest) -> HttpResponseBuilder {
        let mut response = HttpResponse::Ok();
        if let Some(link) = self.link_header(request) {
            response.insert_header((header::LINK, link));
        }
        response
    }

    /// The `Link` header value with `next` and `prev` (RFC 8288), if either exists.
    pub fn link_header(&self, request: &HttpRequest) -> Option<String> {
        let mut links = Vec::new();
        if i64::from(self.page) < self.total_pages {
            links.push(format!(
                "<{}>; rel=\"next\"",
                page_url(request, self.page + 1)
            ));
        }
        if self.page > 1 {
            let previous = (i64::from(self.page) - 1).min(self.total_pages.max(1));
            links.push(format!(
                "<{}>; rel=\"prev\"",
                page_url(request, previous as u32)
            ));
        }
        (!links.is_empty()).then(|| links.join(", "))
    }
}

/// The request's path and query with `page` replaced.
fn page_url(request: &HttpRequest, page: u32) -> String {
    url_with(request, &["page="], &format!("page={page}"))
}

/// The request's path and query continuing at `cursor` (any `page` or `cursor` dropped).
pub fn cursor_url(request: &HttpRequest, cursor: &str) -> String {
    url_with(request, &["page=", "cursor="], &format!("cursor={cursor}"))
}

/// The request's path and query without the pairs starting with `drop`, with `pair` added.
fn url_with(request: &HttpRequest, drop: &[&str], pair: &str) -> String {
    let mut pairs: Vec<&str> = request
        .query_string()
        .split('&')
        .filter(|p| !p.is_empty() && !drop.iter().any(|d| p.starts_with(d)))
        .collect();
    pairs.push(pair);
    format!("{}?{}", request.path(), pairs.join("&"))
}

/// An opaque keyset cursor: a few values, hex-encoded (safe in a query string as it is).
pub struct Cursor;

impl Cursor {
    /// The cursor holding `parts` (none may hold a NUL).
    pub fn encode(parts: &[&str]) -> String {
        crate::config::encode_hex(parts.join("\0").as_bytes())
    }

    /// The `count` values of a cursor; `None` when it is not one.
    pub fn decode(cursor: &str, count: usize) -> Option<Vec<String>> {
        if !cursor.len().is_multiple_of(2) {
            return None;
        }
        let bytes = (0..cursor.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let text = String::from_utf8(bytes).ok()?;
        let parts: Vec<String> = text.split('\0').map(str::to_owned).collect();
        (parts.len() == count).then_some(parts)
    }
}
