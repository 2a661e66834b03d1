//! The OpenAPI 3.1 document: metadata and the bearer security scheme here; paths and schemas
//! are collected from the routes as they are registered (see `router::api_routes`), so the
//! document can't drift from the routing.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

use crate::error::Problem;

/// Name of the bearer JWT security scheme, for `security(("bearer" = []))` on routes.
pub const BEARER: &str = "bearer";

/// Metadata of the document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Newsroom CMS API",
        description = "A headless CMS for multilingual newsrooms.\n\n\
            The delivery API (`/api/v1/...`) serves published content to front-ends and apps \
            without a token (`security: []`); a few of its reads (reactions, comment threads) \
            also take a reader's or visitor's token when one is sent, and say so. The management \
            API (`/api/v1/admin/...`) needs a bearer token. \
            Errors are RFC 9457 `application/problem+json` documents. Public reads send a strong \
            `ETag` and `Cache-Control`, and answer `If-None-Match` with 304.",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "The Newsroom CMS maintainers"),
    ),
    tags(
        (name = "articles", description = "Articles and their translations: writing, workflow, delivery."),
        (name = "auth", description = "Accounts, sessions and visitor tokens."),
        (name = "authors", description = "Bylines, with bios per locale."),
        (name = "categories", description = "The category tree, translated."),
        (name = "comments", description = "Readers' threaded comments, reports, and their moderation."),
        (name = "feeds", description = "RSS, Atom and JSON feeds of the newest articles, per locale."),
        (name = "locales", description = "The languages the site is written in."),
        (name = "reactions", description = "Reaction kinds and readers' reactions to articles."),
        (name = "site", description = "Site settings: what every page's frame shows."),
        (name = "tags", description = "Tags, translated."),
        (name = "users", description = "Account management, for admins."),
        (name = "media", description = "The media library: uploads, descriptions per locale, files and their variants."),
        (name = "sitemaps", description = "Sitemaps for search engines: the index, per-locale files with hreflang alternates, Google News."),
        (name = "menus", description = "Named menus of categories, pages, articles, tags, authors and outside links, resolved per locale."),
        (name = "previews", description = "Draft previews: tokens that show an article or page as it stands, before it is published."),
        (name = "pages", description = "Static pages (imprint, privacy…), translated, with keys, sub-pages and revisions."),
        (name = "search", description = "Full-text search in each site locale, ranked by relevance, with snippets; titles while typing."),
        (name = "changes", description = "The change feed: what became visible, changed or went away, in commit order, for apps that sync."),
        (name = "webhooks", description = "Signed webhooks from a transactional outbox: endpoints, their delivery log, sending again, pings."),
        (name = "api-keys", description = "API keys with scopes, for machine clients."),
        (name = "audit", description = "The audit log of management writes."),
        (name = "operations", description = "Health, readiness, metrics and this document."),
    ),
    modifiers(&SecuritySchemes),
)]
pub struct ApiDoc;

/// Declares the bearer JWT scheme that protected routes refer to.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        scheme.description = Some(
            "An access token from `POST /api/v1/auth/login`, `/register`, `/refresh` or \
             `/visitor`, sent as `Authorization: Bearer <token>`."
                .into(),
        );
        components.add_security_scheme(BEARER, SecurityScheme::Http(scheme));
        let mut key = Http::new(HttpAuthScheme::Bearer);
        key.bearer_format = Some("nk_…".into());
        key.description = Some(
            "An API key from `POST /api/v1/admin/api-keys`, sent as `Authorization: Bearer \
             nk_…`. An operation that takes keys lists this scheme and names the scope the key \
             needs in `x-api-key-scope`; the others refuse keys (403)."
                .into(),
        );
        components.add_security_scheme(API_KEY, SecurityScheme::Http(key));
    }
}

/// Name of the API key security scheme.
pub const API_KEY: &str = "api_key";

/// The operation extension naming the scope an API key needs for it.
pub const KEY_SCOPE: &str = "x-api-key-scope";

