//! Locale negotiation for public reads: `?locale=`, else `Accept-Language`, else the site
//! default; and the fallback chain (requested → site default → first published in site order)
//! that picks which translation to serve.

use actix_web::HttpRequest;
use actix_web::http::header;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;
use crate::locales::model::{LocaleRow, normalize_code};

/// Locale parameters of public reads.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LocaleQuery {
    /// Locale to serve (a site locale); else `Accept-Language`, else the site default.
    pub locale: Option<String>,
    /// `false` turns a missing translation into 404 instead of serving another locale.
    pub fallback: Option<bool>,
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
    ) -> Result<Self, ApiError> {
        let order: Vec<String> = locales.iter().map(|l| l.code.clone()).collect();
        let default = locales
            .iter()
            .find(|l| l.is_default)
            .or(locales.first())
            .map(|l| l.code.clone())
            .unwrap_or_default();
        let requested = match explicit {
            Some(raw) => normalize_code(raw)
                .filter(|code| order.contains(code))
                .ok_or_else(|| {
                    ApiError::invalid("locale", format!("must be one of: {}", order.join(", ")))
                })?,
            None => accept_language
                .and_then(|header| from_accept_language(header, &order))
                .unwrap_or_else(|| default.clone()),
        };
        Ok(Self {
            requested,
            default,
            order,
            fallback: fallback.unwrap_or(true),
        })
    }

    /// [`LocaleChoice::negotiate`] among the site's locales (kept in memory): the one way a
    /// public read picks its locale.
    pub async fn for_request(
        state: &AppState,
        request: &HttpRequest,
        explicit: Option<&str>,
        fallback: Option<bool>,
    ) -> Result<Self, ApiError> {
        let locales = state.site_locales().await?;
        let accept_language = request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok());
        Self::negotiate(accept_language, &locales, explicit, fallback)
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

    /// The name (of a category, a tag…) to show among `names`: in the locale
    /// [`LocaleChoice::pick_in`] would serve, else the first. A name always shows, even where
    /// `fallback=false` keeps content to the requested locale.
    pub fn name_in<'a, T>(&self, names: &'a [T], locale: impl Fn(&T) -> &str) -> Option<&'a T> {
        self.pick_in(names, locale)
            .map(|(name, _)| name)
            .or_else(|| names.first())
    }

    /// The one locale a read keeps to (`fallback=false`), or `None` when any may serve.
    pub fn only(&self) -> Option<&str> {
        (!self.fallback).then_some(self.requested.as_str())
    }

    /// The locale to serve among those `has` says are published, following the chain.
    pub fn pick(&self, has: impl Fn(&str) -> bool) -> Option<Picked> {
        if has(&self.requested) {
            return Some(Picked {
                locale: self.requested.clone(),
                fallback: false,
            });
        }
        if !self.fallback {
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
