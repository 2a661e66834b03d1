//! The input rules the server checks that a schema can say, written into the OpenAPI document:
//! plain-text patterns (no control characters or bidirectional overrides, not blank), slugs,
//! web addresses, emails, locale codes and lengths. `utoipa` takes a pattern only as a literal
//! on each field, so the rules are listed here once, by schema and property, and applied to the
//! generated document; a listed property that no longer exists stops the document being built
//! (and so every test), so the list can't go stale silently.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{
    AdditionalProperties, Object, ObjectBuilder, Schema, SchemaType, Type,
};

use crate::auth::roles::Role;
use utoipa::openapi::{OpenApi, RefOr};

use crate::articles::model::{
    MAX_SEO_DESCRIPTION_CHARS, MAX_SEO_TITLE_CHARS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS,
};
use crate::comments::model::{MAX_AUTHOR_NAME_CHARS, MAX_BODY_CHARS, MAX_NOTE_CHARS};
use crate::media::model::{MAX_ALT_CHARS, MAX_CAPTION_CHARS, MAX_CREDIT_CHARS};
use crate::reactions::model::{MAX_EMOJI_CHARS, MAX_LABEL_CHARS};
use crate::site::model::{
    MAX_ADDRESS_CHARS, MAX_COPYRIGHT_CHARS, MAX_NAME_CHARS as SITE_NAME_CHARS, MAX_PHONE_CHARS,
};
use crate::slug::MAX_SLUG_CHARS;
use crate::translated::MAX_DESCRIPTION_CHARS;
use crate::users::model::{MAX_DISPLAY_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};

/// Characters plain text never holds: C0 and C1 controls and bidirectional overrides.
const NOT_TEXT: &str =
    "\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069";
/// What one-line text holds besides: no line breaks or tabs either.
const NOT_LINE: &str = "\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069";

/// A rule of one input.
#[derive(Clone, Copy, Debug)]
pub enum Rule {
    /// One line of plain text, `min` to `max` characters after trimming (not blank when
    /// `min` > 0).
    Line(usize, usize),
    /// Plain text over any number of lines, `min` to `max` characters after trimming.
    Text(usize, usize),
    /// Lower-case letters, digits and single hyphens.
    Slug,
    /// A page key: a slug starting with a letter, up to `pages::model::MAX_KEY_CHARS`.
    PageKey,
    /// An `http://` or `https://` address without spaces.
    WebUrl,
    /// An email address.
    Email,
    /// A password: `MIN_PASSWORD_CHARS` to `MAX_PASSWORD_CHARS` characters.
    Password,
    /// A locale code such as `fr` or `pt-BR`.
    LocaleCode,
    /// A map by locale code with at least this many entries, each value as the inner rule
    /// says.
    ByLocale(usize, Option<&'static Rule>),
    /// One of these values.
    OneOf(&'static [&'static str]),
    /// Not empty.
    NotEmpty,
    /// 1 to this many visible ASCII characters.
    VisibleAscii(usize),
    /// 1 to this many comma-separated keys.
    KeyList(usize),
    /// An account role (every role but `visitor`), replacing the shared `Role` schema.
    AccountRole,
    /// A list that names each item once.
    UniqueItems,
    /// A list of at least one item, each named once.
    NonEmptySet,
    /// A list of webhook event names (or `*`), at least one, each named once.
    EventNames,
    /// An IPv4 address or network of /16 or narrower, or an IPv6 one (in full form) of /32 or
    /// narrower.
    BannedNetwork,
}

const TITLE: Rule = Rule::Line(1, MAX_TITLE_CHARS);
const LABEL: Rule = Rule::Line(1, MAX_LABEL_CHARS);
const BIO: Rule = Rule::Text(0, crate::authors::model::MAX_BIO_CHARS);

