//! The crate's modules form a DAG of layers, as `src/lib.rs` draws it:
//! foundations, models, servers, scenarios, tools, each using only the
//! layers below it (and, inside a layer, never in a cycle).
//!
//! The test reads every `src/**/*.rs`, finds each reference to another
//! top-level module (`crate::x`, `crate::{x, y}`, `super::` climbing to the
//! crate root, `corolab::x` in the binary), and fails, naming the file and
//! line, when a module refers to one in a higher layer, or when the
//! module graph has a cycle. Comments are skipped, so doc links may point
//! anywhere; `#[cfg(test)]` code counts, since it is compiled into the
//! crate's test build all the same.
//!
//! A module that is in no layer fails the test too: a new module must say
//! where it sits, in [`LAYERS`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The layers, bottom first, and the modules in each. A module may refer
/// to modules in its own layer or lower ones, never higher.
///
/// `trace` records who ran when (a foundation every model records into);
/// `timeline` draws it (a tool). Names that no file has yet are the modules the
/// open issues announce (a server lifecycle, the echo and redis servers,
/// the callbacks, genloop and fork models), placed ahead so they land in
/// the right layer.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundations",
        &["stack", "reactor", "trace", "backend", "panic_message", "measure", "term", "streambuf"],
    ),
    ("models", &["generator", "genloop", "greenlet", "gevent", "aio", "callbacks", "fork"]),
    ("servers", &["server", "http", "echo", "redis"]),
    ("scenarios", &["scenarios", "portable"]),
    ("tools", &["timeline", "svg", "bench", "lessons", "cli"]),
];

/// Edges that still break the rule on this branch, each fixed by its
/// owner's branch. The lead empties this list at integration: the test
/// fails on an entry that no longer occurs, so it cannot go stale.
const KNOWN: &[(&str, &str, &str)] = &[
    // (from, to, who removes it and how)
];

/// One reference from a file to a top-level module.
#[derive(Clone, Debug)]
struct Use {
    file: PathBuf,
    line: usize,
    from: String,
    to: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/`: `aio/net.rs` is `[aio, net]`,
/// `aio/mod.rs` is `[aio]`, `lib.rs` is `[]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if !matches!(stem, "mod" | "lib" | "main") {
            parts.push(stem.to_string());
        }
    }
    parts
}

/// The node a file belongs to: its top-level module, with the binary
/// (`main.rs`, `cli/`) as `cli` and trace's renderers apart.
fn node_of(relative: &Path) -> Option<String> {
    let path = module_path(relative);
    let name = relative.to_string_lossy();
    if name == "main.rs" || path.first().is_some_and(|p| p == "cli") {
        return Some("cli".into());
    }
    path.first().cloned()
}

/// `text` with every `//` comment blanked out (line numbers kept), and
/// string literals left as they are except that `//` inside one does not
/// start a comment.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = '\0';
        let mut cut = line.len();
        for (i, c) in line.char_indices() {
            if c == '"' && prev != '\\' {
                in_string = !in_string;
            } else if !in_string && c == '/' && prev == '/' {
                cut = i - 1;
                break;
            }
            prev = if prev == '\\' && c == '\\' { '\0' } else { c };
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

fn ident_at(text: &str, at: usize) -> &str {
    let rest = &text[at..];
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
    &rest[..end]
}

/// The first identifier of each top-level item of the brace group that
/// opens at `open`: `{a, b::c, d::{e, f}}` gives `a, b, d`.
fn group_heads(text: &str, open: usize) -> Vec<(usize, String)> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expect_head = false;
    for (i, c) in text[open..].char_indices() {
        let at = open + i;
        match c {
            '{' => {
                depth += 1;
                expect_head = depth == 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => expect_head = true,
            c if expect_head && (c.is_ascii_alphabetic() || c == '_') => {
                heads.push((at, ident_at(text, at).to_string()));
                expect_head = false;
            }
            _ => {}
        }
    }
    heads
}

/// The top-level modules `text` (a file at `path` in the crate) refers
/// to, with the byte offset of each reference.
fn references(text: &str, path: &[String], binary: bool) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let root = if binary { "corolab::" } else { "crate::" };
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(i) = text[at..].find(root) {
        let start = at + i;
        at = start + root.len();
        let boundary = start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        if !boundary {
            continue;
        }
        if text[at..].starts_with('{') {
            found.extend(group_heads(text, at));
        } else {
            found.push((start, ident_at(text, at).to_string()));
        }
    }
    // `super::super::x` from deep enough reaches the crate root.
    if !binary && path.len() > 1 {
        let climb = "super::".repeat(path.len());
        let mut at = 0;
        while let Some(i) = text[at..].find(&climb) {
            let start = at + i;
            at = start + climb.len();
            if text[at..].starts_with("super::") {
                continue;
            }
            if text[at..].starts_with('{') {
                found.extend(group_heads(text, at));
            } else {
                found.push((start, ident_at(text, at).to_string()));
            }
        }
    }
    found.retain(|(_, m)| !m.is_empty() && m != "self" && m != "super");
    found
}

