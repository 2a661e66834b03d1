//! The public shape of articles (summaries, full articles, lists), assembled in the negotiated
//! locale from what the stores load for a page of rows.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::articles::model::{ArticleRow, Byline, GalleryRow, TagName, TranslationRow};
use crate::categories::model::{
    AllCategories, CategoryLink, CategoryTranslationRow, parent_map, path_to_root, resolve_in,
    with_descendants,
};
use crate::db;
use crate::domain::FieldError;
use crate::html::place_media;
use crate::locales::model::LocaleChoice;
use crate::media::model::{MediaLibrary, PublicMedia};
use crate::reactions::model::{KindRow, ReactionCounts};
use crate::urls::SiteUrls;

/// A category, author or tag named by an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reference {
    /// Stable across locales, unlike the slug.
    pub id: i64,
    /// Slug in the served locale.
    pub slug: String,
    /// Name in the served locale.
    pub name: String,
    /// Canonical URL on the front-end in the requested locale.
    pub url: String,
}

/// An author in an article's byline, with what a byline box shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleByline {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// Canonical URL of the author's page on the front-end in the requested locale.
    pub url: String,
    /// Address of the author's picture: its narrowest variant when it is in the media library
    /// (the whole description is on `/authors/{key}`), else the outside address given.
    #[schema(example = "https://cdn.example.com/authors/aigerim.jpg")]
    pub avatar: Option<String>,
    /// The start of the author's bio in the served locale (at most 200 characters, cut at a
    /// word), `null` when they have none in it; the whole bio is at `/authors/{key}`.
    pub bio: Option<String>,
}

/// Most characters of a bio in a byline.
const BIO_EXCERPT_CHARS: usize = 200;

/// The first `BIO_EXCERPT_CHARS` characters of `bio`, cut at a word, with `…` when cut.
fn excerpt(bio: &str) -> String {
    let bio = bio.trim();
    if bio.chars().count() <= BIO_EXCERPT_CHARS {
        return bio.to_owned();
    }
    let cut: String = bio.chars().take(BIO_EXCERPT_CHARS).collect();
    let at_word = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}…", cut[..at_word].trim_end())
}

/// An author as bylines load it: every bio, by locale.
#[derive(Debug, Clone)]
struct BylineAuthor {
    id: i64,
    slug: String,
    name: String,
    avatar: Option<String>,
    bios: Vec<(String, String)>,
}

impl BylineAuthor {
    fn served_in(&self, locale: &str, url: String) -> ArticleByline {
        ArticleByline {
            id: self.id,
            url,
            slug: self.slug.clone(),
            name: self.name.clone(),
            avatar: self.avatar.clone(),
            bio: self
                .bios
                .iter()
                .find(|(bio_locale, _)| bio_locale == locale)
                .map(|(_, bio)| excerpt(bio)),
        }
    }
}

/// An article's category; `path` is the breadcrumb from the root (on single articles).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleCategory {
    pub id: i64,
    /// Slug in the served locale.
    pub slug: String,
    /// Name in the served locale.
    pub name: String,
    /// Canonical URL on the front-end (`SITE_URL` and `URL_CATEGORY`), in the locale of the
    /// name shown.
    pub url: String,
    /// Breadcrumb from the root down to this category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<CategoryLink>>,
}

/// An article's title, slug and URL in one locale, for hreflang alternates.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alternate {
    /// Locale code.
    pub locale: String,
    /// Slug in that locale.
    pub slug: String,
    /// Title in that locale.
    pub title: String,
    /// Canonical URL on the front-end in that locale (`SITE_URL` and `URL_ARTICLE`).
    #[schema(example = "https://www.example.be/fr/asie-centrale/tokaiev-politique-etrangere")]
    pub url: String,
}

/// One picture of an article's gallery.
#[derive(Debug, Serialize, ToSchema)]
pub struct GalleryItem {
    /// Its caption in this gallery, in the served locale (or the nearest one that has it),
    /// else the picture's own caption.
    pub caption: Option<String>,
    pub media: PublicMedia,
}

