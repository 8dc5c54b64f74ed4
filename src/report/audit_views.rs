//! View structs for the HTML report's audit sections, computed from the
//! evaluated [`Audit`] (never re-evaluating a rule): the obligations matrix,
//! the lineage graph, the draft impact assessments, the cross-border
//! checklist and the waiver list. Plain lists only: tera 1 mis-reads map
//! lookups with non-ASCII keys, so the template never indexes a map.

use crate::model::I18n;
use crate::model::{FindingStatus, Report, Severity, Transform};
use crate::Audit;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Status of one provision in the obligations matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationStatus {
    /// At least one open finding cites the provision.
    Violated,
    /// Every finding citing it is waived or baselined.
    Waived,
    /// Its rules found nothing to check in the scanned inputs, or lacked
    /// the evidence they require (`requires:`; see `unassessed`).
    NotAssessable,
    /// Its rules ran over matching subjects and found nothing.
    Met,
}

/// One row of the obligations matrix: a provision cited by the rules applied.
#[derive(Debug, Clone, Serialize)]
pub struct Obligation {
    /// Law code, e.g. `PIPL-51`.
    pub code: String,
    /// The provision, paraphrased, in both languages.
    pub text: I18n,
    /// The instrument's title in both languages.
    pub instrument: I18n,
    /// Article number checked (`V`/`K` in law.yaml).
    pub verified: bool,
    /// Rules citing the provision.
    pub rules: Vec<String>,
    /// Derived status.
    pub status: ObligationStatus,
    /// Findings citing it, by status.
    pub open: u64,
    /// Waived findings citing it.
    pub waived: u64,
    /// Baselined findings citing it.
    pub baselined: u64,
    /// Rules citing it that were not evaluated for want of evidence, with
    /// what to declare or provide.
    pub unassessed: Vec<Unassessed>,
}

/// A rule that could not assess an obligation: the facts it lacked and
/// what to declare or provide (`if_unassessable` of the rule).
#[derive(Debug, Clone, Serialize)]
pub struct Unassessed {
    /// Rule id.
    pub rule: String,
    /// The `requires` facts that were absent.
    pub missing: Vec<String>,
    /// What to declare or provide, in both languages.
    pub provide: I18n,
}

/// Counts of the matrix by status, for the compliance-audit summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ObligationCounts {
    /// Violated provisions.
    pub violated: u64,
    /// Waived provisions.
    pub waived: u64,
    /// Provisions not assessable from the inputs.
    pub not_assessable: u64,
    /// Provisions met.
    pub met: u64,
}

/// Whether the scan produced anything a rule of this scope runs over.
fn scope_has_subjects(report: &Report, scope: &str) -> bool {
    let fields = report.field_index();
    let pi_field = |id: &str| fields.get(id).is_some_and(|(_, f)| f.pi.is_some());
    match scope {
        "field" => report.summary.pi_fields > 0,
        "flow" => report.flows.iter().any(|f| pi_field(&f.from)),
        "dataset" => !report.datasets.is_empty(),
        "endpoint" => !report.endpoints.is_empty(),
        "control" => !report.controls.is_empty() || !report.datasets.is_empty(),
        _ => true,
    }
}

