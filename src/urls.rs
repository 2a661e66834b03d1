//! Canonical URLs of delivered content: where the front-end shows each article, category, tag
//! and author, built from `SITE_URL` and one route template per kind (`URL_ARTICLE`…), so
//! hreflang alternates and links need no string building in front-ends.

use serde::{Deserialize, Serialize};

/// Checks an address setting named `variable`: an http or https URL without query or
/// fragment; the address without a trailing slash.
pub fn checked_base(variable: &str, url: &str) -> Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let lower = url.to_ascii_lowercase();
    let scheme = ["https://", "http://"]
        .into_iter()
        .find(|scheme| lower.starts_with(scheme));
    let valid = scheme.is_some_and(|scheme| lower.len() > scheme.len())
        && !url.contains(['?', '#'])
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(url.to_owned())
    } else {
        Err(format!(
            "{variable} must be an http or https URL without query or fragment, not `{url}`"
        ))
    }
}

/// `SITE_URL` and the front-end's route templates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteUrls {
    /// Scheme and host (and a path prefix, if any), without a trailing slash.
    pub site: String,
    /// An article: `{locale}`, `{category}` (the category's slug in that locale), `{slug}`,
    /// `{id}`.
    pub article: String,
    /// A category: `{locale}`, `{slug}`, `{id}`.
    pub category: String,
    /// A tag: `{locale}`, `{slug}`, `{id}`.
    pub tag: String,
    /// An author: `{locale}`, `{slug}`, `{id}`.
    pub author: String,
    /// A page: `{locale}`, `{slug}`, `{id}`, `{key}` (the page's key, or its slug when it has
    /// none).
    #[serde(default = "default_page")]
    pub page: String,
    /// A draft preview: `{token}`.
    #[serde(default = "default_preview")]
    pub preview: String,
    /// Where media file URLs start (`MEDIA_PUBLIC_URL`, else `PUBLIC_API_URL` + `/media`),
    /// without a trailing slash.
    #[serde(default = "default_media")]
    pub media: String,
}

/// Where media file URLs start by default.
pub const DEFAULT_MEDIA: &str = "http://localhost:8080/media";

fn default_preview() -> String {
    DEFAULT_PREVIEW.to_owned()
}

fn default_page() -> String {
    DEFAULT_PAGE.to_owned()
}

fn default_media() -> String {
    DEFAULT_MEDIA.to_owned()
}

/// The default `SITE_URL`.
pub const DEFAULT_SITE_URL: &str = "http://localhost:3000";
/// The default `URL_ARTICLE`.
pub const DEFAULT_ARTICLE: &str = "/{locale}/{category}/{slug}";
/// The default `URL_CATEGORY`.
pub const DEFAULT_CATEGORY: &str = "/{locale}/{slug}";
/// The default `URL_TAG`.
pub const DEFAULT_TAG: &str = "/{locale}/tag/{slug}";
/// The default `URL_AUTHOR`.
pub const DEFAULT_AUTHOR: &str = "/{locale}/author/{slug}";
/// The default `URL_PREVIEW`.
pub const DEFAULT_PREVIEW: &str = "/preview/{token}";
/// The default `URL_PAGE`.
pub const DEFAULT_PAGE: &str = "/{locale}/page/{slug}";

impl Default for SiteUrls {
    fn default() -> Self {
        Self {
            site: DEFAULT_SITE_URL.to_owned(),
            article: DEFAULT_ARTICLE.to_owned(),
            category: DEFAULT_CATEGORY.to_owned(),
            tag: DEFAULT_TAG.to_owned(),
            author: DEFAULT_AUTHOR.to_owned(),
            page: default_page(),
            preview: default_preview(),
            media: default_media(),
        }
    }
}

/// The placeholders every template may use.
const COMMON: [&str; 3] = ["locale", "slug", "id"];

impl SiteUrls {
    /// Checks a site URL and templates: the site an http(s) URL without query or fragment,
    /// each template a path starting with `/` that names `{slug}` or `{id}` and only the
    /// placeholders of its kind. The error names the setting.
    pub fn new(
        site: &str,
        article: &str,
        category: &str,
        tag: &str,
        author: &str,
    ) -> Result<Self, String> {
        Ok(Self {
            site: checked_base("SITE_URL", site)?,
            article: checked("URL_ARTICLE", article, &["category"])?,
            category: checked("URL_CATEGORY", category, &[])?,
            tag: checked("URL_TAG", tag, &[])?,
            author: checked("URL_AUTHOR", author, &[])?,
            page: default_page(),
            preview: default_preview(),
            media: default_media(),
        })
    }

    /// These settings with pages at `template` (`URL_PAGE`), when it is a valid one.
    pub fn with_page(self, template: &str) -> Result<Self, String> {
        Ok(Self {
            page: checked("URL_PAGE", template, &["key"])?,
            ..self
        })
    }

