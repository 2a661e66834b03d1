//! Reader endpoints: an article's public threads, writing a comment, deleting your own, and
//! reporting one.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::articles::store::delivery::{visible_by_id, visible_by_key};
use crate::auth::actor::{Actor, Principal};
use crate::auth::principal::MaybePrincipal;
use crate::auth::rate_limit::Interaction;
use crate::auth::roles::Permission;
use crate::body::JsonBody;
use crate::comments::model::*;
use crate::comments::store;
use crate::db::{self, Paged};
use crate::delivery::cache::{self, thread_tag};
use crate::delivery::{cached_json, link_pages, uncached_json};
use crate::domain::{FieldError, Lines, is_plain_text};
use crate::error::{ApiError, Problem};
use crate::idempotency::store as idempotency;
use crate::openapi::{InvalidFields, InvalidParameters, NoToken, NotModified};
use crate::pagination::{Page, PageMeta, PageQuery};
use crate::versioning::{self, IdempotencyKey};

/// A page of threads.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentList {
    /// Top-level comments with their replies nested.
    pub data: Vec<Comment>,
    /// Where this page stands (top-level comments only).
    pub meta: PageMeta,
}

/// A page of a thread's replies.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyList {
    /// Replies at every level, oldest first, each with `parent_id` and no nested `replies`:
    /// nest them by `parent_id`.
    pub data: Vec<Comment>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// A new comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommentRequest {
    /// Plain text, 1 to 5000 characters after trimming; HTML is kept as text.
    #[schema(example = "Thank you for this interview.", min_length = 1)]
    pub body: String,
    /// The approved comment of the same article this one replies to.
    pub parent_id: Option<i64>,
    /// The name to show: required from visitors, refused from accounts (they comment under
    /// their display name). 1 to 80 characters.
    #[schema(example = "Aigerim", min_length = 1, max_length = 80)]
    pub author_name: Option<String>,
}

/// A report on a comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// Why.
    pub reason: ReportReason,
    /// More about it, up to 1000 characters.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Page and order of an article's comments.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CommentsQuery {
    /// `oldest` (default) or `newest`, for the top-level comments; replies are oldest first.
    #[param(inline)]
    pub sort: Option<CommentSort>,
    /// Page of top-level comments, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u32>,
    /// Top-level comments per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// An article's public comments: a page of approved top-level comments, each with its approved
/// replies nested. Pending, rejected and spam comments never appear, nor anything under them,
/// except that a reader or visitor who sends their token also sees their own pending comments,
/// marked `mine` with their `status` (such an answer is `Cache-Control: private`).
#[utoipa::path(
    tag = "comments",
    params(("key" = String, Path, description = "Article id, or slug in any locale."), CommentsQuery),
    responses(
        (status = 200, description = "A page of threads.", body = CommentList,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Link" = String, description = "`next` and `prev` pages."))),
        NotModified,
        (status = 401, description = "A token was sent and is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published article.", body = Problem, content_type = "application/problem+json"),
        InvalidParameters,
    )
)]
#[get("/articles/{key}/comments")]
pub async fn list_comments(
    request: HttpRequest,
    principal: MaybePrincipal,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<CommentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = Page::new(query.page, query.per_page)?;
    let order = query.sort.unwrap_or_default();
    let key = key.into_inner();
    let viewer = principal.0.map(|p| p.actor);
    let per_thread = state.settings.interaction.replies_per_thread;
    let (article, roots, replies, counts, total) = state
        .db
        .run(move |conn| {
            let article = visible_by_key(conn, &key)?;
            let Paged { rows: roots, total } =
                store::threads(conn, article.id, viewer, order, page.offset(), page.limit())?;
            let ids: Vec<i64> = roots.iter().map(|r| r.id).collect();
            let replies = store::first_replies(conn, &ids, viewer, per_thread)?;
            let counts = store::reply_counts(conn, &ids, viewer)?;
            Ok((article.id, roots, replies, counts, total))
        })
        .await?;
    let mut children = db::group_by(replies, |r| r.parent_id.unwrap_or_default());
    let data: Vec<Comment> = roots
        .iter()
        .map(|root| Comment {
            reply_count: Some(counts.get(&root.id).copied().unwrap_or(0)),
            ..nest(root, &mut children, viewer)
        })
        .collect();
    let meta = page.meta(total);
    // With a token the counts include the caller's own pending comments, shown or not.
    let shows_own = viewer.is_some();
    let mut response = comments_json(
        &request,
        &state,
        &CommentList {
            data,
            meta: meta.clone(),
        },
        article,
        shows_own,
    )?;
    link_pages(&mut response, &request, &meta);
    Ok(response)
}

