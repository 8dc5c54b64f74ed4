//! The layering of the crate's modules, checked: data flows one way, so a
//! module may use only modules of lower layers (never its own layer's
//! neighbours, never a later stage). `docs/architecture.md` draws the same
//! table; change both together.

use std::collections::BTreeMap;
use std::path::Path;

/// Top-level modules by layer, lowest first.
const LAYERS: &[&[&str]] = &[
    // Leaves: shared types and utilities with no crate imports.
    &["model", "glob", "validators", "progress"],
    &["error"],
    &["data"],
    // Extractors and their registry (which discovery consults).
    &["extract"],
    &["discover", "db"],
    &["facts"],
    &["classify", "lineage"],
    // Declarations compose the config types the modules below own.
    &["decl"],
    &["rules"],
    &["pipeline"],
    &["gate"],
    &["report"],
    &["merge", "ci", "authoring", "explain", "evidence"],
];

/// Items the crate root re-exports, by the module that defines them; a
/// module must name the module, so its dependency shows.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("Audit", "pipeline"),
    ("Config", "pipeline"),
    ("Knowledge", "pipeline"),
    ("DEFAULT_FILE_TIME_BUDGET", "pipeline"),
    ("Source", "extract"),
    ("Error", "error"),
    ("scan", "<root>"),
    ("scan_sources", "<root>"),
];

fn layer_of(module: &str) -> Option<usize> {
    if module == "<root>" {
        return Some(LAYERS.len());
    }
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The modules named by `crate::…` paths in one line of code.
fn crate_refs(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::`, `piaudit_crate::`
        }
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or("")
                .split(',')
                .map(|n| n.trim().split("::").next().unwrap_or("").trim())
                .collect(),
            None => vec![rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")],
        };
        for n in names.into_iter().filter(|n| !n.is_empty()) {
            let module = ROOT_ITEMS
                .iter()
                .find(|(item, _)| *item == n)
                .map_or(n, |(_, m)| m);
            out.push(module.to_string());
        }
    }
    out
}

/// The code of a file without its comments and its `#[cfg(test)]` tail
/// (tests may reach anywhere).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, l)| l.trim() != "#[cfg(test)]")
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.split(" //").next().unwrap_or(l)))
}

/// Every `crate::` use from a module into a module of the same or a higher
/// layer, as `file:line: from → to`.
fn violations(src: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(src).sort_by_file_name() {
        let entry = entry.expect("src is readable");
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path
            .strip_prefix(src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let top = rel.split('/').next().unwrap().trim_end_matches(".rs");
        if ["lib", "main", "cli", "terminal", "layering"].contains(&top) {
            continue; // the facade and the binary sit above every layer
        }
        let from = layer_of(top).unwrap_or_else(|| panic!("{rel}: module `{top}` has no layer"));
        let text = std::fs::read_to_string(path).unwrap();
        for (line, code) in code_lines(&text) {
            for to in crate_refs(code) {
                if to == top {
                    continue;
                }
                let Some(target) = layer_of(&to) else {
                    out.push(format!("src/{rel}:{line}: `crate::{to}` has no layer"));
                    continue;
                };
                if target >= from {
                    out.push(format!("src/{rel}:{line}: {top} → {to}"));
                }
            }
        }
    }
    out
}

#[test]
fn modules_only_use_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "imports against the layering (docs/architecture.md):\n{}",
        found.join("\n")
    );
}

#[test]
fn every_top_level_module_has_one_layer() {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, layer) in LAYERS.iter().enumerate() {
        for m in *layer {
            assert!(seen.insert(m, i).is_none(), "`{m}` is in two layers");
        }
    }
    let lib = include_str!("lib.rs");
    for line in lib.lines() {
        if let Some(m) = line
            .strip_prefix("pub mod ")
            .and_then(|l| l.strip_suffix(';'))
        {
            assert!(seen.contains_key(m), "`pub mod {m}` has no layer");
        }
    }
}

#[test]
fn the_checker_sees_upward_and_grouped_imports() {
    assert_eq!(
        crate_refs("use crate::{model, rules::Pack};"),
        ["model", "rules"]
    );
    assert_eq!(crate_refs("let a: crate::Audit = x;"), ["pipeline"]);
    assert_eq!(crate_refs("$crate::x"), Vec::<String>::new());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("extract")).unwrap();
    std::fs::write(
        dir.path().join("extract/x.rs"),
        "use crate::model::Location;\n// crate::rules in a comment\nuse crate::classify::Classifier;\n#[cfg(test)]\nuse crate::pipeline;\n",
    )
    .unwrap();
    assert_eq!(
        violations(dir.path()),
        ["src/extract/x.rs:3: extract → classify"]
    );
}