    /// These settings with draft previews at `template` (`URL_PREVIEW`): a path naming
    /// `{token}` and nothing else.
    pub fn with_preview(self, template: &str) -> Result<Self, String> {
        let template = template.trim();
        let rest = template.replacen("{token}", "", 1);
        if !template.starts_with('/')
            || !template.contains("{token}")
            || rest.contains(['{', '}'])
            || template
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(format!(
                "URL_PREVIEW must be a path starting with / that names {{token}} once and no \
                 other placeholder, not `{template}`"
            ));
        }
        Ok(Self {
            preview: template.to_owned(),
            ..self
        })
    }

    /// Where the front-end shows the draft preview `token`.
    pub fn preview(&self, token: &str) -> String {
        self.fill(&self.preview, &[("token", token)])
    }

    /// These settings with media file URLs starting at `base` (a checked address).
    pub fn with_media(self, base: String) -> Self {
        Self {
            media: base,
            ..self
        }
    }

    /// The URL of the stored media file at `key`.
    pub fn media_file(&self, key: &str) -> String {
        format!("{}/{key}", self.media)
    }

    /// An article's URL in `locale`, at `slug`, in the category whose slug there is `category`.
    pub fn article(&self, locale: &str, category: &str, slug: &str, id: i64) -> String {
        self.fill(
            &self.article,
            &[
                ("locale", locale),
                ("category", category),
                ("slug", slug),
                ("id", &id.to_string()),
            ],
        )
    }

    /// A category's URL in `locale`.
    pub fn category(&self, locale: &str, slug: &str, id: i64) -> String {
        self.fill(&self.category, &Self::common(locale, slug, &id.to_string()))
    }

    /// A tag's URL in `locale`.
    pub fn tag(&self, locale: &str, slug: &str, id: i64) -> String {
        self.fill(&self.tag, &Self::common(locale, slug, &id.to_string()))
    }

    /// An author's URL in `locale`.
    pub fn author(&self, locale: &str, slug: &str, id: i64) -> String {
        self.fill(&self.author, &Self::common(locale, slug, &id.to_string()))
    }

    /// A page's URL in `locale`; `key` is its key, if it has one.
    pub fn page(&self, locale: &str, slug: &str, id: i64, key: Option<&str>) -> String {
        let id = id.to_string();
        self.fill(
            &self.page,
            &[
                ("locale", locale),
                ("slug", slug),
                ("id", &id),
                ("key", key.unwrap_or(slug)),
            ],
        )
    }

    fn common<'a>(locale: &'a str, slug: &'a str, id: &'a str) -> [(&'a str, &'a str); 3] {
        [("locale", locale), ("slug", slug), ("id", id)]
    }

    /// `SITE_URL` and `template` with its placeholders replaced.
    fn fill(&self, template: &str, values: &[(&str, &str)]) -> String {
        let mut url = self.site.clone();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            url.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let name = &rest[open + 1..open + close];
            if let Some((_, value)) = values.iter().find(|(key, _)| *key == name) {
                url.push_str(value);
            }
            rest = &rest[open + close + 1..];
        }
        url.push_str(rest);
        url
    }
}

/// `template` when it is a path naming `{slug}` or `{id}` and only the placeholders every kind
/// has and `extra`; else an error naming `variable`.
fn checked(variable: &str, template: &str, extra: &[&str]) -> Result<String, String> {
    let template = template.trim();
    let refuse = |why: &str| Err(format!("{variable} {why}, not `{template}`"));
    if !template.starts_with('/')
        || template
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return refuse("must be a path starting with /");
    }
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return refuse("has an unclosed {");
        };
        names.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    if rest.contains('}') {
        return refuse("has an unopened }");
    }
    if let Some(unknown) = names
        .iter()
        .find(|name| !COMMON.contains(name) && !extra.contains(name))
    {
        let mut known: Vec<&str> = COMMON.to_vec();
        known.extend(extra);
        return refuse(&format!(
            "names {{{unknown}}}; it may name {}",
            known
                .iter()
                .map(|n| format!("{{{n}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // A page's key falls back to its slug, so it names the page too.
    if !names
        .iter()
        .any(|name| matches!(*name, "slug" | "id" | "key"))
    {
        return refuse("must name {slug} or {id}");
    }
    Ok(template.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_and_refuse() {
        let urls = SiteUrls::new(
            "https://www.example.be/",
            "/{locale}/{category}/{slug}",
            "/{locale}/c/{slug}",
            "/{locale}/tag/{slug}",
            "/yazar/{id}",
        )
        .unwrap();
        assert_eq!(
            urls.article("fr", "asie-centrale", "tokaiev", 7),
            "https://www.example.be/fr/asie-centrale/tokaiev"
        );
        assert_eq!(
            urls.author("tr", "ayana", 3),
            "https://www.example.be/yazar/3"
        );
        let pages = urls.clone().with_page("/{locale}/{key}").unwrap();
        assert_eq!(
            pages.page("fr", "mentions-legales", 4, Some("imprint")),
            "https://www.example.be/fr/imprint"
        );
        assert_eq!(
            pages.page("fr", "a-propos", 5, None),
            "https://www.example.be/fr/a-propos"
        );
        assert!(urls.clone().with_page("/{locale}/{category}").is_err());
        let previews = urls.clone().with_preview("/onizleme/{token}").unwrap();
        assert_eq!(
            previews.preview("abc"),
            "https://www.example.be/onizleme/abc"
        );
        assert!(urls.clone().with_preview("/preview/{slug}").is_err());
        assert!(urls.clone().with_preview("/preview").is_err());
        assert!(SiteUrls::new("ftp://x", "/{slug}", "/{slug}", "/{slug}", "/{slug}").is_err());
        let refused = SiteUrls::new(
            "https://x.be",
            "/{slug}",
            "/{category}/{slug}",
            "/{slug}",
            "/{slug}",
        )
        .unwrap_err();
        assert!(refused.starts_with("URL_CATEGORY"), "{refused}");
        assert!(
            SiteUrls::new("https://x.be", "/{locale}", "/{slug}", "/{slug}", "/{slug}").is_err()
        );
        assert!(SiteUrls::new("https://x.be", "/{slug", "/{slug}", "/{slug}", "/{slug}").is_err());
        assert!(SiteUrls::new("https://x.be", "{slug}", "/{slug}", "/{slug}", "/{slug}").is_err());
    }
}
