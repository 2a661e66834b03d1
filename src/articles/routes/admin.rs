//! `/api/v1/admin/articles`: writing, translating, reviewing, scheduling and publishing.
//!
//! Contributors write their own drafts and submit them for review; authors also publish their
//! own; editors and admins do anything. Another user's article answers 404, never success.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::articles::model::*;
use crate::articles::store::admin_list::{self, AdminFilter};
use crate::articles::store::editing::{
    self, Editable, editable, load_admin, load_admin_many, save_translation,
};
use crate::articles::store::{self, ArticleFields, revisions};
use crate::articles::{read_model, schedule};
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::db::{self, Paged};
use crate::error::{ApiError, Problem};
use crate::html::Removal;
use crate::locales::store as locales;
use crate::openapi::{InvalidFields, InvalidParameters, NoToken, StaleIfMatch};
use crate::pagination::{Page, PageMeta};
use crate::search::model::{Analyser, Kind, Query};
use crate::versioning::{self, IfMatch};

/// Create an article with one or more translations.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArticleRequest {
    pub category_id: i64,
    /// Bylines, in order (at least one, each once).
    #[schema(min_items = 1)]
    pub author_ids: Vec<i64>,
    /// Tags.
    pub tag_ids: Option<Vec<i64>>,
    /// Workflow status (default `draft`); contributors may set `draft` or `in_review` only.
    pub status: Option<ArticleStatus>,
    /// Publication time; a future one schedules the article. Defaults to now on publishing.
    pub published_at: Option<DateTime<Utc>>,
    /// When the published article comes down by itself (it is archived then); after
    /// `published_at`. Needs the right to publish.
    pub unpublish_at: Option<DateTime<Utc>>,
    /// Featured on the front page.
    pub featured: Option<bool>,
    /// Whether readers may comment (default true).
    pub comments_enabled: Option<bool>,
    /// Source name, e.g. a news agency.
    pub source_name: Option<String>,
    pub source_url: Option<String>,
    /// Cover image (media id); it must name an existing media item.
    pub cover_media_id: Option<i64>,
    /// Photo gallery, in order (at most 100 pictures of the media library).
    #[schema(max_items = 100)]
    pub gallery: Option<Vec<GalleryItemInput>>,
    /// The locale the article is written in first; other translations are marked outdated
    /// when it changes after them. Default: the site default if given, else the first given.
    pub source_locale: Option<String>,
    pub corrections: Option<Vec<CorrectionInput>>,
    /// Translations by locale code; at least one.
    pub translations: BTreeMap<String, TranslationInput>,
}

/// Change the locale-independent part of an article. Fields left out are kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArticleRequest {
    pub category_id: Option<i64>,
    /// Bylines, in order (at least one, each once, replacing the old ones).
    #[schema(min_items = 1)]
    pub author_ids: Option<Vec<i64>>,
    /// Tags (replacing the old ones).
    pub tag_ids: Option<Vec<i64>>,
    /// Workflow status.
    pub status: Option<ArticleStatus>,
    /// Publication time, or `null`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub published_at: Option<Option<DateTime<Utc>>>,
    /// When the published article comes down by itself (archived then), or `null`; after
    /// `published_at`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub unpublish_at: Option<Option<DateTime<Utc>>>,
    /// Featured on the front page.
    pub featured: Option<bool>,
    /// Whether readers may comment.
    pub comments_enabled: Option<bool>,
    /// Source name, or `null`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<String>)]
    pub source_name: Option<Option<String>>,
    /// Source URL, or `null`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<String>)]
    pub source_url: Option<Option<String>>,
    /// Cover image, or `null`.
    #[serde(default, deserialize_with = "crate::body::present")]
    #[schema(value_type = Option<i64>)]
    pub cover_media_id: Option<Option<i64>>,
    /// Photo gallery (replacing the old one; `[]` empties it; at most 100 pictures).
    #[schema(max_items = 100)]
    pub gallery: Option<Vec<GalleryItemInput>>,
    pub source_locale: Option<String>,
    /// Corrections (replacing the old ones).
    pub corrections: Option<Vec<CorrectionInput>>,
}

