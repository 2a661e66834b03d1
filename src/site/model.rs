//! Site settings rows, their admin and public shapes, and the rules a change must pass.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Insertable, Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::authors::model::check_url;
use crate::domain::{DomainError, FieldError, Lines, check_fields, check_text};
use crate::locales::model::{Locale, LocaleChoice, LocaleRow};
use crate::translated::{self, LocaleMap, description_errors};
use crate::users::model::normalize_email;

/// The settings row (there is one).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::site_settings)]
pub struct SiteRow {
    /// Social links as stored: a JSON array of [`SocialLink`].
    pub social: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_address: Option<String>,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

impl SiteRow {
    /// The social links, in the order pages show them.
    pub fn social_links(&self) -> Vec<SocialLink> {
        serde_json::from_str(&self.social).unwrap_or_default()
    }

    /// The contact details.
    pub fn contact(&self) -> Contact {
        Contact {
            email: self.contact_email.clone(),
            phone: self.contact_phone.clone(),
            address: self.contact_address.clone(),
        }
    }
}

/// The site's texts in one locale.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::site_setting_translations)]
pub struct SiteTranslationRow {
    pub locale: String,
    pub name: String,
    pub description: Option<String>,
    pub copyright: Option<String>,
}

/// Longest site name.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest copyright line.
pub const MAX_COPYRIGHT_CHARS: usize = 300;
/// Most social links.
pub const MAX_SOCIAL_LINKS: usize = 20;

/// The site's account on a social network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SocialLink {
    /// The network, as a lower-case word (`facebook`, `x`, `instagram`, `linkedin`, `youtube`,
    /// `tiktok`, `telegram`, `mastodon`, `bluesky`…): front-ends pick the icon by it.
    #[schema(example = "facebook")]
    pub network: String,
    /// The account's address (http or https).
    #[schema(example = "https://www.facebook.com/bruxelleskorner")]
    pub url: String,
}

/// How readers reach the newsroom; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[schema(example = "newsroom@example.com")]
    pub email: Option<String>,
    #[schema(example = "+32 2 000 00 00")]
    pub phone: Option<String>,
    /// Postal address; line breaks separate its lines.
    #[schema(example = "Rue de la Loi 1\n1000 Bruxelles")]
    pub address: Option<String>,
}

/// The site's texts in one locale, as admins write and read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteTexts {
    /// The site's name in this locale, 1 to 200 characters.
    #[schema(example = "Bruxelles Korner")]
    pub name: String,
    /// A sentence or two on the site (up to 2,000 characters, line breaks allowed).
    pub description: Option<String>,
    /// The footer's copyright line, up to 300 characters.
    #[schema(example = "© 2015-2025 AEPI ASBL")]
    pub copyright: Option<String>,
}

/// A change of the site settings: the whole of them (what is left out is emptied).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteRequest {
    /// The texts by locale code (site locales only); locales left out have none.
    #[schema(example = json!({"tr": {"name": "Bruxelles Korner", "copyright": "© 2015-2025 AEPI ASBL"}}))]
    pub translations: BTreeMap<String, SiteTexts>,
    /// Social links, in the order pages show them (at most 20).
    #[serde(default)]
    pub social: Vec<SocialLink>,
    /// Contact details.
    #[serde(default)]
    pub contact: Contact,
}

