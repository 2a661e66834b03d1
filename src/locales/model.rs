//! Locale rows, the rules for locale codes, and the locale choice of public reads: `?locale=`,
//! else `Accept-Language`, else the site default; and the fallback chain (requested → site
//! default → first published in site order) that picks which translation to serve.

use diesel::{Insertable, Queryable, Selectable};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldError;

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

/// The locale a public read asked for, and how to fall back.
#[derive(Clone, Debug)]
pub struct LocaleChoice {
    /// The locale the client asked for (or the default when it asked for none we have).
    pub requested: String,
    /// The site default locale.
    pub default: String,
    /// Every site locale in switcher order: the last step of the fallback chain.
    pub order: Vec<String>,
    /// Whether another locale may be served when `requested` has no published translation.
    pub fallback: bool,
}

/// Where a served translation came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picked {
    /// The locale served.
    pub locale: String,
    /// Whether it is not the requested one.
    pub fallback: bool,
}

impl LocaleChoice {
    /// Negotiates from `?locale=` (`explicit`, which must be a site locale: 422 otherwise),
    /// else `Accept-Language` (first site locale it names, by quality), else the default.
    pub fn negotiate(
        accept_language: Option<&str>,
        locales: &[LocaleRow],
        explicit: Option<&str>,
        fallback: Option<bool>,
    ) -> Result<Self, FieldError> {
        let order: Vec<String> = locales.iter().map(|l| l.code.clone()).collect();
        let requested = match explicit {
            Some(raw) => normalize_code(raw)
                .filter(|code| order.contains(code))
                .ok_or_else(|| {
                    FieldError::new("locale", format!("must be one of: {}", order.join(", ")))
                })?,
            None => accept_language
                .and_then(|header| from_accept_language(header, &order))
                .unwrap_or_else(|| default_of(locales)),
        };
        Ok(Self {
            fallback: fallback.unwrap_or(true),
            ..Self::serving(&requested, locales)
        })
    }

    /// The choice of a read asking for `requested` (a site locale) with fallback allowed.
    pub fn serving(requested: &str, locales: &[LocaleRow]) -> Self {
        Self {
            requested: requested.to_owned(),
            default: default_of(locales),
            order: locales.iter().map(|l| l.code.clone()).collect(),
            fallback: true,
        }
    }

    /// A read of `requested` exactly, without fallback (a preview's locale).
    pub fn strict(requested: &str, locales: &[LocaleRow]) -> Self {
        Self {
            fallback: false,
            ..Self::serving(requested, locales)
        }
    }

    /// The item of `items` (translations, labels, bios…) in the locale to serve, found with
    /// [`LocaleChoice::pick`] over the items' `locale`s, and where that locale came from.
    pub fn pick_in<'a, T>(
        &self,
        items: &'a [T],
        locale: impl Fn(&T) -> &str,
    ) -> Option<(&'a T, Picked)> {
        let picked = self.pick(|code| items.iter().any(|item| locale(item) == code))?;
        let item = items.iter().find(|item| locale(item) == picked.locale)?;
        Some((item, picked))
    }

    /// The name (of a category, a tag…) to show among `names`: in the first locale of the
    /// fallback chain that has one, else the first. A name always shows, and the same one, even where
    /// `fallback=false` keeps content to the requested locale.
    pub fn name_in<'a, T>(&self, names: &'a [T], locale: impl Fn(&T) -> &str) -> Option<&'a T> {
        self.chain_pick(true, |code| names.iter().any(|name| locale(name) == code))
            .and_then(|picked| names.iter().find(|name| locale(name) == picked.locale))
            .or_else(|| names.first())
    }

    /// The one locale a read keeps to (`fallback=false`), or `None` when any may serve.
    pub fn only(&self) -> Option<&str> {
        (!self.fallback).then_some(self.requested.as_str())
    }

    /// The locale to serve among those `has` says are published, following the chain.
    pub fn pick(&self, has: impl Fn(&str) -> bool) -> Option<Picked> {
        self.chain_pick(self.fallback, has)
    }

    /// [`LocaleChoice::pick`], falling back or not as `fallback` says.
    fn chain_pick(&self, fallback: bool, has: impl Fn(&str) -> bool) -> Option<Picked> {
        if has(&self.requested) {
            return Some(Picked {
                locale: self.requested.clone(),
                fallback: false,
            });
        }
        if !fallback {
            return None;
        }
        std::iter::once(&self.default)
            .chain(self.order.iter())
            .find(|code| has(code))
            .map(|code| Picked {
                locale: code.clone(),
                fallback: true,
            })
    }
}

