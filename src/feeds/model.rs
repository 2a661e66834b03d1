//! A feed's items, read from the delivery read model's cards, and the three formats written
//! from them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::json;

/// A name in a card: of its category, a tag, an author.
#[derive(Debug, Deserialize)]
pub struct Named {
    /// The name in the feed's locale.
    pub name: String,
}

/// An item's cover picture: its original.
#[derive(Debug, Deserialize)]
pub struct Cover {
    pub url: String,
    pub mime: String,
    pub byte_size: u64,
}

/// One item of a feed: an article's card in the feed's locale, and its body when feeds carry
/// whole articles.
#[derive(Debug, Deserialize)]
pub struct FeedItem {
    pub id: i64,
    /// Canonical URL on the front-end.
    pub url: String,
    pub title: String,
    pub summary: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// Last change of the translation.
    pub updated_at: DateTime<Utc>,
    pub category: Named,
    pub authors: Vec<Named>,
    pub tags: Vec<Named>,
    /// Cover picture, sent as an enclosure (RSS, Atom) or the item's image (JSON Feed).
    pub cover: Option<Cover>,
    /// Sanitised HTML body.
    #[serde(skip)]
    pub body: Option<String>,
}

impl FeedItem {
    /// The item in a card's JSON, `None` when it isn't one.
    pub fn from_card(card: &str) -> Option<Self> {
        serde_json::from_str(card).ok()
    }

    fn published(&self) -> DateTime<Utc> {
        self.published_at.unwrap_or(self.updated_at)
    }

    /// The names it is filed under: its category, then its tags (those it has a name for).
    fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&self.category)
            .chain(&self.tags)
            .map(|named| named.name.as_str())
            .filter(|name| !name.is_empty())
    }
}

/// A feed, ready to be written in any format.
#[derive(Debug)]
pub struct Feed {
    /// The site's name in the feed's locale.
    pub title: String,
    /// The site's description there.
    pub description: Option<String>,
    /// The front-end's home page (`SITE_URL`).
    pub home: String,
    /// This feed's own address.
    pub self_url: String,
    /// The start of the feed's and its items' ids, `tag:<site host>,2026:`: ids that stay when
    /// a slug or a route template changes, so readers never show an item twice.
    pub id_prefix: String,
    /// What the feed is narrowed to, in its id (`category:12`…; empty for the whole site).
    pub scope: String,
    /// The feed's locale.
    pub locale: String,
    /// Newest first.
    pub items: Vec<FeedItem>,
}