/// An article in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleSummary {
    pub id: i64,
    /// The locale served.
    pub locale: String,
    /// The locale asked for.
    pub requested_locale: String,
    /// Whether `locale` is not the requested one.
    pub fallback: bool,
    /// Slug in `locale`.
    pub slug: String,
    /// Canonical URL on the front-end in `locale` (`SITE_URL` and `URL_ARTICLE`).
    #[schema(example = "https://www.example.be/fr/asie-centrale/tokaiev-politique-etrangere")]
    pub url: String,
    pub title: String,
    pub summary: Option<String>,
    /// Publication time (UTC).
    pub published_at: Option<DateTime<Utc>>,
    /// Last change of this translation (UTC).
    pub updated_at: DateTime<Utc>,
    pub category: ArticleCategory,
    /// Bylines, in order.
    pub authors: Vec<ArticleByline>,
    pub tags: Vec<Reference>,
    /// Cover image, in the served locale.
    pub cover: Option<PublicMedia>,
    /// Featured on the front page.
    pub featured: bool,
    /// Minutes to read.
    pub reading_time_minutes: i32,
    /// Every published translation, for hreflang alternates.
    pub translations: Vec<Alternate>,
    /// Count of every active reaction kind, by key. On cached reads it may be up to
    /// `CACHE_MAX_AGE` seconds old; `GET /articles/{key}/reactions` is always exact.
    #[schema(example = json!({"love": 3, "applause": 1, "funny": 0, "amazing": 0, "sad": 0, "angry": 0}))]
    pub reaction_counts: ReactionCounts,
    /// Public comments (approved, not deleted). On cached reads it may be up to
    /// `CACHE_MAX_AGE` seconds old; `GET /articles/{key}/comments` is current.
    pub comment_count: i64,
}

/// Where an article comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct Source {
    /// The agency or outlet the article comes from, when it has one.
    pub name: Option<String>,
    /// A link to the original.
    pub url: Option<String>,
}

/// A published correction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicCorrection {
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// What was corrected.
    pub note: String,
}

/// One article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleDetail {
    /// Everything a list shows.
    #[serde(flatten)]
    pub summary: ArticleSummary,
    /// The slug the article is at in the served locale: a read by id, an old slug or another
    /// locale's slug answers with `Content-Location: /api/v1/articles/{canonical_slug}`.
    pub canonical_slug: String,
    /// Sanitised HTML body; its `<img data-media-id>` pictures carry `src`, `srcset`, `sizes`,
    /// `width`, `height` and the localized `alt`.
    pub body: String,
    /// Photo gallery, in order.
    pub gallery: Vec<GalleryItem>,
    /// Title for search engines.
    pub seo_title: Option<String>,
    /// Description for search engines.
    pub seo_description: Option<String>,
    /// Where it comes from.
    pub source: Source,
    /// Corrections, oldest first.
    pub corrections: Vec<PublicCorrection>,
    /// Whether readers may comment.
    pub comments_enabled: bool,
}

/// Related articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelatedList {
    /// Most related first.
    pub data: Vec<ArticleSummary>,
}

/// One article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleResponse {
    /// The article.
    pub data: ArticleDetail,
}

/// Published articles in one month.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveMonth {
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Articles published that month.
    pub count: i64,
}

/// Published articles per month.
#[derive(Debug, Serialize, ToSchema)]
pub struct Archive {
    /// Months with articles, newest first.
    pub data: Vec<ArchiveMonth>,
}

/// What article reads take from memory rather than the database: the active reaction kinds
/// and the category tree with its names (both emptied by admin writes).
pub struct SiteData {
    pub kinds: Arc<Vec<KindRow>>,
    pub categories: Arc<AllCategories>,
    /// Where the front-end shows articles.
    pub urls: Arc<SiteUrls>,
}

impl SiteData {
    /// The category a list's `category` key names and all below it.
    pub fn category_ids(&self, key: &str) -> Result<Vec<i64>, FieldError> {
        Ok(self.category_and_below(key, "category")?.1)
    }

    /// The id of the category `key` names and the ids of it and all below it; `field` names
    /// the parameter in the error when it names none.
    pub fn category_and_below(
        &self,
        key: &str,
        field: &str,
    ) -> Result<(i64, Vec<i64>), FieldError> {
        let AllCategories { rows, translations } = &*self.categories;
        let id = resolve_in(rows, translations, key)
            .ok_or_else(|| FieldError::new(field, format!("names no category: `{key}`")))?;
        Ok((id, with_descendants(rows, id)))
    }

    /// The category `id` with its slug and name in the negotiated locale.
    pub fn category_reference(&self, id: i64, choice: &LocaleChoice) -> Reference {
        let names: Vec<&CategoryTranslationRow> = self
            .categories
            .translations
            .iter()
            .filter(|name| name.category_id == id)
            .collect();
        let name = choice.name_in(&names, |n| &n.locale);
        Reference {
            id,
            slug: name.map(|n| n.slug.clone()).unwrap_or_default(),
            name: name.map(|n| n.name.clone()).unwrap_or_default(),
            url: name
                .map(|n| self.urls.category(&n.locale, &n.slug, id))
                .unwrap_or_default(),
        }
    }
}

