//! Admin endpoints of reaction kinds: add, relabel, reorder, retire and bring back.

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::actor::Principal;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::db::{self, DbConnection};
use crate::domain::{FieldError, Lines, check_fields, is_plain_text};
use crate::error::{ApiError, Problem};
use crate::locales::store as locales;
use crate::openapi::{AdminOnly, InvalidFields, StaleIfMatch};
use crate::reactions::model::*;
use crate::reactions::store;
use crate::translated::{self, LocaleMap};
use crate::versioning::{self, IfMatch};

/// A new reaction kind.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReactionKind {
    /// Key: a lowercase letter, then up to 31 lowercase letters, digits or `_`.
    #[schema(example = "thinking", pattern = "^[a-z][a-z0-9_]{0,31}$")]
    pub key: String,
    /// Emoji, 1 to 16 characters.
    #[schema(example = "🤔", min_length = 1, max_length = 16)]
    pub emoji: String,
    /// Order, 0 to 10000; after the last kind when absent.
    #[schema(minimum = 0, maximum = 10000)]
    pub position: Option<i32>,
    /// Labels by site locale (at least one), 1 to 40 characters each.
    #[schema(example = json!({"tr": "DÜŞÜNDÜRÜCÜ", "en": "THOUGHTFUL"}))]
    pub labels: BTreeMap<String, String>,
}

/// Changes to a reaction kind; fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateReactionKind {
    /// Emoji, 1 to 16 characters.
    #[schema(min_length = 1, max_length = 16)]
    pub emoji: Option<String>,
    /// Order, 0 to 10000.
    #[schema(minimum = 0, maximum = 10000)]
    pub position: Option<i32>,
    /// Labels by locale: named locales are set, a locale set to `null` is removed, others kept.
    pub labels: Option<BTreeMap<String, Option<String>>>,
    /// `true` retires the kind, `false` brings it back.
    pub retired: Option<bool>,
}

/// List every reaction kind, retired ones included, with how many reactions each has.
#[utoipa::path(
    tag = "reactions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every kind in display order.", body = AdminReactionKindList),
        AdminOnly,
    )
)]
#[get("/reaction-kinds")]
pub async fn admin_list_reaction_kinds(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let data = state
        .db
        .run(|conn| {
            let kinds = store::kinds(conn, true)?;
            admin_views(conn, kinds)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AdminReactionKindList { data }))
}

/// Add a reaction kind.
#[utoipa::path(
    tag = "reactions",
    security(("bearer" = [])),
    request_body = CreateReactionKind,
    responses(
        (status = 201, description = "The kind.", body = AdminReactionKindResponse,
         headers(("Location" = String, description = "The kind's admin URL."),
                 ("ETag" = String, description = "Its version."))),
        AdminOnly,
        (status = 409, description = "The key exists (perhaps retired).", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
    )
)]
#[post("/reaction-kinds")]
pub async fn create_reaction_kind(
    principal: Principal,
    state: web::Data<AppState>,
    body: JsonBody<CreateReactionKind>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let request = body.parse()?;
    let mut errors = Vec::new();
    if !valid_key(&request.key) {
        errors.push(FieldError::new(
            "key",
            "must be a lowercase letter, then up to 31 lowercase letters, digits or `_`",
        ));
    }
    errors.extend(check_emoji(&request.emoji));
    errors.extend(check_position(request.position));
    if request.labels.is_empty() {
        errors.push(FieldError::new("labels", "must name at least one locale"));
    }
    check_fields(errors)?;
    let labels: BTreeMap<String, Option<String>> = request
        .labels
        .into_iter()
        .map(|(locale, label)| (locale, Some(label)))
        .collect();
    let kind = state
        .db
        .write(move |conn| {
            check_labels(conn, &labels)?;
            let position = match request.position {
                Some(position) => position,
                None => store::next_position(conn)?,
            };
            let id = store::create(conn, &request.key, request.emoji.trim(), position)?;
            write_labels(conn, id, &labels)?;
            let kind = store::find(conn, &request.key)?;
            Ok(admin_views(conn, vec![kind])?.remove(0))
        })
        .await?;
    Ok(versioning::created(
        format!("/api/v1/admin/reaction-kinds/{}", kind.key),
        Some(kind.version),
        AdminReactionKindResponse { data: kind },
    ))
}