/// Rules of body properties: (schema, property, rule).
const PROPERTIES: &[(&str, &str, Rule)] = &[
    ("RegisterRequest", "email", Rule::Email),
    ("RegisterRequest", "password", Rule::Password),
    (
        "RegisterRequest",
        "display_name",
        Rule::Line(1, MAX_DISPLAY_NAME_CHARS),
    ),
    ("CreateUserRequest", "email", Rule::Email),
    ("CreateUserRequest", "password", Rule::Password),
    (
        "CreateUserRequest",
        "display_name",
        Rule::Line(1, MAX_DISPLAY_NAME_CHARS),
    ),
    (
        "UpdateUserRequest",
        "display_name",
        Rule::Line(1, MAX_DISPLAY_NAME_CHARS),
    ),
    (
        "UpdateMeRequest",
        "display_name",
        Rule::Line(1, MAX_DISPLAY_NAME_CHARS),
    ),
    ("UpdateMeRequest", "password", Rule::Password),
    ("TranslationInput", "title", TITLE),
    ("TranslationInput", "slug", Rule::Slug),
    (
        "TranslationInput",
        "summary",
        Rule::Text(0, MAX_SUMMARY_CHARS),
    ),
    (
        "TranslationInput",
        "seo_title",
        Rule::Line(0, MAX_SEO_TITLE_CHARS),
    ),
    (
        "TranslationInput",
        "seo_description",
        Rule::Text(0, MAX_SEO_DESCRIPTION_CHARS),
    ),
    ("PageTranslationInput", "title", TITLE),
    ("PageTranslationInput", "slug", Rule::Slug),
    (
        "PageTranslationInput",
        "summary",
        Rule::Text(0, MAX_SUMMARY_CHARS),
    ),
    (
        "PageTranslationInput",
        "seo_title",
        Rule::Line(0, MAX_SEO_TITLE_CHARS),
    ),
    (
        "PageTranslationInput",
        "seo_description",
        Rule::Text(0, MAX_SEO_DESCRIPTION_CHARS),
    ),
    ("CorrectionInput", "note", Rule::Text(1, MAX_NOTE_CHARS)),
    ("CreatePreviewRequest", "locale", Rule::LocaleCode),
    (
        "CreateApiKeyRequest",
        "name",
        Rule::Line(1, crate::api_keys::model::MAX_NAME_LENGTH),
    ),
    ("CreateApiKeyRequest", "scopes", Rule::NonEmptySet),
    ("CreateWebhookRequest", "url", Rule::WebUrl),
    ("CreateWebhookRequest", "events", Rule::EventNames),
    (
        "CreateWebhookRequest",
        "description",
        Rule::Line(0, crate::webhooks::model::MAX_DESCRIPTION_LENGTH),
    ),
    ("UpdateWebhookRequest", "url", Rule::WebUrl),
    ("UpdateWebhookRequest", "events", Rule::EventNames),
    (
        "UpdateWebhookRequest",
        "description",
        Rule::Line(0, crate::webhooks::model::MAX_DESCRIPTION_LENGTH),
    ),
    ("CreatePageRequest", "key", Rule::PageKey),
    ("CreatePageRequest", "source_locale", Rule::LocaleCode),
    ("CreatePageRequest", "translations", Rule::ByLocale(1, None)),
    ("UpdatePageRequest", "key", Rule::PageKey),
    ("UpdatePageRequest", "source_locale", Rule::LocaleCode),
    ("CreateArticleRequest", "source_url", Rule::WebUrl),
    ("CreateArticleRequest", "source_name", Rule::Line(0, 200)),
    ("CreateArticleRequest", "source_locale", Rule::LocaleCode),
    (
        "CreateArticleRequest",
        "translations",
        Rule::ByLocale(1, None),
    ),
    ("UpdateArticleRequest", "source_url", Rule::WebUrl),
    ("UpdateArticleRequest", "source_name", Rule::Line(0, 200)),
    ("UpdateArticleRequest", "source_locale", Rule::LocaleCode),
    ("CreateLocaleRequest", "code", Rule::LocaleCode),
    ("CreateLocaleRequest", "name", Rule::Line(1, 100)),
    ("UpdateLocaleRequest", "name", Rule::Line(1, 100)),
    (
        "CategoryTranslationInput",
        "name",
        Rule::Line(1, crate::categories::model::MAX_NAME_CHARS),
    ),
    ("CategoryTranslationInput", "slug", Rule::Slug),
    (
        "CategoryTranslationInput",
        "description",
        Rule::Text(0, MAX_DESCRIPTION_CHARS),
    ),
    (
        "CreateCategoryRequest",
        "translations",
        Rule::ByLocale(1, None),
    ),
    (
        "TagTranslationInput",
        "name",
        Rule::Line(1, crate::tags::model::MAX_NAME_CHARS),
    ),
    ("TagTranslationInput", "slug", Rule::Slug),
    (
        "TagTranslationInput",
        "description",
        Rule::Text(0, MAX_DESCRIPTION_CHARS),
    ),
    (
        "CreateReactionKind",
        "labels",
        Rule::ByLocale(1, Some(&LABEL)),
    ),
    ("NewCommentRequest", "body", Rule::Text(1, MAX_BODY_CHARS)),
    (
        "NewCommentRequest",
        "author_name",
        Rule::Line(1, MAX_AUTHOR_NAME_CHARS),
    ),
    ("ReportRequest", "note", Rule::Text(0, MAX_NOTE_CHARS)),
    ("BanRequest", "reason", Rule::Text(0, MAX_NOTE_CHARS)),
    ("BanRequest", "network", Rule::BannedNetwork),
    ("AuthorLink", "label", Rule::Line(1, 100)),
    ("AuthorLink", "url", Rule::WebUrl),
    (
        "CreateAuthorRequest",
        "name",
        Rule::Line(1, crate::authors::model::MAX_NAME_CHARS),
    ),
    ("CreateAuthorRequest", "slug", Rule::Slug),
    ("CreateAuthorRequest", "avatar_url", Rule::WebUrl),
    ("CreateAuthorRequest", "bio", Rule::ByLocale(0, Some(&BIO))),
    (
        "UpdateAuthorRequest",
        "name",
        Rule::Line(1, crate::authors::model::MAX_NAME_CHARS),
    ),
    ("UpdateAuthorRequest", "slug", Rule::Slug),
    ("UpdateAuthorRequest", "avatar_url", Rule::WebUrl),
    ("MediaMeta", "credit", Rule::Line(0, MAX_CREDIT_CHARS)),
    ("CreateMenuRequest", "name", Rule::Slug),
    (
        "MenuItemInput",
        "labels",
        Rule::ByLocale(
            1,
            Some(&Rule::Line(1, crate::menus::model::MAX_LABEL_CHARS)),
        ),
    ),
    ("MenuItemInput", "url", Rule::WebUrl),
    (
        "MenuChildInput",
        "labels",
        Rule::ByLocale(
            1,
            Some(&Rule::Line(1, crate::menus::model::MAX_LABEL_CHARS)),
        ),
    ),
    ("MenuChildInput", "url", Rule::WebUrl),
    ("MediaMeta", "translations", Rule::ByLocale(0, None)),
    ("MediaTranslationInput", "alt", Rule::Line(0, MAX_ALT_CHARS)),
    (
        "MediaTranslationInput",
        "caption",
        Rule::Text(0, MAX_CAPTION_CHARS),
    ),
    (
        "GalleryItemInput",
        "captions",
        Rule::ByLocale(0, Some(&Rule::Text(0, 2000))),
    ),
    (
        "CreateReactionKind",
        "emoji",
        Rule::Line(1, MAX_EMOJI_CHARS),
    ),
    (
        "UpdateReactionKind",
        "emoji",
        Rule::Line(1, MAX_EMOJI_CHARS),
    ),
    ("TagRequest", "translations", Rule::ByLocale(1, None)),
    ("SiteRequest", "translations", Rule::ByLocale(1, None)),
    ("SiteRequest", "social", Rule::UniqueItems),
    ("SiteTexts", "name", Rule::Line(1, SITE_NAME_CHARS)),
    (
        "SiteTexts",
        "description",
        Rule::Text(0, MAX_DESCRIPTION_CHARS),
    ),
    ("SiteTexts", "copyright", Rule::Line(0, MAX_COPYRIGHT_CHARS)),
    ("SocialLink", "network", Rule::Slug),
    ("SocialLink", "url", Rule::WebUrl),
    ("Contact", "email", Rule::Email),
    ("Contact", "phone", Rule::Line(0, MAX_PHONE_CHARS)),
    ("Contact", "address", Rule::Text(0, MAX_ADDRESS_CHARS)),
    ("CreateArticleRequest", "author_ids", Rule::UniqueItems),
    ("UpdateArticleRequest", "author_ids", Rule::UniqueItems),
    ("CreateUserRequest", "role", Rule::AccountRole),
    ("UpdateUserRequest", "role", Rule::AccountRole),
];

