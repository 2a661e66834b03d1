//! The search analyser, queries and results.
//!
//! Both backends index the same terms, made here: each word of a text (a run of letters and
//! digits) is lowercased (the Turkish way in Turkish: `I` → `ı`, `İ` → `i`), stemmed with the
//! Snowball stemmer of the entry's language (Turkish, French, English, Dutch and the others
//! Snowball has; no stemming for other languages), then folded to ASCII the way slugs are
//! (`ı` and `i` alike, accents dropped). So "DIŞ POLİTİKA" finds "dış politika", "reforme"
//! finds "réforme", "élection" finds "élections", on SQLite and PostgreSQL with the same set.
//! Queries take the syntax of web search engines (`websearch_to_tsquery`'s): words are all
//! required, `"quoted words"` are a phrase, `-word` excludes, `or` between words accepts
//! either.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::html;

/// The analyser's version: an index built by another is rebuilt at start.
pub const VERSION: i32 = 1;

/// Words of context a snippet shows around the matches.
const SNIPPET_WORDS: usize = 30;

/// What an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Article,
    Page,
    Tag,
    Author,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 4] = [Kind::Article, Kind::Page, Kind::Tag, Kind::Author];

    /// The name stored in `search_entries.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Article => "article",
            Kind::Page => "page",
            Kind::Tag => "tag",
            Kind::Author => "author",
        }
    }

    /// The kind stored as `name`.
    pub fn from_stored(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The kind a `type` filter names by its plural (`articles`).
    pub fn from_plural(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| name.strip_suffix('s') == Some(kind.as_str()))
    }
}

/// Turns text in one language into index terms.
pub struct Analyser {
    stemmer: Option<Stemmer>,
    turkish: bool,
}

impl Analyser {
    /// The analyser of a locale (`tr`, `fr-BE`): its language's stemmer, if Snowball has one.
    pub fn for_locale(locale: &str) -> Self {
        let language = locale
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let algorithm = match language.as_str() {
            "ar" => Some(Algorithm::Arabic),
            "da" => Some(Algorithm::Danish),
            "de" => Some(Algorithm::German),
            "el" => Some(Algorithm::Greek),
            "en" => Some(Algorithm::English),
            "es" => Some(Algorithm::Spanish),
            "fi" => Some(Algorithm::Finnish),
            "fr" => Some(Algorithm::French),
            "hu" => Some(Algorithm::Hungarian),
            "it" => Some(Algorithm::Italian),
            "nb" | "nn" | "no" => Some(Algorithm::Norwegian),
            "nl" => Some(Algorithm::Dutch),
            "pt" => Some(Algorithm::Portuguese),
            "ro" => Some(Algorithm::Romanian),
            "ru" => Some(Algorithm::Russian),
            "sv" => Some(Algorithm::Swedish),
            "ta" => Some(Algorithm::Tamil),
            "tr" => Some(Algorithm::Turkish),
            _ => None,
        };
        Analyser {
            stemmer: algorithm.map(Stemmer::create),
            turkish: language == "tr" || language == "az",
        }
    }

    /// The terms of one word: usually one, more when folding splits it (`北京` → `bei jing`).
    pub fn word_terms(&self, word: &str) -> Vec<String> {
        let lower = self.lowercase(word);
        let stem = match &self.stemmer {
            Some(stemmer) => stemmer.stem(&lower).into_owned(),
            None => lower,
        };
        folded_words(&stem)
    }