/// Filters and page of the admin article list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AdminArticlesQuery {
    /// Only this workflow status.
    pub status: Option<ArticleStatus>,
    /// Only articles with a translation in this locale.
    pub locale: Option<String>,
    /// Only with this byline (author id).
    pub author: Option<i64>,
    /// Only in this category (id).
    pub category: Option<i64>,
    /// Only those with a translation (drafts included) matching this search, as
    /// `/api/v1/search` matches: every word in any of its forms, accents and case aside,
    /// `"phrases"`, `-excluded`, `or`. In the `locale` given, else in any. At most 200
    /// characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Page, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of articles as editors see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminArticleList {
    /// Articles, most recently changed first.
    pub data: Vec<AdminArticle>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// One article as editors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminArticleResponse {
    /// The article.
    pub data: AdminArticle,
    /// On the answer to a save that sent bodies: per locale, what the sanitiser removed from
    /// the body as sent (elements off the allow-list, unsafe attributes and addresses, frames
    /// from hosts not in `EMBED_HOSTS`); an empty list when nothing was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sanitizer_report: Option<BTreeMap<String, Vec<Removal>>>,
}

/// Revisions of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    /// Revisions, newest first.
    pub data: Vec<RevisionSummary>,
}

/// One revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionResponse {
    /// The revision.
    pub data: Revision,
}

/// Locale filter of the revision list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevisionsQuery {
    /// Only this locale's revisions.
    pub locale: Option<String>,
}

/// What is scheduled to happen to articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct Schedule {
    /// Due later, soonest first.
    pub upcoming: Vec<Transition>,
    /// Due already and not applied yet (the scheduler is behind, or no instance runs).
    pub overdue: Vec<Transition>,
}

/// The schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleResponse {
    pub data: Schedule,
}

/// List the scheduled publications and unpublications, coming and overdue.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The schedule.", body = ScheduleResponse),
        NoToken,
        (status = 403, description = "Not an editor or admin.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/schedule")]
pub async fn get_schedule(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::PublishAnyArticle)?;
    let rows = state
        .db
        .run(|conn| Ok(store::schedule::pending(conn)?))
        .await?;
    let now = db::now();
    let (overdue, upcoming): (Vec<_>, Vec<_>) = rows.into_iter().partition(|t| t.due_at <= now);
    Ok(HttpResponse::Ok().json(ScheduleResponse {
        data: Schedule {
            upcoming: upcoming.into_iter().map(Transition::from).collect(),
            overdue: overdue.into_iter().map(Transition::from).collect(),
        },
    }))
}

/// List articles: every article for editors, their own for authors and contributors.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(AdminArticlesQuery),
    responses(
        (status = 200, description = "A page of articles.", body = AdminArticleList),
        NoToken,
        (status = 403, description = "Not a contributor or above.", body = Problem, content_type = "application/problem+json"),
        InvalidParameters,
    )
)]
#[get("/articles")]
pub async fn admin_list_articles(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: web::Query<AdminArticlesQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    let query = query.into_inner();
    let page = Page::new(query.page, query.per_page)?;
    if query.q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::invalid("q", "must have at most 200 characters"));
    }
    let text = query
        .q
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty());
    let mut filter = AdminFilter {
        status: query.status.map(|s| s.as_str().to_owned()),
        locale: query.locale,
        author_id: query.author,
        category_id: query.category,
        query: None,
        created_by: if principal.allows(Permission::EditAnyArticle) {
            None
        } else {
            principal.user_id()
        },
    };
    let (data, total) = state
        .db
        .run(move |conn| {
            if let Some(text) = text {
                // Each locale's texts are searched with its own analyser; a locale the site
                // doesn't have has none to search.
                let mut locales = crate::locales::store::codes(conn)?;
                if let Some(locale) = &filter.locale {
                    locales.retain(|code| code == locale);
                }
                filter.query = Some(
                    locales
                        .into_iter()
                        .map(|locale| {
                            let query = Query::parse(&text, &Analyser::for_locale(&locale));
                            (locale, query)
                        })
                        .collect(),
                );
            }
            let Paged { rows, total } =
                admin_list::admin_page(conn, &filter, page.offset(), page.limit())?;
            Ok((load_admin_many(conn, rows)?, total))
        })
        .await?;
    let meta = page.meta(total);
    Ok(meta.ok(&request).json(AdminArticleList { data, meta }))
}

