//! "What do I fix first": the one ranking of open findings every renderer
//! uses (the HTML cover, the Markdown summary, the terminal, the findings
//! CSV), and the names a reader knows a finding's targets by.
//!
//! A finding's score is
//!
//! ```text
//! score   = severity × confidence × breadth
//! severity:   critical 10 000, high 1 000, medium 100, low 10, info 1
//! confidence: confirmed 4, likely 2, needs_review 1
//! breadth = min(2.4, (1 + ½·log₂ n) × (1 + log₁₀ p / 40))
//!   n = fields affected: `fields`, else the subjects that are fields (≥ 1)
//!   p = persons affected, when piaudit.yaml declares `scale`: the
//!       sensitive-PI head-count for a finding on sensitive PI, else the
//!       PI head-count (no declaration: the factor is 1)
//! ```
//!
//! Confidence × breadth is at most 9.6, under the factor of 10 between two
//! severities: a more severe finding always ranks first; within one
//! severity a confirmed finding outranks a `needs_review` one whatever its
//! breadth, and breadth decides between equals. Ties go by rule id, then
//! file, line and fingerprint, so the order is deterministic. Waived and
//! baselined findings are never ranked.

use crate::decl::Scale;
use crate::model::{Confidence, Dataset, Field, Finding, FindingStatus, Report, Severity};
use crate::Audit;
use std::cmp::Ordering;
use std::collections::HashMap;

/// Most findings the cover (and every "fix first" list) names.
pub const FIX_FIRST: usize = 10;

/// Upper bound of the breadth factor: confidence × breadth stays under 10,
/// the ratio between two severities.
pub const MAX_BREADTH: f64 = 2.4;

/// Weight of a severity (a factor of 10 per level).
pub fn severity_weight(s: Severity) -> f64 {
    match s {
        Severity::Critical => 10_000.0,
        Severity::High => 1_000.0,
        Severity::Medium => 100.0,
        Severity::Low => 10.0,
        Severity::Info => 1.0,
    }
}

/// Weight of a confidence.
pub fn confidence_weight(c: Confidence) -> f64 {
    match c {
        Confidence::Confirmed => 4.0,
        Confidence::Likely => 2.0,
        Confidence::NeedsReview => 1.0,
    }
}

/// The breadth factor of `fields` affected fields and, when declared,
/// `persons` affected persons; in `[1, MAX_BREADTH]`.
pub fn breadth_factor(fields: usize, persons: Option<u64>) -> f64 {
    let by_fields = 1.0 + 0.5 * (fields.max(1) as f64).log2();
    let by_persons = persons.map_or(1.0, |p| 1.0 + (p.max(1) as f64).log10() / 40.0);
    (by_fields * by_persons).min(MAX_BREADTH)
}

/// The score of a finding with these properties (see the module docs).
pub fn score(
    severity: Severity,
    confidence: Confidence,
    fields: usize,
    persons: Option<u64>,
) -> f64 {
    severity_weight(severity) * confidence_weight(confidence) * breadth_factor(fields, persons)
}

/// An open finding with its rank inputs and the names of what it affects.
#[derive(Debug, Clone)]
pub struct Ranked<'a> {
    /// The finding.
    pub finding: &'a Finding,
    /// Its score.
    pub score: f64,
    /// Fields affected (at least 1).
    pub breadth: usize,
    /// Persons affected, from the declared head-counts.
    pub persons: Option<u64>,
    /// What it affects, as `table.column` (or a dataset, endpoint or other
    /// subject as named in the report); empty for a project-level finding.
    pub targets: Vec<String>,
}

/// Looks up the report's datasets and fields by id, once, for ranking and
/// for naming targets.
pub struct Namer<'a> {
    fields: HashMap<&'a str, (&'a Dataset, &'a Field)>,
    flows: std::collections::HashSet<(&'a str, &'a str)>,
    datasets: HashMap<&'a str, &'a Dataset>,
    scale: Option<&'a Scale>,
}

