//! `report.html`: one self-contained, bilingual (zh-CN / English) file
//! rendered with tera from the templates in `reports/`, embedded at build
//! time. A Content-Security-Policy forbids every external request.

use super::audit_views;
use super::rank::{self, Namer};
use crate::error::Error;
use crate::model::I18n;
use crate::model::{Confidence, FindingStatus, FindingWaiver, Severity};
use crate::Audit;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const PAGE: &str = include_str!("../../reports/report.html.tera");
const CSS: &str = include_str!("../../reports/report.css");
const JS: &str = include_str!("../../reports/report.js");

#[derive(Serialize)]
struct FindingView<'a> {
    rule: &'a str,
    severity: Severity,
    status: FindingStatus,
    fingerprint: &'a str,
    basis: &'a [String],
    subjects: &'a [String],
    location: Value,
    message: I18n,
    /// Why each subject field was tagged (details never hold raw values).
    evidence: Vec<EvidenceView>,
    /// Who accepted it, for waived findings.
    waiver: Option<&'a FindingWaiver>,
    /// How sure the finding is.
    confidence: Confidence,
    /// What it affects as `table.column` (its `fields`, else its subjects).
    targets: Vec<String>,
    /// Targets beyond the three a row names.
    more_targets: usize,
    /// The targets are the finding's `fields` (not its subjects).
    by_fields: bool,
    /// Further places the same problem is seen.
    locations: Vec<Value>,
    /// The finding's own evidence lines (`Finding.evidence`).
    notes: &'a [String],
    /// Its basis differs from the union its rule's group shows once.
    basis_differs: bool,
}

/// One rule's findings in the findings section: the title, legal basis and
/// remediation shown once, then a row per finding.
#[derive(Serialize)]
struct RuleGroup<'a> {
    rule: &'a str,
    /// The most severe of its findings.
    severity: Severity,
    /// Every code its findings cite, in first-cited order.
    basis: Vec<&'a str>,
    open: usize,
    findings: Vec<&'a FindingView<'a>>,
}

/// A rule's title and remediation, listed once per rule (`rule_texts`), not
/// copied into each of its findings.
#[derive(Serialize)]
struct RuleTexts {
    title: I18n,
    remediation: I18n,
}

/// A subject field's classification evidence, shown as the finding's excerpt.
#[derive(Serialize)]
struct EvidenceView {
    subject: String,
    location: Value,
    category: String,
    items: Vec<(String, String)>,
}

/// Renders the HTML report.
pub fn render(audit: &Audit) -> Result<String, Error> {
    let mut out = Vec::new();
    write(audit, &mut out)?;
    String::from_utf8(out).map_err(|e| Error::Render {
        format: "html".into(),
        message: e.to_string(),
    })
}

/// Writes the HTML report as [`render`] gives it, streamed as tera renders
/// it (an estate's page is tens of MB).
pub fn write(audit: &Audit, out: &mut dyn std::io::Write) -> Result<(), Error> {
    let err = |e: tera::Error| {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(&format!(": {s}"));
            src = s.source();
        }
        Error::Render {
            format: "html".into(),
            message: msg,
        }
    };
    let mut tera = tera::Tera::default();
    tera.add_raw_templates(vec![
        ("report.html", PAGE),
        ("report.css", CSS),
        ("report.js", JS),
    ])
    .map_err(err)?;
    tera.autoescape_on(vec!["report.html"]);
    let ctx = tera::Context::from_value(context(audit)).map_err(err)?;
    tera.render_to("report.html", &ctx, out).map_err(err)
}

/// The parts of the report the page reads as `report.*`: each dataset
/// without its fields (their counts instead) and the number of flows, not
/// the flows. The page lists PI fields, flows and findings from views of
/// their own; a copy of the whole report in the context cost several times
/// the report's size in memory.
fn report_view(r: &crate::model::Report) -> Value {
    let datasets: Vec<Value> = r
        .datasets
        .iter()
        .map(|d| {
            let pi = || d.fields.iter().filter_map(|f| f.pi.as_ref());
            let mut v = json!({
                "id": d.id, "kind": d.kind, "name": d.name, "location": d.location,
                "field_count": d.fields.len(),
                "pi_fields": pi().count(),
                "sensitive_fields": pi().filter(|p| p.sensitive).count(),
            });
            // Absent, not null, as in the report: the page's `default` filters
            // apply to absent values only.
            if let Value::Object(o) = &mut v {
                for (k, x) in [("system", &d.system), ("comment", &d.comment)] {
                    if let Some(x) = x {
                        o.insert(k.into(), json!(x));
                    }
                }
            }
            v
        })
        .collect();
    json!({
        "schema_version": r.schema_version,
        "tool": r.tool,
        "scan": r.scan,
        "summary": r.summary,
        "endpoints": r.endpoints,
        "datasets": datasets,
        "flow_count": r.flows.len(),
    })
}