/// Create an article with its first translations.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    request_body = CreateArticleRequest,
    responses(
        (status = 201, description = "The article.", body = AdminArticleResponse,
         headers(("Location" = String, description = "The article's admin URL."),
                 ("ETag" = String, description = "Its version."))),
        NoToken,
        (status = 403, description = "The role may not write articles, or not with this status, a `published_at` or `unpublish_at` (without the right to publish), `featured` (only for those who may publish) or bylines other than the writer's own (the detail names the field).", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A given slug is taken in its locale.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[post("/articles")]
pub async fn create_article(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateArticleRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    let mut body = body.parse()?;
    let user = principal.user_id();
    let status = body.status.unwrap_or(ArticleStatus::Draft);
    let rights = Rights::of(&principal, user, ArticleStatus::Draft);
    rights.check_status(status)?;
    if body.translations.is_empty() {
        return Err(ApiError::invalid(
            "translations",
            "must name at least one locale",
        ));
    }
    let translations = std::mem::take(&mut body.translations);
    let translations = prepare(
        &state,
        translations.into_iter().map(|(locale, input)| {
            let field = format!("translations.{locale}.body");
            (locale, input, field)
        }),
    )
    .await?;
    let report = sanitizer_report(&translations);
    let article = state
        .db
        .write(move |conn| {
            let site = locales::codes(conn)?;
            for (locale, translation) in &translations {
                check_translation(
                    &site,
                    locale,
                    &translation.input,
                    &format!("translations.{locale}"),
                )?;
            }
            let set = SetFields {
                published_at: body.published_at.is_some(),
                unpublish_at: body.unpublish_at.is_some(),
                translation_times: translations
                    .values()
                    .any(|t| t.input.publish_at.is_some() || t.input.unpublish_at.is_some()),
                featured: body.featured == Some(true),
                author_ids: Some(&body.author_ids),
            };
            editing::check_set_fields(conn, &principal, &rights, &set, body.cover_media_id)?;
            if let Some(gallery) = &body.gallery {
                editing::check_gallery(conn, &site, gallery)?;
            }
            let tag_ids = body.tag_ids.clone().unwrap_or_default();
            editing::check_references(conn, body.category_id, &body.author_ids, &tag_ids)?;
            let corrections = body.corrections.clone().unwrap_or_default();
            check_details(
                body.source_name.as_deref(),
                body.source_url.as_deref(),
                &corrections,
            )?;
            let source_locale = match &body.source_locale {
                Some(locale) if translations.contains_key(locale) => locale.clone(),
                Some(_) => {
                    return Err(ApiError::invalid(
                        "source_locale",
                        "must be one of the given translations",
                    ));
                }
                None => site
                    .iter()
                    .find(|code| translations.contains_key(*code))
                    .cloned()
                    .unwrap_or_default(),
            };
            let published_at = body
                .published_at
                .map(stored_time)
                .or_else(|| (status == ArticleStatus::Published).then(db::now));
            let unpublish_at = body.unpublish_at.map(stored_time);
            check_unpublish_at(published_at, unpublish_at, true)?;
            let fields = ArticleFields {
                category_id: body.category_id,
                status: status.as_str().to_owned(),
                published_at,
                unpublish_at,
                featured: body.featured.unwrap_or(false),
                comments_enabled: body.comments_enabled.unwrap_or(true),
                source_name: body.source_name.clone(),
                source_url: body.source_url.clone(),
                cover_media_id: body.cover_media_id,
                source_locale: source_locale.clone(),
            };
            let id = store::insert(conn, &fields, user)?;
            store::set_authors(conn, id, &body.author_ids)?;
            store::set_tags(conn, id, &tag_ids)?;
            store::set_corrections(conn, id, &corrections_of(&corrections))?;
            if let Some(gallery) = &body.gallery {
                store::replace_gallery(conn, id, &gallery_of(gallery))?;
            }
            let row = store::find(conn, id)?;
            // The source first, so the others are saved against its version.
            let mut order: Vec<&String> = translations.keys().collect();
            order.sort_by_key(|locale| **locale != source_locale);
            for locale in order {
                save_translation(conn, &row, locale, &translations[locale], user, None)?;
            }
            read_model::refresh(conn, &[id])?;
            schedule::plan(conn, id)?;
            Ok(load_admin(conn, id)?)
        })
        .await?;
    Ok(versioning::created(
        format!("/api/v1/admin/articles/{}", article.id),
        Some(article.version),
        AdminArticleResponse {
            data: article,
            sanitizer_report: Some(report),
        },
    ))
}

/// Read an article with every translation.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id.")),
    responses(
        (status = 200, description = "The article.", body = AdminArticleResponse,
         headers(("ETag" = String, description = "Its version, for If-Match on PATCH."))),
        NoToken,
        (status = 403, description = "Not a contributor or above.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article, or not yours.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id}")]
pub async fn admin_get_article(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    let id = id.into_inner();
    let article = state
        .db
        .run(move |conn| {
            editable(conn, &principal, id)?;
            Ok(load_admin(conn, id)?)
        })
        .await?;
    Ok(with_etag(article.version, article))
}

/// Change the locale-independent part: category, bylines, tags, status, publication time…
///
/// `If-Match` is honoured (412 when stale). Publishing without `published_at` publishes now; a
/// future `published_at` schedules.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Article id."),
        IfMatch,
    ),
    request_body = UpdateArticleRequest,
    responses(
        (status = 200, description = "The article.", body = AdminArticleResponse),
        NoToken,
        (status = 403, description = "The role may not set this status, `published_at`, `unpublish_at`, `featured` or these bylines (the detail names the field).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article, or not yours.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        InvalidFields,
    )
)]
#[patch("/articles/{id}")]
pub async fn update_article(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<UpdateArticleRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    let body = body.parse()?;
    let article = state
        .db
        .write(move |conn| {
            let Editable {
                row: current,
                rights,
            } = editable(conn, &principal, id)?;
            versioning::check(expected, current.version)?;
            let status = body.status.unwrap_or(current.status());
            if status != current.status() {
                rights.check_status(status)?;
            }
            let published_at = match body.published_at {
                Some(at) => at.map(stored_time),
                None => current.published_at,
            };
            let published_at =
                published_at.or_else(|| (status == ArticleStatus::Published).then(db::now));
            let leaving =
                current.status() == ArticleStatus::Published && status != ArticleStatus::Published;
            let unpublish_at = match body.unpublish_at {
                Some(at) => at.map(stored_time),
                // Taken down by hand, it no longer comes down by itself.
                None if leaving => None,
                None => current.unpublish_at,
            };
            let publishing =
                current.status() != ArticleStatus::Published && status == ArticleStatus::Published;
            check_unpublish_at(
                published_at,
                unpublish_at,
                body.unpublish_at.is_some() || publishing,
            )?;
            let category_id = body.category_id.unwrap_or(current.category_id);
            let current_authors: Vec<i64> = store::authors_of(conn, &[id])?
                .into_iter()
                .map(|a| a.id)
                .collect();
            let author_ids = body.author_ids.clone().unwrap_or(current_authors.clone());
            let set = SetFields {
                published_at: published_at != current.published_at,
                unpublish_at: unpublish_at != current.unpublish_at,
                translation_times: false,
                featured: body
                    .featured
                    .is_some_and(|featured| featured != current.featured),
                author_ids: (author_ids != current_authors).then_some(author_ids.as_slice()),
            };
            let new_cover = body
                .cover_media_id
                .flatten()
                .filter(|cover| Some(*cover) != current.cover_media_id);
            editing::check_set_fields(conn, &principal, &rights, &set, new_cover)?;
            if let Some(gallery) = &body.gallery {
                let site = locales::codes(conn)?;
                editing::check_gallery(conn, &site, gallery)?;
            }
            let tag_ids = body.tag_ids.clone().unwrap_or_default();
            editing::check_references(conn, category_id, &author_ids, &tag_ids)?;
            let source_name = body
                .source_name
                .clone()
                .unwrap_or(current.source_name.clone());
            let source_url = body
                .source_url
                .clone()
                .unwrap_or(current.source_url.clone());
            let corrections = body.corrections.clone().unwrap_or_default();
            check_details(source_name.as_deref(), source_url.as_deref(), &corrections)?;
            let source_locale = body
                .source_locale
                .clone()
                .unwrap_or(current.source_locale.clone());
            if store::find_translation(conn, id, &source_locale)?.is_none() {
                return Err(ApiError::invalid(
                    "source_locale",
                    "must be a locale the article is translated in",
                ));
            }
            let fields = ArticleFields {
                category_id,
                status: status.as_str().to_owned(),
                published_at,
                unpublish_at,
                featured: body.featured.unwrap_or(current.featured),
                comments_enabled: body.comments_enabled.unwrap_or(current.comments_enabled),
                source_name,
                source_url,
                cover_media_id: body.cover_media_id.unwrap_or(current.cover_media_id),
                source_locale,
            };
            if !store::update(conn, id, current.version, &fields)? {
                return Err(ApiError::stale());
            }
            if body.author_ids.is_some() {
                store::set_authors(conn, id, &author_ids)?;
            }
            if body.tag_ids.is_some() {
                store::set_tags(conn, id, &tag_ids)?;
            }
            if body.corrections.is_some() {
                store::set_corrections(conn, id, &corrections_of(&corrections))?;
            }
            if let Some(gallery) = &body.gallery {
                store::replace_gallery(conn, id, &gallery_of(gallery))?;
            }
            read_model::refresh(conn, &[id])?;
            schedule::plan(conn, id)?;
            Ok(load_admin(conn, id)?)
        })
        .await?;
    Ok(with_etag(article.version, article))
}