/// The obligations matrix: every provision cited by a rule applied, in law
/// code order, with its status derived from the findings.
pub fn obligations(audit: &Audit) -> Vec<Obligation> {
    let r = &audit.report;
    let mut by_code: BTreeMap<&str, Vec<&crate::pipeline::RuleSummary>> = BTreeMap::new();
    for rule in &audit.rules_applied {
        for code in &rule.basis {
            by_code.entry(code.as_str()).or_default().push(rule);
        }
    }
    by_code
        .into_iter()
        .map(|(code, rules)| {
            let mut counts = [0u64; 3];
            for f in r
                .findings
                .iter()
                .filter(|f| f.basis.iter().any(|b| b == code))
            {
                counts[match f.status {
                    FindingStatus::Open => 0,
                    FindingStatus::Waived => 1,
                    FindingStatus::Baselined => 2,
                }] += 1;
            }
            let unassessed: Vec<Unassessed> = rules
                .iter()
                .filter(|rule| !rule.missing.is_empty())
                .map(|rule| Unassessed {
                    rule: rule.id.clone(),
                    missing: rule.missing.clone(),
                    provide: rule.if_unassessable.clone().unwrap_or_else(|| I18n {
                        zh: format!("请提供：{}", rule.missing.join("、")),
                        en: format!("provide: {}", rule.missing.join(", ")),
                    }),
                })
                .collect();
            let assessable = rules
                .iter()
                .filter(|rule| rule.missing.is_empty())
                .any(|rule| {
                    let scope = serde_json::to_value(rule.scope)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    scope_has_subjects(r, &scope)
                });
            let status = if counts[0] > 0 {
                ObligationStatus::Violated
            } else if counts[1] + counts[2] > 0 {
                ObligationStatus::Waived
            } else if assessable {
                ObligationStatus::Met
            } else {
                ObligationStatus::NotAssessable
            };
            let provision = audit.law.get(code);
            let instrument = provision
                .and_then(|p| audit.law.instruments.get(&p.instrument))
                .map_or_else(
                    || I18n {
                        zh: String::new(),
                        en: String::new(),
                    },
                    |i| I18n {
                        zh: i.zh.clone(),
                        en: i.en.clone(),
                    },
                );
            Obligation {
                code: code.to_string(),
                text: provision.map_or_else(
                    || I18n {
                        zh: code.to_string(),
                        en: code.to_string(),
                    },
                    |p| I18n {
                        zh: p.zh.clone(),
                        en: p.en.clone(),
                    },
                ),
                instrument,
                verified: provision.is_some_and(|p| p.verified()),
                rules: rules.iter().map(|x| x.id.clone()).collect(),
                status,
                open: counts[0],
                waived: counts[1],
                baselined: counts[2],
                unassessed,
            }
        })
        .collect()
}

/// Counts of the matrix by status.
pub fn obligation_counts(rows: &[Obligation]) -> ObligationCounts {
    let mut c = ObligationCounts::default();
    for o in rows {
        match o.status {
            ObligationStatus::Violated => c.violated += 1,
            ObligationStatus::Waived => c.waived += 1,
            ObligationStatus::NotAssessable => c.not_assessable += 1,
            ObligationStatus::Met => c.met += 1,
        }
    }
    c
}

/// A node of the lineage diagram: a field, or an endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct LineageNode {
    /// Field or endpoint id.
    pub id: String,
    /// Index of its group (dataset or endpoint) in [`LineageView::groups`].
    pub g: usize,
    /// Field name (endpoints: `*`).
    pub name: String,
    /// PI category id, if PI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cat: Option<String>,
    /// Sensitive PI.
    pub sens: bool,
}

/// A box of the lineage diagram: a dataset or an endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct LineageGroup {
    /// Dataset or endpoint id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `dataset`, or `endpoint`.
    pub kind: &'static str,
    /// For endpoints: reaches outside mainland China.
    pub outbound: bool,
}

/// The lineage diagram's data, laid out by the report's script.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LineageView {
    /// Datasets and endpoints.
    pub groups: Vec<LineageGroup>,
    /// Fields and endpoints taking part in a PI flow.
    pub nodes: Vec<LineageNode>,
    /// `[from node, to node, transform]`.
    pub edges: Vec<(usize, usize, &'static str)>,
}

/// Whether an endpoint's jurisdiction is outside mainland China.
pub fn is_outbound(jurisdiction: &str) -> bool {
    matches!(jurisdiction, "abroad" | "hk_mo_tw")
}