    /// The terms of a text, space-separated, in order.
    pub fn terms(&self, text: &str) -> String {
        words(text)
            .flat_map(|(_, word)| self.word_terms(word))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn lowercase(&self, word: &str) -> String {
        if self.turkish {
            word.chars()
                .flat_map(|c| match c {
                    'I' => vec!['ı'],
                    'İ' => vec!['i'],
                    c => c.to_lowercase().collect(),
                })
                .collect()
        } else {
            word.to_lowercase()
        }
    }
}

/// The words of a text, unstemmed and folded (`Dış Politika` → `dis politika`), for prefix
/// suggestions.
pub fn plain_words(text: &str) -> String {
    words(text)
        .flat_map(|(_, word)| folded_words(word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` folded to ASCII lowercase, split into runs of letters and digits.
fn folded_words(text: &str) -> Vec<String> {
    crate::slug::fold(text)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The words of a text (runs of letters and digits) with their byte offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some(&(_, c)) = rest.peek() {
            if c.is_alphanumeric() {
                break;
            }
            rest.next();
        }
        let (start, _) = *rest.peek()?;
        let mut end = start;
        while let Some(&(at, c)) = rest.peek() {
            if !c.is_alphanumeric() {
                break;
            }
            end = at + c.len_utf8();
            rest.next();
        }
        Some((start, &text[start..end]))
    })
}

/// One entry as the index stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: Kind,
    pub subject_id: i64,
    pub locale: String,
    pub slug: String,
    pub title: String,
    pub summary: Option<String>,
    /// The body's text, for snippets.
    pub content: String,
    pub text: IndexedText,
}

/// A text's terms, by the field they weigh as.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexedText {
    pub title_terms: String,
    pub summary_terms: String,
    pub body_terms: String,
    pub title_words: String,
}

impl IndexedText {
    /// The terms of a title, summary and body text in `locale`: CPU work done before a save's
    /// transaction starts.
    pub fn new(locale: &str, title: &str, summary: Option<&str>, body_text: &str) -> Self {
        let analyser = Analyser::for_locale(locale);
        IndexedText {
            title_terms: analyser.terms(title),
            summary_terms: analyser.terms(summary.unwrap_or_default()),
            body_terms: analyser.terms(body_text),
            title_words: plain_words(title),
        }
    }
}

impl Entry {
    /// The entry of a name with an optional description (a tag, an author's bio) in `locale`.
    pub fn named(
        kind: Kind,
        subject_id: i64,
        locale: &str,
        slug: &str,
        name: &str,
        description: Option<&str>,
    ) -> Self {
        let content = description.unwrap_or_default().to_owned();
        Entry {
            kind,
            subject_id,
            locale: locale.to_owned(),
            slug: slug.to_owned(),
            title: name.to_owned(),
            summary: None,
            text: IndexedText::new(locale, name, None, &content),
            content,
        }
    }
}

/// One alternative of a query: everything in `include`, nothing in `exclude`. Each item is a
/// phrase of terms (a single word is a phrase of one).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Group {
    pub include: Vec<Vec<String>>,
    pub exclude: Vec<Vec<String>>,
}

/// A parsed query: any of its groups.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub groups: Vec<Group>,
}

impl Query {
    /// Parses web-search syntax and analyses each word in the locale's language. Groups with
    /// nothing to find (only exclusions) are dropped.
    pub fn parse(text: &str, analyser: &Analyser) -> Query {
        let mut groups = vec![Group::default()];
        let mut chars = text.chars().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
                continue;
            }
            let negated = c == '-';
            if negated {
                chars.next();
            }
            let raw: String = if chars.peek() == Some(&'"') {
                chars.next();
                chars.by_ref().take_while(|c| *c != '"').collect()
            } else {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '"' {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                if !negated && word.eq_ignore_ascii_case("or") {
                    groups.push(Group::default());
                    continue;
                }
                word
            };
            let terms: Vec<String> = words(&raw)
                .flat_map(|(_, word)| analyser.word_terms(word))
                .collect();
            if terms.is_empty() {
                continue;
            }
            let group = groups.last_mut().expect("one group at least");
            if negated {
                group.exclude.push(terms);
            } else {
                group.include.push(terms);
            }
        }
        groups.retain(|group| !group.include.is_empty());
        Query { groups }
    }

    /// Whether the query can find nothing.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The terms a result is found by, for highlighting.
    pub fn found_terms(&self) -> HashSet<String> {
        self.groups
            .iter()
            .flat_map(|group| group.include.iter().flatten().cloned())
            .collect()
    }

    /// The query as PostgreSQL `tsquery` text over the `simple` configuration. Terms are ASCII
    /// letters and digits, so nothing in them needs quoting. A phrase matches within one field
    /// (title, summary or body), as FTS5 matches it within one column.
    pub fn tsquery(&self) -> String {
        let phrase = |terms: &Vec<String>| {
            if terms.len() == 1 {
                return format!("({})", terms[0]);
            }
            let within = |weight: char| {
                let words: Vec<String> = terms.iter().map(|t| format!("{t}:{weight}")).collect();
                format!("({})", words.join(" <-> "))
            };
            format!("({} | {} | {})", within('A'), within('B'), within('C'))
        };
        self.groups
            .iter()
            .map(|group| {
                let parts: Vec<String> = group
                    .include
                    .iter()
                    .map(phrase)
                    .chain(group.exclude.iter().map(|p| format!("!{}", phrase(p))))
                    .collect();
                format!("({})", parts.join(" & "))
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// The query as an FTS5 expression over the weighted columns.
    pub fn fts5(&self) -> String {
        let phrase = |terms: &Vec<String>| format!("\"{}\"", terms.join(" "));
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|group| {
                let included: Vec<String> = group.include.iter().map(phrase).collect();
                let included = format!("({})", included.join(" AND "));
                if group.exclude.is_empty() {
                    return included;
                }
                // Flat, however many exclusions: FTS5's parser has a small stack.
                let excluded: Vec<String> = group.exclude.iter().map(phrase).collect();
                format!("({included} NOT ({}))", excluded.join(" OR "))
            })
            .collect();
        format!(
            "{{title_terms summary_terms body_terms}} : ({})",
            groups.join(" OR ")
        )
    }
}

/// The words of a query typed so far, folded; the last may be unfinished.
#[derive(Debug, Clone, PartialEq)]
pub struct Prefix {
    pub words: Vec<String>,
}

impl Prefix {
    /// The folded words of `text`, at most eight.
    pub fn parse(text: &str) -> Prefix {
        let mut words: Vec<String> = words(text).flat_map(|(_, w)| folded_words(w)).collect();
        words.truncate(8);
        Prefix { words }
    }

    /// As a `tsquery`: every word a prefix of a title word.
    pub fn tsquery(&self) -> String {
        self.words
            .iter()
            .map(|word| format!("{word}:*"))
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// As an FTS5 expression over the title's words.
    pub fn fts5(&self) -> String {
        let words: Vec<String> = self
            .words
            .iter()
            .map(|word| format!("\"{word}\"*"))
            .collect();
        format!("title_words : ({})", words.join(" AND "))
    }
}

/// A few dozen words of `content` around the most `terms` (the analysed terms of the query),
/// HTML-escaped, each found word in `<mark>`; the start of the text when none is in it.
pub fn snippet(content: &str, terms: &HashSet<String>, analyser: &Analyser) -> String {
    let all: Vec<(usize, &str)> = words(content).collect();
    if all.is_empty() {
        return String::new();
    }
    let found: Vec<bool> = all
        .iter()
        .map(|(_, word)| {
            analyser
                .word_terms(word)
                .iter()
                .any(|term| terms.contains(term))
        })
        .collect();
    let width = SNIPPET_WORDS.min(all.len());
    // The window with the most found words; the first of equals.
    let mut in_window = found[..width].iter().filter(|f| **f).count();
    let (mut best, mut best_count) = (0, in_window);
    for start in 1..=all.len() - width {
        in_window =
            in_window + usize::from(found[start + width - 1]) - usize::from(found[start - 1]);
        if in_window > best_count {
            (best, best_count) = (start, in_window);
        }
    }
    // Start a little before the first found word, so it reads in context.
    if best_count > 0 {
        let first = (best..best + width).find(|i| found[*i]).unwrap_or(best);
        best = first.saturating_sub(5).min(all.len() - width);
    }
    let last = best + width - 1;
    let from = if best == 0 { 0 } else { all[best].0 };
    let to = if last + 1 == all.len() {
        content.len()
    } else {
        all[last].0 + all[last].1.len()
    };
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = from;
    // What lies between words, escaped, each run of whitespace one space.
    let between = |text: &str| {
        let mut collapsed = String::with_capacity(text.len());
        for c in text.chars() {
            if !c.is_whitespace() {
                collapsed.push(c);
            } else if !collapsed.ends_with(' ') {
                collapsed.push(' ');
            }
        }
        html::escape_text(&collapsed)
    };
    for (i, (start, word)) in all.iter().enumerate().take(last + 1).skip(best) {
        out.push_str(&between(&content[at..*start]));
        let escaped = html::escape_text(word);
        if found[i] {
            out.push_str("<mark>");
            out.push_str(&escaped);
            out.push_str("</mark>");
        } else {
            out.push_str(&escaped);
        }
        at = start + word.len();
    }
    out.push_str(&between(&content[at..to]));
    if to < content.len() {
        out.push('…');
    }
    out.trim().to_owned()
}

/// One search result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    /// What was found.
    #[serde(rename = "type")]
    pub kind: Kind,
    pub id: i64,
    /// The locale of the text found (the requested one).
    pub locale: String,
    /// The slug served in that locale.
    pub slug: String,
    pub title: String,
    /// Canonical URL on the site, when the site has one for the kind.
    pub url: Option<String>,
    /// Words around the matches, HTML-escaped, each match in `<mark>…</mark>`.
    pub snippet: String,
    /// When an article or page was published.
    pub published_at: Option<DateTime<Utc>>,
}

/// One suggestion while typing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestion {
    /// What it is.
    #[serde(rename = "type")]
    pub kind: Kind,
    pub id: i64,
    pub title: String,
    pub slug: String,
    /// Canonical URL on the site.
    pub url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(locale: &str, text: &str) -> String {
        Analyser::for_locale(locale).terms(text)
    }

    #[test]
    fn stems_and_folds_per_language() {
        assert_eq!(terms("tr", "seçimlerde"), terms("tr", "seçimler"));
        assert_eq!(terms("fr", "élections"), terms("fr", "election"));
        assert_eq!(terms("fr", "réforme"), terms("fr", "reforme"));
        assert_eq!(terms("en", "elections"), terms("en", "election"));
        assert_eq!(terms("tr", "DIŞ POLİTİKA"), terms("tr", "dış politika"));
        assert_eq!(terms("tr", "dış"), "dis");
        assert_eq!(terms("xx", "Kırgızistan'da"), "kirgizistan da");
    }

    #[test]
    fn parses_web_search_syntax() {
        let analyser = Analyser::for_locale("en");
        let query = Query::parse(r#""foreign policy" -sports or Elections"#, &analyser);
        assert_eq!(
            query.tsquery(),
            "(((foreign:A <-> polici:A) | (foreign:B <-> polici:B) | (foreign:C <-> polici:C)) \
             & !(sport)) | ((elect))"
        );
        assert_eq!(
            query.fts5(),
            r#"{title_terms summary_terms body_terms} : ((("foreign polici") NOT ("sport")) OR ("elect"))"#
        );
        assert!(Query::parse("-only -exclusions", &analyser).is_empty());
        assert!(Query::parse(" \" ' ", &analyser).is_empty());
    }

    #[test]
    fn snippets_escape_and_mark() {
        let analyser = Analyser::for_locale("en");
        let terms = Query::parse("elections", &analyser).found_terms();
        let text = "The <script>alert(1)</script> text before the election & after.";
        assert_eq!(
            snippet(text, &terms, &analyser),
            "The &lt;script&gt;alert(1)&lt;/script&gt; text before the <mark>election</mark> &amp; after."
        );
        let long = format!("{} election {}", "word ".repeat(50), "tail ".repeat(50));
        let cut = snippet(&long, &terms, &analyser);
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        assert!(cut.contains("<mark>election</mark>"));
    }
}
