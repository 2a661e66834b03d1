//! `GET /api/v1/menus/{name}`: a menu in one locale, every target resolved.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::delivery::cached_json_in;
use crate::delivery::locale::choose_locale;
use crate::error::{ApiError, Problem};
use crate::menus::model::*;
use crate::menus::store;
use crate::openapi::{NotModified, UnknownLocale};
use crate::pages::model::{PageLink, PageRow, PageStatus};
use crate::pages::store as pages;
use crate::tags::store as tags;

/// The locale of a menu.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MenuQuery {
    /// Locale to serve (a site locale); else `Accept-Language`, else the site default.
    pub locale: Option<String>,
    /// Whether articles and pages published only in another locale may be linked (default
    /// true).
    pub fallback: Option<bool>,
}

/// A menu.
#[derive(Debug, Serialize, ToSchema)]
pub struct MenuResponse {
    pub data: PublicMenu,
}

/// A menu in the negotiated locale, in one response.
///
/// Every item's label is in that locale (falling back like category names), and its target
/// (a category, page, article, tag or author) is resolved to its slug and canonical URL there.
/// Items whose target is not visible (an unpublished or deleted article or page, a deleted
/// category) are left out, with their children; they come back when the target does.
#[utoipa::path(
    tag = "menus",
    params(("name" = String, Path, description = "Menu name."), MenuQuery),
    responses(
        (status = 200, description = "The menu.", body = MenuResponse,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Content-Language" = String, description = "The requested locale."))),
        NotModified,
        (status = 404, description = "No such menu.", body = Problem, content_type = "application/problem+json"),
        UnknownLocale,
    )
)]
#[get("/menus/{name}")]
pub async fn get_menu(
    request: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
    query: web::Query<MenuQuery>,
) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let tree = state.category_tree().await?;
    let locale = choice.requested.clone();
    let only = !choice.fallback;
    let (row, tags, authors, articles, pages, page_translations) = state
        .db
        .run(move |conn| {
            let row = store::find(conn, &name)?.ok_or_else(ApiError::not_found)?;
            let items = row.item_tree();
            let ids = |kind: TargetKind| -> Vec<i64> {
                targets(&items)
                    .into_iter()
                    .filter(|(k, _, _)| *k == kind)
                    .map(|(_, id, _)| id)
                    .collect()
            };
            let tags = tags::translations_of(conn, &ids(TargetKind::Tag))?;
            let authors = store::author_slugs(conn, &ids(TargetKind::Author))?;
            let articles = store::article_cards(conn, &ids(TargetKind::Article), &locale, only)?;
            let pages: Vec<PageRow> = pages::by_ids(conn, &ids(TargetKind::Page))?
                .into_iter()
                .filter(|page| page.status() == PageStatus::Published)
                .collect();
            let page_ids: Vec<i64> = pages.iter().map(|p| p.id).collect();
            let page_translations = pages::published_translations_of(conn, &page_ids)?;
            Ok((row, tags, authors, articles, pages, page_translations))
        })
        .await?;
    let urls = &state.settings.urls;
    let tags = crate::db::group_by(tags, |t| t.tag_id);
    let page_translations = crate::db::group_by(page_translations, |t| t.page_id);
    let authors: HashMap<i64, String> = authors.into_iter().collect();
    let articles: HashMap<i64, (String, String)> = articles
        .into_iter()
        .filter_map(|(id, card)| {
            let card: serde_json::Value = serde_json::from_str(&card).ok()?;
            Some((
                id,
                (
                    card["slug"].as_str()?.to_owned(),
                    card["url"].as_str()?.to_owned(),
                ),
            ))
        })
        .collect();
    let resolve = |kind: TargetKind, id: i64| -> Option<Resolved> {
        match kind {
            TargetKind::Category => {
                let names: Vec<_> = tree
                    .translations
                    .iter()
                    .filter(|t| t.category_id == id)
                    .collect();
                let name = choice.name_in(&names, |n| &n.locale)?;
                Some(Resolved {
                    url: urls.category(&name.locale, &name.slug, id),
                    slug: Some(name.slug.clone()),
                })
            }
            TargetKind::Page => {
                let page = pages.iter().find(|p| p.id == id)?;
                let link = PageLink::new(page, page_translations.get(&id)?, &choice, urls)?;
                Some(Resolved {
                    url: link.url,
                    slug: Some(link.slug),
                })
            }
            TargetKind::Tag => {
                let name = choice.name_in(tags.get(&id)?, |t| &t.locale)?;
                Some(Resolved {
                    url: urls.tag(&name.locale, &name.slug, id),
                    slug: Some(name.slug.clone()),
                })
            }
            TargetKind::Author => {
                let slug = authors.get(&id)?;
                Some(Resolved {
                    url: urls.author(&choice.requested, slug, id),
                    slug: Some(slug.clone()),
                })
            }
            TargetKind::Article => {
                let (slug, url) = articles.get(&id)?;
                Some(Resolved {
                    url: url.clone(),
                    slug: Some(slug.clone()),
                })
            }
            TargetKind::External => None,
        }
    };
    let menu = PublicMenu {
        items: resolved(&row.item_tree(), &choice, &resolve),
        name: row.name,
        locale: choice.requested.clone(),
    };
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &MenuResponse { data: menu },
        Some(&choice.requested),
    )
}