impl<'a> Namer<'a> {
    /// Indexes a report; `scale` is the declared head-counts, if any.
    pub fn new(report: &'a Report, scale: Option<&'a Scale>) -> Self {
        let mut fields = HashMap::new();
        let mut datasets = HashMap::new();
        for d in &report.datasets {
            // The first wins, as in `Report::field_index`.
            datasets.entry(d.id.as_str()).or_insert(d);
            for f in &d.fields {
                fields.entry(f.id.as_str()).or_insert((d, f));
            }
        }
        Namer {
            fields,
            flows: report
                .flows
                .iter()
                .map(|f| (f.from.as_str(), f.to.as_str()))
                .collect(),
            datasets,
            scale,
        }
    }

    /// How a reader names a subject: `table.column` for a field, the table
    /// for a dataset, else the id without the file it starts with.
    pub fn label(&self, id: &str) -> String {
        if let Some((d, f)) = self.fields.get(id) {
            return format!("{}.{}", d.name, f.name);
        }
        if let Some(d) = self.datasets.get(id) {
            return d.name.clone();
        }
        id.rsplit_once('#').map_or(id, |(_, name)| name).to_string()
    }

    /// The affected fields of a finding as named: `fields`, else its
    /// subjects (all of them: a dataset or endpoint is named too; the two
    /// ends of a flow as one `from → to`).
    pub fn targets(&self, f: &Finding) -> Vec<String> {
        if let [from, to] = f.subjects.as_slice() {
            if f.fields.is_empty() && self.flows.contains(&(from.as_str(), to.as_str())) {
                return vec![format!("{} → {}", self.label(from), self.label(to))];
            }
        }
        let ids = if f.fields.is_empty() {
            &f.subjects
        } else {
            &f.fields
        };
        let mut out: Vec<String> = Vec::with_capacity(ids.len());
        for id in ids {
            let l = self.label(id);
            if !out.contains(&l) {
                out.push(l);
            }
        }
        out
    }

    /// Fields affected: `fields`, else the subjects that are fields; at
    /// least 1.
    pub fn breadth(&self, f: &Finding) -> usize {
        if !f.fields.is_empty() {
            return f.fields.len();
        }
        f.subjects
            .iter()
            .filter(|s| self.fields.contains_key(s.as_str()))
            .count()
            .max(1)
    }

    /// Persons affected, from the declared head-counts: sensitive-PI
    /// subjects when an affected field is sensitive PI (the PI head-count
    /// when those are not declared), else the PI head-count.
    pub fn persons(&self, f: &Finding) -> Option<u64> {
        let scale = self.scale?;
        let ids = f.fields.iter().chain(&f.subjects);
        let sensitive = ids
            .filter_map(|id| self.fields.get(id.as_str()))
            .any(|(_, field)| field.pi.as_ref().is_some_and(|p| p.sensitive));
        if sensitive {
            scale.sensitive_subjects.or(scale.pi_subjects_total)
        } else {
            scale.pi_subjects_total
        }
    }

    /// A finding with its score and targets.
    pub fn rank(&self, f: &'a Finding) -> Ranked<'a> {
        let breadth = self.breadth(f);
        let persons = self.persons(f);
        Ranked {
            finding: f,
            score: score(f.severity, f.confidence, breadth, persons),
            breadth,
            persons,
            targets: self.targets(f),
        }
    }
}

/// Best first: higher score, then rule id, file, line and fingerprint.
pub fn compare(a: &Ranked, b: &Ranked) -> Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.finding.rule.cmp(&b.finding.rule))
        .then_with(|| a.finding.location.file.cmp(&b.finding.location.file))
        .then_with(|| a.finding.location.line.cmp(&b.finding.location.line))
        .then_with(|| a.finding.fingerprint.cmp(&b.finding.fingerprint))
}

/// Every open finding of the audit, best first.
pub fn ranked(audit: &Audit) -> Vec<Ranked<'_>> {
    let namer = Namer::new(&audit.report, audit.scale.as_ref());
    ranked_with(&namer, &audit.report.findings)
}

/// The open findings among `findings`, ranked with `namer`, best first.
pub fn ranked_with<'a>(namer: &Namer<'a>, findings: &'a [Finding]) -> Vec<Ranked<'a>> {
    let mut out: Vec<Ranked> = findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .map(|f| namer.rank(f))
        .collect();
    out.sort_by(compare);
    out
}

