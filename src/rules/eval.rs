//! Evaluation: build each subject's context (field, flow or dataset, with
//! the matching declarations), test every rule, and turn matches into
//! findings with stable fingerprints, severity modifiers and waivers.

use super::predicate::Ctx;
use super::{I18n, Pack, Rule, Scope};
use crate::classify::taxonomy::Taxonomy;
use crate::decl::{matches_glob, Declarations};
use crate::model::{Dataset, Field, Finding, FindingStatus, Flow, Location, Severity};
use regex::Regex;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

/// Head-count above which every finding is one level more severe.
const LARGE_PROCESSOR: u64 = 1_000_000;

/// What the rules are evaluated over.
pub struct Subjects<'a> {
    /// Classified datasets.
    pub datasets: &'a [Dataset],
    /// Flows.
    pub flows: &'a [Flow],
    /// Declarations, when a `piaudit.yaml` was found.
    pub decl: Option<&'a Declarations>,
    /// Taxonomy (for high-risk identifiers).
    pub taxonomy: &'a Taxonomy,
    /// Report language.
    pub lang: &'a str,
    /// Today, `YYYY-MM-DD`, for waiver expiry.
    pub today: &'a str,
}

struct DatasetView {
    summary: Value,
    decl: Value,
    minors_sensitive: bool,
}

fn field_value(f: &Field, taxonomy: &Taxonomy) -> Value {
    let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
    let cat = f.pi.as_ref().and_then(|p| taxonomy.category(&p.category));
    if let Value::Object(o) = &mut v {
        o.insert(
            "high_risk".into(),
            Value::Bool(cat.is_some_and(|c| c.high_risk)),
        );
        o.insert(
            "group".into(),
            cat.map_or(Value::Null, |c| Value::String(c.group.clone())),
        );
        o.entry("protection").or_insert_with(|| json!([]));
    }
    v
}

fn dataset_view(d: &Dataset, s: &Subjects<'_>) -> DatasetView {
    let pi: Vec<&Field> = d.fields.iter().filter(|f| f.pi.is_some()).collect();
    let sensitive = pi
        .iter()
        .filter(|f| f.pi.as_ref().is_some_and(|p| p.sensitive))
        .count();
    let categories: BTreeSet<&str> = pi
        .iter()
        .filter_map(|f| f.pi.as_ref().map(|p| p.category.as_str()))
        .collect();
    let high_risk = pi
        .iter()
        .filter(|f| {
            f.pi.as_ref()
                .and_then(|p| s.taxonomy.category(&p.category))
                .is_some_and(|c| c.high_risk)
        })
        .count();
    let decl_datasets = s
        .decl
        .map(|d2| d2.datasets_for(&d.id, &d.name))
        .unwrap_or_default();
    let declared_minors = decl_datasets.iter().any(|x| x.minors);
    let has_minor = categories.contains("minor") || declared_minors;
    let summary = json!({
        "id": d.id, "kind": d.kind, "name": d.name, "comment": d.comment, "system": d.system,
        "pi_fields": pi.len(), "sensitive_fields": sensitive, "high_risk_fields": high_risk,
        "categories": categories, "has_minor": has_minor,
    });
    let decl = match s.decl {
        None => json!({ "present": false }),
        Some(all) => json!({
            "present": true,
            "dataset": decl_datasets.first(),
            "datasets": decl_datasets,
            "consents": all.consents_for(&d.id, &d.name),
            "all": all,
        }),
    };
    DatasetView {
        summary,
        decl,
        minors_sensitive: has_minor && sensitive > 0,
    }
}

/// Evaluates every rule of `pack` and returns findings sorted by file, line, rule.
/// Findings plus their messages in both languages (for bilingual reports).
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Findings, sorted by file, line, rule, fingerprint.
    pub findings: Vec<Finding>,
    /// Message of each finding in both languages, by fingerprint.
    pub messages: BTreeMap<String, I18n>,
}