/// Every reference from one node to another in `src/`.
fn crate_uses() -> Vec<Use> {
    let src = Path::new(ROOT).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut uses = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap().to_path_buf();
        let Some(from) = node_of(&relative) else { continue }; // lib.rs declares, uses nothing
        let text = strip_comments(&std::fs::read_to_string(&file).unwrap());
        let path = module_path(&relative);
        let binary = from == "cli";
        for (offset, to) in references(&text, &path, binary) {
            if to == from {
                continue;
            }
            let line = text[..offset].matches('\n').count() + 1;
            uses.push(Use { file: relative.clone(), line, from: from.clone(), to });
        }
    }
    uses
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

fn known(from: &str, to: &str) -> bool {
    KNOWN.iter().any(|&(f, t, _)| f == from && t == to)
}

fn show(u: &Use) -> String {
    format!("src/{}:{}: {} -> {}", u.file.display(), u.line, u.from, u.to)
}

/// The top-level modules the crate and its binary declare.
fn declared_modules() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for root in ["src/lib.rs", "src/main.rs"] {
        let text = strip_comments(&std::fs::read_to_string(Path::new(ROOT).join(root)).unwrap());
        for line in text.lines() {
            let l = line.trim().trim_start_matches("pub ").trim_start_matches("pub(crate) ");
            // `mod name;` declares a module; `mod tests {` is a test module
            // in the file itself, not a layer.
            if let Some(name) = l.strip_prefix("mod ").and_then(|rest| rest.strip_suffix(';')) {
                out.insert(name.trim().to_string());
            }
        }
    }
    out
}

#[test]
fn every_module_has_a_layer() {
    let missing: Vec<String> = declared_modules().into_iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(missing.is_empty(), "place these modules in a layer in tests/layers.rs LAYERS: {missing:?}");
}

#[test]
fn no_module_uses_a_higher_layer() {
    let mut bad = Vec::new();
    for u in crate_uses() {
        let (Some(from), Some(to)) = (layer_of(&u.from), layer_of(&u.to)) else { continue };
        if to > from && !known(&u.from, &u.to) {
            bad.push(format!("{}  ({} uses {})", show(&u), LAYERS[from].0, LAYERS[to].0));
        }
    }
    assert!(bad.is_empty(), "a module uses a layer above it:\n{}", bad.join("\n"));
}

#[test]
fn the_module_graph_has_no_cycle() {
    let uses: Vec<Use> = crate_uses().into_iter().filter(|u| !known(&u.from, &u.to)).collect();
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for u in &uses {
        graph.entry(&u.from).or_default().insert(&u.to);
    }
    if let Some(cycle) = find_cycle(&graph) {
        let mut lines = Vec::new();
        for pair in cycle.windows(2) {
            let u = uses.iter().find(|u| u.from == pair[0] && u.to == pair[1]).unwrap();
            lines.push(show(u));
        }
        panic!("the module graph has a cycle {}:\n{}", cycle.join(" -> "), lines.join("\n"));
    }
}

#[test]
fn every_known_violation_still_occurs() {
    let uses = crate_uses();
    let stale: Vec<_> = KNOWN
        .iter()
        .filter(|&&(f, t, _)| !uses.iter().any(|u| u.from == f && u.to == t))
        .map(|&(f, t, why)| format!("{f} -> {t} ({why})"))
        .collect();
    assert!(stale.is_empty(), "fixed: remove from KNOWN in tests/layers.rs:\n{}", stale.join("\n"));
}

/// A cycle in `graph` as a path that starts and ends at the same node.
fn find_cycle<'a>(graph: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Option<Vec<&'a str>> {
    fn visit<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        done: &mut BTreeSet<&'a str>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(at) = stack.iter().position(|&n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node);
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        stack.push(node);
        for &next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|&node| visit(node, graph, &mut done, &mut Vec::new()))
}

#[test]
fn the_checker_sees_every_spelling_of_a_reference() {
    let text = strip_comments(
        "use crate::aio::{self, Queue};\n\
         use crate::{gevent, stack::DEFAULT_SIZE};\n\
         // use crate::bench;\n\
         let s = \"http://x\"; crate::http::get(s);\n\
         super::super::trace::record();\n",
    );
    let found: Vec<String> =
        references(&text, &["a".into(), "b".into()], false).into_iter().map(|r| r.1).collect();
    assert_eq!(found, ["aio", "gevent", "stack", "http", "trace"]);
    let cycle = find_cycle(&BTreeMap::from([
        ("a", BTreeSet::from(["b"])),
        ("b", BTreeSet::from(["c"])),
        ("c", BTreeSet::from(["a"])),
    ]));
    assert_eq!(cycle, Some(vec!["a", "b", "c", "a"]));
}