/// The caller's own comments, newest first, whatever their status: a reader or visitor sees
/// here what still waits for a moderator. Never cached.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the caller's comments.", body = MyCommentList,
         headers(("Link" = String, description = "`next` and `prev` pages."))),
        NoToken,
        InvalidParameters,
    )
)]
#[get("/me/comments")]
pub async fn my_comments(
    request: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let actor = principal.actor;
    let Paged { rows, total } = state
        .db
        .run(move |conn| Ok(store::by_actor(conn, actor, page.offset(), page.limit())?))
        .await?;
    let meta = page.meta(total);
    let mut response = uncached_json(&MyCommentList {
        data: rows.iter().map(PostedComment::new).collect(),
        meta: meta.clone(),
    });
    link_pages(&mut response, &request, &meta);
    Ok(response)
}

/// A page of the caller's own comments.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyCommentList {
    /// Newest first, with their status.
    pub data: Vec<PostedComment>,
    pub meta: PageMeta,
}

/// Every public reply in the thread of a top-level comment, a page at a time: for threads
/// longer than the thread list nests (`reply_count` says how many there are). With their token,
/// the caller also sees their own pending replies, as in the thread list.
#[utoipa::path(
    tag = "comments",
    params(("id" = i64, Path, description = "Id of a top-level comment."), PageQuery),
    responses(
        (status = 200, description = "A page of replies, flat, oldest first.", body = ReplyList,
         headers(("ETag" = String, description = "Strong validator."),
                 ("Link" = String, description = "`next` and `prev` pages."))),
        NotModified,
        (status = 401, description = "A token was sent and is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such public top-level comment.", body = Problem, content_type = "application/problem+json"),
        InvalidParameters,
    )
)]
#[get("/comments/{id}/replies")]
pub async fn list_replies(
    request: HttpRequest,
    principal: MaybePrincipal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let id = id.into_inner();
    let viewer = principal.0.map(|p| p.actor);
    let (article, Paged { rows, total }) = state
        .db
        .run(move |conn| {
            let root = store::find(conn, id)?;
            if !root.visible || root.parent_id.is_some() {
                return Err(ApiError::not_found());
            }
            visible_by_id(conn, root.article_id)?;
            let replies = store::thread_replies(conn, id, viewer, page.offset(), page.limit())?;
            Ok((root.article_id, replies))
        })
        .await?;
    let meta = page.meta(total);
    let data: Vec<Comment> = rows
        .iter()
        .map(|row| Comment::new(row, Vec::new()).seen_by(row, viewer))
        .collect();
    let shows_own = viewer.is_some();
    let mut response = comments_json(
        &request,
        &state,
        &ReplyList {
            data,
            meta: meta.clone(),
        },
        article,
        shows_own,
    )?;
    link_pages(&mut response, &request, &meta);
    Ok(response)
}

/// `row` with its replies, taken from `children` (replies by parent), recursively: a reply
/// whose parent is not shown is never reached.
fn nest(
    row: &CommentRow,
    children: &mut HashMap<i64, Vec<CommentRow>>,
    viewer: Option<Actor>,
) -> Comment {
    let replies = children
        .remove(&row.id)
        .unwrap_or_default()
        .iter()
        .map(|reply| nest(reply, children, viewer))
        .collect();
    Comment::new(row, replies).seen_by(row, viewer)
}