/// Adds to each management operation an API key holds a scope for the `api_key` requirement,
/// the scope it needs in [`KEY_SCOPE`] (the routes' gates, `api_keys::scopes::gate`), and the
/// 429 of a key's rate limit. Runs before [`add_shared_answers`].
pub fn add_key_scopes(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};

    use crate::api_keys::scopes::{Gate, gate};
    for (path, item) in document.paths.paths.iter_mut() {
        let operations = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            let Gate::Needs(scope) = gate(method, path) else {
                continue;
            };
            operation
                .security
                .get_or_insert_with(Vec::new)
                .push(SecurityRequirement::new(API_KEY, Vec::<String>::new()));
            operation
                .extensions
                .get_or_insert_with(Default::default)
                .insert(KEY_SCOPE.into(), scope.as_str().into());
            operation
                .responses
                .responses
                .entry("429".into())
                .or_insert_with(|| {
                    ResponseBuilder::new()
                        .description("The API key made more than `RATE_LIMIT_API_KEY` requests this minute; retry after `Retry-After` seconds.")
                        .content(
                            "application/problem+json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("Problem")))
                                .build(),
                        )
                        .build()
                        .into()
                });
        }
    }
}

/// The answers every management route shares: no valid token (401), a role other than editor
/// or admin (403).
#[derive(IntoResponses)]
pub enum EditorOnly {
    #[response(
        status = 401,
        description = "No valid token.",
        content_type = "application/problem+json"
    )]
    NoToken(Problem),
    #[response(
        status = 403,
        description = "Not an editor or admin.",
        content_type = "application/problem+json"
    )]
    NotEditor(Problem),
}

/// The answers of admin-only routes: no valid token (401), a role other than admin (403).
#[derive(IntoResponses)]
pub enum AdminOnly {
    #[response(
        status = 401,
        description = "No valid token.",
        content_type = "application/problem+json"
    )]
    NoToken(Problem),
    #[response(
        status = 403,
        description = "Not an admin.",
        content_type = "application/problem+json"
    )]
    NotAdmin(Problem),
}

/// No valid token (401), on routes whose 403 says something of its own.
#[derive(IntoResponses)]
#[response(
    status = 401,
    description = "No valid token.",
    content_type = "application/problem+json"
)]
pub struct NoToken(pub Problem);

/// `If-Match` names a version that is no longer current (412).
#[derive(IntoResponses)]
#[response(
    status = 412,
    description = "If-Match is stale.",
    content_type = "application/problem+json"
)]
pub struct StaleIfMatch(pub Problem);

/// A body with invalid or unknown fields (422).
#[derive(IntoResponses)]
#[response(
    status = 422,
    description = "Invalid fields.",
    content_type = "application/problem+json"
)]
pub struct InvalidFields(pub Problem);

/// Query parameters that are not valid (422).
#[derive(IntoResponses)]
#[response(
    status = 422,
    description = "Invalid parameters.",
    content_type = "application/problem+json"
)]
pub struct InvalidParameters(pub Problem);

/// A `locale` that is not a site locale (422).
#[derive(IntoResponses)]
#[response(
    status = 422,
    description = "Unknown locale.",
    content_type = "application/problem+json"
)]
pub struct UnknownLocale(pub Problem);

/// A public read answered from the client's copy (304).
#[derive(IntoResponses)]
#[response(status = 304, description = "`If-None-Match` names the current ETag.")]
pub struct NotModified;

/// The rate-limit headers of the IETF draft, sent by rate-limited operations.
/// Headers of reads the response cache keeps.
const CACHE_HEADERS: [(&str, &str); 2] = [
    (
        "Surrogate-Key",
        "What the answer shows, space-separated: an article's read names `article:{id}` and the \
         `category:{id}`, `tag:{id}` and `author:{id}` it shows, an article's comment threads \
         `comments:{id}`; other reads `lists`. The tags \
         this server purges its own cache by, for a CDN to purge by too.",
    ),
    (
        "X-Cache",
        "`HIT` when answered from this server's response cache, `MISS` when computed.",
    ),
];

const RATE_LIMIT_HEADERS: [(&str, &str); 3] = [
    (
        "RateLimit-Limit",
        "Requests the nearest limit allows in its window.",
    ),
    ("RateLimit-Remaining", "Requests that limit has left now."),
    (
        "RateLimit-Reset",
        "Seconds until that limit is whole again.",
    ),
];

