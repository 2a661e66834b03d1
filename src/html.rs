//! Article bodies: HTML sanitised on write with an allow-list fit for news, and the reading
//! time derived from the text.

use std::collections::{BTreeMap, HashMap, HashSet};

/// Words a reader reads per minute, for `reading_time_minutes`.
const WORDS_PER_MINUTE: usize = 200;

/// Hosts (and their subdomains) `<iframe>` embeds may come from when `EMBED_HOSTS` is not set.
pub const DEFAULT_EMBED_HOSTS: [&str; 6] = [
    "youtube.com",
    "youtube-nocookie.com",
    "player.vimeo.com",
    "platform.twitter.com",
    "instagram.com",
    "x.com",
];

/// What a framed embed may do: run its player, open links in a new tab, go full screen.
const IFRAME_SANDBOX: &str = "allow-scripts allow-same-origin allow-popups allow-presentation";

/// The article-body sanitiser: an allow-list fit for news, with `<iframe>` embeds only from
/// the configured hosts, always sandboxed.
pub struct Sanitizer {
    builder: ammonia::Builder<'static>,
}

/// What sanitising took out of a body: how many of an element, or of an attribute on an
/// element, were removed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Removal {
    /// The element removed (with everything in it, for `script`, `style` and the like), or
    /// the element whose attribute was removed.
    #[schema(example = "iframe")]
    pub element: String,
    /// The attribute removed, when only an attribute went.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "onclick")]
    pub attribute: Option<String>,
    /// How many were removed.
    pub count: usize,
}

/// A sanitised body and what sanitising removed.
pub struct Sanitized {
    pub html: String,
    pub removed: Vec<Removal>,
}

impl Sanitizer {
    /// A sanitiser that keeps iframes whose `src` is an `https://` address on one of
    /// `embed_hosts` or a subdomain of one.
    pub fn new(embed_hosts: &[String]) -> Self {
        let hosts: Vec<String> = embed_hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
        let mut builder = base_builder();
        builder.attribute_filter(
            move |element, attribute, value| match (element, attribute) {
                ("iframe", "src") => embed_allowed(value, &hosts).then(|| value.into()),
                (_, "srcset") => web_srcset(value).then(|| value.into()),
                (_, "loading") => matches!(value, "lazy" | "eager").then(|| value.into()),
                (_, "decoding") => matches!(value, "async" | "sync" | "auto").then(|| value.into()),
                // Written as the id itself: `012` and `12` name the same picture.
                ("img", "data-media-id") => media_id(value).map(|id| id.to_string().into()),
                _ => Some(value.into()),
            },
        );
        Self { builder }
    }

    /// `html` with everything not on the allow-list removed, and a list of what went.
    pub fn sanitize(&self, html: &str) -> Sanitized {
        let cleaned = self.builder.clean(html).to_string();
        // An iframe whose address was refused has nothing left to show.
        let cleaned = drop_empty_iframes(&cleaned);
        let before = inventory(html);
        let after = inventory(&cleaned);
        let removed = before
            .into_iter()
            .filter_map(|((element, attribute), count)| {
                let kept = after
                    .get(&(element.clone(), attribute.clone()))
                    .copied()
                    .unwrap_or(0);
                (count > kept).then(|| Removal {
                    element,
                    attribute,
                    count: count - kept,
                })
            })
            // An element removed whole takes its attributes with it: report it once.
            .collect::<Vec<_>>();
        let gone: HashSet<(String, usize)> = removed
            .iter()
            .filter(|r| r.attribute.is_none())
            .map(|r| (r.element.clone(), r.count))
            .collect();
        let removed = removed
            .into_iter()
            .filter(|r| {
                r.attribute.is_none()
                    || !gone
                        .iter()
                        .any(|(element, count)| *element == r.element && *count >= r.count)
            })
            .collect();
        Sanitized {
            html: cleaned,
            removed,
        }
    }
}