/// Rules of parameters: (paths they hold on, where, name, rule). The delivery API refuses a
/// `locale` that is not a locale code; the management API's `locale` filters match nothing.
const PARAMETERS: &[(&str, ParameterIn, &str, Rule)] = &[
    (DELIVERY, ParameterIn::Query, "locale", Rule::LocaleCode),
    (DELIVERY, ParameterIn::Query, "category", Rule::NotEmpty),
    (DELIVERY, ParameterIn::Query, "tag", Rule::NotEmpty),
    (DELIVERY, ParameterIn::Query, "author", Rule::NotEmpty),
    (
        DELIVERY,
        ParameterIn::Query,
        "categories",
        Rule::KeyList(12),
    ),
    (
        "/api/v1/articles",
        ParameterIn::Query,
        "sort",
        Rule::OneOf(&["-published_at", "published_at", "title", "-updated_at"]),
    ),
    (ANY, ParameterIn::Path, "locale", Rule::LocaleCode),
    (
        ANY,
        ParameterIn::Header,
        "Idempotency-Key",
        Rule::VisibleAscii(255),
    ),
];

/// Paths of the delivery API (a prefix match, except [`ADMIN`] paths).
const DELIVERY: &str = "/api/v1/";
/// Every path.
const ANY: &str = "/";
/// Paths of the management API.
const ADMIN: &str = "/api/v1/admin";

