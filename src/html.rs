//! Article bodies: HTML sanitised on write with an allow-list fit for news, and the reading
//! time derived from the text.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Words a reader reads per minute, for `reading_time_minutes`.
const WORDS_PER_MINUTE: usize = 200;

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
    ]
    .into_iter()
    .collect();
    let mut attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    attributes.insert("a", ["href", "title", "hreflang"].into_iter().collect());
    attributes.insert(
        "img",
        ["src", "alt", "title", "width", "height"]
            .into_iter()
            .collect(),
    );
    attributes.insert("abbr", ["title"].into_iter().collect());
    attributes.insert("blockquote", ["cite"].into_iter().collect());
    attributes.insert("q", ["cite"].into_iter().collect());
    attributes.insert("time", ["datetime"].into_iter().collect());
    attributes.insert("th", ["colspan", "rowspan", "scope"].into_iter().collect());
    attributes.insert("td", ["colspan", "rowspan"].into_iter().collect());
    attributes.insert("col", ["span"].into_iter().collect());
    attributes.insert("ol", ["start", "reversed"].into_iter().collect());
    let mut builder = ammonia::Builder::default();
    builder
        .tags(tags)
        .tag_attributes(attributes)
        .generic_attributes(["lang", "dir"].into_iter().collect())
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .clean_content_tags(
            [
                "script", "style", "svg", "math", "iframe", "object", "template",
            ]
            .into_iter()
            .collect(),
        )
        .strip_comments(true);
    builder
});

/// Removes everything from `html` that is not on the allow-list: scripts, styles, event
/// handlers, `javascript:` and other non-web URLs, SVG, frames and forms.
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// The text of an HTML fragment, tags removed and entities kept as written.
pub fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// Minutes to read `html` at 200 words a minute, at least 1.
pub fn reading_time_minutes(html: &str) -> i32 {
    let words = text_of(html).split_whitespace().count();
    i32::try_from(words.div_ceil(WORDS_PER_MINUTE).max(1)).unwrap_or(i32::MAX)
}

/// Plain text made safe to place in HTML: `&`, `<`, `>`, `"` and `'` become entities, so the
/// text can never be markup wherever a front end puts it.
pub fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            _ => escaped.push(c),
        }
    }
    escaped
}