/// Evaluates every rule of `pack` over the subjects.
pub fn evaluate(pack: &Pack, s: &Subjects<'_>) -> Evaluation {
    let views: Vec<DatasetView> = s.datasets.iter().map(|d| dataset_view(d, s)).collect();
    let mut field_index: HashMap<&str, (usize, &Field)> = HashMap::new();
    for (i, d) in s.datasets.iter().enumerate() {
        for f in &d.fields {
            field_index.insert(&f.id, (i, f));
        }
    }
    let large = s
        .decl
        .and_then(|d| d.scale.as_ref())
        .and_then(|x| x.pi_subjects_total)
        .is_some_and(|n| n >= LARGE_PROCESSOR);
    let mut out: BTreeMap<String, (Finding, I18n)> = BTreeMap::new();
    let mut emit =
        |rule: &Rule, ctx: Ctx<'_>, subjects: Vec<String>, location: &Location, minors: bool| {
            let (finding, message) = make_finding(rule, ctx, subjects, location, s, minors, large);
            out.entry(finding.fingerprint.clone())
                .or_insert((finding, message));
        };
    for rule in pack.rules.values() {
        match rule.scope {
            Scope::Dataset => {
                for (d, v) in s.datasets.iter().zip(&views) {
                    let roots = [("dataset", &v.summary), ("decl", &v.decl)];
                    let ctx = Ctx {
                        roots: &roots,
                        item: None,
                    };
                    if rule.when.eval(ctx) {
                        emit(
                            rule,
                            ctx,
                            vec![d.id.clone()],
                            &d.location,
                            v.minors_sensitive,
                        );
                    }
                }
            }
            Scope::Field => {
                for (d, v) in s.datasets.iter().zip(&views) {
                    for f in &d.fields {
                        // Non-PI fields never match a field rule; skip building their context.
                        if f.pi.is_none() {
                            continue;
                        }
                        let fv = field_value(f, s.taxonomy);
                        let roots = [("field", &fv), ("dataset", &v.summary), ("decl", &v.decl)];
                        let ctx = Ctx {
                            roots: &roots,
                            item: None,
                        };
                        if rule.when.eval(ctx) {
                            emit(
                                rule,
                                ctx,
                                vec![f.id.clone()],
                                &f.location,
                                v.minors_sensitive,
                            );
                        }
                    }
                }
            }
            Scope::Flow => {
                for flow in s.flows {
                    let (Some(&(fd, ff)), Some(&(td, tf))) = (
                        field_index.get(flow.from.as_str()),
                        field_index.get(flow.to.as_str()),
                    ) else {
                        continue;
                    };
                    let flow_v = serde_json::to_value(flow).unwrap_or(Value::Null);
                    let from = json!({ "field": field_value(ff, s.taxonomy), "dataset": views[fd].summary });
                    let to = json!({ "field": field_value(tf, s.taxonomy), "dataset": views[td].summary });
                    let roots = [
                        ("flow", &flow_v),
                        ("from", &from),
                        ("to", &to),
                        ("decl", &views[td].decl),
                    ];
                    let ctx = Ctx {
                        roots: &roots,
                        item: None,
                    };
                    if rule.when.eval(ctx) {
                        let minors = views[fd].minors_sensitive;
                        emit(
                            rule,
                            ctx,
                            vec![flow.from.clone(), flow.to.clone()],
                            &flow.location,
                            minors,
                        );
                    }
                }
            }
        }
    }
    let mut messages = BTreeMap::new();
    let mut findings = Vec::with_capacity(out.len());
    for (fp, (finding, message)) in out {
        messages.insert(fp, message);
        findings.push(finding);
    }
    findings.sort_by(|a, b| {
        (&a.location.file, a.location.line, &a.rule, &a.fingerprint).cmp(&(
            &b.location.file,
            b.location.line,
            &b.rule,
            &b.fingerprint,
        ))
    });
    Evaluation { findings, messages }
}