impl SiteRequest {
    /// The request with its texts trimmed and its email normalised, or what is wrong with it.
    /// `locales` are the site's locale codes.
    pub fn checked(mut self, locales: &[String]) -> Result<Self, DomainError> {
        let map: LocaleMap<SiteTexts> = self
            .translations
            .iter()
            .map(|(locale, texts)| (locale.clone(), Some(texts.clone())))
            .collect();
        let mut errors = translated::errors(locales, "translations", &map, texts_errors);
        if self.social.len() > MAX_SOCIAL_LINKS {
            errors.push(FieldError::new(
                "social",
                format!("must have at most {MAX_SOCIAL_LINKS} links"),
            ));
        }
        for (index, link) in self.social.iter().enumerate() {
            let network = link.network.trim();
            let word = !network.is_empty()
                && network.len() <= 32
                && network
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !word {
                errors.push(FieldError::new(
                    format!("social[{index}].network"),
                    "must be 1 to 32 lower-case letters, digits or hyphens",
                ));
            }
            errors.extend(check_url(&link.url, &format!("social[{index}].url")).err());
        }
        let contact = &mut self.contact;
        contact.email = match contact.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(email) => match normalize_email(email) {
                Ok(email) => Some(email),
                Err(error) => {
                    errors.push(FieldError::new("contact.email", error.message));
                    None
                }
            },
        };
        errors.extend(
            contact
                .phone
                .as_deref()
                .and_then(|phone| check_text(phone, "contact.phone", Lines::One, 0, 50)),
        );
        errors.extend(
            contact
                .address
                .as_deref()
                .and_then(|address| check_text(address, "contact.address", Lines::Many, 0, 500)),
        );
        check_fields(errors)?;
        let trimmed = |text: &Option<String>| {
            text.as_deref()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        for texts in self.translations.values_mut() {
            texts.name = texts.name.trim().to_owned();
            texts.description = trimmed(&texts.description);
            texts.copyright = trimmed(&texts.copyright);
        }
        for link in &mut self.social {
            link.network = link.network.trim().to_owned();
            link.url = link.url.trim().to_owned();
        }
        contact.phone = trimmed(&contact.phone);
        contact.address = trimmed(&contact.address);
        Ok(self)
    }
}

/// What is wrong with one locale's texts, named `prefix` (`translations.fr`).
fn texts_errors(texts: &SiteTexts, prefix: &str) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = check_text(
        &texts.name,
        &format!("{prefix}.name"),
        Lines::One,
        1,
        MAX_NAME_CHARS,
    )
    .into_iter()
    .collect();
    errors.extend(description_errors(texts.description.as_deref(), prefix));
    errors.extend(texts.copyright.as_deref().and_then(|copyright| {
        check_text(
            copyright,
            &format!("{prefix}.copyright"),
            Lines::One,
            0,
            MAX_COPYRIGHT_CHARS,
        )
    }));
    errors
}

/// The site settings as admins see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSite {
    /// The texts by locale code.
    pub translations: BTreeMap<String, SiteTexts>,
    pub social: Vec<SocialLink>,
    pub contact: Contact,
    /// Changes with every write; send it back in `If-Match`.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

impl AdminSite {
    pub fn new(row: SiteRow, translations: Vec<SiteTranslationRow>) -> Self {
        Self {
            translations: translations
                .into_iter()
                .map(|t| {
                    let texts = SiteTexts {
                        name: t.name,
                        description: t.description,
                        copyright: t.copyright,
                    };
                    (t.locale, texts)
                })
                .collect(),
            social: row.social_links(),
            contact: row.contact(),
            version: row.version,
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// What every page's frame needs, in one locale.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicSite {
    /// The site's name, in the locale served (`null` until admins give it one).
    #[schema(example = "Bruxelles Korner")]
    pub name: Option<String>,
    pub description: Option<String>,
    /// The footer's copyright line.
    pub copyright: Option<String>,
    /// The locale of these texts: the requested one, else the first of the fallback chain
    /// that has them. The site's name always shows, as category and tag names do.
    pub locale: Option<String>,
    /// The locale asked for.
    pub requested_locale: String,
    /// Whether the texts are in another locale than the one asked for.
    pub fallback: bool,
    /// The site's default locale.
    #[schema(example = "tr")]
    pub default_locale: String,
    /// Every site locale, in switcher order.
    pub locales: Vec<Locale>,
    /// Social links, in the order pages show them.
    pub social: Vec<SocialLink>,
    pub contact: Contact,
}

impl PublicSite {
    /// The settings as served for `choice`, among the site's `locales`.
    pub fn new(
        row: &SiteRow,
        translations: &[SiteTranslationRow],
        locales: &[LocaleRow],
        choice: &LocaleChoice,
    ) -> Self {
        let texts = choice.name_in(translations, |t| &t.locale);
        Self {
            name: texts.map(|t| t.name.clone()),
            description: texts.and_then(|t| t.description.clone()),
            copyright: texts.and_then(|t| t.copyright.clone()),
            locale: texts.map(|t| t.locale.clone()),
            requested_locale: choice.requested.clone(),
            fallback: texts.is_some_and(|t| t.locale != choice.requested),
            default_locale: choice.default.clone(),
            locales: locales.iter().cloned().map(Locale::from).collect(),
            social: row.social_links(),
            contact: row.contact(),
        }
    }
}