/// Tells the other instances, in `conn`'s transaction (heard only if it commits), that
/// `article`'s threads changed.
fn announce_thread_change(
    conn: &mut db::DbConnection,
    origin: &str,
    article: i64,
) -> Result<(), ApiError> {
    announce(conn, origin, &[thread_tag(article)])
}

/// What a decision on a comment of `article` makes stale (a moderator's, or enough reports
/// sending it back to moderation): the article's threads and its own read, which counts the
/// public comments; lists keep their counts until they expire.
pub(crate) fn decision_purges(article: i64) -> [String; 2] {
    [thread_tag(article), cache::article_tag(article)]
}

/// Tells the other instances, in `conn`'s transaction (heard only if it commits), to purge
/// `tags`.
pub(crate) fn announce(
    conn: &mut db::DbConnection,
    origin: &str,
    tags: &[String],
) -> Result<(), ApiError> {
    Ok(db::notify(
        conn,
        db::CACHE_CHANNEL,
        &cache::message(origin, tags),
    )?)
}

/// A page of comments: shared through caches when it is the public page, `private` when it
/// was read with a token (`shows_own`: it may show, and counts, the caller's pending comments). Either way it varies with `Authorization`, so
/// a browser never answers a reader's request with the anonymous copy it kept, or the reverse.
fn comments_json<T: Serialize>(
    request: &HttpRequest,
    state: &AppState,
    page: &T,
    article: i64,
    shows_own: bool,
) -> Result<HttpResponse, ApiError> {
    let mut response = cached_json(request, state.settings.http.cache_max_age, page)?;
    let headers = response.headers_mut();
    // Purged when a comment of this article changes, not with every list.
    if let Ok(tag) = header::HeaderValue::from_str(&thread_tag(article)) {
        headers.insert(cache::SURROGATE_KEY, tag);
    }
    headers.insert(
        header::VARY,
        header::HeaderValue::from_static("Authorization"),
    );
    if shows_own {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-cache"),
        );
    }
    Ok(response)
}

/// Comment on a published article, or reply to one of its public comments.
///
/// Staff comments are approved at once. With `COMMENT_MODERATION=post` (the default) so are
/// readers'; with `pre` they wait for a moderator. Visitors' comments always wait. The text is
/// plain: HTML comes back escaped, never as markup.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "Article id, or slug in any locale."),
        IdempotencyKey,
    ),
    request_body = NewCommentRequest,
    responses(
        (status = 201, description = "The comment, `approved` or `pending`.", body = PostedCommentResponse),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        NoToken,
        (status = 403, description = "Comments are closed on the article, or a ban names the caller or its network.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such published article.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown fields, a reply deeper than allowed, or an `Idempotency-Key` used for another request.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many comments; see `Retry-After`.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/articles/{key}/comments")]