/// Adds the answers the server's edges give to many operations to the assembled document:
/// 408 to every operation that reads a body (a body slower than `BODY_READ_TIMEOUT`), 503
/// with `Retry-After` to every operation of the API (the database unavailable or busy), and
/// the `RateLimit-*` headers to every answer of a rate-limited operation (one that can answer
/// 429).
pub fn add_shared_answers(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::server::ServerBuilder;
    use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Type};
    let problem = |description: &str| -> RefOr<utoipa::openapi::Response> {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
            .into()
    };
    let unavailable: RefOr<utoipa::openapi::Response> = ResponseBuilder::new()
        .description("The database is unavailable or busy; retry after `Retry-After` seconds.")
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                .description(Some("Seconds to wait before retrying."))
                .build(),
        )
        .build()
        .into();
    let if_none_match = ParameterBuilder::new()
        .name("If-None-Match")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(
            "An `ETag` this client holds: 304 with no body while it is still current.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    document.servers = Some(vec![
        ServerBuilder::new()
            .url("/")
            .description(Some("This server (the API is served from its root)."))
            .build(),
    ]);
    for (path, item) in document.paths.paths.iter_mut() {
        let api = path.starts_with("/api/");
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            // Public operations say so, rather than leaving it to a global default.
            operation.security.get_or_insert_with(Vec::new);
            let secured = operation
                .security
                .as_ref()
                .is_some_and(|requirements: &Vec<SecurityRequirement>| !requirements.is_empty());
            shape_summary(operation);
            let responses = &mut operation.responses.responses;
            if responses.contains_key("304") {
                operation
                    .parameters
                    .get_or_insert_with(Vec::new)
                    .push(if_none_match.clone().into());
                // Cacheable reads: what the response cache says of them (media files are
                // immutable and never in it).
                if let Some(RefOr::T(ok)) = responses
                    .get_mut("200")
                    .filter(|_| !path.starts_with("/media/"))
                {
                    for (name, description) in CACHE_HEADERS {
                        ok.headers.insert(
                            name.into(),
                            HeaderBuilder::new()
                                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                                .description(Some(description))
                                .build()
                                .into(),
                        );
                    }
                }
            }
            let has_query = operation.parameters.iter().flatten().any(|parameter| {
                matches!(parameter, RefOr::T(p) if p.parameter_in == ParameterIn::Query)
            });
            let answers = [
                (secured, "401", "No valid token."),
                (has_query, "422", "Invalid or unknown query parameters."),
            ];
            for (applies, status, description) in answers {
                if applies {
                    responses
                        .entry(status.into())
                        .or_insert_with(|| problem(description));
                }
            }
            if operation.request_body.is_some() {
                let body_answers = [
                    ("400", "Malformed JSON."),
                    (
                        "408",
                        "The body did not arrive within `BODY_READ_TIMEOUT` seconds.",
                    ),
                    ("413", "The body is too large."),
                    ("415", "The body is not `application/json`."),
                    ("422", "Invalid or unknown fields."),
                ];
                for (status, description) in body_answers {
                    responses
                        .entry(status.into())
                        .or_insert_with(|| problem(description));
                }
            }
            if responses.contains_key("429") {
                for response in responses.values_mut() {
                    if let RefOr::T(response) = response {
                        for (name, description) in RATE_LIMIT_HEADERS {
                            response.headers.insert(
                                name.into(),
                                HeaderBuilder::new()
                                    .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                                    .description(Some(description))
                                    .build()
                                    .into(),
                            );
                        }
                    }
                }
            }
            responses.entry("406".into()).or_insert_with(|| {
                problem(
                    "`Accept-Encoding` accepts none of the codings offered (br, zstd, gzip, \
                     deflate, identity).",
                )
            });
            if api {
                responses
                    .entry("503".into())
                    .or_insert_with(|| unavailable.clone());
            }
        }
    }
}

/// A one-line `summary` (the doc comment's first sentence) and a `description` that says the
/// rest: generated clients show the one as a method's title and the other as its docs.
fn shape_summary(operation: &mut utoipa::openapi::path::Operation) {
    let Some(summary) = operation.summary.take() else {
        return;
    };
    let one_line = summary.replace('\n', " ");
    let first_sentence = match one_line.find(". ") {
        Some(end) => one_line[..=end].to_owned(),
        None => one_line.clone(),
    };
    operation.description = Some(match operation.description.take() {
        Some(rest) if one_line != first_sentence => format!("{one_line}\n\n{rest}"),
        Some(rest) => rest,
        None => one_line,
    });
    operation.summary = Some(first_sentence);
}