/// The site default locale (the first when none is marked).
fn default_of(locales: &[LocaleRow]) -> String {
    locales
        .iter()
        .find(|l| l.is_default)
        .or(locales.first())
        .map(|l| l.code.clone())
        .unwrap_or_default()
}

/// The first site locale `Accept-Language` names, by quality (`fr-BE` matches `fr`).
fn from_accept_language(header: &str, order: &[String]) -> Option<String> {
    let mut ranges: Vec<(f32, usize, String)> = header
        .split(',')
        .enumerate()
        .filter_map(|(index, part)| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim().to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (quality > 0.0 && !tag.is_empty()).then_some((quality, index, tag))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().find_map(|(_, _, tag)| {
        order
            .iter()
            .find(|code| code.to_ascii_lowercase() == tag)
            .or_else(|| {
                let language = tag.split('-').next().unwrap_or(&tag);
                order
                    .iter()
                    .find(|code| code.split('-').next() == Some(language))
            })
            .cloned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Vec<LocaleRow> {
        ["tr", "fr", "en", "pt-BR"]
            .into_iter()
            .enumerate()
            .map(|(index, code)| LocaleRow {
                id: index as i64 + 1,
                code: code.into(),
                name: code.into(),
                is_default: code == "tr",
                position: index as i32,
            })
            .collect()
    }

    fn order() -> Vec<String> {
        site().into_iter().map(|l| l.code).collect()
    }

    #[test]
    fn accept_language_takes_the_best_quality_site_locale() {
        let order = order();
        assert_eq!(
            from_accept_language("de, en;q=0.5, fr;q=0.8", &order).as_deref(),
            Some("fr")
        );
        // Equal qualities keep the header's order.
        assert_eq!(
            from_accept_language("en, fr", &order).as_deref(),
            Some("en")
        );
        // A region falls back to its language, and a language matches its regional locale.
        assert_eq!(from_accept_language("fr-BE", &order).as_deref(), Some("fr"));
        assert_eq!(from_accept_language("pt", &order).as_deref(), Some("pt-BR"));
        assert_eq!(
            from_accept_language("PT-br", &order).as_deref(),
            Some("pt-BR")
        );
        // q=0 means "not this one"; nothing we have gives none.
        assert_eq!(from_accept_language("fr;q=0, de", &order), None);
        assert_eq!(from_accept_language("", &order), None);
    }

    #[test]
    fn an_explicit_locale_wins_and_must_be_a_site_locale() {
        let choice = LocaleChoice::negotiate(Some("en"), &site(), Some("FR"), None).unwrap();
        assert_eq!(choice.requested, "fr");
        assert!(choice.fallback);
        assert!(LocaleChoice::negotiate(None, &site(), Some("de"), None).is_err());
        let choice = LocaleChoice::negotiate(None, &site(), None, Some(false)).unwrap();
        assert_eq!(choice.requested, "tr", "the site default");
        assert_eq!(choice.only(), Some("tr"));
    }

    #[test]
    fn the_fallback_chain_goes_requested_then_default_then_site_order() {
        let choice = LocaleChoice::negotiate(Some("en"), &site(), None, None).unwrap();
        let picked = choice.pick(|code| code == "en").unwrap();
        assert_eq!((picked.locale.as_str(), picked.fallback), ("en", false));
        let picked = choice.pick(|code| code == "fr" || code == "tr").unwrap();
        assert_eq!((picked.locale.as_str(), picked.fallback), ("tr", true));
        let picked = choice.pick(|code| code == "fr").unwrap();
        assert_eq!(picked.locale, "fr");
        let strict = LocaleChoice::negotiate(Some("en"), &site(), None, Some(false)).unwrap();
        assert!(strict.pick(|code| code == "fr").is_none());
        // Names still show in some locale when the content keeps to one.
        let names = ["fr".to_owned()];
        assert_eq!(strict.name_in(&names, |n| n), Some(&names[0]));
    }
}