/// The PI flows (either end PI-tagged, or PI into an endpoint) as a graph.
pub fn lineage_view(report: &Report) -> LineageView {
    let fields = report.field_index();
    let mut v = LineageView::default();
    let mut group_ix: BTreeMap<String, usize> = BTreeMap::new();
    let mut node_ix: BTreeMap<String, usize> = BTreeMap::new();
    let mut node = |v: &mut LineageView, id: &str| -> usize {
        if let Some(i) = node_ix.get(id) {
            return *i;
        }
        let (gid, gname, kind, outbound, name, pi) = match fields.get(id) {
            Some((d, f)) => (
                d.id.clone(),
                d.name.clone(),
                "dataset",
                false,
                f.name.clone(),
                f.pi.as_ref(),
            ),
            None => {
                let ep = report.endpoints.iter().find(|e| e.id == id);
                (
                    id.to_string(),
                    id.to_string(),
                    "endpoint",
                    ep.is_some_and(|e| is_outbound(&e.jurisdiction)),
                    "*".to_string(),
                    None,
                )
            }
        };
        let g = *group_ix.entry(gid.clone()).or_insert_with(|| {
            v.groups.push(LineageGroup {
                id: gid,
                name: gname,
                kind,
                outbound,
            });
            v.groups.len() - 1
        });
        v.nodes.push(LineageNode {
            id: id.to_string(),
            g,
            name,
            cat: pi.map(|p| p.category.clone()),
            sens: pi.is_some_and(|p| p.sensitive),
        });
        node_ix.insert(id.to_string(), v.nodes.len() - 1);
        v.nodes.len() - 1
    };
    let is_pi = |id: &str| fields.get(id).is_some_and(|(_, f)| f.pi.is_some());
    let mut seen = BTreeSet::new();
    for fl in &report.flows {
        if !(is_pi(&fl.from) || is_pi(&fl.to)) {
            continue;
        }
        let a = node(&mut v, &fl.from);
        let b = node(&mut v, &fl.to);
        if seen.insert((a, b, fl.transform)) {
            v.edges.push((a, b, fl.transform.as_str()));
        }
    }
    v
}

/// A PI flow that needs a PI impact assessment (PIPL Art. 55).
#[derive(Debug, Clone, Serialize)]
pub struct ImpactAssessment {
    /// Source field id.
    pub from: String,
    /// Target field or endpoint id.
    pub to: String,
    /// PI category id carried.
    pub category: String,
    /// Category names.
    pub category_name: I18n,
    /// Sensitive PI.
    pub sensitive: bool,
    /// How the value changes.
    pub transform: Transform,
    /// Protection the value has after the flow (transform or target field).
    pub protected: bool,
    /// The target is an endpoint (PI provided to another system).
    pub to_endpoint: bool,
    /// The target is outside mainland China.
    pub outbound: bool,
    /// Findings on the flow or its target: `(rule, severity, status)`.
    pub findings: Vec<(String, Severity, FindingStatus)>,
    /// Where the flow happens.
    pub location: crate::model::Location,
}

/// Most assessments listed; the rest are counted.
pub const MAX_ASSESSMENTS: usize = 200;

/// Flagged PI flows: carrying sensitive PI, reaching an endpoint, or named by
/// a finding. Deduplicated by (from, to); in flow order.
pub fn impact_assessments(audit: &Audit) -> Vec<ImpactAssessment> {
    let r = &audit.report;
    let mut out: Vec<ImpactAssessment> = Vec::new();
    let mut seen = BTreeSet::new();
    // By id and by subject: a scan of every endpoint and finding per flow
    // made the page quadratic in the estate.
    let endpoints: std::collections::HashMap<&str, &crate::model::Endpoint> =
        r.endpoints.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut naming: std::collections::HashMap<&str, Vec<&crate::model::Finding>> =
        std::collections::HashMap::new();
    for f in &r.findings {
        for s in &f.subjects {
            let list = naming.entry(s.as_str()).or_default();
            // In report order, once each even when a subject is named twice.
            if !list.last().is_some_and(|x| std::ptr::eq(*x, f)) {
                list.push(f);
            }
        }
    }
    let fields = r.field_index();
    for fl in &r.flows {
        let src = fields.get(&fl.from).and_then(|(_, f)| f.pi.as_ref());
        let dst = fields.get(&fl.to);
        let Some(pi) = src.or_else(|| dst.and_then(|(_, f)| f.pi.as_ref())) else {
            continue;
        };
        let endpoint = endpoints.get(fl.to.as_str()).copied();
        let findings: Vec<(String, Severity, FindingStatus)> = naming
            .get(fl.to.as_str())
            .map_or(&[][..], Vec::as_slice)
            .iter()
            // The flow's own findings name both ends; the target's name it alone.
            .filter(|f| {
                f.subjects.contains(&fl.to)
                    && (f.subjects.len() == 1 || f.subjects.contains(&fl.from))
            })
            .map(|f| (f.rule.clone(), f.severity, f.status))
            .collect();
        if !(pi.sensitive || endpoint.is_some() || !findings.is_empty()) {
            continue;
        }
        if !seen.insert((fl.from.clone(), fl.to.clone())) {
            continue;
        }
        let (zh, en) = audit
            .categories
            .get(&pi.category)
            .cloned()
            .unwrap_or_else(|| (pi.category.clone(), pi.category.clone()));
        out.push(ImpactAssessment {
            from: fl.from.clone(),
            to: fl.to.clone(),
            category: pi.category.clone(),
            category_name: I18n { zh, en },
            sensitive: pi.sensitive,
            transform: fl.transform,
            protected: fl.transform.protection().is_some()
                || dst.is_some_and(|(_, f)| !f.protection.is_empty()),
            to_endpoint: endpoint.is_some(),
            outbound: endpoint.is_some_and(|e| is_outbound(&e.jurisdiction)),
            findings,
            location: fl.location.clone(),
        });
    }
    out
}