/// Whether `src` is an `https://` address on one of `hosts` or a subdomain of one.
fn embed_allowed(src: &str, hosts: &[String]) -> bool {
    let Some(rest) = src.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return false;
    }
    let host = authority
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    hosts
        .iter()
        .any(|allowed| host == *allowed || host.ends_with(&format!(".{allowed}")))
}

/// `html` without `<iframe …></iframe>` elements that have no `src` left.
fn drop_empty_iframes(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<iframe") {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let Some(end) = tail.find("</iframe>") else {
            out.push_str(tail);
            return out;
        };
        let element = &tail[..end + "</iframe>".len()];
        let open_tag = &element[..element.find('>').unwrap_or(element.len())];
        if open_tag.contains(" src=\"") {
            out.push_str(element);
        }
        rest = &tail[element.len()..];
    }
    out.push_str(rest);
    out
}

/// How many start tags of each element, and of each attribute on each element, `html` has
/// (names lower-cased; comments and the text of raw-text elements skipped).
fn inventory(html: &str) -> BTreeMap<(String, Option<String>), usize> {
    let lower = html.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut counts = BTreeMap::new();
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|b| *b == b'<') {
        i += offset + 1;
        if lower[i..].starts_with("!--") {
            i = lower[i..]
                .find("-->")
                .map_or(bytes.len(), |end| i + end + 3);
            continue;
        }
        let name_end = bytes[i..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(bytes.len(), |end| i + end);
        if name_end == i || !bytes[i].is_ascii_alphabetic() {
            continue;
        }
        let name = lower[i..name_end].to_owned();
        *counts.entry((name.clone(), None)).or_insert(0) += 1;
        let mut j = name_end;
        loop {
            while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                break;
            }
            let attr_start = j;
            while j < bytes.len() && !bytes[j].is_ascii_whitespace() && !b"=>/".contains(&bytes[j])
            {
                j += 1;
            }
            let attribute = lower[attr_start..j].to_owned();
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if bytes.get(j) == Some(&b'=') {
                j += 1;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                match bytes.get(j) {
                    Some(quote @ (b'"' | b'\'')) => {
                        j = bytes[j + 1..]
                            .iter()
                            .position(|b| b == quote)
                            .map_or(bytes.len(), |end| j + 1 + end + 1);
                    }
                    _ => {
                        while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>'
                        {
                            j += 1;
                        }
                    }
                }
            }
            if !attribute.is_empty() {
                *counts.entry((name.clone(), Some(attribute))).or_insert(0) += 1;
            }
        }
        i = j.min(bytes.len());
        if RAW_TEXT.contains(&name.as_str()) {
            let end = format!("</{name}");
            i = lower[i..].find(&end).map_or(bytes.len(), |at| i + at);
        }
    }
    counts
}

/// The allow-list every sanitiser starts from.
fn base_builder() -> ammonia::Builder<'static> {
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
        "iframe",
        "img",
        "ins",
        "li",
        "mark",
        "ol",
        "p",
        "picture",
        "pre",
        "q",
        "s",
        "small",
        "source",
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
    attributes.insert(
        "a",
        ["href", "title", "hreflang", "target"]
            .into_iter()
            .collect(),
    );
    attributes.insert(
        "img",
        [
            "src",
            "alt",
            "title",
            "width",
            "height",
            "srcset",
            "sizes",
            "loading",
            "decoding",
            "data-media-id",
        ]
        .into_iter()
        .collect(),
    );
    attributes.insert(
        "source",
        ["srcset", "sizes", "media", "type", "width", "height"]
            .into_iter()
            .collect(),
    );
    // Anchors for a table of contents.
    for heading in ["h2", "h3", "h4", "h5", "h6"] {
        attributes.insert(heading, ["id"].into_iter().collect());
    }
    attributes.insert(
        "iframe",
        [
            "src",
            "width",
            "height",
            "title",
            "allow",
            "allowfullscreen",
            "loading",
        ]
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
        // The markup embeds (posts, reels) are pasted with, so their scripts can find them.
        .allowed_classes(
            [(
                "blockquote",
                ["twitter-tweet", "instagram-media", "tiktok-embed"]
                    .into_iter()
                    .collect(),
            )]
            .into_iter()
            .collect(),
        )
        .clean_content_tags(
            ["script", "style", "svg", "math", "object", "template"]
                .into_iter()
                .collect(),
        )
        .set_tag_attribute_value("iframe", "sandbox", IFRAME_SANDBOX)
        .set_tag_attribute_value(
            "iframe",
            "referrerpolicy",
            "strict-origin-when-cross-origin",
        )
        .strip_comments(true);
    builder
}

