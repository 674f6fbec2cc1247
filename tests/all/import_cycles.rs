//! No import cycles between the files of `src/`: each file's dependencies on other files of the
//! crate form a graph, and a strongly connected component of more than one file is a cycle (the
//! files can only be understood, changed and tested together). The failure lists every such
//! component with the edges between its files (`file:line -> file  (path as written)`).
//!
//! List the cycles of the current tree:
//! `cargo test --test all import_cycles -- --include-ignored --nocapture`
//!
//! A small hand-written scanner, not a Rust parser. What counts as a dependency of a file:
//! `use` declarations (also `pub use`), paths in code starting with `crate::`, `$crate::`,
//! `self::`, `super::`, a child module (`lucene::render`), a name bound by a `use`
//! (`target::lucene::render` after `use crate::render as target`), and in the binary crate
//! `sigmaforge::`. A path naming an item of a module is followed to the file defining the item,
//! through `use`/`pub use` re-exports and glob re-exports, so going through a `mod.rs` that only
//! re-exports does not depend on that `mod.rs`. `mod x;` declarations are not dependencies.
//! Ignored: comments (doc comments included), string and char literals, and every item under
//! `#[cfg(test)]` (unit tests may use anything), including `#[cfg(test)] mod x;` files.
//! The module tree is followed from `src/lib.rs` and `src/main.rs`; a `.rs` file under `src/`
//! that neither reaches is reported, since it would go unchecked.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;
use std::path::Path;

/// One token of Rust source; literals and lifetimes carry no text.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(&'static str),
    Lit,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: u32,
}

const PUNCTS: &[&str] = &[
    "#", "!", "[", "]", "(", ")", "{", "}", ";", ",", "*", "$", "<", ">", ".", "=", ":", "&", "-",
    "+", "/", "%", "^", "|", "?", "@", "~",
];

/// Splits source into identifiers, punctuation (`::` is one token) and opaque literals; comments
/// vanish. Unterminated literals or comments end the file instead of panicking.
fn tokenize(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let mut line = 1u32;
    let mut i = 0;
    // Skips to just after the closing `"` of a (non-raw) string whose body starts at `i`.
    let skip_string = |mut i: usize, line: &mut u32| {
        while i < c.len() {
            match c[i] {
                '\\' => {
                    if at(i + 1) == '\n' {
                        *line += 1;
                    }
                    i += 2;
                    continue;
                }
                '"' => return i + 1,
                '\n' => *line += 1,
                _ => {}
            }
            i += 1;
        }
        c.len()
    };
    while i < c.len() {
        let ch = c[i];
        let start_line = line;
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = skip_string(i + 1, &mut line);
            out.push(Token {
                tok: Tok::Lit,
                line: start_line,
            });
        } else if let Some(after) = raw_string_end(&c, i, &mut line) {
            i = after;
            out.push(Token {
                tok: Tok::Lit,
                line: start_line,
            });
        } else if (ch == 'b' || ch == 'c') && at(i + 1) == '"' {
            i = skip_string(i + 2, &mut line);
            out.push(Token {
                tok: Tok::Lit,
                line: start_line,
            });
        } else if ch == '\'' || (ch == 'b' && at(i + 1) == '\'') {
            let q = if ch == 'b' { i + 1 } else { i };
            if at(q + 1) == '\\' {
                // escaped char literal: the escaped character, then up to the closing quote
                i = q + 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push(Token {
                    tok: Tok::Lit,
                    line: start_line,
                });
            } else if at(q + 2) == '\'' {
                i = q + 3;
                out.push(Token {
                    tok: Tok::Lit,
                    line: start_line,
                });
            } else {
                // a lifetime or label: opaque, so `'static` is not the `static` keyword
                i = q + 1;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Lit,
                    line: start_line,
                });
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let s = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let mut word: String = c[s..i].iter().collect();
            if word == "r" && at(i) == '#' && (at(i + 1).is_alphabetic() || at(i + 1) == '_') {
                let s = i + 1;
                i = s;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                word = c[s..i].iter().collect();
            }
            out.push(Token {
                tok: Tok::Ident(word),
                line: start_line,
            });
        } else if ch.is_ascii_digit() {
            while i < c.len()
                && (c[i].is_alphanumeric()
                    || c[i] == '_'
                    || (c[i] == '.' && at(i + 1).is_ascii_digit()))
            {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Lit,
                line: start_line,
            });
        } else if ch == ':' && at(i + 1) == ':' {
            i += 2;
            out.push(Token {
                tok: Tok::Punct("::"),
                line: start_line,
            });
        } else {
            i += 1;
            let p = PUNCTS.iter().find(|p| p.starts_with(ch)).copied();
            out.push(Token {
                tok: p.map_or(Tok::Lit, Tok::Punct),
                line: start_line,
            });
        }
    }
    out
}

