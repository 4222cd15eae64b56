//! The shape of the source tree, checked: no source file over the size one person reads in a
//! sitting, and no two files that need each other (a cycle makes every change to one a change
//! to both). Both rules held once by hand and drifted; a test keeps them.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Lines of code before a file's `#[cfg(test)]` module; tests and generated data aside.
const MAX_LINES: usize = 800;

/// Each crate's `src/` folder in the workspace.
fn crate_roots() -> Vec<PathBuf> {
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots = vec![top.join("src")];
    if let Ok(entries) = fs::read_dir(top.join("crates")) {
        for entry in entries.flatten() {
            let src = entry.path().join("src");
            if src.is_dir() {
                roots.push(src);
            }
        }
    }
    roots.sort();
    roots
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text before the file's test module.
fn product_part(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => text,
    }
}

/// The module path of a file below `src/`: `ui/views/mod.rs` → `["ui", "views"]`.
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

/// Code without comments and string literals (doc comments name paths that are not uses).
fn code_only(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' && (i == 0 || b[i - 1] != b'\'') {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.extend_from_slice(b"\"\"");
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Every path written as `crate::…` or `super::…`, groups `{a, b::c}` expanded.
fn paths_used(code: &str) -> Vec<(String, Vec<String>)> {
    let b = code.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts_word = i == 0 || !is_ident(b[i - 1]) && b[i - 1] != b':';
        let head = ["crate", "super"]
            .into_iter()
            .find(|h| b[i..].starts_with(h.as_bytes()));
        if let (true, Some(head)) = (starts_word, head) {
            let after = i + head.len();
            if b[after..].starts_with(b"::") {
                let mut leaves = Vec::new();
                let end = parse_tree(b, after, Vec::new(), &mut leaves);
                for leaf in leaves {
                    found.push((head.to_string(), leaf));
                }
                i = end.max(i + 1);
                continue;
            }
        }
        i += 1;
    }
    found
}

/// Parses `::seg::seg::{tree, tree}` from `i`, pushing each full leaf path.
fn parse_tree(
    b: &[u8],
    mut i: usize,
    mut prefix: Vec<String>,
    leaves: &mut Vec<Vec<String>>,
) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"::") {
            i += 2;
            continue;
        }
        if i < b.len() && b[i] == b'{' {
            i += 1;
            loop {
                while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
                    i += 1;
                }
                if i >= b.len() || b[i] == b'}' {
                    leaves.push(prefix.clone());
                    return i + 1;
                }
                i = parse_tree(b, i, prefix.clone(), leaves);
            }
        }
        let start = i;
        while i < b.len() && is_ident(b[i]) {
            i += 1;
        }
        if i == start {
            leaves.push(prefix);
            return i;
        }
        let seg = String::from_utf8_lossy(&b[start..i]).into_owned();
        prefix.push(seg);
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if !b[j..].starts_with(b"::") {
            // `as name`, `,`, `}`, `;`, `(` …: the path ends here.
            if b[j..].starts_with(b"as ") {
                j += 3;
                while j < b.len() && (b[j].is_ascii_whitespace() || is_ident(b[j])) {
                    j += 1;
                }
            }
            leaves.push(prefix);
            return j;
        }
        i = j;
    }
}

struct Tree {
    /// module path → file
    files: BTreeMap<Vec<String>, PathBuf>,
    /// module path → module paths its code names
    uses: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
}

fn tree_of(root: &Path) -> Tree {
    let mut all = Vec::new();
    rust_files(root, &mut all);
    let files: BTreeMap<_, _> = all
        .iter()
        .map(|f| (module_of(root, f), f.clone()))
        .collect();
    let mut uses = BTreeMap::new();
    for (module, file) in &files {
        let text = fs::read_to_string(file).unwrap();
        let code = code_only(product_part(&text));
        let mut targets = BTreeSet::new();
        for (head, path) in paths_used(&code) {
            let mut full: Vec<String> = if head == "crate" {
                Vec::new()
            } else {
                // `super` in a.rs is a's parent; in a/mod.rs, too, the parent of `a`.
                let mut own = module.clone();
                own.pop();
                own
            };
            let mut rest = path.into_iter().peekable();
            while rest.peek().is_some_and(|s| s == "super") {
                full.pop();
                rest.next();
            }
            full.extend(rest);
            // The longest prefix that is a file is the file depended on.
            let target = (0..=full.len())
                .rev()
                .map(|n| full[..n].to_vec())
                .find(|p| files.contains_key(p));
            if let Some(target) = target {
                if &target != module {
                    targets.insert(target);
                }
            }
        }
        uses.insert(module.clone(), targets);
    }
    Tree { files, uses }
}

/// Groups of files that reach each other (Tarjan's strongly connected components).
fn cycles(tree: &Tree) -> Vec<Vec<Vec<String>>> {
    struct State<'a> {
        tree: &'a Tree,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        next: usize,
        groups: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Vec<String>) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in &s.tree.uses[v] {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.groups.push(group);
            }
        }
    }
    let mut s = State {
        tree,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        groups: Vec::new(),
    };
    for v in tree.uses.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.groups
}

#[test]
fn no_source_file_is_over_eight_hundred_lines_before_its_tests() {
    let mut over = Vec::new();
    for root in crate_roots() {
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            let lines = product_part(&text).lines().count();
            if lines > MAX_LINES {
                over.push(format!(
                    "{} ({lines} lines)",
                    file.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap_or(&file)
                        .display()
                ));
            }
        }
    }
    assert!(over.is_empty(), "files over {MAX_LINES} lines: {over:#?}");
}

#[test]
fn no_two_files_need_each_other() {
    let mut found = Vec::new();
    for root in crate_roots() {
        let tree = tree_of(&root);
        for group in cycles(&tree) {
            let names: Vec<String> = group
                .iter()
                .map(|m| {
                    tree.files[m]
                        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap_or(&tree.files[m])
                        .display()
                        .to_string()
                })
                .collect();
            found.push(names.join(" → "));
        }
    }
    assert!(
        found.is_empty(),
        "files in a cycle (each reaches the others through its uses): {found:#?}"
    );
}

#[test]
fn the_cycle_finder_finds_a_planted_cycle_and_reads_groups() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    fs::create_dir_all(src.join("a")).unwrap();
    fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").unwrap();
    fs::write(src.join("a/mod.rs"), "pub mod inner;\n").unwrap();
    fs::write(
        src.join("a/inner.rs"),
        "use crate::{b::{Thing, other}, a};\n// crate::c in a comment\n",
    )
    .unwrap();
    fs::write(
        src.join("b.rs"),
        "pub fn f() { super::a::inner::g(); let s = \"crate::a\"; }\n",
    )
    .unwrap();
    let tree = tree_of(src);
    let inner = vec!["a".to_string(), "inner".to_string()];
    assert!(tree.uses[&inner].contains(&vec!["b".to_string()]));
    assert_eq!(cycles(&tree), vec![vec![inner, vec!["b".to_string()]]]);
}
