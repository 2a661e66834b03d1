//! Rust source read just enough for the architecture rules: tokens without comments and
//! literals, and the paths a file names (in `use` trees and inline) with their lines.

/// A token of source and its line; comments are dropped and every literal is `""`.
pub struct Token {
    /// The token (`""` for a literal).
    pub text: String,
    /// Its line, from 1.
    pub line: usize,
}

/// A path of the source: its segments, its line, and the inline modules (`mod x { … }`) it is in.
pub struct NamedPath {
    pub segments: Vec<String>,
    pub line: usize,
    pub inline: Vec<String>,
    /// The name a `use` binds it to.
    pub binding: Option<String>,
    /// Inside a `#[diesel(…)]` attribute.
    pub in_diesel_attribute: bool,
}

/// Whether a token is a name (or a keyword).
fn is_identifier(text: &str) -> bool {
    text.starts_with(|c: char| c.is_alphabetic() || c == '_')
}

/// The tokens of `source`.
pub fn tokens(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let (mut tokens, mut line, mut i) = (Vec::new(), 1, 0);
    while i < chars.len() {
        let (c, start) = (chars[i], line);
        // A string literal's opening quote (after `b`, `r` and `#`s), and the `#`s that close it.
        let raw = at(i + usize::from(c == 'b')) == 'r';
        let lead = i + usize::from(c == 'b') + usize::from(raw);
        let hashes = (lead..chars.len())
            .take_while(|&j| raw && chars[j] == '#')
            .count();
        let quote = lead + hashes;
        let text = if c == '/' && at(i + 1) == '/' {
            i = (i..chars.len())
                .find(|&j| chars[j] == '\n')
                .unwrap_or(chars.len());
            continue;
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                match (at(i), at(i + 1)) {
                    ('/', '*') => (depth, i) = (depth + 1, i + 2),
                    ('*', '/') => (depth, i) = (depth - 1, i + 2),
                    ('\0', _) => break,
                    (ch, _) => (line, i) = (line + usize::from(ch == '\n'), i + 1),
                }
                if depth == 0 {
                    break;
                }
            }
            continue;
        } else if at(quote) == '"' && (c == '"' || c == 'b' || c == 'r') {
            i = quote + 1;
            while i < chars.len() && !(at(i) == '"' && (1..=hashes).all(|h| at(i + h) == '#')) {
                let escape = chars[i] == '\\' && !raw;
                line += usize::from(chars[i] == '\n' || escape && at(i + 1) == '\n');
                i += 1 + usize::from(escape);
            }
            i += 1 + hashes;
            "\"\"".to_owned()
        } else if c == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A character literal; a lifetime (`'a`) becomes a name.
            let from = i + 2 + usize::from(at(i + 1) == '\\');
            i = (from..chars.len())
                .find(|&j| chars[j] == '\'')
                .unwrap_or(from)
                + 1;
            "\"\"".to_owned()
        } else if is_identifier(&c.to_string()) {
            let end = (i..chars.len()).find(|&j| !(chars[j].is_alphanumeric() || chars[j] == '_'));
            let word = chars[i..end.unwrap_or(chars.len())]
                .iter()
                .collect::<String>();
            i += word.chars().count();
            word
        } else if c == ':' && at(i + 1) == ':' {
            i += 2;
            "::".to_owned()
        } else {
            i += 1;
            line += usize::from(c == '\n');
            if c.is_whitespace() {
                continue;
            }
            c.to_string()
        };
        tokens.push(Token { text, line: start });
    }
    tokens
}

/// A leaf of a `use` tree: its path, its `as` name, whether it is a glob.
type UseLeaf = (Vec<String>, Option<String>, bool);

/// The leaves of the `use` tree starting at `tokens[*i]`; leaves `*i` after it.
fn use_tree(tokens: &[Token], i: &mut usize, mut path: Vec<String>, leaves: &mut Vec<UseLeaf>) {
    let is = |i: usize, text: &str| tokens.get(i).is_some_and(|t| t.text == text);
    while let Some(token) = tokens.get(*i) {
        *i += 1;
        match token.text.as_str() {
            "::" => {}
            "*" => return leaves.push((path, None, true)),
            "{" => {
                while tokens.get(*i).is_some_and(|t| t.text != "}") {
                    use_tree(tokens, i, path.clone(), leaves);
                    *i += usize::from(is(*i, ","));
                }
                *i += 1;
                return;
            }
            name if is_identifier(name) => {
                path.push(name.to_owned());
                if !is(*i, "::") {
                    let alias = is(*i, "as").then(|| tokens[*i + 1].text.clone());
                    *i += if alias.is_some() { 2 } else { 0 };
                    return leaves.push((path, alias, false));
                }
            }
            _ => return,
        }
    }
}

/// Every path of two or more segments in the tokens, and every leaf of their `use` trees.
pub fn named_paths(tokens: &[Token]) -> Vec<NamedPath> {
    let text = |i: usize| tokens.get(i).map_or("", |t| t.text.as_str());
    let (mut paths, mut i, mut depth, mut attribute_end) = (Vec::new(), 0, 0, 0);
    let mut inline: Vec<(String, i32)> = Vec::new();
    while i < tokens.len() {
        let (line, starts_path) = (tokens[i].line, i == 0 || text(i - 1) != "::");
        let mut found = Vec::new();
        match text(i) {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            "mod" if text(i + 2) == "{" => inline.push((text(i + 1).to_owned(), depth)),
            "#" if text(i + 1) == "[" && text(i + 2) == "diesel" => {
                let mut open = 0;
                attribute_end = (i + 1..tokens.len())
                    .find(|&j| {
                        open += i32::from(text(j) == "[") - i32::from(text(j) == "]");
                        open == 0
                    })
                    .unwrap_or(tokens.len());
            }
            "use" if starts_path => {
                let mut leaves = Vec::new();
                i += 1;
                use_tree(tokens, &mut i, Vec::new(), &mut leaves);
                i -= 1;
                for (mut segments, alias, glob) in leaves {
                    if segments.last().is_some_and(|s| s == "self") {
                        segments.pop();
                    }
                    let binding = alias.or_else(|| segments.last().cloned()).filter(|_| !glob);
                    found.push((segments, binding));
                }
            }
            name if is_identifier(name) && starts_path && text(i + 1) == "::" => {
                let mut segments = vec![name.to_owned()];
                while text(i + 1) == "::" && is_identifier(text(i + 2)) {
                    segments.push(text(i + 2).to_owned());
                    i += 2;
                }
                found.push((segments, None));
            }
            _ => {}
        }
        for (segments, binding) in found.into_iter().filter(|(s, _)| !s.is_empty()) {
            let inline = inline.iter().map(|(name, _)| name.clone()).collect();
            let in_diesel_attribute = i < attribute_end;
            paths.push(NamedPath {
                segments,
                line,
                inline,
                binding,
                in_diesel_attribute,
            });
        }
        i += 1;
    }
    paths
}