/// Stable id of a finding: rule plus subjects, never lines.
pub fn fingerprint(rule: &str, subjects: &[String]) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    for s in subjects {
        h.update(b"\n");
        h.update(s.as_bytes());
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn make_finding(
    rule: &Rule,
    ctx: Ctx<'_>,
    subjects: Vec<String>,
    location: &Location,
    s: &Subjects<'_>,
    minors: bool,
    large: bool,
) -> (Finding, I18n) {
    let mut severity = rule
        .severity_if
        .iter()
        .find(|(p, _)| p.eval(ctx))
        .map_or(rule.severity, |(_, sev)| *sev);
    let mut message = I18n {
        zh: render(&rule.message.zh, ctx),
        en: render(&rule.message.en, ctx),
    };
    if rule.needs_declarations && s.decl.is_none() {
        severity = Severity::Info;
        message.zh = format!("【需要声明】未找到 piaudit.yaml，无法核实：{}", message.zh);
        message.en = format!(
            "[needs declaration] no piaudit.yaml found, so this cannot be confirmed: {}",
            message.en
        );
    } else {
        if minors {
            severity = severity.raised();
        }
        if large {
            severity = severity.raised();
        }
    }
    let fingerprint = fingerprint(&rule.id, &subjects);
    let mut status = FindingStatus::Open;
    if let Some(decl) = s.decl {
        for w in decl.waivers.iter().filter(|w| w.rule == rule.id) {
            if !subjects
                .iter()
                .any(|sub| matches_glob(&w.subject, sub, sub))
            {
                continue;
            }
            if w.expires.0.as_str() >= s.today {
                status = FindingStatus::Waived;
                let e = &w.expires.0;
                message.zh.push_str(&format!(
                    "〔已豁免至 {e}，批准人 {}：{}〕",
                    w.approver, w.reason
                ));
                message.en.push_str(&format!(
                    " [waived until {e} by {}: {}]",
                    w.approver, w.reason
                ));
            } else {
                let e = &w.expires.0;
                message
                    .zh
                    .push_str(&format!("〔豁免已于 {e} 到期，问题重新打开〕"));
                message
                    .en
                    .push_str(&format!(" [waiver expired on {e}; finding re-opened]"));
            }
            break;
        }
    }
    let finding = Finding {
        rule: rule.id.clone(),
        title: rule.title.get(s.lang).to_string(),
        severity,
        basis: rule.basis.clone(),
        subjects,
        location: Location::line(location.file.clone(), location.line),
        message: message.get(s.lang).to_string(),
        remediation: rule.remediation.get(s.lang).to_string(),
        fingerprint,
        status,
    };
    (finding, message)
}

/// Fills `{path}` placeholders from the context.
pub fn render(template: &str, ctx: Ctx<'_>) -> String {
    static PLACEHOLDER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}").expect("valid regex"));
    PLACEHOLDER
        .replace_all(template, |c: &regex::Captures| match ctx.get(&c[1]) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
            Some(Value::Null) | None => "—".to_string(),
            Some(v) => v.to_string(),
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_order_of_nothing_but_change_with_subjects() {
        let a = fingerprint("CNPI-020", &["x".into()]);
        assert_eq!(a.len(), 32);
        assert_eq!(a, fingerprint("CNPI-020", &["x".into()]));
        assert_ne!(a, fingerprint("CNPI-020", &["y".into()]));
        assert_ne!(a, fingerprint("CNPI-021", &["x".into()]));
    }

    #[test]
    fn placeholders() {
        let f = json!({"id": "a#t.c", "pi": {"category": "contact.phone"}, "tags": ["a", "b"]});
        let roots = [("field", &f)];
        let ctx = Ctx {
            roots: &roots,
            item: None,
        };
        assert_eq!(
            render(
                "{field.id} ({field.pi.category}) {field.tags} {field.nope}",
                ctx
            ),
            "a#t.c (contact.phone) a, b —"
        );
    }
}
