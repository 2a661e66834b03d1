//! Site settings rows, their admin and public shapes, and the rules a change must pass.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{Insertable, Queryable, Selectable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::authors::model::check_url;
use crate::domain::{DomainError, FieldError, Lines, check_fields, check_text};
use crate::locales::model::{Locale, LocaleChoice, LocaleRow};
use crate::media::model::PublicMedia;
use crate::slug::check_slug;
use crate::translated::{self, LocaleMap, description_errors, stored_description};
use crate::users::model::normalize_email;

/// The settings row (there is one).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::site_settings)]
pub struct SiteRow {
    /// Social links as stored: a JSON array of [`SocialLink`].
    pub social: String,
    /// Contact email, normalised.
    pub contact_email: Option<String>,
    /// Contact phone number.
    pub contact_phone: Option<String>,
    /// Postal address, over several lines.
    pub contact_address: Option<String>,
    /// Moves on with every write.
    pub version: i64,
    /// Last change (UTC).
    pub updated_at: NaiveDateTime,
    /// The logo, a picture of the media library.
    pub logo_media_id: Option<i64>,
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
    /// A site locale.
    pub locale: String,
    /// The site's name there.
    pub name: String,
    /// A sentence or two on the site.
    pub description: Option<String>,
    /// The footer's copyright line.
    pub copyright: Option<String>,
}

/// Longest site name.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest copyright line.
pub const MAX_COPYRIGHT_CHARS: usize = 300;
/// Most social links.
pub const MAX_SOCIAL_LINKS: usize = 20;
/// Longest phone number.
pub const MAX_PHONE_CHARS: usize = 50;
/// Longest postal address.
pub const MAX_ADDRESS_CHARS: usize = 500;

/// The site's account on a social network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SocialLink {
    /// The network, as a lower-case slug (`facebook`, `x`, `instagram`, `linkedin`, `youtube`,
    /// `tiktok`, `telegram`, `mastodon`, `bluesky`…): front-ends pick the icon by it. A network
    /// may appear more than once (two accounts).
    #[schema(example = "facebook")]
    pub network: String,
    /// The account's address (http or https).
    #[schema(example = "https://www.facebook.com/example")]
    pub url: String,
}

/// How readers reach the newsroom; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// An email address for readers.
    #[schema(example = "newsroom@example.com")]
    pub email: Option<String>,
    /// A phone number, as it should be shown.
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

/// The whole of the site settings, as a PUT replaces them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteRequest {
    /// The texts by locale code (site locales only, at least one); a locale left out has none.
    #[schema(example = json!({"tr": {"name": "Bruxelles Korner", "copyright": "© 2015-2025 AEPI ASBL"}}))]
    pub translations: BTreeMap<String, SiteTexts>,
    /// Social links, in the order pages show them (at most 20, each once).
    #[schema(max_items = 20)]
    pub social: Vec<SocialLink>,
    /// Contact details (`{}` for none).
    pub contact: Contact,
    /// The logo: a picture of the media library (none when left out).
    #[serde(default)]
    pub logo_media_id: Option<i64>,
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
        if self.translations.is_empty() {
            errors.push(FieldError::new(
                "translations",
                "must name at least one locale",
            ));
        }
        if self.social.len() > MAX_SOCIAL_LINKS {
            errors.push(FieldError::new(
                "social",
                format!("must have at most {MAX_SOCIAL_LINKS} links"),
            ));
        } else {
            for (index, link) in self.social.iter().enumerate() {
                errors.extend(check_slug(&link.network, &format!("social.{index}.network")).err());
                errors.extend(check_url(&link.url, &format!("social.{index}.url")).err());
                if self.social[..index].contains(link) {
                    errors.push(FieldError::new(format!("social.{index}"), "is given twice"));
                }
            }
        }
        let contact = &mut self.contact;
        contact.email = match contact.email.as_deref() {
            None => None,
            Some(email) => match normalize_email(email) {
                Ok(email) => Some(email),
                Err(error) => {
                    errors.push(FieldError::new("contact.email", error.message));
                    None
                }
            },
        };
        errors.extend(
            contact.phone.as_deref().and_then(|phone| {
                check_text(phone, "contact.phone", Lines::One, 0, MAX_PHONE_CHARS)
            }),
        );
        errors.extend(contact.address.as_deref().and_then(|address| {
            check_text(
                address,
                "contact.address",
                Lines::Many,
                0,
                MAX_ADDRESS_CHARS,
            )
        }));
        check_fields(errors)?;
        let stored = |text: &Option<String>| stored_description(text.as_deref()).map(str::to_owned);
        for texts in self.translations.values_mut() {
            texts.name = texts.name.trim().to_owned();
            texts.description = stored(&texts.description);
            texts.copyright = stored(&texts.copyright);
        }
        contact.phone = stored(&contact.phone);
        contact.address = stored(&contact.address);
        Ok(self)
    }

    /// The texts as rows.
    pub fn translation_rows(&self) -> Vec<SiteTranslationRow> {
        self.translations
            .iter()
            .map(|(locale, texts)| SiteTranslationRow {
                locale: locale.clone(),
                name: texts.name.clone(),
                description: texts.description.clone(),
                copyright: texts.copyright.clone(),
            })
            .collect()
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
    /// Social links, in the order pages show them.
    pub social: Vec<SocialLink>,
    /// Contact details.
    pub contact: Contact,
    /// The logo, a picture of the media library.
    pub logo_media_id: Option<i64>,
    /// Changes with every write; send it back in `If-Match`.
    pub version: i64,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl AdminSite {
    /// The settings from their rows.
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
            logo_media_id: row.logo_media_id,
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
    /// A sentence or two on the site.
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
    /// Contact details.
    pub contact: Contact,
    /// The logo, in the locale served.
    pub logo: Option<PublicMedia>,
    /// The feeds of the requested locale.
    pub feeds: SiteFeeds,
    /// The sitemap index.
    #[schema(example = "https://api.example.be/sitemap.xml")]
    pub sitemap: String,
}

/// The addresses of a locale's feeds.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteFeeds {
    #[schema(example = "https://api.example.be/feeds/tr/rss.xml")]
    pub rss: String,
    pub atom: String,
    pub json: String,
}

impl PublicSite {
    /// The settings as served for `choice`, among the site's `locales`.
    pub fn new(
        row: &SiteRow,
        translations: &[SiteTranslationRow],
        locales: &[LocaleRow],
        choice: &LocaleChoice,
        logo: Option<PublicMedia>,
        api_url: &str,
    ) -> Self {
        let feed = |file: &str| format!("{api_url}/feeds/{}/{file}", choice.requested);
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
            logo,
            feeds: SiteFeeds {
                rss: feed("rss.xml"),
                atom: feed("atom.xml"),
                json: feed("feed.json"),
            },
            sitemap: format!("{api_url}/sitemap.xml"),
        }
    }
}