/// The first [`FIX_FIRST`] open findings, best first: what the cover names.
pub fn fix_first(audit: &Audit) -> Vec<Ranked<'_>> {
    let mut all = ranked(audit);
    all.truncate(FIX_FIRST);
    all
}

/// At most `max` target names joined with `sep`, and how many were left out.
pub fn short_targets(targets: &[String], max: usize, sep: &str) -> (String, usize) {
    let shown: Vec<&str> = targets.iter().take(max).map(String::as_str).collect();
    (shown.join(sep), targets.len().saturating_sub(max))
}

/// A remediation on one line: whole when short, else up to the end of a
/// sentence (past the first 60 characters and outside brackets, and not
/// after an abbreviation such as `e.g.` or `Art.`), else cut at 160
/// characters.
pub fn one_line(text: &str) -> String {
    const MAX: usize = 160;
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX {
        return flat;
    }
    let mut seen = 0;
    let mut depth = 0i32;
    for (i, c) in flat.char_indices() {
        seen += 1;
        if seen > MAX {
            break;
        }
        match c {
            '(' | '（' | '[' => depth += 1,
            ')' | '）' | ']' => depth -= 1,
            _ => {}
        }
        let end = i + c.len_utf8();
        let word = flat[..i].rsplit([' ', '(', '（']).next().unwrap_or("");
        let abbreviation =
            word.contains('.') || matches!(word, "etc" | "Art" | "No" | "vs" | "cf" | "Nr" | "art");
        let at_end = c == '。' || (c == '.' && flat[end..].starts_with(' ') && !abbreviation);
        if at_end && depth <= 0 && seen >= 60 {
            return flat[..end].to_string();
        }
    }
    let cut: String = flat.chars().take(MAX - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;

    pub(crate) fn finding(rule: &str, sev: Severity, conf: Confidence, fields: &[&str]) -> Finding {
        Finding {
            rule: rule.into(),
            title: format!("{rule} title"),
            severity: sev,
            basis: vec!["PIPL-51".into()],
            subjects: vec!["db/a.sql#user".into()],
            location: Location::line("db/a.sql", 3),
            message: "m".into(),
            remediation: "r".into(),
            fingerprint: format!("{rule}-{sev}-{conf:?}-{}", fields.len()),
            status: FindingStatus::Open,
            confidence: conf,
            evidence: vec![],
            fields: fields.iter().map(|s| s.to_string()).collect(),
            locations: vec![],
            waiver: None,
        }
    }

    #[test]
    fn severity_dominates_then_confidence_then_breadth() {
        let many: Vec<String> = (0..40).map(|i| format!("f{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let crit_conf = score(Severity::Critical, Confidence::Confirmed, 1, None);
        let crit_review_wide = score(
            Severity::Critical,
            Confidence::NeedsReview,
            40,
            Some(1 << 40),
        );
        let high_wide = score(Severity::High, Confidence::Confirmed, 40, Some(1 << 40));
        assert!(
            crit_conf > crit_review_wide,
            "{crit_conf} {crit_review_wide}"
        );
        assert!(
            crit_review_wide > high_wide,
            "{crit_review_wide} {high_wide}"
        );
        // Within a severity and confidence, more fields rank first.
        let one = finding("CNPI-020", Severity::High, Confidence::Likely, &["a"]);
        let wide = finding("CNPI-020", Severity::High, Confidence::Likely, &many[..4]);
        let report = Report {
            schema_version: "2.0".into(),
            tool: crate::model::ToolInfo {
                name: "piaudit".into(),
                version: "0".into(),
                pack: "p".into(),
                profile: "x".into(),
            },
            scan: Default::default(),
            datasets: vec![],
            endpoints: vec![],
            flows: vec![],
            controls: vec![],
            paths: vec![],
            findings: vec![one.clone(), wide.clone()],
            summary: Default::default(),
            self_check: None,
            not_assessable: vec![],
        };
        let namer = Namer::new(&report, None);
        let order = ranked_with(&namer, &report.findings);
        assert_eq!(order[0].finding.fields.len(), 4);
        assert_eq!(order[1].finding.fields.len(), 1);
        assert!(breadth_factor(10_000, Some(u64::MAX)) <= MAX_BREADTH);
        assert_eq!(breadth_factor(0, None), 1.0);
        assert_eq!(breadth_factor(1, None), 1.0);
    }

    #[test]
    fn persons_follow_the_declared_head_counts() {
        let scale = Scale {
            pi_subjects_total: Some(2_000_000),
            sensitive_subjects: Some(30_000),
            ..Scale::default()
        };
        let more = breadth_factor(1, Some(2_000_000));
        let fewer = breadth_factor(1, Some(30_000));
        assert!(more > fewer && fewer > 1.0, "{more} {fewer}");
        let report: Report = serde_json::from_value(serde_json::json!({
            "schema_version": "2.0",
            "tool": {"name": "piaudit", "version": "0", "pack": "p", "profile": "x"},
            "scan": {"roots": [], "files_scanned": 0, "files_skipped": [], "diagnostics": [],
                     "coverage": {"statements_total": 0, "statements_parsed": 0}},
            "datasets": [{"id": "a.sql#user", "kind": "table", "name": "user",
                          "location": {"file": "a.sql", "line": 1},
                          "fields": [
                {"id": "a.sql#user.id_card", "name": "id_card", "location": {"file": "a.sql", "line": 2},
                 "pi": {"category": "id.resident_card", "sensitive": true, "confidence": 0.9, "evidence": []},
                 "protection": []},
                {"id": "a.sql#user.nick", "name": "nick", "location": {"file": "a.sql", "line": 3},
                 "pi": {"category": "identity.name", "sensitive": false, "confidence": 0.9, "evidence": []},
                 "protection": []}]}],
            "endpoints": [], "controls": [], "findings": [],
            "flows": [{"from": "a.sql#user.id_card", "to": "a.sql#user.nick", "transform": "copy",
                       "location": {"file": "etl.sql", "line": 4}}],
            "summary": {"pi_fields": 2, "sensitive_fields": 1, "findings_by_severity": {}}
        }))
        .unwrap();
        let namer = Namer::new(&report, Some(&scale));
        let mut f = finding("CNPI-020", Severity::High, Confidence::Likely, &[]);
        f.subjects = vec!["a.sql#user.id_card".into()];
        assert_eq!(namer.persons(&f), Some(30_000));
        assert_eq!(namer.targets(&f), ["user.id_card"]);
        f.subjects = vec!["a.sql#user.nick".into()];
        assert_eq!(namer.persons(&f), Some(2_000_000));
        f.subjects = vec!["a.sql#user".into()];
        assert_eq!(namer.targets(&f), ["user"]);
        // The two ends of a flow are one target.
        f.subjects = vec!["a.sql#user.id_card".into(), "a.sql#user.nick".into()];
        assert_eq!(namer.targets(&f), ["user.id_card → user.nick"]);
        assert_eq!(namer.breadth(&f), 2);
        f.subjects.reverse();
        assert_eq!(namer.targets(&f), ["user.nick", "user.id_card"]);
        assert_eq!(Namer::new(&report, None).persons(&f), None);
    }

    #[test]
    fn a_fix_is_one_line_cut_at_a_sentence_end() {
        assert_eq!(one_line("Do this.\n  Then that."), "Do this. Then that.");
        let first = "Encrypt the column at rest with a managed key, e.g. SM4, or tokenise it.";
        let long = format!("{first} {}", "word ".repeat(40));
        assert_eq!(one_line(&long), first);
        let zh = format!("对该字段实施字段级加密（如 SM4/AES-GCM，密钥集中管理）或令牌化，并在列注释中注明加密方式与密钥管理办法，确保备份同样加密存储。{}", "再".repeat(120));
        assert!(one_line(&zh).ends_with('。'), "{}", one_line(&zh));
        // Not inside brackets, not after an abbreviation.
        let bracket = format!(
            "Mask or de-identify at the first hop into analytics, reports or exports (e.g. hash it. Or mask it) before use. {}",
            "word ".repeat(40)
        );
        assert!(
            one_line(&bracket).ends_with("before use."),
            "{}",
            one_line(&bracket)
        );
        let unbroken = "y".repeat(300);
        assert_eq!(one_line(&unbroken).chars().count(), 160);
        assert!(one_line(&unbroken).ends_with('…'));
    }
}
