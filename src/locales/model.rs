//! Locale rows and the rules for locale codes.

use diesel::{Insertable, Queryable, Selectable};
use serde::Serialize;
use utoipa::ToSchema;

/// A stored locale.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::locales)]
pub struct LocaleRow {
    /// Surrogate id.
    pub id: i64,
    /// Code such as `tr` or `pt-BR`.
    pub code: String,
    /// Name of the language in itself.
    pub name: String,
    /// Whether this is the site default.
    pub is_default: bool,
    /// Order in locale switchers.
    pub position: i32,
}

/// A new locale.
#[derive(Debug, Insertable)]
#[diesel(table_name = crate::db::schema::locales)]
pub struct NewLocale<'a> {
    /// Code such as `tr`.
    pub code: &'a str,
    /// Name of the language in itself.
    pub name: &'a str,
    /// Whether this is the site default.
    pub is_default: bool,
    /// Order in locale switchers.
    pub position: i32,
    /// Creation time.
    pub created_at: chrono::NaiveDateTime,
    /// Last change.
    pub updated_at: chrono::NaiveDateTime,
}

/// A locale of the site, as the delivery API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Locale {
    /// Locale code (ISO 639-1 language, optionally with a region): use it in `?locale=`.
    #[schema(example = "tr")]
    pub code: String,
    /// The language's name in itself, for locale switchers.
    #[schema(example = "Türkçe")]
    pub name: String,
    /// Whether this is the site's default locale, the last step of every fallback chain.
    pub is_default: bool,
    /// Order in locale switchers, ascending.
    pub position: i32,
}

impl From<LocaleRow> for Locale {
    fn from(row: LocaleRow) -> Self {
        Self {
            code: row.code,
            name: row.name,
            is_default: row.is_default,
            position: row.position,
        }
    }
}

/// Normalises a locale code: language in lower case (2 or 3 letters), then optional subtags of
/// 2 to 8 letters or digits, a 2-letter region in upper case (`pt-br` → `pt-BR`). `None` when it
/// is not a locale code.
pub fn normalize_code(raw: &str) -> Option<String> {
    let mut parts = raw.trim().split(['-', '_']);
    let language = parts.next()?;
    if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut code = language.to_ascii_lowercase();
    for subtag in parts {
        if !(2..=8).contains(&subtag.len()) || !subtag.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        code.push('-');
        if subtag.len() == 2 {
            code.push_str(&subtag.to_ascii_uppercase());
        } else {
            code.push_str(subtag);
        }
    }
    Some(code)
}

/// The language's name in itself, for the locales a newsroom is most likely to start with;
/// other codes are named by their code until an admin renames them.
pub fn native_name(code: &str) -> &str {
    let language = code.split('-').next().unwrap_or(code);
    match language {
        "ar" => "العربية",
        "az" => "Azərbaycanca",
        "de" => "Deutsch",
        "el" => "Ελληνικά",
        "en" => "English",
        "es" => "Español",
        "fr" => "Français",
        "it" => "Italiano",
        "kk" => "Қазақша",
        "ky" => "Кыргызча",
        "nl" => "Nederlands",
        "pl" => "Polski",
        "pt" => "Português",
        "ro" => "Română",
        "ru" => "Русский",
        "tr" => "Türkçe",
        "uk" => "Українська",
        "uz" => "Oʻzbekcha",
        _ => code,
    }
}