pub async fn post_comment(
    request: HttpRequest,
    idempotency: IdempotencyKey,
    principal: Principal,
    state: web::Data<AppState>,
    key: web::Path<String>,
    body: JsonBody<NewCommentRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::Comment)?;
    let once = idempotency.key()?.map(str::to_owned);
    state
        .limits
        .check_interaction(&request, Interaction::Comment, principal.actor)?;
    let fingerprint = format!("POST {} {}", request.path(), body.digest());
    let input = body.parse_within(state.settings.interaction.body_limit)?;
    let text = check_body(&input.body)?;
    let visitor_name = check_author_name(&principal, input.author_name.as_deref())?;
    let settings = state.settings.interaction.clone();
    let key = key.into_inner();
    let ip = state.limits.client_ip(&request);
    let origin = state.cache.origin().to_owned();
    let (status, answer, changed) = state
        .db
        .write(move |conn| {
            let actor = principal.actor.to_string();
            let mut changed = None;
            let (status, answer) =
                idempotency::once(conn, &actor, once.as_deref(), &fingerprint, |conn| {
                    let article = visible_by_key(conn, &key)?;
                    if !article.comments_enabled {
                        return Err(ApiError::Forbidden(
                            "Comments are closed on this article.".into(),
                        ));
                    }
                    if store::moderation::is_banned(conn, principal.actor, ip)? {
                        return Err(ApiError::Forbidden(
                            "You are not allowed to comment.".into(),
                        ));
                    }
                    let store::Place {
                        parent_id,
                        root_id,
                        depth,
                    } = match input.parent_id {
                        Some(parent) => {
                            store::place_reply(conn, article.id, parent, settings.max_depth)?
                        }
                        None => store::Place {
                            parent_id: None,
                            root_id: None,
                            depth: 1,
                        },
                    };
                    let store::Authorship {
                        name: author_name,
                        kind: author_kind,
                        status,
                    } = store::authorship(conn, &principal, visitor_name, settings.moderation)?;
                    let (user_id, visitor_id) = principal.actor.columns();
                    let row = store::insert(
                        conn,
                        &NewComment {
                            article_id: article.id,
                            parent_id,
                            root_id,
                            depth,
                            user_id,
                            visitor_id,
                            author_name,
                            author_kind: author_kind.as_str(),
                            body: Some(text),
                            status: status.as_str(),
                            // Replies go only under visible comments.
                            visible: status == CommentStatus::Approved,
                            created_at: db::now(),
                        },
                    )?;
                    let answer = serde_json::to_string(&PostedCommentResponse {
                        data: PostedComment::new(&row),
                    })
                    .map_err(|error| ApiError::Internal(error.to_string()))?;
                    if row.visible {
                        announce_thread_change(conn, &origin, article.id)?;
                        changed = Some(article.id);
                    }
                    Ok((201, answer))
                })?;
            Ok((status, answer, changed))
        })
        .await?;
    // A comment that shows at once: the article's cached threads go.
    if let Some(article) = changed {
        state.cache.purge(&[thread_tag(article)]);
    }
    Ok(versioning::replayable(status, answer))
}

/// Delete your own comment. Its text goes; its place in the thread stays (`deleted: true`), so
/// replies are kept. Deleting again changes nothing.
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Comment id.")),
    responses(
        (status = 204, description = "Deleted."),
        NoToken,
        (status = 404, description = "No comment of yours with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/comments/{id}")]