/// What summaries show about a page of articles, as the stores load it (three queries
/// whatever the page's length). The live counters are not among it: reads splice them in.
pub struct SummaryRows {
    /// Published translations.
    pub translations: Vec<TranslationRow>,
    pub bylines: Vec<Byline>,
    pub tags: Vec<TagName>,
    /// Gallery pictures.
    pub gallery: Vec<GalleryRow>,
    /// Every picture shown: covers, gallery pictures, pictures in bodies.
    pub media: MediaLibrary,
}

/// Everything summaries show about a page of articles, grouped by article.
pub struct Related {
    translations: HashMap<i64, Vec<TranslationRow>>,
    authors: HashMap<i64, Vec<BylineAuthor>>,
    tags: HashMap<i64, Vec<TagName>>,
    categories: HashMap<i64, Vec<CategoryTranslationRow>>,
    gallery: HashMap<i64, Vec<GalleryRow>>,
    media: MediaLibrary,
    urls: Arc<SiteUrls>,
}

impl Related {
    /// Groups what the stores loaded for `rows`; category names come from `site`.
    pub fn new(rows: &[ArticleRow], site: &SiteData, loaded: SummaryRows) -> Self {
        let mut authors: HashMap<i64, Vec<BylineAuthor>> = HashMap::new();
        for byline in loaded.bylines {
            let list = authors.entry(byline.article_id).or_default();
            // An author's rows are one run, one per bio.
            if list.last().is_none_or(|last| last.id != byline.author_id) {
                list.push(BylineAuthor {
                    id: byline.author_id,
                    slug: byline.slug,
                    name: byline.name,
                    avatar: byline
                        .avatar_media_id
                        .and_then(|id| loaded.media.thumbnail_url(id, &site.urls))
                        .or(byline.avatar_url),
                    bios: Vec::new(),
                });
            }
            if let (Some(locale), Some(bio), Some(author)) =
                (byline.bio_locale, byline.bio, list.last_mut())
            {
                author.bios.push((locale, bio));
            }
        }
        let category_ids: Vec<i64> = rows.iter().map(|r| r.category_id).collect();
        let mut categories: HashMap<i64, Vec<CategoryTranslationRow>> = HashMap::new();
        for name in site
            .categories
            .translations
            .iter()
            .filter(|n| category_ids.contains(&n.category_id))
        {
            categories
                .entry(name.category_id)
                .or_default()
                .push(name.clone());
        }
        Self {
            translations: db::group_by(loaded.translations, |t| t.article_id),
            authors,
            tags: db::group_by(loaded.tags, |t| t.article_id),
            categories,
            gallery: db::group_by(loaded.gallery, |g| g.article_id),
            media: loaded.media,
            urls: Arc::clone(&site.urls),
        }
    }