impl Feed {
    /// When anything in it last changed (the epoch for an empty feed, so its validators hold
    /// until it has an item).
    pub fn updated(&self) -> DateTime<Utc> {
        self.items
            .iter()
            .map(|item| item.updated_at.max(item.published()))
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH)
    }

    /// The feed's id.
    fn id(&self) -> String {
        match self.scope.as_str() {
            "" => format!("{}feed:{}", self.id_prefix, self.locale),
            scope => format!("{}feed:{}:{scope}", self.id_prefix, self.locale),
        }
    }

    /// An item's id.
    fn item_id(&self, item: &FeedItem) -> String {
        format!("{}article:{}", self.id_prefix, item.id)
    }

    /// RSS 2.0, with `atom:link rel="self"`, `dc:creator` and, with whole articles,
    /// `content:encoded`.
    pub fn rss(&self) -> String {
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
             xmlns:atom=\"http://www.w3.org/2005/Atom\" \
             xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
             xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n<channel>\n",
        );
        element(&mut xml, "title", &self.title);
        element(&mut xml, "link", &self.home);
        element(
            &mut xml,
            "description",
            self.description.as_deref().unwrap_or(&self.title),
        );
        element(&mut xml, "language", &self.locale);
        element(&mut xml, "lastBuildDate", &self.updated().to_rfc2822());
        xml.push_str(&format!(
            "<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
            escape(&self.self_url)
        ));
        for item in &self.items {
            xml.push_str("<item>\n");
            element(&mut xml, "title", &item.title);
            element(&mut xml, "link", &item.url);
            xml.push_str(&format!(
                "<guid isPermaLink=\"false\">{}</guid>\n",
                escape(&self.item_id(item))
            ));
            element(&mut xml, "pubDate", &item.published().to_rfc2822());
            for author in &item.authors {
                element(&mut xml, "dc:creator", &author.name);
            }
            for name in item.names() {
                element(&mut xml, "category", name);
            }
            if let Some(summary) = &item.summary {
                element(&mut xml, "description", summary);
            }
            if let Some(cover) = &item.cover {
                xml.push_str(&format!(
                    "<enclosure url=\"{}\" length=\"{}\" type=\"{}\"/>\n",
                    escape(&cover.url),
                    cover.byte_size,
                    escape(&cover.mime)
                ));
            }
            if let Some(body) = &item.body {
                element(&mut xml, "content:encoded", body);
            }
            xml.push_str("</item>\n");
        }
        xml.push_str("</channel>\n</rss>\n");
        xml
    }

    /// Atom 1.0.
    pub fn atom(&self) -> String {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
            escape(&self.locale)
        );
        element(&mut xml, "id", &self.id());
        element(&mut xml, "title", &self.title);
        if let Some(description) = &self.description {
            element(&mut xml, "subtitle", description);
        }
        element(&mut xml, "updated", &rfc3339(self.updated()));
        xml.push_str(&format!(
            "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
             <author><name>{}</name></author>\n",
            escape(&self.self_url),
            escape(&self.home),
            escape(&self.title)
        ));
        for item in &self.items {
            xml.push_str("<entry>\n");
            element(&mut xml, "id", &self.item_id(item));
            element(&mut xml, "title", &item.title);
            xml.push_str(&format!(
                "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
                escape(&item.url)
            ));
            element(&mut xml, "published", &rfc3339(item.published()));
            element(
                &mut xml,
                "updated",
                &rfc3339(item.updated_at.max(item.published())),
            );
            for author in &item.authors {
                xml.push_str(&format!(
                    "<author><name>{}</name></author>\n",
                    escape(&author.name)
                ));
            }
            for name in item.names() {
                xml.push_str(&format!("<category term=\"{}\"/>\n", escape(name)));
            }
            if let Some(cover) = &item.cover {
                xml.push_str(&format!(
                    "<link rel=\"enclosure\" type=\"{}\" href=\"{}\" length=\"{}\"/>\n",
                    escape(&cover.mime),
                    escape(&cover.url),
                    cover.byte_size
                ));
            }
            if let Some(summary) = &item.summary {
                xml.push_str(&format!(
                    "<summary type=\"text\">{}</summary>\n",
                    escape(summary)
                ));
            }
            if let Some(body) = &item.body {
                xml.push_str(&format!(
                    "<content type=\"html\">{}</content>\n",
                    escape(body)
                ));
            }
            xml.push_str("</entry>\n");
        }
        xml.push_str("</feed>\n");
        xml
    }

    /// JSON Feed 1.1.
    pub fn json(&self) -> String {
        let items: Vec<serde_json::Value> = self
            .items
            .iter()
            .map(|item| {
                let mut value = json!({
                    "id": self.item_id(item),
                    "url": item.url,
                    "title": item.title,
                    "date_published": rfc3339(item.published()),
                    "date_modified": rfc3339(item.updated_at.max(item.published())),
                    "tags": item.names().collect::<Vec<_>>(),
                });
                if !item.authors.is_empty() {
                    value["authors"] = json!(
                        item.authors
                            .iter()
                            .map(|a| json!({"name": a.name}))
                            .collect::<Vec<_>>()
                    );
                }
                if let Some(summary) = &item.summary {
                    value["summary"] = json!(summary);
                }
                if let Some(cover) = &item.cover {
                    value["image"] = json!(cover.url);
                }
                // JSON Feed asks for content_html or content_text in every item.
                match &item.body {
                    Some(body) => value["content_html"] = json!(body),
                    None => {
                        value["content_text"] =
                            json!(item.summary.as_deref().unwrap_or(&item.title))
                    }
                }
                value
            })
            .collect();
        let mut feed = json!({
            "version": "https://jsonfeed.org/version/1.1",
            "title": self.title,
            "home_page_url": self.home,
            "feed_url": self.self_url,
            "language": self.locale,
            "items": items,
        });
        if let Some(description) = &self.description {
            feed["description"] = json!(description);
        }
        feed.to_string()
    }
}

/// The formats a feed is written in.
#[derive(Clone, Copy, Debug)]
pub enum Format {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl Format {
    /// `feed` in this format.
    pub fn write(self, feed: &Feed) -> String {
        match self {
            Format::Rss => feed.rss(),
            Format::Atom => feed.atom(),
            Format::Json => feed.json(),
        }
    }

    /// The answer's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// `<name>text</name>` and a line break, the text escaped.
fn element(xml: &mut String, name: &str, text: &str) {
    xml.push_str(&format!("<{name}>{}</{name}>\n", escape(text)));
}

/// `text` for XML character data and attribute values; characters XML 1.0 can't carry are
/// left out.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// A time as RFC 3339 in UTC, to the second.
fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_carry() {
        assert_eq!(escape("a < b & \"c\"\u{1}"), "a &lt; b &amp; &quot;c&quot;");
    }
}
