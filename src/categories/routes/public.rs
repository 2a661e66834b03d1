//! `/api/v1/categories`: the public category tree and one category with its breadcrumb, in the
//! negotiated locale.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::articles::store::lists;
use crate::categories::model::*;
use crate::categories::store;
use crate::db;
use crate::delivery::cached_json_in;
use crate::delivery::locale::{LocaleQuery, choose_locale};
use crate::error::{ApiError, Problem};
use crate::locales::model::LocaleChoice;
use crate::openapi::{NotModified, UnknownLocale};
use crate::urls::SiteUrls;

/// The public category tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryTree {
    /// Root categories with their descendants.
    pub data: Vec<CategoryNode>,
}

/// One public category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryResponse {
    /// The category.
    pub data: CategoryDetail,
}

/// The public category tree.
///
/// Names in the negotiated locale (with fallback), and the number of published articles in
/// each category and its descendants.
#[utoipa::path(
    tag = "categories",
    params(LocaleQuery),
    responses(
        (status = 200, description = "The tree.", body = CategoryTree,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Content-Language" = String, description = "The requested locale."))),
        NotModified,
        UnknownLocale,
    )
)]
#[get("/categories")]
pub async fn list_categories(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LocaleQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let tree = state.category_tree().await?;
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let (locale, only) = (choice.requested.clone(), !choice.fallback);
    let counts = state
        .db
        .run(move |conn| Ok(lists::category_totals(conn, &locale, only)?))
        .await?;
    let view = TreeView::new(
        &tree.rows,
        tree.translations.clone(),
        counts,
        &choice,
        &state.settings.urls,
    );
    let data = view.children_of(None);
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &CategoryTree { data },
        Some(&choice.requested),
    )
}

/// One public category, by id or by slug in any locale.
///
/// With its breadcrumb from the root, its sub-categories and its translations for hreflang.
#[utoipa::path(
    tag = "categories",
    params(("key" = String, Path, description = "Id, or slug in any locale."), LocaleQuery),
    responses(
        (status = 200, description = "The category.", body = CategoryResponse,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Content-Language" = String, description = "The served locale."))),
        NotModified,
        (status = 404, description = "No such category, or none in the locale with `fallback=false`.", body = Problem, content_type = "application/problem+json"),
        UnknownLocale,
    )
)]
#[get("/categories/{key}")]
pub async fn get_category(
    request: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<LocaleQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let key = key.into_inner();
    let choice = choose_locale(&state, &request, query.locale.as_deref(), query.fallback).await?;
    let (locale, only) = (choice.requested.clone(), !choice.fallback);
    let (id, counts) = state
        .db
        .run(move |conn| {
            let id = store::resolve_key(conn, &key)?.ok_or_else(ApiError::not_found)?;
            Ok((id, lists::category_totals(conn, &locale, only)?))
        })
        .await?;
    let tree = state.category_tree().await?;
    let view = TreeView::new(
        &tree.rows,
        tree.translations.clone(),
        counts,
        &choice,
        &state.settings.urls,
    );
    let detail = view.detail(id, &choice).ok_or_else(ApiError::not_found)?;
    let locale = detail.locale.clone();
    cached_json_in(
        &request,
        state.settings.http.cache_max_age,
        &CategoryResponse { data: detail },
        Some(&locale),
    )
}

/// The category tree with translations picked for one locale choice.
struct TreeView<'a> {
    rows: &'a [CategoryRow],
    translations: HashMap<i64, Vec<CategoryTranslationRow>>,
    totals: HashMap<i64, i64>,
    choice: &'a LocaleChoice,
    urls: &'a SiteUrls,
}

impl<'a> TreeView<'a> {
    fn new(
        rows: &'a [CategoryRow],
        translations: Vec<CategoryTranslationRow>,
        totals: HashMap<i64, i64>,
        choice: &'a LocaleChoice,
        urls: &'a SiteUrls,
    ) -> Self {
        Self {
            rows,
            translations: db::group_by(translations, |t| t.category_id),
            totals,
            choice,
            urls,
        }
    }

    /// The translation to show for a category, and whether it is a fallback.
    fn pick(&self, id: i64) -> Option<(&CategoryTranslationRow, bool)> {
        let (translation, picked) = self
            .choice
            .pick_in(self.translations.get(&id)?, |t| &t.locale)?;
        Some((translation, picked.fallback))
    }

    fn link(&self, id: i64) -> Option<CategoryLink> {
        let (translation, _) = self.pick(id)?;
        Some(CategoryLink {
            id,
            url: self
                .urls
                .category(&translation.locale, &translation.slug, id),
            slug: translation.slug.clone(),
            name: translation.name.clone(),
        })
    }

    fn children_of(&self, parent: Option<i64>) -> Vec<CategoryNode> {
        self.rows
            .iter()
            .filter(|row| row.parent_id == parent)
            .filter_map(|row| {
                let (translation, fallback) = self.pick(row.id)?;
                Some(CategoryNode {
                    id: row.id,
                    slug: translation.slug.clone(),
                    url: self
                        .urls
                        .category(&translation.locale, &translation.slug, row.id),
                    name: translation.name.clone(),
                    description: translation.description.clone(),
                    locale: translation.locale.clone(),
                    fallback,
                    article_count: self.totals.get(&row.id).copied().unwrap_or(0),
                    children: self.children_of(Some(row.id)),
                })
            })
            .collect()
    }

    fn detail(&self, id: i64, choice: &LocaleChoice) -> Option<CategoryDetail> {
        let (translation, fallback) = self.pick(id)?;
        let parents = parent_map(self.rows.iter().map(|r| (r.id, r.parent_id)));
        let path = path_to_root(&parents, id)
            .iter()
            .rev()
            .filter_map(|id| self.link(*id))
            .collect();
        let children = self
            .rows
            .iter()
            .filter(|row| row.parent_id == Some(id))
            .filter_map(|row| self.link(row.id))
            .collect();
        let translations = self
            .translations
            .get(&id)
            .map(|all| {
                let mut alternates: Vec<CategoryAlternate> = all
                    .iter()
                    .map(|t| CategoryAlternate {
                        locale: t.locale.clone(),
                        slug: t.slug.clone(),
                        url: self.urls.category(&t.locale, &t.slug, id),
                        name: t.name.clone(),
                    })
                    .collect();
                alternates.sort_by_key(|a| choice.order.iter().position(|l| *l == a.locale));
                alternates
            })
            .unwrap_or_default();
        Some(CategoryDetail {
            id,
            slug: translation.slug.clone(),
            url: self
                .urls
                .category(&translation.locale, &translation.slug, id),
            name: translation.name.clone(),
            description: translation.description.clone(),
            locale: translation.locale.clone(),
            requested_locale: choice.requested.clone(),
            fallback,
            article_count: self.totals.get(&id).copied().unwrap_or(0),
            path,
            children,
            translations,
        })
    }
}
