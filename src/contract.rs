//! The input rules the server checks that a schema can say, written into the OpenAPI document:
//! plain-text patterns (no control characters or bidirectional overrides, not blank), slugs,
//! web addresses, emails, locale codes and lengths. `utoipa` takes a pattern only as a literal
//! on each field, so the rules are listed here once, by schema and property, and applied to the
//! generated document; a listed property that no longer exists stops the document being built
//! (and so every test), so the list can't go stale silently.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};

use crate::articles::model::{
    MAX_SEO_DESCRIPTION_CHARS, MAX_SEO_TITLE_CHARS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS,
};
use crate::comments::model::{MAX_AUTHOR_NAME_CHARS, MAX_BODY_CHARS, MAX_NOTE_CHARS};
use crate::reactions::model::MAX_LABEL_CHARS;
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
    /// An `http://` or `https://` address without spaces.
    WebUrl,
    /// An email address.
    Email,
    /// A password: `MIN_PASSWORD_CHARS` to `MAX_PASSWORD_CHARS` characters.
    Password,
    /// A locale code such as `fr` or `pt-BR`.
    LocaleCode,
    /// A map by locale code: at least one entry, each value as the inner rule says.
    ByLocale(Option<&'static Rule>),
    /// One of these values.
    OneOf(&'static [&'static str]),
    /// Not empty.
    NotEmpty,
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
    ("CorrectionInput", "note", Rule::Text(1, MAX_NOTE_CHARS)),
    ("CreateArticleRequest", "source_url", Rule::WebUrl),
    ("CreateArticleRequest", "source_name", Rule::Line(0, 200)),
    ("CreateArticleRequest", "source_locale", Rule::LocaleCode),
    ("CreateArticleRequest", "translations", Rule::ByLocale(None)),
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
        Rule::ByLocale(None),
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
    ("CreateReactionKind", "labels", Rule::ByLocale(Some(&LABEL))),
    ("NewCommentRequest", "body", Rule::Text(1, MAX_BODY_CHARS)),
    (
        "NewCommentRequest",
        "author_name",
        Rule::Line(1, MAX_AUTHOR_NAME_CHARS),
    ),
    ("ReportRequest", "note", Rule::Text(0, MAX_NOTE_CHARS)),
    ("BanRequest", "reason", Rule::Text(0, MAX_NOTE_CHARS)),
    ("AuthorLink", "label", Rule::Line(1, 100)),
    ("AuthorLink", "url", Rule::WebUrl),
    (
        "CreateAuthorRequest",
        "name",
        Rule::Line(1, crate::authors::model::MAX_NAME_CHARS),
    ),
    ("CreateAuthorRequest", "slug", Rule::Slug),
    ("CreateAuthorRequest", "avatar_url", Rule::WebUrl),
    ("CreateAuthorRequest", "bio", Rule::ByLocale(Some(&BIO))),
    (
        "UpdateAuthorRequest",
        "name",
        Rule::Line(1, crate::authors::model::MAX_NAME_CHARS),
    ),
    ("UpdateAuthorRequest", "slug", Rule::Slug),
    ("UpdateAuthorRequest", "avatar_url", Rule::WebUrl),
];

/// Rules of parameters, wherever an operation takes them: (where, name, rule).
const PARAMETERS: &[(ParameterIn, &str, Rule)] = &[
    (ParameterIn::Query, "locale", Rule::LocaleCode),
    (ParameterIn::Query, "category", Rule::NotEmpty),
    (ParameterIn::Query, "tag", Rule::NotEmpty),
    (ParameterIn::Query, "author", Rule::NotEmpty),
    (
        ParameterIn::Query,
        "sort",
        Rule::OneOf(&["-published_at", "published_at", "title", "-updated_at"]),
    ),
    (ParameterIn::Path, "locale", Rule::LocaleCode),
];

/// Writes every rule into `document`. Panics when a listed schema or property is missing: the
/// list must follow the code.
pub fn apply(document: &mut OpenApi) {
    let components = document.components.get_or_insert_with(Default::default);
    for (schema, property, rule) in PROPERTIES {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(*schema) else {
            panic!("constraints: no object schema `{schema}`");
        };
        let Some(RefOr::T(Schema::Object(field))) = object.properties.get_mut(*property) else {
            panic!("constraints: no property `{schema}.{property}`");
        };
        constrain(field, *rule);
    }
    for item in document.paths.paths.values_mut() {
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
                let rule = PARAMETERS.iter().find(|(place, name, _)| {
                    *place == parameter.parameter_in && *name == parameter.name
                });
                if let (Some((_, _, rule)), Some(RefOr::T(Schema::Object(schema)))) =
                    (rule, parameter.schema.as_mut())
                {
                    constrain(schema, *rule);
                }
            }
        }
    }
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
        Rule::WebUrl => {
            schema.pattern = Some(format!("^[hH][tT][tT][pP][sS]?://[^\\s{NOT_LINE}]+$"));
            schema.max_length = Some(crate::authors::model::MAX_URL_CHARS);
        }
        Rule::Email => {
            let local = format!("[^\\s@{NOT_LINE}]{{1,64}}");
            let label = format!("[^\\s@.{NOT_LINE}]+");
            schema.pattern = Some(format!("^{local}@{label}(\\.{label})+$"));
            schema.max_length = Some(254);
        }
        Rule::Password => {
            schema.min_length = Some(MIN_PASSWORD_CHARS);
            schema.max_length = Some(MAX_PASSWORD_CHARS);
        }
        Rule::LocaleCode => {
            schema.pattern = Some("^[a-z]{2,3}(-([A-Z]{2}|[A-Z][a-z]{3}|[0-9]{3}))?$".into());
        }
        Rule::ByLocale(values) => {
            schema.min_properties = Some(1);
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
    }
}
