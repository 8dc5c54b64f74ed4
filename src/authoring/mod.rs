//! Tools for rule-pack authors: the text output of
//! `piaudit rules list | show | test`, and the fixture runner ([`fixtures`])
//! that runs a rule's cases through the whole pipeline.

pub mod fixtures;

use crate::data::DataFiles;
use crate::error::Error;
use crate::pipeline::Knowledge;
use std::fmt::Write as _;
use std::path::Path;

/// `rules list`: one row per rule — id, severity, basis, title.
pub fn list(k: &Knowledge, lang: &str) -> String {
    let mut out = String::new();
    // Ids are 8 characters in cn-2026, up to 16 in mlps-l3.
    let w = k
        .pack
        .rules
        .keys()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(10);
    let _ = writeln!(
        out,
        "{:<w$} {:<9} {:<44} {}",
        "ID",
        if lang.starts_with("zh") {
            "严重程度"
        } else {
            "SEVERITY"
        },
        if lang.starts_with("zh") {
            "法律依据"
        } else {
            "BASIS"
        },
        if lang.starts_with("zh") {
            "标题"
        } else {
            "TITLE"
        },
    );
    for r in k.pack.rules.values() {
        let _ = writeln!(
            out,
            "{:<w$} {:<9} {:<44} {}",
            r.id,
            r.severity.to_string(),
            r.basis.join(","),
            r.title.get(lang)
        );
    }
    out
}

/// `rules show ID`: full text of one rule, its basis provisions and its fixture file.
pub fn show(
    k: &Knowledge,
    files: &DataFiles,
    id: &str,
    lang: Option<&str>,
) -> Result<String, Error> {
    let r = k
        .pack
        .rules
        .get(id)
        .or_else(|| {
            k.pack
                .rules
                .values()
                .find(|r| r.id.eq_ignore_ascii_case(id))
        })
        .ok_or_else(|| {
            Error::Usage(format!(
                "no rule `{id}` in pack {}; see `piaudit rules list` / 规则包中没有该规则",
                k.pack.id
            ))
        })?;
    // Both languages unless one was asked for.
    let (zh, en) = match lang {
        Some(l) if l.starts_with("en") => (false, true),
        Some(_) => (true, false),
        None => (true, true),
    };
    let pick = |z: &str, e: &str| match (zh, en) {
        (true, true) => format!("{z} / {e}"),
        (true, false) => z.to_string(),
        _ => e.to_string(),
    };
    let both = |z: &str, e: &str| match (zh, en) {
        (true, true) => format!("  {z}\n  {e}"),
        (true, false) => format!("  {z}"),
        _ => format!("  {e}"),
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}  [{}]  ({})", r.id, r.severity, r.file);
    let title = match (zh, en) {
        (true, true) => format!("{}\n{}", r.title.zh, r.title.en),
        (true, false) => r.title.zh.clone(),
        _ => r.title.en.clone(),
    };
    let _ = writeln!(out, "{title}\n");
    let _ = writeln!(out, "{}:", pick("法律依据", "Basis"));
    for code in &r.basis {
        if let Some(p) = k.law.get(code) {
            let flag = if p.verified() {
                String::new()
            } else {
                format!(" ({})", pick("未核实", "unverified"))
            };
            let _ = writeln!(out, "  {code}{flag}: {}", pick(&p.zh, &p.en));
        }
    }
    let _ = writeln!(
        out,
        "\n{}:\n{}",
        pick("消息", "Message"),
        both(&r.message.zh, &r.message.en)
    );
    let _ = writeln!(
        out,
        "\n{}:\n{}",
        pick("整改", "Remediation"),
        both(&r.remediation.zh, &r.remediation.en)
    );
    let _ = writeln!(out, "\n{}", r.doc.trim_end());
    let test_file = r.file.replace(".yaml", ".test.yaml");
    if let Some(t) = files.get(&test_file) {
        let _ = writeln!(out, "\n# {test_file}\n{}", t.trim_end());
    }
    Ok(out)
}

/// `rules test [DIR]`: runs the fixtures (of the pack, or the `*.test.yaml`
/// files under DIR); returns the text and whether everything passed.
pub fn test(k: &Knowledge, files: &DataFiles, dir: Option<&Path>) -> Result<(String, bool), Error> {
    let report = match dir {
        Some(d) => fixtures::run_texts(k, fixtures::read_dir(d)?),
        None => fixtures::run_pack(k, files),
    };
    let mut out = String::new();
    for p in &report.pending {
        let _ = writeln!(out, "{p}");
    }
    for f in &report.failures {
        let _ = writeln!(out, "{f}");
    }
    let _ = writeln!(
        out,
        "{} rules, {} cases, {} failures, {} pending / 规则 {} 条，用例 {} 个，失败 {} 个，待定 {} 个",
        report.tested.len(),
        report.cases,
        report.failures.len(),
        report.pending.len(),
        report.tested.len(),
        report.cases,
        report.failures.len(),
        report.pending.len()
    );
    Ok((out, report.passed()))
}