/// An endpoint outside mainland China that PI reaches.
#[derive(Debug, Clone, Serialize)]
pub struct OutboundEndpoint {
    /// Endpoint id.
    pub id: String,
    /// Endpoint kind.
    pub kind: String,
    /// Vendor, when known.
    pub vendor: Option<String>,
    /// Region, when known.
    pub region: Option<String>,
    /// `abroad` or `hk_mo_tw`.
    pub jurisdiction: String,
    /// Where it is configured.
    pub location: crate::model::Location,
    /// PI categories reaching it (traced flows and, for SDKs, what the
    /// catalogue says they receive): `(id, names)`, sorted.
    pub categories: Vec<(String, I18n)>,
    /// Fields reaching it.
    pub fields: Vec<String>,
    /// Some of that PI is sensitive.
    pub sensitive: bool,
}

/// Endpoints abroad (or in Hong Kong, Macao, Taiwan) with the PI reaching
/// them. An outbound endpoint no PI flow reaches is still listed (with no
/// categories): configuration alone may send PI there.
pub fn outbound_endpoints(audit: &Audit) -> Vec<OutboundEndpoint> {
    let r = &audit.report;
    let field_index = r.field_index();
    r.endpoints
        .iter()
        .filter(|e| is_outbound(&e.jurisdiction))
        .map(|e| {
            let mut cats: BTreeMap<String, I18n> = BTreeMap::new();
            let mut fields = BTreeSet::new();
            let mut sensitive = false;
            let name = |id: &str| {
                audit
                    .categories
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| (id.to_string(), id.to_string()))
            };
            // What the SDK catalogue says the service receives by default.
            for c in &e.receives {
                let (zh, en) = name(c);
                cats.insert(c.clone(), I18n { zh, en });
            }
            for fl in r.flows.iter().filter(|fl| fl.to == e.id) {
                if let Some(p) = field_index.get(&fl.from).and_then(|(_, f)| f.pi.as_ref()) {
                    let (zh, en) = name(&p.category);
                    cats.insert(p.category.clone(), I18n { zh, en });
                    fields.insert(fl.from.clone());
                    sensitive |= p.sensitive;
                }
            }
            OutboundEndpoint {
                id: e.id.clone(),
                kind: e.kind.clone(),
                vendor: e.vendor.clone(),
                region: e.region.clone(),
                jurisdiction: e.jurisdiction.clone(),
                location: e.location.clone(),
                categories: cats.into_iter().collect(),
                fields: fields.into_iter().collect(),
                sensitive,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbound_jurisdictions() {
        assert!(is_outbound("abroad"));
        assert!(is_outbound("hk_mo_tw"));
        assert!(!is_outbound("mainland"));
        assert!(!is_outbound("unknown"));
    }

    #[test]
    fn counts_add_up() {
        let row = |status| Obligation {
            code: "X".into(),
            text: I18n {
                zh: String::new(),
                en: String::new(),
            },
            instrument: I18n {
                zh: String::new(),
                en: String::new(),
            },
            verified: true,
            rules: vec![],
            status,
            open: 0,
            waived: 0,
            baselined: 0,
            unassessed: Vec::new(),
        };
        let c = obligation_counts(&[
            row(ObligationStatus::Met),
            row(ObligationStatus::Violated),
            row(ObligationStatus::Violated),
            row(ObligationStatus::NotAssessable),
        ]);
        assert_eq!(
            (c.violated, c.waived, c.not_assessable, c.met),
            (2, 0, 1, 1)
        );
    }
}
