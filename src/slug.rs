//! Slugs and search folding: lower-case ASCII transliterations that treat Turkish (ı İ ş ğ ç ö
//! ü), French and other accented letters the way readers type them.

use crate::domain::{DomainError, FieldError};

/// Longest slug, in characters.
pub const MAX_SLUG_CHARS: usize = 100;

/// Folds text for search and slugs: transliterated to ASCII and lower-cased, so "İNANILMAZ",
/// "inanılmaz" and "INANILMAZ" all fold to "inanilmaz", and "Sağlık" to "saglik".
pub fn fold(text: &str) -> String {
    // deunicode maps the dotless ı to "i" and the dotted İ to "I".
    deunicode::deunicode(text).to_ascii_lowercase()
}

/// A slug made from a title: "Türkiye Seçime Özel" → `turkiye-secime-ozel`.
pub fn slugify(title: &str) -> String {
    let folded = fold(title);
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_end_matches('-').to_owned();
    if slug.len() > MAX_SLUG_CHARS - 4 {
        // Leave room for a `-N` suffix, and cut at a word boundary where there is one.
        slug.truncate(MAX_SLUG_CHARS - 4);
        if let Some(cut) = slug.rfind('-').filter(|cut| *cut > 20) {
            slug.truncate(cut);
        }
        slug = slug.trim_end_matches('-').to_owned();
    }
    if slug.is_empty() {
        "untitled".into()
    } else {
        slug
    }
}

/// Checks a slug given by a client: lower-case letters, digits and single hyphens.
pub fn check_slug(slug: &str, field: &str) -> Result<(), FieldError> {
    let valid = !slug.is_empty()
        && slug.len() <= MAX_SLUG_CHARS
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if valid {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!("must be 1 to {MAX_SLUG_CHARS} lower-case letters, digits and single hyphens"),
        ))
    }
}

/// The slug a candidate of [`first_free`] was made from: `haber-3` → `haber`. Writers that lock
/// slugs lock this, so one lock covers every suffix of a base.
pub fn base(slug: &str) -> &str {
    match slug.rsplit_once('-') {
        Some((base, n))
            if !base.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => slug,
    }
}

/// `base`, or `base-2`, `base-3`, … : the first candidate `taken` says is free.
pub fn first_free<E>(
    base: &str,
    mut taken: impl FnMut(&str) -> Result<bool, E>,
) -> Result<String, E> {
    if !taken(base)? {
        return Ok(base.to_owned());
    }
    let mut n = 2u32;
    loop {
        let candidate = format!("{base}-{n}");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// The slug to store for `name` in `locale`: an explicit slug must be free (a conflict
/// otherwise); a generated one gets `-2`, `-3`… until it is.
pub fn assign(
    explicit: Option<&str>,
    name: &str,
    locale: &str,
    mut taken: impl FnMut(&str) -> diesel::QueryResult<bool>,
) -> Result<String, DomainError> {
    match explicit {
        Some(slug) if taken(slug)? => Err(DomainError::Conflict(format!(
            "The slug `{slug}` is taken in `{locale}`."
        ))),
        Some(slug) => Ok(slug.to_owned()),
        None => Ok(first_free(&slugify(name), taken)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turkish_and_french_letters_fold_as_readers_type_them() {
        assert_eq!(fold("İNANILMAZ"), "inanilmaz");
        assert_eq!(fold("inanılmaz"), "inanilmaz");
        assert_eq!(fold("Sağlık ŞÖÇÜĞ"), "saglik socug");
        assert_eq!(fold("Élysée à Noël"), "elysee a noel");
    }

    #[test]
    fn slugs_are_lowercase_ascii_words_joined_by_hyphens() {
        assert_eq!(slugify("Türkiye Seçime Özel"), "turkiye-secime-ozel");
        assert_eq!(
            slugify("  Orta Asya -- Asie Centrale!  "),
            "orta-asya-asie-centrale"
        );
        assert_eq!(slugify("«Tokayev» : l'entretien"), "tokayev-l-entretien");
        assert_eq!(slugify("???"), "untitled", "a title with no letters");
        let long = slugify(&"kelime ".repeat(40));
        assert!(
            long.len() <= MAX_SLUG_CHARS - 4,
            "room for a suffix: {long}"
        );
        assert!(!long.ends_with('-'));
    }

    #[test]
    fn a_taken_slug_gets_the_next_free_suffix() {
        let taken = ["haber", "haber-2"];
        let free = first_free("haber", |slug| {
            Ok::<_, diesel::result::Error>(taken.contains(&slug))
        })
        .unwrap();
        assert_eq!(free, "haber-3");
    }

    #[test]
    fn suffixed_slugs_share_their_base() {
        assert_eq!(base("haber-12"), "haber");
        assert_eq!(base("covid-19-haber"), "covid-19-haber");
        assert_eq!(base("2026"), "2026");
        assert_eq!(base("-3"), "-3");
    }

    #[test]
    fn slugs_given_by_clients_are_checked() {
        assert!(check_slug("orta-asya", "slug").is_ok());
        assert!(check_slug("Orta Asya", "slug").is_err());
        assert!(check_slug("", "slug").is_err());
        assert!(check_slug(&"a".repeat(MAX_SLUG_CHARS + 1), "slug").is_err());
    }
}