/// Whether every candidate of a `srcset` is a web address (`http(s)://` or a path): the
/// sanitiser checks `src` and `href` schemes itself, not `srcset`.
fn web_srcset(value: &str) -> bool {
    value.split(',').all(|candidate| {
        let url = candidate.split_whitespace().next().unwrap_or("");
        let lower = url.to_ascii_lowercase();
        lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with('/')
    })
}

/// Deepest element nesting an article body may have.
pub const MAX_DEPTH: usize = 100;

/// Most elements an article body may have.
pub const MAX_ELEMENTS: usize = 20_000;

/// Most tags, start and end, an article body may have: stray end tags cost the parser work too.
pub const MAX_TAGS: usize = 2 * MAX_ELEMENTS + 1_000;

/// Elements that never hold others, whatever the markup says.
const VOID: [&str; 13] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Elements a parser closes by itself when a sibling of the same name opens.
const SELF_CLOSING_SIBLINGS: [&str; 8] = ["p", "li", "dt", "dd", "tr", "td", "th", "option"];

/// Elements whose content is text up to their end tag, not markup.
const RAW_TEXT: [&str; 8] = [
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
];

/// What is wrong with the shape of `html`, if anything: elements nested deeper than
/// [`MAX_DEPTH`], more than [`MAX_ELEMENTS`] of them, or more than [`MAX_TAGS`] tags. One pass
/// over the text that follows the nesting the way a parser builds it (end tags close only an
/// open element of their name; comments and the text of scripts and styles are skipped; `/>`
/// closes only void elements), so any body is judged in time linear in its size before the
/// sanitiser, whose time grows faster with the nesting, sees it.
pub fn shape_error(html: &str) -> Option<String> {
    let bytes = html.as_bytes();
    let lower = html.to_ascii_lowercase();
    let mut open: Vec<String> = Vec::new();
    let (mut deepest, mut elements, mut tags) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|b| *b == b'<') {
        i += offset + 1;
        if lower[i..].starts_with("!--") {
            i = lower[i..]
                .find("-->")
                .map_or(bytes.len(), |end| i + end + 3);
            continue;
        }
        if matches!(bytes.get(i), Some(b'!' | b'?')) {
            i = lower[i..].find('>').map_or(bytes.len(), |end| i + end + 1);
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let start = i + usize::from(closing);
        let name_end = bytes[start..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(bytes.len(), |end| start + end);
        if name_end == start || !bytes[start].is_ascii_alphabetic() {
            continue;
        }
        let name = &lower[start..name_end];
        i = lower[name_end..]
            .find('>')
            .map_or(bytes.len(), |end| name_end + end + 1);
        tags += 1;
        if tags > MAX_TAGS {
            return Some(format!("must have at most {MAX_TAGS} tags"));
        }
        if closing {
            if let Some(at) = open.iter().rposition(|element| element == name) {
                open.truncate(at);
            }
            continue;
        }
        elements += 1;
        if elements > MAX_ELEMENTS {
            return Some(format!("must have at most {MAX_ELEMENTS} elements"));
        }
        if VOID.contains(&name) {
            continue;
        }
        if RAW_TEXT.contains(&name) {
            let end = format!("</{name}");
            i = lower[i..].find(&end).map_or(bytes.len(), |at| i + at);
            continue;
        }
        if SELF_CLOSING_SIBLINGS.contains(&name) && open.last().is_some_and(|top| top == name) {
            open.pop();
        }
        open.push(name.to_owned());
        deepest = deepest.max(open.len());
        if deepest > MAX_DEPTH {
            return Some(format!("must not nest elements more than {MAX_DEPTH} deep"));
        }
    }
    None
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

/// The text of a sanitised HTML fragment as a reader sees it: tags removed, entities decoded
/// (the sanitiser writes `&amp;`, `&lt;`, `&gt;`, `&nbsp;`; numeric and quote entities are
/// decoded too, anything else kept as written).
pub fn plain_text(html: &str) -> String {
    let text = text_of(html);
    let mut plain = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find('&') {
        plain.push_str(&rest[..at]);
        let tail = &rest[at..];
        let entity = tail[1..]
            .find(';')
            .filter(|end| *end <= 10)
            .map(|end| &tail[1..=end]);
        let decoded = entity.and_then(|name| match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        });
        match (entity, decoded) {
            (Some(name), Some(c)) => {
                plain.push(c);
                rest = &tail[name.len() + 2..];
            }
            _ => {
                plain.push('&');
                rest = &tail[1..];
            }
        }
    }
    plain.push_str(rest);
    plain
}

/// Minutes to read `html` at 200 words a minute, at least 1.
pub fn reading_time_minutes(html: &str) -> i32 {
    let words = text_of(html).split_whitespace().count();
    i32::try_from(words.div_ceil(WORDS_PER_MINUTE).max(1)).unwrap_or(i32::MAX)
}

/// Plain text (a comment) as HTML: escaped, in paragraphs at blank lines, line breaks kept as
/// `<br>`, and `http(s)://` addresses linked with `rel="nofollow ugc noopener"`. Never any
/// markup of the writer's.
pub fn text_to_html(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut html = String::with_capacity(text.len() + 16);
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        html.push_str("<p>");
        for (index, line) in paragraph.split('\n').enumerate() {
            if index > 0 {
                html.push_str("<br>");
            }
            push_linked(&mut html, line);
        }
        html.push_str("</p>");
    }
    html
}

