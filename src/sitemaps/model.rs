//! Sitemaps as the protocol writes them: an index over per-locale, per-kind files of at most
//! 50,000 URLs, each URL with its `lastmod`, an `xhtml:link rel="alternate" hreflang` for every
//! published translation plus `x-default`, and `image:image` for covers; and a Google News
//! sitemap.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;

use crate::feeds::model::escape;

/// Most URLs in one sitemap file (the protocol's limit).
pub const MAX_URLS: i64 = 50_000;

/// The opening of a sitemap file.
pub const URLSET_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset \
    xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
    xmlns:xhtml=\"http://www.w3.org/1999/xhtml\" \
    xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">\n";

/// The end of a sitemap file.
pub const URLSET_TAIL: &str = "</urlset>\n";

/// What a sitemap file lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Articles,
    Pages,
    Categories,
    Tags,
    Authors,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Articles,
        Kind::Pages,
        Kind::Categories,
        Kind::Tags,
        Kind::Authors,
    ];

    /// The kind's name in file names.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Articles => "articles",
            Kind::Pages => "pages",
            Kind::Categories => "categories",
            Kind::Tags => "tags",
            Kind::Authors => "authors",
        }
    }

    /// The kind and number of a file name such as `articles-2.xml`.
    pub fn of_file(file: &str) -> Option<(Kind, i64)> {
        let stem = file.strip_suffix(".xml")?;
        let (name, number) = stem.rsplit_once('-')?;
        let kind = Kind::ALL.into_iter().find(|kind| kind.name() == name)?;
        let parsed: i64 = number.parse().ok().filter(|n| *n >= 1)?;
        // Written as the index writes it: no leading zeros or signs.
        (parsed.to_string() == number).then_some((kind, parsed))
    }
}

/// One URL of a sitemap.
#[derive(Debug, Default)]
pub struct Entry {
    pub loc: String,
    pub lastmod: Option<DateTime<Utc>>,
    /// (hreflang, href) of every translation, itself included, and `x-default`.
    pub alternates: Vec<(String, String)>,
    /// Pictures on the page.
    pub images: Vec<String>,
}

impl Entry {
    /// The entry as XML, appended to `out`.
    pub fn write(&self, out: &mut String) {
        out.push_str("<url><loc>");
        out.push_str(&escape(&self.loc));
        out.push_str("</loc>");
        if let Some(at) = self.lastmod {
            out.push_str("<lastmod>");
            out.push_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true));
            out.push_str("</lastmod>");
        }
        for (hreflang, href) in &self.alternates {
            out.push_str(&format!(
                "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                escape(hreflang),
                escape(href)
            ));
        }
        for image in &self.images {
            out.push_str(&format!(
                "<image:image><image:loc>{}</image:loc></image:image>",
                escape(image)
            ));
        }
        out.push_str("</url>\n");
    }
}

/// Alternates for a page with `translations` (locale, href): each of them, and `x-default`
/// pointing at the one in `default_locale` (else the first).
pub fn alternates(
    translations: &[(String, String)],
    default_locale: &str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = translations.to_vec();
    let default = translations
        .iter()
        .find(|(locale, _)| locale == default_locale)
        .or(translations.first());
    if let Some((_, href)) = default {
        out.push(("x-default".into(), href.clone()));
    }
    out
}

/// An alternate in an article's card.
#[derive(Debug, Deserialize)]
pub struct CardAlternate {
    pub locale: String,
    pub url: String,
}

/// A cover in an article's card.
#[derive(Debug, Deserialize)]
pub struct CardCover {
    pub url: String,
}

/// What a sitemap takes from an article's card.
#[derive(Debug, Deserialize)]
pub struct SitemapCard {
    pub url: String,
    pub updated_at: DateTime<Utc>,
    pub translations: Vec<CardAlternate>,
    pub cover: Option<CardCover>,
}

impl SitemapCard {
    /// The card's sitemap entry.
    pub fn entry(self, default_locale: &str) -> Entry {
        let translations: Vec<(String, String)> = self
            .translations
            .into_iter()
            .map(|t| (t.locale, t.url))
            .collect();
        Entry {
            loc: self.url,
            lastmod: Some(self.updated_at),
            alternates: alternates(&translations, default_locale),
            images: self.cover.into_iter().map(|c| c.url).collect(),
        }
    }
}

/// A sitemap index over `files` (address, last change).
pub fn index(files: &[(String, Option<DateTime<Utc>>)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (loc, lastmod) in files {
        out.push_str("<sitemap><loc>");
        out.push_str(&escape(loc));
        out.push_str("</loc>");
        if let Some(at) = lastmod {
            out.push_str("<lastmod>");
            out.push_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true));
            out.push_str("</lastmod>");
        }
        out.push_str("</sitemap>\n");
    }
    out.push_str("</sitemapindex>\n");
    out
}

/// One article of the news sitemap.
#[derive(Debug)]
pub struct NewsItem {
    pub url: String,
    /// The publication's name in the article's language.
    pub publication: String,
    pub language: String,
    pub title: String,
    pub published_at: DateTime<Utc>,
}

/// A Google News sitemap of `items`.
pub fn news(items: &[NewsItem]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset \
         xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n",
    );
    for item in items {
        out.push_str(&format!(
            "<url><loc>{}</loc><news:news><news:publication><news:name>{}</news:name>\
             <news:language>{}</news:language></news:publication>\
             <news:publication_date>{}</news:publication_date><news:title>{}</news:title>\
             </news:news></url>\n",
            escape(&item.url),
            escape(&item.publication),
            escape(&item.language),
            item.published_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            escape(&item.title)
        ));
    }
    out.push_str(URLSET_TAIL);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_as_the_index_writes_them() {
        assert_eq!(Kind::of_file("articles-2.xml"), Some((Kind::Articles, 2)));
        assert_eq!(Kind::of_file("tags-1.xml"), Some((Kind::Tags, 1)));
        assert_eq!(Kind::of_file("articles-0.xml"), None);
        assert_eq!(Kind::of_file("articles-02.xml"), None);
        assert_eq!(Kind::of_file("pages-1.xml"), Some((Kind::Pages, 1)));
        assert_eq!(Kind::of_file("menus-1.xml"), None);
        assert_eq!(Kind::of_file("articles-1.json"), None);
    }
}
