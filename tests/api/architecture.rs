//! The crate's layers, read from its source under `src/`: no import circle between modules, SQL
//! only in `src/db/` and the stores, no HTTP in stores and models. Each rule fails naming the
//! offending files and lines.
//!
//! A module is a file (`src/a/b.rs` is `a::b`; `src/a/mod.rs` and `src/a.rs` are `a`). It imports
//! the `crate::…`, `self::…` and `super::…` paths it names, in `use` trees and inline, and the
//! paths through modules it imported by name (`use crate::db;` then `db::schema::x`), each resolved
//! to the deepest module it names. `mod x;` declares a submodule and imports nothing.

use std::collections::{BTreeMap, BTreeSet};

use source::{Token, named_paths, tokens};

mod source;

/// Module → imported module → where it is first imported (`src/file.rs:line`).
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// Paths that build diesel queries.
const QUERY_BUILDERS: [&str; 4] = [
    "diesel::prelude",
    "diesel::update",
    "diesel::delete",
    "diesel::dsl",
];

/// Every `.rs` file under `src/`, as (`src/…` path, text).
fn source_files() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, files: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("a readable directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                files.push((name.to_string_lossy().replace('\\', "/"), text));
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files.sort();
    files
}

/// The module a file is; `src/lib.rs` and `src/main.rs` are none.
fn module_of(file: &str) -> Option<String> {
    let path = file.strip_prefix("src/")?.strip_suffix(".rs")?;
    let path = path.strip_suffix("/mod").unwrap_or(path);
    (path != "lib" && path != "main").then(|| path.replace('/', "::"))
}

/// A store file: `*/store.rs` or anything in a `*/store/` folder.
fn is_store(file: &str) -> bool {
    file.ends_with("/store.rs") || file.contains("/store/")
}

/// The absolute path `segments` means in `module`, when it starts at the crate root, `self`,
/// `super` or a module imported by name.
fn absolute(
    segments: &[String],
    module: &[String],
    aliases: &BTreeMap<String, Vec<String>>,
) -> Option<Vec<String>> {
    let ups = segments.iter().take_while(|s| *s == "super").count();
    let (mut path, rest) = match segments.first()?.as_str() {
        "crate" => (Vec::new(), &segments[1..]),
        "self" => (module.to_vec(), &segments[1..]),
        "super" => (
            module[..module.len().checked_sub(ups)?].to_vec(),
            &segments[ups..],
        ),
        first => (aliases.get(first)?.clone(), &segments[1..]),
    };
    path.extend(rest.iter().cloned());
    Some(path)
}

/// The import graph of `files` (`src/…` paths and their text).
fn import_graph(files: &[(String, String)]) -> Graph {
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|(file, _)| module_of(file))
        .collect();
    let mut graph = Graph::new();
    for (file, source) in files {
        let Some(module) = module_of(file) else {
            continue;
        };
        let (edges, mut aliases) = (graph.entry(module.clone()).or_default(), BTreeMap::new());
        for path in named_paths(&tokens(source)) {
            let here: Vec<String> = module
                .split("::")
                .map(str::to_owned)
                .chain(path.inline)
                .collect();
            let Some(target) = absolute(&path.segments, &here, &aliases) else {
                continue;
            };
            let deepest = (1..=target.len())
                .rev()
                .map(|n| target[..n].join("::"))
                .find(|m| modules.contains(m));
            if let Some(binding) = path
                .binding
                .filter(|_| modules.contains(&target.join("::")))
            {
                aliases.insert(binding, target);
            }
            if let Some(deepest) = deepest.filter(|m| *m != module) {
                edges
                    .entry(deepest)
                    .or_insert_with(|| format!("{file}:{}", path.line));
            }
        }
    }
    graph
}

/// The strongly connected components of more than one module (Tarjan).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    #[derive(Default)]
    struct Search<'g> {
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        components: Vec<Vec<String>>,
    }
    fn visit<'g>(graph: &'g Graph, v: &'g str, s: &mut Search<'g>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in graph.get(v).into_iter().flat_map(BTreeMap::keys) {
            if !s.index.contains_key(w.as_str()) {
                visit(graph, w, s);
                s.low.insert(v, s.low[v].min(s.low[w.as_str()]));
            } else if s.stack.contains(&w.as_str()) {
                s.low.insert(v, s.low[v].min(s.index[w.as_str()]));
            }
        }
        if s.low[v] == s.index[v] {
            let at = s.stack.iter().rposition(|m| *m == v).unwrap();
            let component: BTreeSet<String> = s.stack.drain(at..).map(str::to_owned).collect();
            if component.len() > 1 {
                s.components.push(component.into_iter().collect());
            }
        }
    }
    let mut search = Search::default();
    for v in graph.keys() {
        if !search.index.contains_key(v.as_str()) {
            visit(graph, v, &mut search);
        }
    }
    search.components
}

#[test]
fn no_import_circle_between_modules() {
    let graph = import_graph(&source_files());
    let report: Vec<String> = cycles(&graph)
        .iter()
        .map(|members| {
            let edges = members.iter().flat_map(|from| {
                let inside = graph[from].iter().filter(|(to, _)| members.contains(to));
                inside.map(move |(to, at)| format!("\n    {from} → {to} ({at})"))
            });
            format!("{}:{}", members.join(", "), edges.collect::<String>())
        })
        .collect();
    assert!(report.is_empty(), "import circles:\n{}", report.join("\n"));
}