/// Whether a rule for `scope` holds on `path`.
fn in_scope(scope: &str, path: &str) -> bool {
    match scope {
        ANY => true,
        DELIVERY => path.starts_with(DELIVERY) && !path.starts_with(ADMIN),
        exact => path == exact,
    }
}

/// Writes every rule into `document`. Panics when a listed schema or property is missing: the
/// list must follow the code.
pub fn apply(document: &mut OpenApi) {
    let components = document.components.get_or_insert_with(Default::default);
    for (schema, property, rule) in PROPERTIES {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(*schema) else {
            panic!("constraints: no object schema `{schema}`");
        };
        let required = object.required.iter().any(|name| name == property);
        let Some(field) = object.properties.get_mut(*property) else {
            panic!("constraints: no property `{schema}.{property}`");
        };
        match (rule, &mut *field) {
            (Rule::AccountRole, _) => {
                *field = RefOr::T(Schema::Object(account_role(required)));
                continue;
            }
            (Rule::UniqueItems, RefOr::T(Schema::Array(list))) => {
                list.unique_items = true;
                continue;
            }
            (Rule::NonEmptySet, RefOr::T(Schema::Array(list))) => {
                list.unique_items = true;
                list.min_items = Some(1);
                continue;
            }
            (Rule::EventNames, RefOr::T(Schema::Array(list))) => {
                list.unique_items = true;
                list.min_items = Some(1);
                let names = crate::events::model::EVENT_NAMES
                    .iter()
                    .chain(["*"].iter())
                    .map(|name| serde_json::Value::from(*name));
                list.items = utoipa::openapi::schema::ArrayItems::RefOrSchema(Box::new(RefOr::T(
                    Schema::Object(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some(names))
                            .build(),
                    ),
                )));
                continue;
            }
            _ => {}
        }
        let RefOr::T(Schema::Object(field)) = field else {
            panic!("constraints: `{schema}.{property}` is not an inline schema");
        };
        constrain(field, *rule);
    }
    // An upload's `meta` part is JSON.
    if let Some(content) = document
        .paths
        .paths
        .get_mut("/api/v1/admin/media")
        .and_then(|item| item.post.as_mut())
        .and_then(|post| post.request_body.as_mut())
        .and_then(|body| match body {
            RefOr::T(body) => body.content.get_mut("multipart/form-data"),
            RefOr::Ref(_) => None,
        })
        && let RefOr::T(content) = content
    {
        content.encoding.insert(
            "meta".into(),
            utoipa::openapi::encoding::EncodingBuilder::new()
                .content_type(Some("application/json"))
                .build(),
        );
    }
    for (path, item) in document.paths.paths.iter_mut() {
        let operations: [&mut Option<Operation>; 5] = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            for parameter in operation.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else {
                    continue;
                };
                // A header is a string when sent, never `null`.
                if parameter.parameter_in == ParameterIn::Header
                    && let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut()
                {
                    schema.schema_type = Type::String.into();
                }
                let rule = PARAMETERS.iter().find(|(scope, place, name, _)| {
                    in_scope(scope, path)
                        && *place == parameter.parameter_in
                        && *name == parameter.name
                });
                if let (Some((_, _, _, rule)), Some(RefOr::T(Schema::Object(schema)))) =
                    (rule, parameter.schema.as_mut())
                {
                    constrain(schema, *rule);
                }
            }
        }
    }
}