/// `line`, escaped, with its web addresses linked.
fn push_linked(html: &mut String, line: &str) {
    let mut rest = line;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        html.push_str(&escape_text(&rest[..start]));
        let tail = &rest[start..];
        let mut end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        // Punctuation that ends a sentence is not part of the address.
        while end > 0 && tail[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', '\'', '"']) {
            end -= 1;
        }
        let scheme = if tail.starts_with("https://") { 8 } else { 7 };
        if end <= scheme {
            // A scheme and nothing after it is no address.
            html.push_str(&escape_text(&tail[..scheme]));
            rest = &tail[scheme..];
            continue;
        }
        let address = escape_text(&tail[..end]);
        html.push_str(&format!(
            "<a href=\"{address}\" rel=\"nofollow ugc noopener\">{address}</a>"
        ));
        rest = &tail[end..];
    }
    html.push_str(&escape_text(rest));
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

/// A `data-media-id` value: a positive id in digits.
fn media_id(value: &str) -> Option<i64> {
    value
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| value.parse::<i64>().ok())
        .flatten()
        .filter(|id| *id > 0)
}

/// The attributes of an `<img>` tag as the sanitiser writes them (`name="value"`, values
/// escaped), in order; `tag` runs from `<img` to its `>`.
fn img_attributes(tag: &str) -> Vec<(&str, &str)> {
    let mut attributes = Vec::new();
    let mut rest = tag
        .trim_start_matches("<img")
        .trim_end_matches('>')
        .trim_end_matches('/');
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return attributes;
        }
        let name_end = rest.find(['=', ' ']).unwrap_or(rest.len());
        let name = &rest[..name_end];
        rest = &rest[name_end..];
        if let Some(value) = rest.strip_prefix("=\"") {
            let end = value.find('"').unwrap_or(value.len());
            attributes.push((name, &value[..end]));
            rest = value.get(end + 1..).unwrap_or("");
        } else {
            attributes.push((name, ""));
        }
    }
}

