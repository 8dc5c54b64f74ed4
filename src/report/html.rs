//! `report.html`: one self-contained, bilingual (zh-CN / English) file
//! rendered with tera from the templates in `reports/`, embedded at build
//! time. A Content-Security-Policy forbids every external request.

use super::audit_views;
use crate::error::Error;
use crate::model::{FindingStatus, Severity};
use crate::rules::I18n;
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
    title: I18n,
    message: I18n,
    remediation: I18n,
    /// Why each subject field was tagged (details never hold raw values).
    evidence: Vec<EvidenceView>,
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
    tera.render("report.html", &ctx).map_err(err)
}

/// The template context (see `reports/report.html.tera` for its use).
fn context(audit: &Audit) -> Value {
    let r = &audit.report;
    // Findings carry texts in the report language only; the bilingual texts
    // come from the rule pack (title, remediation) and the evaluation (message).
    let rules: BTreeMap<&str, &crate::RuleSummary> = audit
        .rules_applied
        .iter()
        .map(|x| (x.id.as_str(), x))
        .collect();
    let both = |s: &String| I18n {
        zh: s.clone(),
        en: s.clone(),
    };
    let mut findings: Vec<_> = r.findings.iter().collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let views: Vec<FindingView> = findings
        .iter()
        .map(|f| {
            let rule = rules.get(f.rule.as_str());
            FindingView {
                rule: &f.rule,
                severity: f.severity,
                status: f.status,
                fingerprint: &f.fingerprint,
                basis: &f.basis,
                subjects: &f.subjects,
                location: json!({ "file": f.location.file, "line": f.location.line }),
                title: rule.map_or_else(|| both(&f.title), |x| x.title.clone()),
                message: audit
                    .messages
                    .get(&f.fingerprint)
                    .cloned()
                    .unwrap_or_else(|| both(&f.message)),
                remediation: rule.map_or_else(|| both(&f.remediation), |x| x.remediation.clone()),
                evidence: f
                    .subjects
                    .iter()
                    .filter_map(|id| {
                        let (_, field) = r.field(id)?;
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
    let groups: Vec<Value> = Severity::DESCENDING
        .iter()
        .filter_map(|sev| {
            let members: Vec<&FindingView> = views.iter().filter(|v| v.severity == *sev).collect();
            (!members.is_empty()).then(|| json!({ "severity": sev, "findings": members }))
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
    let pi_of = |id: &str| {
        r.field(id)
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
    json!({
        "report": r,
        "lang": if audit.lang.starts_with("zh") { "zh-CN" } else { "en" },
        "organisation": audit.organisation,
        "law": law,
        "categories": categories,
        "findings": views,
        "findings_by_severity_groups": groups,
        "pi_inventory": inventory,
        "pi_flows": pi_flows,
        "rules_applied": audit.rules_applied,
        "date": audit.date,
        "obligations": obligations,
        "obligation_counts": audit_views::obligation_counts(&obligations),
        "lineage_json": serde_json::to_string(&audit_views::lineage_view(r)).unwrap_or_default(),
        "assessments": assessments.iter().take(audit_views::MAX_ASSESSMENTS).collect::<Vec<_>>(),
        "assessments_total": assessments.len(),
        "outbound": audit_views::outbound_endpoints(audit),
        "closed_findings": views.iter().filter(|v| v.status != FindingStatus::Open).collect::<Vec<_>>(),
        "top_open": views.iter().filter(|v| v.status == FindingStatus::Open).take(5).collect::<Vec<_>>(),
        "systems": systems,
    })
}