/// The template context (see `reports/report.html.tera` for its use).
fn context(audit: &Audit) -> Value {
    let r = &audit.report;
    // Findings carry texts in the report language only; the bilingual texts
    // come from the rule pack (title, remediation) and the evaluation (message).
    let rules: BTreeMap<&str, &crate::pipeline::RuleSummary> = audit
        .rules_applied
        .iter()
        .map(|x| (x.id.as_str(), x))
        .collect();
    let both = |s: &String| I18n {
        zh: s.clone(),
        en: s.clone(),
    };
    let fields = r.field_index();
    let namer = Namer::new(r, audit.scale.as_ref());
    // Open findings first, each part in rank order (see `report::rank`).
    let mut ranked: Vec<rank::Ranked> = r.findings.iter().map(|f| namer.rank(f)).collect();
    ranked.sort_by(|a, b| {
        (a.finding.status != FindingStatus::Open)
            .cmp(&(b.finding.status != FindingStatus::Open))
            .then_with(|| rank::compare(a, b))
    });
    let findings: Vec<&crate::model::Finding> = ranked.iter().map(|x| x.finding).collect();
    let mut rule_texts: BTreeMap<&str, RuleTexts> = BTreeMap::new();
    for f in &findings {
        rule_texts.entry(&f.rule).or_insert_with(|| {
            let rule = rules.get(f.rule.as_str());
            RuleTexts {
                title: rule.map_or_else(|| both(&f.title), |x| x.title.clone()),
                remediation: rule.map_or_else(|| both(&f.remediation), |x| x.remediation.clone()),
            }
        });
    }
    let mut views: Vec<FindingView> = ranked
        .iter()
        .map(|x| {
            let f = x.finding;
            FindingView {
                confidence: f.confidence,
                targets: x.targets.clone(),
                more_targets: x.targets.len().saturating_sub(3),
                by_fields: !f.fields.is_empty(),
                locations: f
                    .locations
                    .iter()
                    .map(|l| json!({ "file": l.file, "line": l.line }))
                    .collect(),
                notes: &f.evidence,
                basis_differs: false,
                rule: &f.rule,
                severity: f.severity,
                status: f.status,
                fingerprint: &f.fingerprint,
                basis: &f.basis,
                subjects: &f.subjects,
                waiver: f.waiver.as_ref(),
                location: json!({ "file": f.location.file, "line": f.location.line }),
                message: audit
                    .messages
                    .get(&f.fingerprint)
                    .cloned()
                    .unwrap_or_else(|| both(&f.message)),
                // A grouped finding (schema 2.0) lists its fields in `fields`.
                evidence: if f.fields.is_empty() {
                    &f.subjects
                } else {
                    &f.fields
                }
                .iter()
                .filter_map(|id| {
                        let (_, field) = fields.get(id)?;
                        let pi = field.pi.as_ref()?;
                        Some(EvidenceView {
                            subject: id.clone(),
                            location: json!({ "file": field.location.file, "line": field.location.line }),
                            category: pi.category.clone(),
                            items: pi
                                .evidence
                                .iter()
                                .take(4)
                                .map(|e| (e.kind.clone(), e.detail.clone()))
                                .collect(),
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    // Grouped by rule, in the order of each rule's best-ranked finding.
    let mut order: Vec<&str> = Vec::new();
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        let list = members.entry(f.rule.as_str()).or_default();
        if list.is_empty() {
            order.push(f.rule.as_str());
        }
        list.push(i);
    }
    let mut group_basis: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for rule in &order {
        let basis = group_basis.entry(rule).or_default();
        for &i in &members[rule] {
            for code in &findings[i].basis {
                if !basis.contains(&code.as_str()) {
                    basis.push(code.as_str());
                }
            }
        }
        for &i in &members[rule] {
            let own: std::collections::BTreeSet<&str> =
                findings[i].basis.iter().map(String::as_str).collect();
            let all: std::collections::BTreeSet<&str> = basis.iter().copied().collect();
            views[i].basis_differs = own != all;
        }
    }
    let groups: Vec<Value> = order
        .iter()
        .map(|rule| {
            let list = &members[rule];
            let group = RuleGroup {
                rule,
                severity: list
                    .iter()
                    .map(|&i| views[i].severity)
                    .max()
                    .unwrap_or(Severity::Info),
                basis: group_basis[rule].clone(),
                open: list
                    .iter()
                    .filter(|&&i| views[i].status == FindingStatus::Open)
                    .count(),
                findings: list.iter().map(|&i| &views[i]).collect(),
            };
            serde_json::to_value(group).unwrap_or(Value::Null)
        })
        .collect();
    // The cover's "fix first": the best-ranked open findings, each with
    // what it affects, where, and the first sentence of its fix.
    let fix_first: Vec<Value> = ranked
        .iter()
        .filter(|x| x.finding.status == FindingStatus::Open)
        .take(rank::FIX_FIRST)
        .map(|x| {
            let f = x.finding;
            let texts = &rule_texts[f.rule.as_str()];
            let (targets, more) = rank::short_targets(&x.targets, 3, ", ");
            json!({
                "rule": f.rule, "severity": f.severity, "confidence": f.confidence,
                "title": texts.title,
                "targets": x.targets.iter().take(3).collect::<Vec<_>>(),
                "targets_text": targets,
                "more": more,
                "breadth": x.breadth,
                "by_fields": !f.fields.is_empty(),
                "location": { "file": f.location.file, "line": f.location.line },
                "fix": { "zh": rank::one_line(&texts.remediation.zh), "en": rank::one_line(&texts.remediation.en) },
            })
        })
        .collect();
    let mut law: BTreeMap<String, Value> = BTreeMap::new();
    for code in r.findings.iter().flat_map(|f| &f.basis) {
        let v = match audit.law.get(code) {
            Some(p) => json!({ "zh": p.zh, "en": p.en, "verified": p.verified() }),
            None => json!({ "zh": code, "en": code, "verified": false }),
        };
        law.insert(code.clone(), v);
    }
    let categories: BTreeMap<&str, Value> = audit
        .categories
        .iter()
        .map(|(id, (zh, en))| (id.as_str(), json!({ "zh": zh, "en": en })))
        .collect();
    let mut inventory = Vec::new();
    for d in &r.datasets {
        for f in &d.fields {
            let Some(pi) = &f.pi else { continue };
            let system = d.system.clone().unwrap_or_default();
            let (zh, en) = audit
                .categories
                .get(&pi.category)
                .cloned()
                .unwrap_or_else(|| (pi.category.clone(), pi.category.clone()));
            inventory.push(json!({
                "dataset": d.name, "field": f.name, "field_id": f.id, "type": f.data_type, "comment": f.comment,
                "category": pi.category, "category_zh": zh, "category_en": en, "sensitive": pi.sensitive,
                "confidence": pi.confidence, "location": { "file": f.location.file, "line": f.location.line },
                "protection": f.protection, "system": system,
            }));
        }
    }
    // The inventory's category filter, one entry per category, sorted. A
    // `sort | unique` in the template copied the whole inventory twice.
    let mut inventory_categories: Vec<&Value> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for v in &inventory {
        if seen.insert(v["category"].as_str().unwrap_or_default()) {
            inventory_categories.push(v);
        }
    }
    inventory_categories.sort_by_key(|v| v["category"].as_str().unwrap_or_default());
    let inventory_categories: Vec<Value> = inventory_categories
        .into_iter()
        .map(|v| json!({ "category": v["category"], "category_zh": v["category_zh"], "category_en": v["category_en"] }))
        .collect();
    let pi_of = |id: &str| {
        fields
            .get(id)
            .and_then(|(_, f)| f.pi.as_ref().map(|p| p.category.clone()))
    };
    let pi_flows: Vec<Value> = r
        .flows
        .iter()
        .filter_map(|fl| {
            let cat = pi_of(&fl.from).or_else(|| pi_of(&fl.to))?;
            Some(
                json!({ "from": fl.from, "to": fl.to, "transform": fl.transform, "category": cat,
                         "location": { "file": fl.location.file, "line": fl.location.line } }),
            )
        })
        .collect();
    let obligations = audit_views::obligations(audit);
    let assessments = audit_views::impact_assessments(audit);
    let systems: std::collections::BTreeSet<String> = r
        .datasets
        .iter()
        .filter(|d| d.fields.iter().any(|f| f.pi.is_some()))
        .filter_map(|d| d.system.clone())
        .collect();
    let mut context = json!({
        "report": report_view(r),
        "lang": if audit.lang.starts_with("zh") { "zh-CN" } else { "en" },
        "organisation": audit.organisation,
        "law": law,
        "categories": categories,
        "finding_count": views.len(),
        "rule_texts": rule_texts,
        "inventory_categories": inventory_categories,
        "rules_applied": audit.rules_applied,
        "date": audit.date,
        "obligations": obligations,
        "obligation_counts": audit_views::obligation_counts(&obligations),
        "lineage_json": serde_json::to_string(&audit_views::lineage_view(r)).unwrap_or_default(),
        "assessments": assessments.iter().take(audit_views::MAX_ASSESSMENTS).collect::<Vec<_>>(),
        "assessments_total": assessments.len(),
        "outbound": audit_views::outbound_endpoints(audit),
        "recipients": super::recipients::recipients(r),
        "closed_findings": views.iter().filter(|v| v.status != FindingStatus::Open).collect::<Vec<_>>(),
        "fix_first": fix_first,
        "systems": systems,
        "self_check": r.self_check,
    });
    // The large views are moved in: `json!` would copy each of them.
    if let Value::Object(o) = &mut context {
        o.insert("finding_groups".into(), Value::Array(groups));
        o.insert("pi_inventory".into(), Value::Array(inventory));
        o.insert("pi_flows".into(), Value::Array(pi_flows));
    }
    context
}