    /// The summary of `row` in the locale to serve, with the translation it shows; `None`
    /// when no translation can be served.
    pub fn summary(
        &self,
        row: &ArticleRow,
        choice: &LocaleChoice,
    ) -> Option<(ArticleSummary, &TranslationRow)> {
        let translations = self.translations.get(&row.id)?;
        let (translation, picked) = choice.pick_in(translations, |t| &t.locale)?;
        let category_names = self.categories.get(&row.category_id);
        let category = category_names.and_then(|names| choice.name_in(names, |n| &n.locale));
        // The URL in a locale names the category as a read in that locale does.
        let category_slug_in = |locale: &str| {
            let chain = LocaleChoice {
                requested: locale.to_owned(),
                fallback: true,
                ..choice.clone()
            };
            category_names
                .and_then(|names| chain.name_in(names, |n| &n.locale))
                .map(|c| c.slug.clone())
                .unwrap_or_default()
        };
        let mut tags: Vec<Reference> = Vec::new();
        if let Some(all) = self.tags.get(&row.id) {
            // Names come ordered by tag: each tag's names are one run.
            for names in all.chunk_by(|a, b| a.tag_id == b.tag_id) {
                if let Some(tag) = choice.name_in(names, |t| &t.locale) {
                    tags.push(Reference {
                        id: tag.tag_id,
                        url: self.urls.tag(&tag.locale, &tag.slug, tag.tag_id),
                        slug: tag.slug.clone(),
                        name: tag.name.clone(),
                    });
                }
            }
        }
        let mut alternates: Vec<Alternate> = translations
            .iter()
            .map(|t| Alternate {
                locale: t.locale.clone(),
                slug: t.slug.clone(),
                title: t.title.clone(),
                url: self
                    .urls
                    .article(&t.locale, &category_slug_in(&t.locale), &t.slug, row.id),
            })
            .collect();
        alternates.sort_by_key(|a| choice.order.iter().position(|l| *l == a.locale));
        let summary = ArticleSummary {
            id: row.id,
            locale: picked.locale.clone(),
            requested_locale: choice.requested.clone(),
            fallback: picked.fallback,
            slug: translation.slug.clone(),
            url: self.urls.article(
                &picked.locale,
                &category_slug_in(&picked.locale),
                &translation.slug,
                row.id,
            ),
            title: translation.title.clone(),
            summary: translation.summary.clone(),
            published_at: row.published_at.map(|t| t.and_utc()),
            updated_at: translation.updated_at.and_utc(),
            category: ArticleCategory {
                id: row.category_id,
                slug: category.map(|c| c.slug.clone()).unwrap_or_default(),
                name: category.map(|c| c.name.clone()).unwrap_or_default(),
                url: category
                    .map(|c| self.urls.category(&c.locale, &c.slug, row.category_id))
                    .unwrap_or_default(),
                path: None,
            },
            authors: self
                .authors
                .get(&row.id)
                .map(|bylines| {
                    bylines
                        .iter()
                        .map(|author| {
                            let url = self.urls.author(&picked.locale, &author.slug, author.id);
                            author.served_in(&picked.locale, url)
                        })
                        .collect()
                })
                .unwrap_or_default(),
            tags,
            cover: row
                .cover_media_id
                .and_then(|id| self.media.public(id, choice, &self.urls)),
            featured: row.featured,
            reading_time_minutes: translation.reading_time_minutes,
            translations: alternates,
            // Live: spliced in on read (`read_model::with_counters`).
            reaction_counts: ReactionCounts::default(),
            comment_count: 0,
        };
        Some((summary, translation))
    }

    /// Summaries of `rows`, in their order, in the negotiated locale.
    pub fn summaries(&self, rows: &[ArticleRow], choice: &LocaleChoice) -> Vec<ArticleSummary> {
        rows.iter()
            .filter_map(|row| self.summary(row, choice).map(|(summary, _)| summary))
            .collect()
    }

    /// The full article in the negotiated locale; `None` when it has no translation to serve.
    pub fn detail(
        &self,
        row: ArticleRow,
        choice: &LocaleChoice,
        site: &SiteData,
        corrections: Vec<PublicCorrection>,
    ) -> Option<ArticleDetail> {
        let (mut summary, translation) = self.summary(&row, choice)?;
        let AllCategories {
            rows: all,
            translations: names,
        } = &*site.categories;
        let parents = parent_map(all.iter().map(|c| (c.id, c.parent_id)));
        let path = path_to_root(&parents, row.category_id)
            .iter()
            .rev()
            .filter_map(|id| {
                let names: Vec<&CategoryTranslationRow> =
                    names.iter().filter(|n| n.category_id == *id).collect();
                let name = choice.name_in(&names, |n| &n.locale)?;
                Some(CategoryLink {
                    id: *id,
                    url: site.urls.category(&name.locale, &name.slug, *id),
                    slug: name.slug.clone(),
                    name: name.name.clone(),
                })
            })
            .collect();
        summary.category.path = Some(path);
        let gallery = self
            .gallery
            .get(&row.id)
            .into_iter()
            .flatten()
            .filter_map(|item| {
                let media = self.media.public(item.media_id, choice, &self.urls)?;
                let captions: Vec<(String, String)> =
                    serde_json::from_str::<BTreeMap<String, String>>(&item.captions)
                        .unwrap_or_default()
                        .into_iter()
                        .collect();
                let caption = choice
                    .name_in(&captions, |(locale, _)| locale)
                    .map(|(_, caption)| caption.clone())
                    .or_else(|| media.caption.clone());
                Some(GalleryItem { caption, media })
            })
            .collect();
        let body = place_media(&translation.body, |id| {
            self.media
                .public(id, choice, &self.urls)
                .map(|media| media.placed())
        });
        Some(ArticleDetail {
            canonical_slug: translation.slug.clone(),
            body,
            gallery,
            seo_title: translation.seo_title.clone(),
            seo_description: translation.seo_description.clone(),
            summary,
            source: Source {
                name: row.source_name,
                url: row.source_url,
            },
            corrections,
            comments_enabled: row.comments_enabled,
        })
    }
}
