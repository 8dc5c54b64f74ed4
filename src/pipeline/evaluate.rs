//! Evaluate: PI paths, the rule pack, the summary, and the [`Audit`]
//! renderers read. Shared by the scan and by `merge`, so both give the
//! same report shape.

use super::{Audit, Config, Knowledge, RuleSummary};
use crate::decl::Declarations;
use crate::model::{self, empty_severity_counts, Report, ScanInfo, Summary, ToolInfo};
use crate::{lineage, rules};

/// What an audit is evaluated over: the datasets classified and propagated,
/// with the flows, endpoints and controls (from a scan or from merged
/// reports). Not "facts": those are what extraction found.
#[derive(Debug, Clone, Default)]
pub struct Classified {
    /// Classified datasets.
    pub datasets: Vec<model::Dataset>,
    /// Flows between field and endpoint ids.
    pub flows: Vec<model::Flow>,
    /// External endpoints.
    pub endpoints: Vec<model::Endpoint>,
    /// Security controls.
    pub controls: Vec<model::Control>,
}

/// Evaluate → report: PI paths, rules, summary and the [`Audit`] renderers
/// read. Shared by [`super::scan`] and [`crate::merge`] so both give the same
/// report shape. `keep_groups`: keep the members of grouped findings in
/// [`Audit::groups`] (for inline suppressions and merges; see
/// [`rules::eval::Subjects::keep_groups`]).
pub fn evaluate_audit(
    knowledge: &Knowledge,
    facts: Classified,
    decl: Option<&Declarations>,
    config: &Config,
    mut scan: ScanInfo,
    keep_groups: bool,
) -> Audit {
    let Classified {
        mut datasets,
        flows,
        endpoints,
        controls,
    } = facts;
    // The extended controls (password policy, session timeouts, open
    // paths…) are for packs that read them; other packs see, and report,
    // exactly what they did before.
    let controls: Vec<model::Control> = if knowledge.pack.extended_controls {
        controls
    } else {
        controls
            .into_iter()
            .filter(|c| !crate::extract::EXTENDED_CONTROL_KINDS.contains(&c.kind.as_str()))
            .collect()
    };
    let guard = super::memory::Guard {
        limit: config.max_memory,
    };
    let paths = match guard.over() {
        Some(rss) => {
            scan.diagnostics.push(guard.diagnostic(
                rss,
                "PI paths (`paths`: every path from a PI field to an endpoint, with its hops)",
            ));
            Vec::new()
        }
        None => lineage::paths::pi_paths(&datasets, &flows, &endpoints),
    };
    let today = config.today.clone().unwrap_or_else(today_utc);
    let evaluation = rules::eval::evaluate(
        &knowledge.pack,
        &rules::eval::Subjects {
            datasets: &datasets,
            flows: &flows,
            endpoints: &endpoints,
            controls: &controls,
            decl,
            taxonomy: &knowledge.taxonomy,
            lang: &config.lang,
            today: &today,
            profile: &knowledge.profile,
            keep_groups,
        },
    );
    let mut findings = evaluation.findings;
    if let Some(rss) = guard.over() {
        let (fields, with_evidence) = drop_evidence(&mut datasets, &mut findings);
        scan.diagnostics.push(guard.diagnostic(
            rss,
            &format!(
                "the evidence of {fields} PI fields (`pi.evidence`) and of {with_evidence} findings (`evidence`)"
            ),
        ));
    }
    scan.diagnostics.sort();
    let mut summary = Summary {
        findings_by_severity: empty_severity_counts(),
        ..Summary::default()
    };
    for f in datasets.iter().flat_map(|d| &d.fields) {
        if let Some(p) = &f.pi {
            summary.pi_fields += 1;
            summary.sensitive_fields += u64::from(p.sensitive);
        }
    }
    let self_check = knowledge
        .pack
        .self_check
        .as_ref()
        .zip(evaluation.self_check)
        .map(|(table, items)| {
            let mlps = decl.and_then(|d| d.mlps.as_ref());
            let mut counts: std::collections::BTreeMap<model::CheckStatus, usize> =
                model::CheckStatus::ALL.iter().map(|s| (*s, 0)).collect();
            for i in &items {
                *counts.entry(i.status).or_default() += 1;
            }
            model::SelfCheckTable {
                standard: table.standard.clone(),
                level: table.level,
                title: table.title.clone(),
                record: model::InspectionRecord {
                    organisation: decl
                        .and_then(|d| d.organisation.as_ref())
                        .and_then(|o| o.name.clone()),
                    system: mlps.and_then(|m| m.system.clone()),
                    filing_number: mlps
                        .and_then(|m| m.filing_number.as_ref())
                        .map(|f| f.0.clone()),
                    declared_level: mlps.and_then(|m| m.level).map(|l| l.0),
                    inspector: mlps.and_then(|m| m.inspector.clone()),
                    date: today.clone(),
                    scope: scan.roots.clone(),
                    tool: format!("piaudit {}", env!("CARGO_PKG_VERSION")),
                    pack: knowledge.pack.id.clone(),
                    items: items.len(),
                    counts,
                },
                items,
            }
        });
    let mut report = Report {
        schema_version: model::SCHEMA_VERSION.into(),
        tool: ToolInfo {
            name: "piaudit".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            pack: knowledge.pack.id.clone(),
            profile: knowledge.profile.clone(),
        },
        scan,
        datasets,
        endpoints,
        flows,
        controls,
        paths,
        findings,
        summary,
        self_check,
        not_assessable: knowledge
            .pack
            .rules
            .values()
            .filter_map(|r| {
                let missing = evaluation.unassessable.get(&r.id)?;
                Some(model::NotAssessable {
                    rule: r.id.clone(),
                    basis: r.basis.clone(),
                    missing: missing.clone(),
                    provide: r
                        .if_unassessable
                        .as_ref()
                        .map(|t| t.get(&config.lang).to_string())
                        .unwrap_or_default(),
                })
            })
            .collect(),
    };
    report.recount_open_findings();
    Audit {
        report,
        lang: config.lang.clone(),
        date: today.clone(),
        organisation: decl
            .and_then(|d| d.organisation.as_ref())
            .and_then(|o| o.name.clone()),
        scale: decl.and_then(|d| d.scale.clone()),
        rules_applied: knowledge
            .pack
            .rules
            .values()
            .map(|r| RuleSummary {
                id: r.id.clone(),
                severity: r.severity,
                basis: r.basis.clone(),
                scope: r.scope,
                title: r.title.clone(),
                remediation: r.remediation.clone(),
                missing: evaluation
                    .unassessable
                    .get(&r.id)
                    .cloned()
                    .unwrap_or_default(),
                if_unassessable: r.if_unassessable.clone(),
            })
            .collect(),
        law: knowledge.law.clone(),
        messages: evaluation.messages,
        groups: evaluation.groups,
        categories: knowledge
            .taxonomy
            .categories()
            .map(|c| (c.id.clone(), (c.zh.clone(), c.en.clone())))
            .collect(),
        gate: super::GateOutcome::default(),
        notes: super::ScanNotes::default(),
        artifacts: None,
        read: super::ReadLog::default(),
    }
}

/// Drops the evidence lists of PI tags and findings (`--max-memory`);
/// returns how many fields and findings had some.
fn drop_evidence(
    datasets: &mut [model::Dataset],
    findings: &mut [model::Finding],
) -> (usize, usize) {
    let mut fields = 0;
    for tag in datasets
        .iter_mut()
        .flat_map(|d| &mut d.fields)
        .filter_map(|f| f.pi.as_mut())
    {
        if !tag.evidence.is_empty() {
            fields += 1;
            tag.evidence = Vec::new();
        }
    }
    let mut with = 0;
    for f in findings {
        if !f.evidence.is_empty() {
            with += 1;
            f.evidence = Vec::new();
        }
    }
    (fields, with)
}

/// Today's UTC date as `YYYY-MM-DD` (civil-from-days, proleptic Gregorian).
fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