/// For a raw string (`r"…"`, `r#"…"#`, `br"…"`, `cr"…"`) starting at `i`, the index after it.
fn raw_string_end(c: &[char], i: usize, line: &mut u32) -> Option<usize> {
    let mut j = i;
    if matches!(c.get(j), Some('b' | 'c')) {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = c[j..].iter().take_while(|&&x| x == '#').count();
    j += hashes;
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() {
        if c[j] == '"'
            && c[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&x| x == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        if c[j] == '\n' {
            *line += 1;
        }
        j += 1;
    }
    Some(c.len())
}

/// A `mod` declaration; `scope` is the chain of inline modules it sits in.
#[derive(Debug)]
struct ModDecl {
    scope: Vec<String>,
    name: String,
    inline: bool,
    test_only: bool,
    line: u32,
}

/// A path as written (`use` leaf or path in code), in the inline-module `scope` it appears in.
#[derive(Debug)]
struct PathRef {
    scope: Vec<String>,
    segs: Vec<String>,
    line: u32,
    /// For `use` leaves: the name bound (`None` for `as _`); glob imports set `glob`.
    binding: Option<String>,
    is_use: bool,
    glob: bool,
}

/// What the scanner keeps of one file.
#[derive(Debug, Default)]
struct Scan {
    mods: Vec<ModDecl>,
    /// Items defined directly in a module body: `(inline scope, name)`.
    defines: BTreeSet<(Vec<String>, String)>,
    refs: Vec<PathRef>,
    /// `#![cfg(test)]` at the top of the file.
    test_only: bool,
}

fn ident(toks: &[Token], i: usize) -> Option<&str> {
    match toks.get(i).map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

fn punct(toks: &[Token], i: usize, p: &str) -> bool {
    matches!(toks.get(i).map(|t| &t.tok), Some(Tok::Punct(q)) if *q == p)
}

/// Index of the bracket closing the one opened at `open` (or the end).
fn closing(toks: &[Token], open: usize) -> usize {
    let mut depth = 0i32;
    for (j, t) in toks.iter().enumerate().skip(open) {
        match t.tok {
            Tok::Punct("(" | "[" | "{") => depth += 1,
            Tok::Punct(")" | "]" | "}") => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

/// End (exclusive) of the item, statement, field or arm starting at `i`: after its `;`, its
/// closing `}`, or before a `,` or an unmatched closing bracket.
fn item_end(toks: &[Token], i: usize) -> usize {
    let mut depth = 0i32;
    for (j, t) in toks.iter().enumerate().skip(i) {
        match t.tok {
            Tok::Punct("(" | "[" | "{") => depth += 1,
            Tok::Punct(")" | "]") => {
                depth -= 1;
                if depth < 0 {
                    return j;
                }
            }
            Tok::Punct("}") => {
                depth -= 1;
                if depth < 0 {
                    return j;
                }
                if depth == 0 {
                    return j + 1;
                }
            }
            Tok::Punct(";") if depth == 0 => return j + 1,
            Tok::Punct(",") if depth == 0 => return j,
            _ => {}
        }
    }
    toks.len()
}

/// `cfg(test)`, `cfg(all(test, …))`: an attribute that keeps its item out of normal builds.
fn is_cfg_test(attr: &[Token]) -> bool {
    let idents: Vec<&str> = (0..attr.len()).filter_map(|k| ident(attr, k)).collect();
    idents.first() == Some(&"cfg") && idents.contains(&"test") && !idents.contains(&"not")
}

/// Parses the use tree at `i` under `prefix`, pushing one [`PathRef`] per leaf; returns the index
/// after the tree.
fn parse_use(
    toks: &[Token],
    mut i: usize,
    mut segs: Vec<String>,
    scope: &[String],
    out: &mut Vec<PathRef>,
) -> usize {
    if punct(toks, i, "::") {
        segs.push("::".into()); // `use ::name`: always an external crate
        i += 1;
    }
    loop {
        let line = toks.get(i).map_or(0, |t| t.line);
        if let Some(name) = ident(toks, i) {
            segs.push(name.to_string());
            i += 1;
            if punct(toks, i, "::") {
                i += 1;
                continue;
            }
            if segs.last().is_some_and(|s| s == "self") {
                segs.pop();
            }
            let mut binding = segs.last().cloned();
            if ident(toks, i) == Some("as") {
                binding = ident(toks, i + 1).filter(|a| *a != "_").map(str::to_string);
                i += 2;
            }
            out.push(PathRef {
                scope: scope.to_vec(),
                segs,
                line,
                binding,
                is_use: true,
                glob: false,
            });
            return i;
        } else if punct(toks, i, "*") {
            out.push(PathRef {
                scope: scope.to_vec(),
                segs,
                line,
                binding: None,
                is_use: true,
                glob: true,
            });
            return i + 1;
        } else if punct(toks, i, "{") {
            i += 1;
            while i < toks.len() && !punct(toks, i, "}") {
                let next = parse_use(toks, i, segs.clone(), scope, out);
                i = if next > i { next } else { i + 1 };
                if punct(toks, i, ",") {
                    i += 1;
                }
            }
            return i + 1;
        } else {
            return i + 1;
        }
    }
}

const ITEM_KEYWORDS: &[&str] = &[
    "struct", "enum", "trait", "fn", "type", "const", "static", "union",
];

/// Scans one file: module declarations, definitions, and every path that may name another file.
fn scan(src: &str) -> Scan {
    let toks = tokenize(src);
    let mut s = Scan::default();
    let mut scope: Vec<String> = Vec::new();
    // one entry per open `{`: whether it opened an inline module
    let mut braces: Vec<bool> = Vec::new();
    let mut pending_mod = false;
    let mut skip_item = false;
    let mut i = 0;
    while i < toks.len() {
        let module_level = braces.last().is_none_or(|&m| m);
        if punct(&toks, i, "#") {
            let inner = punct(&toks, i + 1, "!");
            let open = i + 1 + usize::from(inner);
            if punct(&toks, open, "[") {
                let close = closing(&toks, open);
                if is_cfg_test(&toks[open + 1..close.min(toks.len())]) {
                    if !inner {
                        skip_item = true;
                    } else if braces.is_empty() {
                        s.test_only = true;
                    } else {
                        // `#![cfg(test)]` inside a module body: the rest of that body
                        let depth = braces.len();
                        let mut j = close;
                        let mut d = depth;
                        while j < toks.len() && d >= depth {
                            if punct(&toks, j, "{") {
                                d += 1;
                            } else if punct(&toks, j, "}") {
                                d -= 1;
                            }
                            j += 1;
                        }
                        i = j - 1; // the closing `}` is handled below
                        continue;
                    }
                }
                i = close + 1;
                continue;
            }
        }
        if skip_item {
            skip_item = false;
            let end = item_end(&toks, i);
            // `#[cfg(test)] mod x;`: the file exists but is test-only
            let words: Vec<&str> = (i..end).filter_map(|k| ident(&toks, k)).collect();
            if let Some(p) = words.iter().position(|w| *w == "mod")
                && punct(&toks, end - 1, ";")
                && let Some(name) = words.get(p + 1)
            {
                s.mods.push(ModDecl {
                    scope: scope.clone(),
                    name: name.to_string(),
                    inline: false,
                    test_only: true,
                    line: toks[i].line,
                });
            }
            // `end == i` when the attribute closes a block: the `}` is then handled normally
            i = end;
            continue;
        }
        match &toks[i].tok {
            Tok::Punct("{") => {
                braces.push(pending_mod);
                pending_mod = false;
                i += 1;
            }
            Tok::Punct("}") => {
                if braces.pop() == Some(true) {
                    scope.pop();
                }
                i += 1;
            }
            Tok::Ident(w) if w == "mod" => {
                if let Some(name) = ident(&toks, i + 1) {
                    let inline = punct(&toks, i + 2, "{");
                    s.mods.push(ModDecl {
                        scope: scope.clone(),
                        name: name.to_string(),
                        inline,
                        test_only: false,
                        line: toks[i].line,
                    });
                    if inline {
                        s.defines.insert((scope.clone(), name.to_string()));
                        scope.push(name.to_string());
                        pending_mod = true;
                    }
                }
                i += 2;
            }
            Tok::Ident(w) if w == "use" => {
                i = parse_use(&toks, i + 1, Vec::new(), &scope, &mut s.refs);
            }
            Tok::Ident(w) if w == "macro_rules" && punct(&toks, i + 1, "!") => {
                if let Some(name) = ident(&toks, i + 2) {
                    s.defines.insert((scope.clone(), name.to_string()));
                }
                i += 2;
            }
            Tok::Ident(w) if module_level && ITEM_KEYWORDS.contains(&w.as_str()) => {
                let mut j = i + 1;
                if ident(&toks, j) == Some("mut") {
                    j += 1;
                }
                if let Some(name) = ident(&toks, j)
                    && !ITEM_KEYWORDS.contains(&name)
                {
                    s.defines.insert((scope.clone(), name.to_string()));
                }
                i += 1;
            }
            Tok::Ident(first) if punct(&toks, i + 1, "::") && ident(&toks, i + 2).is_some() => {
                let mut segs = vec![first.clone()];
                let mut j = i + 1;
                while punct(&toks, j, "::")
                    && let Some(next) = ident(&toks, j + 1)
                {
                    segs.push(next.to_string());
                    j += 2;
                }
                s.refs.push(PathRef {
                    scope: scope.clone(),
                    segs,
                    line: toks[i].line,
                    binding: None,
                    is_use: false,
                    glob: false,
                });
                i = j;
            }
            _ => i += 1,
        }
    }
    s
}

/// Which crate of the package a module belongs to.
type CrateId = usize;
const LIB: CrateId = 0;
const BIN: CrateId = 1;

/// A module path within a crate (`[]` is the crate root).
type ModPath = (CrateId, Vec<String>);

/// What a module offers to paths going through it.
#[derive(Default)]
struct ModInfo {
    file: usize,
    defines: BTreeSet<String>,
    /// Names bound by `use` in the module: their absolute path, `None` for external crates.
    bindings: HashMap<String, Option<ModPath>>,
    globs: Vec<ModPath>,
}

/// Where a dependency comes from: the first path causing it.
#[derive(Debug, Clone)]
struct Evidence {
    file: String,
    line: u32,
    /// The path as written.
    path: String,
}

/// The dependency graph of a package's `src/`: nodes are files, or top-level modules once
/// [`collapse`]d.
struct Graph {
    files: Vec<String>,
    /// `(from, to)` → the first path causing it.
    edges: BTreeMap<(usize, usize), Evidence>,
    /// Files under `src/` in no crate's module tree.
    unreached: Vec<String>,
}

struct Builder<'a> {
    files: Vec<&'a str>,
    scans: Vec<Scan>,
    modules: HashMap<ModPath, ModInfo>,
    /// Module of each reached file.
    owner: HashMap<usize, ModPath>,
    test_only: BTreeSet<usize>,
}

impl Builder<'_> {
    fn index(&self, path: &str) -> Option<usize> {
        self.files.iter().position(|f| *f == path)
    }

    /// Registers the module tree rooted at `file` (module `at`).
    fn walk(&mut self, file: usize, at: ModPath) -> Result<(), String> {
        if self.scans[file].test_only {
            self.test_only.insert(file);
            return Ok(());
        }
        if let Some(prev) = self.owner.get(&file) {
            return Err(format!(
                "{} is in the module tree twice ({:?} and {:?})",
                self.files[file], prev, at
            ));
        }
        self.owner.insert(file, at.clone());
        self.modules.entry(at.clone()).or_default().file = file;
        let path = self.files[file];
        let (dir, stem) = path.rsplit_once('/').unwrap_or(("", path));
        let stem = stem.trim_end_matches(".rs");
        let base = if matches!(stem, "mod" | "lib" | "main") {
            dir.to_string()
        } else {
            format!("{dir}/{stem}")
        };
        let decls: Vec<(Vec<String>, String, bool, bool, u32)> = self.scans[file]
            .mods
            .iter()
            .map(|d| {
                (
                    d.scope.clone(),
                    d.name.clone(),
                    d.inline,
                    d.test_only,
                    d.line,
                )
            })
            .collect();
        for (scope, name, inline, test_only, line) in decls {
            let mut child = at.1.clone();
            child.extend(scope.iter().cloned());
            child.push(name.clone());
            if inline {
                self.modules.entry((at.0, child)).or_default().file = file;
                continue;
            }
            let sub: String = scope.iter().map(|s| format!("/{s}")).collect();
            let candidates = [
                format!("{base}{sub}/{name}.rs"),
                format!("{base}{sub}/{name}/mod.rs"),
            ];
            let Some(found) = candidates.iter().find_map(|c| self.index(c)) else {
                if test_only {
                    continue;
                }
                return Err(format!(
                    "{path}:{line}: `mod {name};` but neither {} nor {} exists",
                    candidates[0], candidates[1]
                ));
            };
            if test_only {
                self.test_only.insert(found);
            } else {
                self.walk(found, (at.0, child))?;
            }
        }
        Ok(())
    }

    /// The absolute path a written path stands for in `module`, `None` when it is external.
    fn absolute(
        &self,
        module: &ModPath,
        segs: &[String],
        bindings: Option<&HashMap<String, Option<ModPath>>>,
    ) -> Option<ModPath> {
        let first = segs.first()?.as_str();
        match first {
            "crate" => Some((module.0, segs[1..].to_vec())),
            "self" | "super" => {
                let mut m = module.1.clone();
                let mut k = 0;
                while let Some(s) = segs.get(k) {
                    match s.as_str() {
                        "self" => {}
                        "super" => {
                            m.pop()?;
                        }
                        _ => break,
                    }
                    k += 1;
                }
                m.extend(segs[k..].iter().cloned());
                Some((module.0, m))
            }
            "sigmaforge" if module.0 == BIN => Some((LIB, segs[1..].to_vec())),
            name => {
                let mut child = module.1.clone();
                child.push(name.to_string());
                if self.modules.contains_key(&(module.0, child)) {
                    let mut m = module.1.clone();
                    m.extend(segs.iter().cloned());
                    return Some((module.0, m));
                }
                let bound = bindings?.get(name)?.clone()?;
                let mut m = bound.1;
                m.extend(segs[1..].iter().cloned());
                Some((bound.0, m))
            }
        }
    }

    /// The longest prefix of `path` that is a module, and the rest.
    fn split<'p>(&self, path: &'p ModPath) -> (&ModInfo, &'p [String]) {
        let mut n = path.1.len();
        loop {
            if let Some(info) = self.modules.get(&(path.0, path.1[..n].to_vec())) {
                return (info, &path.1[n..]);
            }
            // the crate root is always a module, so `n` never goes below zero
            n -= 1;
        }
    }

    /// The file defining what `path` names, `None` when no module says it defines it.
    fn lookup(&self, path: &ModPath, depth: u32) -> Option<usize> {
        if depth > 32 {
            return None;
        }
        let (info, rest) = self.split(path);
        let Some(name) = rest.first() else {
            return Some(info.file);
        };
        if info.defines.contains(name) {
            return Some(info.file);
        }
        if let Some(bound) = info.bindings.get(name) {
            return Some(match bound {
                Some((c, p)) => {
                    let mut p = p.clone();
                    p.extend(rest[1..].iter().cloned());
                    self.resolve(&(*c, p), depth + 1)
                }
                None => info.file,
            });
        }
        info.globs.iter().find_map(|(c, g)| {
            let mut p = g.clone();
            p.extend(rest.iter().cloned());
            self.lookup(&(*c, p), depth + 1)
        })
    }

    /// The file `path` depends on: the defining file when known, else the nearest module's.
    fn resolve(&self, path: &ModPath, depth: u32) -> usize {
        self.lookup(path, depth)
            .unwrap_or_else(|| self.split(path).0.file)
    }
}

/// Builds the graph of the files of a package (`files`: path under the package, like
/// `src/render/mod.rs` → source text), with `src/lib.rs` and `src/main.rs` as crate roots.
fn build(files: &BTreeMap<String, String>) -> Result<Graph, String> {
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    let mut b = Builder {
        scans: files.values().map(|t| scan(t)).collect(),
        files: names,
        modules: HashMap::new(),
        owner: HashMap::new(),
        test_only: BTreeSet::new(),
    };
    for (krate, root) in [(LIB, "src/lib.rs"), (BIN, "src/main.rs")] {
        if let Some(f) = b.index(root) {
            b.walk(f, (krate, Vec::new()))?;
        }
    }
    // A `mod.rs` that declares modules through a macro (`mod $name;`, as the validator registry
    // does) owns the files beside it that no written declaration reached.
    let texts: Vec<&String> = files.values().collect();
    let macro_parents: Vec<(usize, ModPath)> = b
        .owner
        .iter()
        .filter(|(f, _)| b.files[**f].ends_with("/mod.rs") && texts[**f].contains("mod $"))
        .map(|(f, m)| (*f, m.clone()))
        .collect();
    for (parent, module) in macro_parents {
        let dir = b.files[parent].trim_end_matches("mod.rs").to_string();
        let beside: Vec<(usize, String)> = b
            .files
            .iter()
            .enumerate()
            .filter(|(i, f)| {
                !b.owner.contains_key(i)
                    && f.strip_prefix(dir.as_str())
                        .is_some_and(|rest| !rest.contains('/') && rest.ends_with(".rs"))
            })
            .map(|(i, f)| (i, f[dir.len()..f.len() - 3].to_string()))
            .collect();
        for (file, name) in beside {
            let mut child = module.1.clone();
            child.push(name);
            b.walk(file, (module.0, child))?;
        }
    }
    // definitions, bindings and globs of every module
    let owners: Vec<(usize, ModPath)> = b.owner.iter().map(|(f, m)| (*f, m.clone())).collect();
    for (file, module) in &owners {
        for (scope, name) in &b.scans[*file].defines {
            let mut m = module.1.clone();
            m.extend(scope.iter().cloned());
            if let Some(info) = b.modules.get_mut(&(module.0, m)) {
                info.defines.insert(name.clone());
            }
        }
        let mut found = Vec::new();
        for r in b.scans[*file].refs.iter().filter(|r| r.is_use) {
            let mut m = module.1.clone();
            m.extend(r.scope.iter().cloned());
            let here = (module.0, m);
            let abs = b.absolute(&here, &r.segs, None);
            found.push((here, r.glob, r.binding.clone(), abs));
        }
        for (here, glob, binding, abs) in found {
            let info = b
                .modules
                .get_mut(&here)
                .expect("scope modules are registered");
            if glob {
                info.globs.extend(abs);
            } else if let Some(name) = binding {
                info.bindings.insert(name, abs);
            }
        }
    }
    let mut edges: BTreeMap<(usize, usize), Evidence> = BTreeMap::new();
    for (file, module) in &owners {
        for r in &b.scans[*file].refs {
            let mut m = module.1.clone();
            m.extend(r.scope.iter().cloned());
            let here = (module.0, m);
            let bindings = (!r.is_use).then(|| &b.modules[&here].bindings);
            let Some(abs) = b.absolute(&here, &r.segs, bindings) else {
                continue;
            };
            let to = b.resolve(&abs, 0);
            let evidence = Evidence {
                file: b.files[*file].to_string(),
                line: r.line,
                path: r.segs.join("::"),
            };
            if to != *file {
                let entry = edges.entry((*file, to)).or_insert(evidence.clone());
                if evidence.line < entry.line {
                    *entry = evidence;
                }
            }
        }
    }
    let unreached = b
        .files
        .iter()
        .enumerate()
        .filter(|(i, _)| !b.owner.contains_key(i) && !b.test_only.contains(i))
        .map(|(_, f)| f.to_string())
        .collect();
    Ok(Graph {
        files: b.files.iter().map(|f| f.to_string()).collect(),
        edges,
        unreached,
    })
}

/// Strongly connected components (Tarjan), each sorted, in order of their first file.
fn components(n: usize, edges: &BTreeMap<(usize, usize), Evidence>) -> Vec<Vec<usize>> {
    struct State {
        adj: Vec<Vec<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for k in 0..s.adj[v].len() {
            let w = s.adj[v][k];
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            comp.sort_unstable();
            s.out.push(comp);
        }
    }
    let mut adj = vec![Vec::new(); n];
    for &(a, b) in edges.keys() {
        adj[a].push(b);
    }
    let mut s = State {
        adj,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

/// The cycles of `g` (components of more than one file) with their edges; empty when none.
fn cycles_report(g: &Graph) -> String {
    let cycles: Vec<Vec<usize>> = components(g.files.len(), &g.edges)
        .into_iter()
        .filter(|c| c.len() > 1)
        .collect();
    let mut out = String::new();
    if cycles.is_empty() {
        return out;
    }
    writeln!(
        out,
        "{} import cycle(s) (strongly connected components):",
        cycles.len()
    )
    .unwrap();
    for (n, comp) in cycles.iter().enumerate() {
        writeln!(out, "\ncycle {}: {} nodes", n + 1, comp.len()).unwrap();
        for &f in comp {
            writeln!(out, "  {}", g.files[f]).unwrap();
        }
        writeln!(out, "  edges:").unwrap();
        for (&(a, b), ev) in &g.edges {
            if comp.contains(&a) && comp.contains(&b) {
                writeln!(
                    out,
                    "    {}:{} -> {}  ({})",
                    ev.file, ev.line, g.files[b], ev.path
                )
                .unwrap();
            }
        }
    }
    out
}

/// The graph between top-level modules: `src/render/eql.rs` counts as `src/render`, `src/config.rs`
/// as itself; each edge keeps its first evidence.
fn collapse(g: &Graph) -> Graph {
    let top = |f: &str| -> String {
        let parts: Vec<&str> = f.split('/').collect();
        if parts.len() > 2 {
            parts[..2].join("/")
        } else {
            f.to_string()
        }
    };
    let nodes: Vec<String> = g
        .files
        .iter()
        .map(|f| top(f))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let id = |f: &str| nodes.iter().position(|n| *n == top(f)).expect("a node");
    let mut edges: BTreeMap<(usize, usize), Evidence> = BTreeMap::new();
    for (&(a, b), ev) in &g.edges {
        let (x, y) = (id(&g.files[a]), id(&g.files[b]));
        if x != y {
            let entry = edges.entry((x, y)).or_insert_with(|| ev.clone());
            if (&ev.file, ev.line) < (&entry.file, entry.line) {
                *entry = ev.clone();
            }
        }
    }
    Graph {
        files: nodes,
        edges,
        unreached: g.unreached.clone(),
    }
}

/// Reads every `.rs` file under `src/` of the package.
fn read_src() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = BTreeMap::new();
    read_tree(&root.join("src"), root, &mut files);
    files
}

fn read_tree(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries {
        let p = e.expect("directory entry").path();
        if p.is_dir() {
            read_tree(&p, root, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let rel = p.strip_prefix(root).expect("under the root");
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            out.insert(rel, text);
        }
    }
}

#[test]
fn src_has_no_import_cycles() {
    let g = build(&read_src()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        g.unreached.is_empty(),
        "files under src/ in no module tree (unchecked): {:?}",
        g.unreached
    );
    println!(
        "{} files, {} file-to-file dependencies",
        g.files.len(),
        g.edges.len()
    );
    let report = cycles_report(&g);
    assert!(report.is_empty(), "between files of src/: {report}");
}

/// The same at the granularity of top-level modules (a directory of `src/` or a file directly in
/// it): catches `validate/mod.rs -> config.rs -> validate/registry.rs`, which no file cycle shows.
#[test]
fn src_top_level_modules_have_no_import_cycles() {
    let g = collapse(&build(&read_src()).unwrap_or_else(|e| panic!("{e}")));
    let report = cycles_report(&g);
    assert!(
        report.is_empty(),
        "between top-level modules of src/: {report}"
    );
}

/// Graph of an in-memory package.
fn graph(files: &[(&str, &str)]) -> Graph {
    let map = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    build(&map).expect("builds")
}

/// Edges as `from -> to` strings.
fn edge_list(g: &Graph) -> Vec<String> {
    g.edges
        .keys()
        .map(|&(a, b)| format!("{} -> {}", g.files[a], g.files[b]))
        .collect()
}

#[test]
fn scanner_finds_a_cycle_with_its_edges() {
    let g = graph(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        ("src/a.rs", "use crate::b::B;\npub struct A;\n"),
        (
            "src/b.rs",
            "pub struct B;\nfn f() -> crate::a::A {\n    crate::a::A\n}\n",
        ),
        ("src/c.rs", "use crate::a::A;\n"),
    ]);
    let report = cycles_report(&g);
    assert!(report.starts_with("1 import cycle(s)"), "{report}");
    assert!(
        report.contains("cycle 1: 2 nodes\n  src/a.rs\n  src/b.rs\n"),
        "{report}"
    );
    assert!(
        report.contains("src/a.rs:1 -> src/b.rs  (crate::b::B)"),
        "{report}"
    );
    assert!(
        report.contains("src/b.rs:2 -> src/a.rs  (crate::a::A)"),
        "{report}"
    );
    assert!(
        !report.contains("src/c.rs"),
        "c is not in the cycle: {report}"
    );
}

#[test]
fn scanner_passes_a_layered_crate() {
    let g = graph(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\n"),
        (
            "src/a.rs",
            "use crate::b::{self, B as Bee};\nfn f() { b::g(); super::b::g(); }\n",
        ),
        ("src/b.rs", "pub struct B;\npub fn g() {}\n"),
    ]);
    assert_eq!(edge_list(&g), ["src/a.rs -> src/b.rs"]);
    assert_eq!(cycles_report(&g), "");
}

#[test]
fn scanner_ignores_test_blocks_comments_and_strings() {
    let g = graph(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\n"),
        ("src/a.rs", "use crate::b::B;\n"),
        (
            "src/b.rs",
            r###"//! See [`crate::a::f`].
pub struct B;
/* block comment: crate::a::f /* nested crate::a::g */ */
const S: &str = "crate::a::f";
const R: &str = r#"use crate::a::f; "quoted""#;
const C: char = '"';
fn id<'a>(x: &'a str) -> &'a str { x }
#[cfg(test)]
mod tests {
    use super::*;
    use crate::a::*;
    fn t() { crate::a::f(); }
}
#[cfg(test)]
use crate::a::f;
"###,
        ),
    ]);
    assert_eq!(edge_list(&g), ["src/a.rs -> src/b.rs"]);
    assert_eq!(cycles_report(&g), "");
}

#[test]
fn scanner_follows_reexports_and_sees_super_self_and_children() {
    let g = graph(&[
        ("src/lib.rs", "pub mod m;\npub mod user;\n"),
        (
            "src/m/mod.rs",
            "mod x;\nmod y;\npub use x::X;\npub use y::*;\nfn h() { self::y::Y; }\n",
        ),
        ("src/m/x.rs", "pub struct X;\nfn f() { super::y::Y; }\n"),
        ("src/m/y.rs", "pub struct Y;\n"),
        (
            "src/user.rs",
            "use crate::m::{X, Y};\nuse crate::m as mm;\nfn f() { mm::X; }\n",
        ),
    ]);
    assert_eq!(
        edge_list(&g),
        [
            "src/m/mod.rs -> src/m/x.rs",
            "src/m/mod.rs -> src/m/y.rs",
            "src/m/x.rs -> src/m/y.rs",
            "src/user.rs -> src/m/mod.rs",
            "src/user.rs -> src/m/x.rs",
            "src/user.rs -> src/m/y.rs",
        ]
    );
    // X and Y do not go through mod.rs, which only re-exports them
    assert_eq!(cycles_report(&g), "");

    // a child using an item the parent itself defines is a cycle with the parent
    let g = graph(&[
        ("src/lib.rs", "pub mod m;\n"),
        (
            "src/m/mod.rs",
            "mod x;\npub struct Own;\nfn h() -> x::X { x::X }\n",
        ),
        ("src/m/x.rs", "use super::Own;\npub struct X;\n"),
    ]);
    assert!(
        cycles_report(&g).contains("src/m/x.rs:1 -> src/m/mod.rs  (super::Own)"),
        "{}",
        cycles_report(&g)
    );
}

#[test]
fn collapsed_graph_shows_cycles_between_directories() {
    let g = graph(&[
        ("src/lib.rs", "pub mod config;\npub mod v;\n"),
        ("src/config.rs", "use crate::v::reg::Info;\n"),
        (
            "src/v/mod.rs",
            "pub mod reg;\nfn run(c: &crate::config::C) {}\n",
        ),
        ("src/v/reg.rs", "pub struct Info;\n"),
    ]);
    assert_eq!(cycles_report(&g), "", "no cycle between files");
    let report = cycles_report(&collapse(&g));
    assert!(
        report.contains("src/config.rs:1 -> src/v  (crate::v::reg::Info)")
            && report.contains("src/v/mod.rs:2 -> src/config.rs  (crate::config::C)"),
        "{report}"
    );
}

#[test]
fn scanner_reports_missing_and_unreached_files() {
    let map: BTreeMap<String, String> = [("src/lib.rs", "mod gone;\n")]
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let err = build(&map).err().expect("missing module file");
    assert!(err.starts_with("src/lib.rs:1: `mod gone;`"), "{err}");

    let g = graph(&[
        ("src/lib.rs", "#[cfg(test)]\nmod fixtures;\n"),
        ("src/fixtures.rs", "use crate::x;\n"),
        ("src/stray.rs", ""),
    ]);
    assert_eq!(g.unreached, ["src/stray.rs"]);
    assert!(g.edges.is_empty());
}