/// Delete an article with all its translations and revisions.
///
/// Editors delete any article; authors their own; contributors their own unpublished ones.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Article id."),
        IfMatch,
    ),
    responses(
        (status = 204, description = "Deleted."),
        NoToken,
        (status = 404, description = "No such article, or not yours.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[delete("/articles/{id}")]
pub async fn delete_article(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    let expected = if_match.version()?;
    let id = id.into_inner();
    state
        .db
        .write(move |conn| {
            let current = editable(conn, &principal, id)?.row;
            versioning::check(expected, current.version)?;
            read_model::forget(conn, &[id])?;
            store::delete(conn, id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Create or replace one translation.
///
/// `If-Match` names the translation's version (412 when stale; a new translation has none).
/// The previous text is kept as a revision. The response's `ETag` is the translation's new
/// version.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Article id."),
        ("locale" = String, Path, description = "Locale code."),
        ("If-Match" = Option<String>, Header, description = "The translation's version you read; 412 when stale."),
    ),
    request_body = TranslationInput,
    responses(
        (status = 200, description = "The article.", body = AdminArticleResponse,
         headers(("ETag" = String, description = "The translation's new version."))),
        NoToken,
        (status = 404, description = "No such article, or not yours.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken in the locale.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        InvalidFields,
    )
)]
#[put("/articles/{id}/translations/{locale}")]
pub async fn put_translation(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    body: JsonBody<TranslationInput>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    let expected = if_match.version()?;
    let (id, locale) = path.into_inner();
    let input = body.parse()?;
    let user = principal.user_id();
    // Only for someone who may edit the article is its body worth parsing.
    let caller = principal.clone();
    state
        .db
        .run(move |conn| Ok(editable(conn, &caller, id).map(drop)?))
        .await?;
    let prepared = prepare(&state, [(locale.clone(), input, "body".to_owned())]).await?;
    let report = sanitizer_report(&prepared);
    let prepared = prepared
        .into_values()
        .next()
        .expect("the one translation prepared");
    let (article, version) = state
        .db
        .write(move |conn| {
            let Editable { row, rights } = editable(conn, &principal, id)?;
            let site = locales::codes(conn)?;
            check_translation(&site, &locale, &prepared.input, "body")?;
            let times = &prepared.input;
            let set = SetFields {
                translation_times: times.publish_at.is_some() || times.unpublish_at.is_some(),
                ..SetFields::default()
            };
            rights.check_fields(&set, &[])?;
            save_translation(conn, &row, &locale, &prepared, user, expected)?;
            read_model::refresh(conn, &[id])?;
            schedule::plan(conn, id)?;
            let article = load_admin(conn, id)?;
            let version = article.translations.get(&locale).map_or(1, |t| t.version);
            Ok((article, version))
        })
        .await?;
    Ok(versioning::with_etag(
        version,
        AdminArticleResponse {
            data: article,
            sanitizer_report: Some(report),
        },
    ))
}

/// Delete one translation.
///
/// The source locale's translation can't be deleted while it is the source (409), nor the last
/// translation (409).
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Article id."),
        ("locale" = String, Path, description = "Locale code."),
        ("If-Match" = Option<String>, Header, description = "The translation's version you read; 412 when stale."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        NoToken,
        (status = 404, description = "No such article or translation.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is the source or the last translation.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[delete("/articles/{id}/translations/{locale}")]
pub async fn delete_translation(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    let expected = if_match.version()?;
    let (id, locale) = path.into_inner();
    state
        .db
        .write(move |conn| {
            let row = editable(conn, &principal, id)?.row;
            let translation =
                store::find_translation(conn, id, &locale)?.ok_or_else(ApiError::not_found)?;
            versioning::check(expected, translation.version)?;
            if row.source_locale == locale {
                return Err(ApiError::Conflict(
                    "This is the source translation; choose another source_locale first.".into(),
                ));
            }
            store::delete_translation(conn, translation.id)?;
            crate::previews::store::delete_of_translation(conn, Subject::Article, id, &locale)?;
            crate::search::store::remove_locale(conn, Kind::Article, id, &locale)?;
            store::refresh_published_flag(conn, id)?;
            read_model::refresh(conn, &[id])?;
            schedule::plan(conn, id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List an article's revisions.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id."), RevisionsQuery),
    responses(
        (status = 200, description = "Revisions, newest first.", body = RevisionList),
        NoToken,
        (status = 404, description = "No such article, or not yours.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id}/revisions")]
pub async fn list_revisions(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<RevisionsQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    let id = id.into_inner();
    let locale = query.into_inner().locale;
    let rows = state
        .db
        .run(move |conn| {
            editable(conn, &principal, id)?;
            Ok(revisions::list(
                conn,
                Subject::Article,
                id,
                locale.as_deref(),
            )?)
        })
        .await?;
    let data = rows.into_iter().map(RevisionSummary::from).collect();
    Ok(HttpResponse::Ok().json(RevisionList { data }))
}

/// Read one revision.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Article id."), ("rev" = i64, Path, description = "Revision id.")),
    responses(
        (status = 200, description = "The revision.", body = RevisionResponse),
        NoToken,
        (status = 404, description = "No such article or revision, or not yours.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{id}/revisions/{rev}")]
pub async fn get_revision(
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    let (id, rev) = path.into_inner();
    let row = state
        .db
        .run(move |conn| {
            editable(conn, &principal, id)?;
            Ok(revisions::find(conn, Subject::Article, id, rev)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RevisionResponse { data: row.into() }))
}

/// Restore a revision: its text becomes a new version of the translation (the current text is
/// kept as a revision in turn).
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Article id."),
        ("rev" = i64, Path, description = "Revision id."),
        ("If-Match" = Option<String>, Header, description = "The translation's version you read; 412 when stale."),
    ),
    responses(
        (status = 200, description = "The article.", body = AdminArticleResponse,
         headers(("ETag" = String, description = "The translation's new version."))),
        NoToken,
        (status = 404, description = "No such article or revision, or not yours.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Its slug is now another article's.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[post("/articles/{id}/revisions/{rev}/restore")]
pub async fn restore_revision(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::WriteOwnArticles)?;
    let expected = if_match.version()?;
    let (id, rev) = path.into_inner();
    let user = principal.user_id();
    let (article, version) = state
        .db
        .write(move |conn| {
            let row = editable(conn, &principal, id)?.row;
            let revision = revisions::find(conn, Subject::Article, id, rev)?;
            let locale = revision.locale.clone();
            let mut input = revision.into_input();
            // The text goes back; the translation's times stay.
            if let Some(current) = store::find_translation(conn, id, &locale)? {
                let times = store::times_of(conn, &[current.id])?;
                let times = times.get(&current.id).copied().unwrap_or_default();
                input.publish_at = times.publish_at.map(|at| at.and_utc());
                input.unpublish_at = times.unpublish_at.map(|at| at.and_utc());
            }
            let prepared = PreparedTranslation::stored(&locale, input);
            save_translation(conn, &row, &locale, &prepared, user, expected)?;
            read_model::refresh(conn, &[id])?;
            schedule::plan(conn, id)?;
            let article = load_admin(conn, id)?;
            let version = article.translations.get(&locale).map_or(1, |t| t.version);
            Ok((article, version))
        })
        .await?;
    Ok(with_etag(version, article))
}

/// Refused when the article would come down before it goes up, or when a time to come down
/// that has passed is `fresh`: newly given, or on an article being published now.
fn check_unpublish_at(
    published_at: Option<chrono::NaiveDateTime>,
    unpublish_at: Option<chrono::NaiveDateTime>,
    fresh: bool,
) -> Result<(), ApiError> {
    match (published_at, unpublish_at) {
        (_, Some(down)) if fresh && down <= db::now() => {
            Err(ApiError::invalid("unpublish_at", "must be in the future"))
        }
        (Some(up), Some(down)) if down <= up => Err(ApiError::invalid(
            "unpublish_at",
            "must be after published_at",
        )),
        _ => Ok(()),
    }
}

/// Checks and sanitises translation bodies (locale, input, the body's field name) on the
/// blocking thread pool, before any transaction starts: the parse is the costly part of a save.
pub async fn prepare(
    state: &AppState,
    translations: impl IntoIterator<Item = (String, TranslationInput, String)>,
) -> Result<BTreeMap<String, PreparedTranslation>, ApiError> {
    let translations: Vec<_> = translations.into_iter().collect();
    let sanitizer = state.sanitizer.clone();
    web::block(move || {
        translations
            .into_iter()
            .map(|(locale, input, field)| {
                let prepared = PreparedTranslation::new(&locale, input, &field, &sanitizer)?;
                Ok((locale, prepared))
            })
            .collect()
    })
    .await?
}

/// What sanitising removed from each prepared body, by locale.
pub fn sanitizer_report(
    translations: &BTreeMap<String, PreparedTranslation>,
) -> BTreeMap<String, Vec<Removal>> {
    translations
        .iter()
        .map(|(locale, prepared)| (locale.clone(), prepared.removed.clone()))
        .collect()
}

fn corrections_of(corrections: &[CorrectionInput]) -> Vec<NewCorrection> {
    corrections
        .iter()
        .map(|c| NewCorrection {
            at: c.at.map_or_else(db::now, stored_time),
            note: c.note.trim().to_owned(),
        })
        .collect()
}

fn with_etag(version: i64, article: AdminArticle) -> HttpResponse {
    versioning::with_etag(
        version,
        AdminArticleResponse {
            data: article,
            sanitizer_report: None,
        },
    )
}

/// A gallery as stored.
fn gallery_of(gallery: &[GalleryItemInput]) -> Vec<(i64, String)> {
    gallery.iter().map(GalleryItemInput::stored).collect()
}