pub async fn delete_comment(
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let origin = state.cache.origin().to_owned();
    let changed = state
        .db
        .write(move |conn| {
            let row = store::find(conn, id)?;
            if principal.actor.columns() != (row.user_id, row.visitor_id) {
                return Err(ApiError::not_found());
            }
            if row.deleted_at.is_some() {
                return Ok(None);
            }
            store::soft_delete(conn, id)?;
            if !row.visible {
                return Ok(None);
            }
            announce_thread_change(conn, &origin, row.article_id)?;
            Ok(Some(row.article_id))
        })
        .await?;
    if let Some(article) = changed {
        state.cache.purge(&[thread_tag(article)]);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Report a public comment. Each reader or visitor counts once per comment (reporting again
/// changes nothing); `COMMENT_REPORT_HIDE_THRESHOLD` reports send it back to moderation. With
/// an `Idempotency-Key`, a retry gets 202 again even once the comment is hidden (a key used
/// for another request is 422).
#[utoipa::path(
    tag = "comments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Comment id."), IdempotencyKey),
    request_body = ReportRequest,
    responses(
        (status = 202, description = "Reported."),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        NoToken,
        (status = 403, description = "A ban names the caller or its network.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such public comment.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        InvalidFields,
        (status = 429, description = "Too many reports; see `Retry-After`.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    )
)]
#[post("/comments/{id}/reports")]
pub async fn report_comment(
    request: HttpRequest,
    idempotency: IdempotencyKey,
    principal: Principal,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: JsonBody<ReportRequest>,
) -> Result<HttpResponse, ApiError> {
    let once = idempotency.key()?.map(str::to_owned);
    state
        .limits
        .check_interaction(&request, Interaction::Report, principal.actor)?;
    let fingerprint = format!("POST {} {}", request.path(), body.digest());
    let report = body.parse_within(state.settings.interaction.body_limit)?;
    let note = match report.note.as_deref().map(str::trim) {
        Some(note)
            if note.chars().count() > MAX_NOTE_CHARS || !is_plain_text(note, Lines::Many) =>
        {
            return Err(ApiError::invalid(
                "note",
                format!("must have at most {MAX_NOTE_CHARS} printable characters"),
            ));
        }
        Some("") | None => None,
        Some(note) => Some(note.to_owned()),
    };
    let threshold = state.settings.interaction.report_hide_threshold;
    let id = id.into_inner();
    let ip = state.limits.client_ip(&request);
    // Reports count per client: an IPv6 host's addresses are one.
    let client = state.limits.client_key(&request);
    let origin = state.cache.origin().to_owned();
    let hidden = state
        .db
        .write(move |conn| {
            let actor = principal.actor.to_string();
            let mut hidden = None;
            idempotency::once(conn, &actor, once.as_deref(), &fingerprint, |conn| {
                let row = store::find(conn, id)?;
                if !row.visible || row.deleted_at.is_some() {
                    return Err(ApiError::not_found());
                }
                visible_by_id(conn, row.article_id)?;
                if store::moderation::is_banned(conn, principal.actor, ip)? {
                    return Err(ApiError::Forbidden("You are not allowed to report.".into()));
                }
                let reason = report.reason;
                if store::add_report(conn, id, principal.actor, client, reason, note.as_deref())?
                    && store::count_report(conn, id, threshold)?
                {
                    announce(conn, &origin, &decision_purges(row.article_id))?;
                    hidden = Some(row.article_id);
                }
                Ok((202, String::new()))
            })?;
            Ok(hidden)
        })
        .await?;
    if let Some(article) = hidden {
        state.cache.purge(&decision_purges(article));
    }
    Ok(HttpResponse::Accepted().finish())
}

/// The trimmed text of a comment: 1 to 5000 characters, no control characters but line
/// breaks and tabs.
fn check_body(body: &str) -> Result<String, ApiError> {
    let text = body.trim();
    let length = text.chars().count();
    if length == 0 || length > MAX_BODY_CHARS {
        return Err(ApiError::invalid(
            "body",
            format!("must have 1 to {MAX_BODY_CHARS} characters after trimming"),
        ));
    }
    if !is_plain_text(text, Lines::Many) {
        return Err(ApiError::invalid(
            "body",
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(text.to_owned())
}

/// Visitors name themselves (1 to 80 characters); accounts comment under their display name.
fn check_author_name(
    principal: &Principal,
    author_name: Option<&str>,
) -> Result<Option<String>, ApiError> {
    match (principal.actor, author_name.map(str::trim)) {
        (Actor::Visitor(_), Some(name))
            if (1..=MAX_AUTHOR_NAME_CHARS).contains(&name.chars().count())
                && is_plain_text(name, Lines::One) =>
        {
            Ok(Some(name.to_owned()))
        }
        (Actor::Visitor(_), _) => Err(FieldError::new(
            "author_name",
            format!("is required from visitors: 1 to {MAX_AUTHOR_NAME_CHARS} printable characters"),
        )
        .into()),
        (Actor::User(_), Some(_)) => Err(FieldError::new(
            "author_name",
            "is only for visitors; accounts comment under their display name",
        )
        .into()),
        (Actor::User(_), None) => Ok(None),
    }
}