/// Change a kind's emoji, position or labels, or retire it (`retired: true`) or bring it back.
///
/// `If-Match` is honoured (412 when stale).
#[utoipa::path(
    tag = "reactions",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "Kind key."),
        IfMatch,
    ),
    request_body = UpdateReactionKind,
    responses(
        (status = 200, description = "The kind.", body = AdminReactionKindResponse,
         headers(("ETag" = String, description = "Its new version."))),
        AdminOnly,
        (status = 404, description = "No such kind.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
        InvalidFields,
    )
)]
#[patch("/reaction-kinds/{key}")]
pub async fn update_reaction_kind(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: JsonBody<UpdateReactionKind>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let expected = if_match.version()?;
    let change = body.parse()?;
    let mut errors: Vec<FieldError> = Vec::new();
    if let Some(emoji) = &change.emoji {
        errors.extend(check_emoji(emoji));
    }
    errors.extend(check_position(change.position));
    check_fields(errors)?;
    let key = path_key(key.into_inner())?;
    let kind = state
        .db
        .write(move |conn| {
            let current = store::find(conn, &key)?;
            if !store::touch(conn, current.id, expected)? {
                return Err(ApiError::stale());
            }
            let labels = change.labels.unwrap_or_default();
            check_labels(conn, &labels)?;
            write_labels(conn, current.id, &labels)?;
            store::update(
                conn,
                current.id,
                change.emoji.as_deref().map(str::trim),
                change.position,
                change.retired,
            )?;
            let kind = store::find(conn, &key)?;
            let view = admin_views(conn, vec![kind])?.remove(0);
            if view.labels.is_empty() {
                return Err(ApiError::invalid("labels", "can't remove every label"));
            }
            Ok(view)
        })
        .await?;
    Ok(versioning::with_etag(
        kind.version,
        AdminReactionKindResponse { data: kind },
    ))
}

/// Retire a kind: readers no longer see or choose it; its reactions are kept, and
/// `PATCH {"retired": false}` brings them back into the counts.
#[utoipa::path(
    tag = "reactions",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "Kind key."),
        IfMatch,
    ),
    responses(
        (status = 204, description = "Retired."),
        AdminOnly,
        (status = 404, description = "No such kind.", body = Problem, content_type = "application/problem+json"),
        StaleIfMatch,
    )
)]
#[delete("/reaction-kinds/{key}")]
pub async fn retire_reaction_kind(
    if_match: IfMatch,
    principal: Principal,
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::ManageSettings)?;
    let expected = if_match.version()?;
    let key = path_key(key.into_inner())?;
    state
        .db
        .write(move |conn| {
            let current = store::find(conn, &key)?;
            if current.retired_at.is_some() {
                return versioning::check(expected, current.version);
            }
            if !store::touch(conn, current.id, expected)? {
                return Err(ApiError::stale());
            }
            Ok(store::update(conn, current.id, None, None, Some(true))?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Admin views of `kinds`, with their labels and reaction totals.
fn admin_views(
    conn: &mut DbConnection,
    kinds: Vec<KindRow>,
) -> Result<Vec<AdminReactionKind>, ApiError> {
    let ids: Vec<i64> = kinds.iter().map(|k| k.id).collect();
    let mut labels = db::group_by(store::labels_of(conn, &ids)?, |l| l.kind_id);
    let totals: HashMap<i64, i64> = store::totals_by_kind(conn)?;
    Ok(kinds
        .into_iter()
        .map(|kind| AdminReactionKind {
            labels: labels
                .remove(&kind.id)
                .unwrap_or_default()
                .into_iter()
                .map(|l| (l.locale, l.label))
                .collect(),
            reaction_count: totals.get(&kind.id).copied().unwrap_or(0),
            key: kind.kind_key,
            emoji: kind.emoji,
            position: kind.position,
            retired: kind.retired_at.is_some(),
            version: kind.version,
            created_at: kind.created_at.and_utc(),
            updated_at: kind.updated_at.and_utc(),
        })
        .collect())
}

/// The key of a kind's path; one that no kind can have names nothing (404).
fn path_key(key: String) -> Result<String, ApiError> {
    if valid_key(&key) {
        Ok(key)
    } else {
        Err(ApiError::not_found())
    }
}

fn valid_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    key.len() <= 32
        && bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check_emoji(emoji: &str) -> Option<FieldError> {
    let length = emoji.trim().chars().count();
    let printable = is_plain_text(emoji, Lines::One);
    (length == 0 || length > MAX_EMOJI_CHARS || !printable).then(|| {
        FieldError::new(
            "emoji",
            format!("must have 1 to {MAX_EMOJI_CHARS} printable characters"),
        )
    })
}

fn check_position(position: Option<i32>) -> Option<FieldError> {
    position
        .filter(|p| !(0..=10_000).contains(p))
        .map(|_| FieldError::new("position", "must be from 0 to 10000"))
}

/// Checks a body's labels against the site's locales.
fn check_labels(conn: &mut DbConnection, labels: &LocaleMap<String>) -> Result<(), ApiError> {
    if labels.is_empty() {
        return Ok(());
    }
    let site = locales::codes(conn)?;
    Ok(translated::check(
        &site,
        "labels",
        labels,
        |label, name| {
            let length = label.trim().chars().count();
            let printable = is_plain_text(label, Lines::One);
            if (1..=MAX_LABEL_CHARS).contains(&length) && printable {
                Vec::new()
            } else {
                vec![FieldError::new(
                    name,
                    format!("must have 1 to {MAX_LABEL_CHARS} printable characters"),
                )]
            }
        },
    )?)
}

/// Writes a body's labels.
fn write_labels(
    conn: &mut DbConnection,
    kind: i64,
    labels: &LocaleMap<String>,
) -> Result<(), ApiError> {
    translated::write(
        conn,
        labels,
        |conn, locale, label| Ok(store::set_label(conn, kind, locale, label.trim())?),
        |conn, locale| Ok(store::remove_label(conn, kind, locale)?),
    )
}