/// The ids of the media library pictures a sanitised body places with
/// `<img data-media-id="…">`, in order, without repeats.
pub fn media_ids(html: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for (_, tag) in img_tags(html) {
        if let Some(id) = img_attributes(tag)
            .into_iter()
            .find(|(name, _)| *name == "data-media-id")
            .and_then(|(_, value)| media_id(value))
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

/// Every `<img …>` tag of `html`, with where it starts.
fn img_tags(html: &str) -> impl Iterator<Item = (usize, &str)> {
    html.match_indices("<img")
        .filter(|(at, _)| {
            html[at + 4..]
                .chars()
                .next()
                .is_some_and(|c| c == ' ' || c == '>' || c == '/')
        })
        .filter_map(|(at, _)| html[at..].find('>').map(|end| (at, &html[at..=at + end])))
}

/// What a body's `<img data-media-id>` gets from its picture.
pub struct PlacedImage {
    pub src: String,
    /// `url width` pairs, narrowest first.
    pub srcset: Vec<(String, u32)>,
    pub width: u32,
    pub height: u32,
    pub alt: Option<String>,
}

/// A sanitised body whose `<img data-media-id="…">` tags get `src`, `srcset`, `sizes`,
/// `width`, `height` and `alt` from `lookup` (the picture in the served locale); an editor's
/// own `alt` stays when the picture has none, and tags whose picture `lookup` doesn't know
/// are left as they are.
pub fn place_media(html: &str, lookup: impl Fn(i64) -> Option<PlacedImage>) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut copied = 0;
    for (at, tag) in img_tags(html) {
        let attributes = img_attributes(tag);
        let Some(image) = attributes
            .iter()
            .find(|(name, _)| *name == "data-media-id")
            .and_then(|(_, value)| media_id(value))
            .and_then(&lookup)
        else {
            continue;
        };
        out.push_str(&html[copied..at]);
        let replaced = ["src", "srcset", "sizes", "width", "height", "alt"];
        let own_alt = attributes
            .iter()
            .find(|(name, _)| *name == "alt")
            .map(|(_, value)| value.to_string());
        out.push_str("<img src=\"");
        out.push_str(&escape_text(&image.src));
        out.push('"');
        if !image.srcset.is_empty() {
            let srcset: Vec<String> = image
                .srcset
                .iter()
                .map(|(url, width)| format!("{url} {width}w"))
                .collect();
            out.push_str(&format!(
                " srcset=\"{}\" sizes=\"(max-width: {}px) 100vw, {}px\"",
                escape_text(&srcset.join(", ")),
                image.width,
                image.width
            ));
        }
        out.push_str(&format!(
            " width=\"{}\" height=\"{}\"",
            image.width, image.height
        ));
        let alt = image
            .alt
            .map(|alt| escape_text(&alt))
            .or(own_alt)
            .unwrap_or_default();
        out.push_str(&format!(" alt=\"{alt}\""));
        for (name, value) in attributes
            .iter()
            .filter(|(name, _)| !replaced.contains(name))
        {
            out.push_str(&format!(" {name}=\"{value}\""));
        }
        out.push('>');
        copied = at + tag.len();
    }
    out.push_str(&html[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_decodes_what_the_sanitiser_escapes() {
        assert_eq!(
            plain_text("<p>a &lt;b&gt; &amp;amp; &#x27;c&#39; &nbsp;d&unknown; &</p>"),
            " a <b> &amp; 'c' \u{a0}d&unknown; & "
        );
    }

    #[test]
    fn deep_or_huge_bodies_are_refused_before_sanitising() {
        assert_eq!(
            shape_error("<p>One <b>two</b></p><ul><li>a<li>b</ul><br><img src=x />"),
            None
        );
        let deep = "<div>".repeat(MAX_DEPTH + 1);
        assert!(shape_error(&deep).is_some());
        let nested_closed = format!("{}{}", "<div>".repeat(50), "</div>".repeat(50)).repeat(10);
        assert_eq!(
            shape_error(&nested_closed),
            None,
            "depth is where elements are, not how many"
        );
        // Paragraphs left open are siblings, not a nesting.
        assert_eq!(shape_error(&"<p>word ".repeat(5000)), None);
        assert!(shape_error(&"<br>".repeat(MAX_ELEMENTS + 1)).is_some());
        assert_eq!(shape_error("a < b and <3 and </>"), None);
    }

    fn sanitize(html: &str) -> String {
        default_sanitizer().sanitize(html).html
    }

    fn default_sanitizer() -> Sanitizer {
        Sanitizer::new(&DEFAULT_EMBED_HOSTS.map(String::from))
    }

    #[test]
    fn embeds_come_only_from_the_listed_hosts_and_sandboxed_and_removals_are_reported() {
        let pasted = r#"<p onclick="x()">Watch:</p><iframe src="https://www.youtube.com/embed/abc" width="560" height="315" allowfullscreen sandbox="allow-top-navigation"></iframe><iframe src="https://evil.test/embed"></iframe><iframe src="http://www.youtube.com/embed/abc"></iframe><iframe src="https://youtube.com.evil.test/x"></iframe><script>alert(1)</script>"#;
        let Sanitized { html, removed } = default_sanitizer().sanitize(pasted);
        assert!(
            html.contains(r#"<iframe src="https://www.youtube.com/embed/abc" width="560" height="315" allowfullscreen="""#),
            "{html}"
        );
        assert!(
            html.contains(&format!(r#"sandbox="{IFRAME_SANDBOX}""#)),
            "{html}"
        );
        assert_eq!(html.matches("<iframe").count(), 1, "{html}");
        assert!(
            !html.contains("evil") && !html.contains("http://"),
            "{html}"
        );
        let find = |element: &str, attribute: Option<&str>| {
            removed
                .iter()
                .find(|r| r.element == element && r.attribute.as_deref() == attribute)
                .map(|r| r.count)
        };
        assert_eq!(find("iframe", None), Some(3), "{removed:?}");
        assert_eq!(find("script", None), Some(1), "{removed:?}");
        assert_eq!(find("p", Some("onclick")), Some(1), "{removed:?}");
        assert_eq!(
            find("iframe", Some("src")),
            None,
            "reported with the element: {removed:?}"
        );
        assert!(
            default_sanitizer()
                .sanitize("<p>Fine</p>")
                .removed
                .is_empty()
        );
        let only_vimeo = Sanitizer::new(&["player.vimeo.com".to_owned()]);
        assert!(!only_vimeo.sanitize(pasted).html.contains("<iframe"));
    }

    #[test]
    fn what_newsrooms_paste_survives_sanitising() {
        let pasted = r#"<figure><picture><source srcset="https://cdn.test/a.webp 1x, /b.webp 2x" type="image/webp"><img src="https://cdn.test/a.jpg" srcset="https://cdn.test/a.jpg 640w" sizes="100vw" loading="lazy" width="640" height="360" alt="Astana"></picture><figcaption>Photo: AFP</figcaption></figure><h2 id="interview">Interview</h2><a href="https://x.test" target="_blank">x</a><blockquote class="twitter-tweet other"><p>post</p></blockquote>"#;
        let clean = sanitize(pasted);
        for kept in [
            "<figure>",
            "<picture>",
            r#"<source srcset="https://cdn.test/a.webp 1x, /b.webp 2x" type="image/webp">"#,
            r#"srcset="https://cdn.test/a.jpg 640w""#,
            r#"loading="lazy""#,
            "<figcaption>Photo: AFP</figcaption>",
            r#"<h2 id="interview">"#,
            r#"target="_blank""#,
            r#"rel="noopener noreferrer""#,
            r#"<blockquote class="twitter-tweet">"#,
        ] {
            assert!(clean.contains(kept), "{kept} in {clean}");
        }
        let hostile = sanitize(
            r#"<img src="https://x.test/a.jpg" srcset="javascript:alert(1) 1x" loading="javascript:1"><p id="x" onclick="y">t</p>"#,
        );
        assert!(!hostile.contains("javascript"), "{hostile}");
        assert!(
            !hostile.contains("onclick") && !hostile.contains(r#"id="x""#),
            "{hostile}"
        );
    }

    #[test]
    fn comment_text_becomes_escaped_paragraphs_with_links() {
        assert_eq!(
            text_to_html("<b>hi</b> & 'y'\r\nsecond\n\n\nsee https://example.com/a?b=1&c=2."),
            "<p>&lt;b&gt;hi&lt;/b&gt; &amp; &#x27;y&#x27;<br>second</p>\
             <p>see <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener\">\
             https://example.com/a?b=1&amp;c=2</a>.</p>"
        );
        assert_eq!(
            text_to_html("javascript:alert(1) http:// x"),
            "<p>javascript:alert(1) http:// x</p>"
        );
    }

    #[test]
    fn the_shape_follows_the_nesting_a_parser_builds() {
        let deep = |unit: &str| shape_error(&unit.repeat(MAX_DEPTH + 1)).is_some();
        // `/>` closes nothing but void elements; stray or hidden end tags close nothing.
        assert!(deep("<div/>"));
        assert!(deep("<div></span>"));
        assert!(deep("<div><!--</div>-->"));
        assert!(deep("<b></x>"));
        assert!(!deep("<img/>"));
        assert!(!deep("<br>"));
        // Tags inside comments and scripts are text.
        let hidden = format!(
            "<p><!--{}--><script>{}</script></p>",
            "<div>".repeat(500),
            "<div>".repeat(500)
        );
        assert_eq!(shape_error(&hidden), None);
        // Stray end tags count toward the tag budget.
        assert!(shape_error(&"</p>".repeat(MAX_TAGS + 1)).is_some());
        // Lists of paragraphs and items are flat.
        assert_eq!(
            shape_error(&"<ul><li>one<li>two</ul><p>a<p>b".repeat(500)),
            None
        );
    }

    #[test]
    fn media_images_get_their_files_and_alt() {
        let sanitizer = Sanitizer::new(&[]);
        let body = sanitizer
            .sanitize(r#"<p>a</p><img data-media-id="12" alt="mine" loading="lazy"><img data-media-id="x1"><img src="https://x.test/a.jpg">"#)
            .html;
        assert_eq!(media_ids(&body), vec![12]);
        let placed = place_media(&body, |id| {
            (id == 12).then(|| PlacedImage {
                src: "https://m.test/o.jpg".into(),
                srcset: vec![("https://m.test/320.webp".into(), 320)],
                width: 640,
                height: 480,
                alt: Some("Astana \"at night\"".into()),
            })
        });
        assert!(placed.contains(r#"<img src="https://m.test/o.jpg" srcset="https://m.test/320.webp 320w" sizes="(max-width: 640px) 100vw, 640px" width="640" height="480" alt="Astana &quot;at night&quot;" data-media-id="12" loading="lazy">"#), "{placed}");
        assert!(
            placed.contains(r#"<img src="https://x.test/a.jpg">"#),
            "{placed}"
        );
        assert!(!placed.contains("x1"), "{placed}");
    }
}
