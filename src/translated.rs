//! Per-locale maps in request bodies, as categories and tags take their translations, authors
//! their bios and reaction kinds their labels: `{"tr": …, "fr": null}`, where a value sets that
//! locale and `null` removes it. One way to check such a map against the site's locales and to
//! write it.

use std::collections::BTreeMap;

use crate::domain::{DomainError, FieldError, Lines, check_fields, check_text};
use crate::slug::check_slug;

/// A per-locale map from a request body: `Some` sets the locale's value, `None` removes it.
pub type LocaleMap<T> = BTreeMap<String, Option<T>>;

/// Checks `map`, named `field` in errors (`translations`, `labels`, `bio`): every key must be
/// one of `site`'s locales and every value must pass `check`, which gets the value and its
/// name (`translations.fr`) and returns what is wrong with it.
pub fn check<T>(
    site: &[String],
    field: &str,
    map: &LocaleMap<T>,
    check: impl Fn(&T, &str) -> Vec<FieldError>,
) -> Result<(), DomainError> {
    check_fields(errors(site, field, map, check))
}

/// What [`check`] finds wrong, for a body that checks other fields too.
pub fn errors<T>(
    site: &[String],
    field: &str,
    map: &LocaleMap<T>,
    check: impl Fn(&T, &str) -> Vec<FieldError>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (locale, value) in map {
        let name = format!("{field}.{locale}");
        if !site.contains(locale) {
            errors.push(FieldError::new(
                name,
                format!("is not a site locale ({})", site.join(", ")),
            ));
        } else if let Some(value) = value {
            errors.extend(check(value, &name));
        }
    }
    errors
}

/// Writes `map` over `conn`: `put` for every locale with a value, `remove` for every `null`.
pub fn write<C, T, E>(
    conn: &mut C,
    map: &LocaleMap<T>,
    mut put: impl FnMut(&mut C, &str, &T) -> Result<(), E>,
    mut remove: impl FnMut(&mut C, &str) -> Result<(), E>,
) -> Result<(), E> {
    for (locale, value) in map {
        match value {
            Some(value) => put(conn, locale, value)?,
            None => remove(conn, locale)?,
        }
    }
    Ok(())
}

/// Longest description that goes with a translated name (categories, tags).
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// What is wrong with the optional description (up to [`MAX_DESCRIPTION_CHARS`] characters,
/// line breaks allowed) of the translation named `prefix`.
pub fn description_errors(description: Option<&str>, prefix: &str) -> Vec<FieldError> {
    description
        .and_then(|text| {
            check_text(
                text,
                &format!("{prefix}.description"),
                Lines::Many,
                0,
                MAX_DESCRIPTION_CHARS,
            )
        })
        .into_iter()
        .collect()
}

/// A description as stored: trimmed, `None` when nothing is left.
pub fn stored_description(description: Option<&str>) -> Option<&str> {
    description.map(str::trim).filter(|text| !text.is_empty())
}

/// What is wrong with a translated name (1 to `max_name` characters) and its optional slug, in
/// the translation named `prefix` (`translations.fr`).
pub fn name_and_slug_errors(
    name: &str,
    slug: Option<&str>,
    prefix: &str,
    max_name: usize,
) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> =
        check_text(name, &format!("{prefix}.name"), Lines::One, 1, max_name)
            .into_iter()
            .collect();
    if let Some(slug) = slug
        && let Err(error) = check_slug(slug, &format!("{prefix}.slug"))
    {
        errors.push(error);
    }
    errors
}