/// The checker itself: grouped and nested `use` trees, `self` leaves, aliases, `super` and
/// inline paths are imports; comments, strings and `mod x;` are not.
#[test]
fn the_import_circle_check_reads_every_kind_of_import() {
    let files = [
        (
            "src/lib.rs",
            "pub mod a; pub mod b; pub mod lonely; use crate::a::f;",
        ),
        (
            "src/a/mod.rs",
            "mod inner;\nuse crate::{b::{self, c}};\n// crate::lonely::x\n",
        ),
        (
            "src/a/inner.rs",
            "use super::super::lonely::x as y;\npub fn f() { let _ = \"crate::b\"; }",
        ),
        ("src/b/mod.rs", "pub mod c;\npub mod d;"),
        ("src/b/c.rs", "pub fn h(_: &'static str) -> char { '\\'' }"),
        (
            "src/b/d.rs",
            "pub fn g() {\n    super::c::h(\"\");\n    crate::a::inner::f()\n}",
        ),
        (
            "src/lonely.rs",
            "/* crate::b::d */ pub fn x() { crate::a::f() }",
        ),
    ];
    let files = files.map(|(file, text)| (file.to_owned(), text.to_owned()));
    let targets = |graph: &Graph, m: &str| graph[m].keys().cloned().collect::<Vec<_>>();
    let graph = import_graph(&files);
    assert_eq!(targets(&graph, "a"), ["b", "b::c"]);
    assert_eq!(targets(&graph, "a::inner"), ["lonely"]);
    assert_eq!(targets(&graph, "b::d"), ["a::inner", "b::c"]);
    assert_eq!(targets(&graph, "lonely"), ["a"]);
    assert_eq!(graph["b::d"]["a::inner"], "src/b/d.rs:3");
    assert!(cycles(&graph).is_empty());

    // Through the alias `b`, `a` now reaches `b::d`, which leads back to it.
    let mut files = files.to_vec();
    files[1].1 += "pub fn f() { b::d::g(); }";
    let graph = import_graph(&files);
    assert_eq!(targets(&graph, "a"), ["b", "b::c", "b::d"]);
    assert_eq!(cycles(&graph), [["a", "a::inner", "b::d", "lonely"]]);
}

#[test]
fn sql_only_in_stores() {
    let mut offences = BTreeSet::new();
    for (file, source) in source_files() {
        if file.starts_with("src/db/") || is_store(&file) {
            continue;
        }
        let tokens = tokens(&source);
        for token in &tokens {
            if ["RunQueryDsl", "QueryDsl", "sql_query", "insert_into"]
                .contains(&token.text.as_str())
            {
                offences.insert(format!("{file}:{}: {}", token.line, token.text));
            }
        }
        for path in named_paths(&tokens) {
            let joined = path.segments.join("::");
            let builds = QUERY_BUILDERS
                .iter()
                .any(|p| joined == *p || joined.starts_with(&format!("{p}::")));
            // The tables of `src/db/schema.rs`, however they are reached.
            let schema = path
                .segments
                .windows(2)
                .any(|pair| pair[0] == "db" && pair[1] == "schema")
                || path.segments.first().is_some_and(|first| first == "schema");
            if builds || (schema && !path.in_diesel_attribute) {
                offences.insert(format!("{file}:{}: {joined}", path.line));
            }
        }
    }
    let offences = Vec::from_iter(offences).join("\n");
    assert!(
        offences.is_empty(),
        "diesel queries outside src/db/ and the stores:\n{offences}"
    );
}

/// Whether `file` holds rows and rules (`*/model.rs` or a file under `*/model/`).
fn is_model(file: &str) -> bool {
    file.ends_with("/model.rs") || file.contains("/model/")
}

/// Whether a source mentions HTTP: actix types or the API's error.
fn knows_http(source: &str) -> bool {
    tokens(source).iter().any(|Token { text, .. }| {
        ["ApiError", "actix_web", "HttpRequest", "HttpResponse"]
            .iter()
            .any(|w| text.starts_with(w))
    })
}

#[test]
fn no_http_in_stores_or_models() {
    let files = source_files();
    let mut offences = Vec::new();
    for (file, source) in &files {
        if (is_store(file) || is_model(file)) && knows_http(source) {
            offences.push(format!("{file} mentions HTTP"));
        }
    }
    // Nor through what they import: no store or model reaches a module that knows HTTP.
    let graph = import_graph(&files);
    let http: BTreeSet<String> = files
        .iter()
        .filter(|(_, source)| knows_http(source))
        .filter_map(|(file, _)| module_of(file))
        .collect();
    for (file, _) in files.iter().filter(|(f, _)| is_store(f) || is_model(f)) {
        let Some(start) = module_of(file) else {
            continue;
        };
        let mut via: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = vec![start.clone()];
        while let Some(module) = queue.pop() {
            for target in graph.get(&module).into_iter().flat_map(BTreeMap::keys) {
                if target != &start && !via.contains_key(target) {
                    via.insert(target.clone(), module.clone());
                    queue.push(target.clone());
                }
            }
        }
        for reached in via.keys().filter(|m| http.contains(*m)) {
            let mut path = vec![reached.clone()];
            while let Some(previous) = via.get(path.last().unwrap()).filter(|p| **p != start) {
                path.push(previous.clone());
            }
            path.push(start.clone());
            path.reverse();
            offences.push(format!("{file} reaches HTTP: {}", path.join(" → ")));
        }
    }
    assert!(
        offences.is_empty(),
        "HTTP in stores and models:\n{}",
        offences.join("\n")
    );
}