/// The roles an account may have, as a string (or `null` where the property may be left out).
fn account_role(required: bool) -> Object {
    let roles = Role::ALL
        .iter()
        .filter(|role| **role != Role::Visitor)
        .map(|role| serde_json::to_value(role).unwrap_or_default());
    let (schema_type, values): (SchemaType, Vec<serde_json::Value>) = if required {
        (Type::String.into(), roles.collect())
    } else {
        (
            SchemaType::from_iter([Type::String, Type::Null]),
            roles.chain([serde_json::Value::Null]).collect(),
        )
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .enum_values(Some(values))
        .description(Some(
            "An account role: `admin`, `editor`, `author`, `contributor` or `reader`.",
        ))
        .build()
}

/// Text with none of the characters in `forbidden` and, when `min` > 0, not blank.
fn text_pattern(forbidden: &str, min: usize) -> String {
    if min == 0 {
        format!("^[^{forbidden}]*$")
    } else {
        format!("^[^{forbidden}]*[^\\s{forbidden}][^{forbidden}]*$")
    }
}

fn constrain(schema: &mut Object, rule: Rule) {
    match rule {
        Rule::Line(min, max) => {
            schema.pattern = Some(text_pattern(NOT_LINE, min));
            schema.min_length = Some(min);
            schema.max_length = Some(max);
        }
        Rule::Text(min, max) => {
            schema.pattern = Some(text_pattern(NOT_TEXT, min));
            schema.min_length = Some(min);
            schema.max_length = Some(max);
        }
        Rule::Slug => {
            schema.pattern = Some("^[a-z0-9]+(-[a-z0-9]+)*$".into());
            schema.min_length = Some(1);
            schema.max_length = Some(MAX_SLUG_CHARS);
        }
        Rule::PageKey => {
            schema.pattern = Some("^[a-z][a-z0-9]*(-[a-z0-9]+)*$".into());
            schema.min_length = Some(1);
            schema.max_length = Some(crate::pages::model::MAX_KEY_CHARS);
        }
        Rule::WebUrl => {
            // ASCII only, so `maxLength` counts the bytes the server counts.
            schema.pattern = Some("^[hH][tT][tT][pP][sS]?://[!-~]{2,}$".into());
            schema.max_length = Some(crate::authors::model::MAX_URL_CHARS);
        }
        Rule::Email => {
            // Printable ASCII, so the lengths count the bytes the server counts: a local part
            // without `@`, and a domain of at least two labels.
            let label = "[!--/-?A-~]+";
            schema.pattern = Some(format!("^[!-?A-~]{{1,64}}@{label}(\\.{label})+$"));
            schema.max_length = Some(254);
        }
        Rule::BannedNetwork => {
            let octet = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
            let v4 = format!("{octet}(\\.{octet}){{3}}(/(1[6-9]|2[0-9]|3[0-2]))?");
            let v6 =
                "([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(/(3[2-9]|[4-9][0-9]|1[01][0-9]|12[0-8]))?";
            schema.pattern = Some(format!("^({v4}|{v6})$"));
        }
        Rule::Password => {
            schema.min_length = Some(MIN_PASSWORD_CHARS);
            schema.max_length = Some(MAX_PASSWORD_CHARS);
        }
        Rule::LocaleCode => {
            schema.pattern = Some("^[a-z]{2,3}(-([A-Z]{2}|[A-Z][a-z]{3}|[0-9]{3}))?$".into());
        }
        Rule::ByLocale(min, values) => {
            schema.min_properties = (min > 0).then_some(min);
            let mut names = ObjectBuilder::new().schema_type(Type::String).build();
            constrain(&mut names, Rule::LocaleCode);
            schema.property_names = Some(Box::new(Schema::Object(names)));
            if let (Some(rule), Some(additional)) = (values, schema.additional_properties.as_mut())
                && let AdditionalProperties::RefOr(RefOr::T(Schema::Object(value))) =
                    additional.as_mut()
            {
                constrain(value, *rule);
            }
        }
        Rule::OneOf(values) => {
            schema.enum_values = Some(values.iter().map(|v| (*v).into()).collect());
        }
        Rule::NotEmpty => schema.min_length = Some(1),
        Rule::KeyList(max) => {
            let key = format!("[^,\\s{NOT_LINE}]+");
            schema.pattern = Some(format!("^\\s*{key}\\s*(,\\s*{key}\\s*){{0,{}}}$", max - 1));
        }
        Rule::AccountRole => *schema = account_role(false),
        Rule::UniqueItems | Rule::NonEmptySet | Rule::EventNames => {
            panic!("constraints: {rule:?} applies to lists only")
        }
        Rule::VisibleAscii(max) => {
            schema.pattern = Some("^[!-~]+$".into());
            schema.min_length = Some(1);
            schema.max_length = Some(max);
        }
    }
}
