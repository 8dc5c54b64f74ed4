//! Assemble → classify → lineage: the extracted facts of every file (and
//! live database) become classified datasets with PI propagated along the
//! lineage graph, then [`super::evaluate`] judges them.

use super::evaluate::{evaluate_audit, Classified};
use super::extract::Extracted;
use super::{Config, Evaluated, Knowledge};
use crate::classify::Classifier;
use crate::db;
use crate::decl::Declarations;
use crate::model::{self, ScanInfo};
use crate::{facts, lineage};
use rayon::prelude::*;

/// Assemble → classify → lineage → evaluate over the extracted facts of
/// the code files (in input order) and the live databases' facts. The inline
/// suppressions found while extracting are handed on for the gates.
pub(super) fn finish(
    knowledge: &Knowledge,
    extracted: Extracted,
    live: &[db::LiveFacts],
    decl: Option<&Declarations>,
    config: &Config,
    mut scan: ScanInfo,
) -> Evaluated {
    let Extracted {
        facts: mut file_facts,
        inline,
        files_scanned,
        skipped: _,
        diagnostics,
        digests: _,
    } = extracted;
    scan.files_scanned = files_scanned;
    scan.diagnostics.extend(diagnostics);
    let overrides = decl.and_then(|d| d.catalog_overrides.as_ref());
    // Live facts come last; their diagnostics were already reported.
    let code_files = file_facts.len();
    file_facts.extend(live.iter().map(|l| l.facts.clone()));
    for f in &file_facts[..code_files] {
        scan.coverage.add(f.coverage);
        if f.dialect.is_some() || f.coverage.statements_total > 0 {
            let mut coverage = f.coverage;
            coverage.statements_lost = coverage.lost();
            scan.files.push(model::FileCoverage {
                file: f.file.clone(),
                dialect: f.dialect.map(|d| d.name().to_string()),
                coverage,
            });
        }
        scan.diagnostics.extend(f.diagnostics.iter().cloned());
    }
    tracing::debug!(files = file_facts.len(), "extracted facts");
    // Java values followed through calls to their sinks, before assembly
    // turns the sinks' endpoint flows into lineage.
    crate::extract::java_flow::link(&mut file_facts[..code_files], &knowledge.catalog);
    let mut assembled = facts::assemble(&mut file_facts);
    if let Some(o) = overrides {
        o.apply_regions(&mut assembled.endpoints);
    }
    // Recipients: declared sharing, and public hosts outside the
    // organisation's own domains.
    let domains: &[String] = decl
        .and_then(|d| d.organisation.as_ref())
        .map_or(&[], |o| o.domains.as_slice());
    let sharing: Vec<&str> = decl
        .map(|d| {
            d.sharing
                .iter()
                .filter_map(|s| s.endpoint.as_deref())
                .collect()
        })
        .unwrap_or_default();
    knowledge
        .catalog
        .classify_recipients(&mut assembled.endpoints, domains, &sharing);
    tracing::debug!(
        datasets = assembled.datasets.len(),
        flows = assembled.flows.len(),
        sampled_fields = assembled.samples.len(),
        "assembled facts"
    );
    scan.diagnostics.extend(assembled.diagnostics);
    let mut datasets = assembled.datasets;
    let custom_cues;
    let cues = match decl.filter(|d| !d.cues.is_empty()) {
        Some(d) => {
            let mut c = knowledge.cues.clone();
            // A cue written for a deprecated id (e.g. `minor`) tags its replacement.
            let resolved: Vec<_> = d
                .cues
                .iter()
                .map(|cue| {
                    let mut cue = cue.clone();
                    cue.category = knowledge.taxonomy.current(&cue.category).to_string();
                    cue
                })
                .collect();
            c.add_custom(&resolved);
            custom_cues = c;
            &custom_cues
        }
        None => &knowledge.cues,
    };
    let mut classifier = Classifier::new(&knowledge.taxonomy, cues, &knowledge.profile);
    // What the code writes into operator audit columns (a user id or name).
    classifier.set_operator_fills(&file_facts[..code_files]);
    // Foreign keys declared by naming resolve within a schema (`drug_id` → `dms_drug`).
    let schema = classifier.schema_index(&datasets);
    datasets.par_iter_mut().for_each(|d| {
        let declared_minors =
            decl.is_some_and(|x| x.datasets_for(&d.id, &d.name).iter().any(|y| y.minors));
        classifier.classify_in(d, &schema, declared_minors, &assembled.samples);
    });
    // Sampled values are read by the classifier only; the facts of each
    // file only by the Java log check. Freed here, before evaluation builds
    // its views, so the two never add up in the peak.
    drop(std::mem::take(&mut assembled.samples));
    // Schema-level context (a K-12 school schema) needs every table classified.
    classifier.apply_schema_context(&mut datasets);
    crate::classify::logged::pi_logged(
        &file_facts[..code_files],
        &classifier,
        &mut assembled.controls,
    );
    crate::classify::flows::pi_flows(
        &file_facts[..code_files],
        &classifier,
        &datasets,
        &mut assembled.controls,
    );
    drop(file_facts);
    // Debug lines the repository's own production logging config writes.
    crate::classify::log_levels::mark_enabled(&mut assembled.controls);
    classify_and_propagate(&mut datasets, &assembled.flows, decl, knowledge);
    if !live.is_empty() {
        db::add_grant_controls(live, &datasets, &assembled.aliases, &mut assembled.controls);
    }
    tracing::debug!("classified fields and propagated lineage");
    scan.diagnostics.extend(inline.diagnostics.iter().cloned());
    super::memory::release_freed();
    let audit = evaluate_audit(
        knowledge,
        Classified {
            datasets,
            flows: assembled.flows,
            endpoints: assembled.endpoints,
            controls: assembled.controls,
        },
        decl,
        config,
        scan,
        // Only inline suppressions read a group's members after evaluation.
        !inline.ignores.is_empty(),
    );
    Evaluated {
        audit,
        inline,
        declared_baseline: None,
    }
}

/// The declarations' overrides and lineage, in the one order a scan and a
/// merge both need: forced categories and "not PI" decisions first, then PI
/// tags propagated along `flows`, then the "not PI" decisions again, so a
/// field declared not PI stays so even when PI flows into it.
pub fn classify_and_propagate(
    datasets: &mut [model::Dataset],
    flows: &[model::Flow],
    decl: Option<&Declarations>,
    knowledge: &Knowledge,
) {
    if let Some(d) = decl {
        apply_overrides(datasets, d, knowledge, false);
    }
    lineage::LineageGraph::build(flows).propagate(datasets);
    if let Some(d) = decl {
        apply_overrides(datasets, d, knowledge, true);
    }
}

/// Applies `overrides` from the declarations: forced categories (unless
/// `only_not_pi`) and "not PI" decisions.
pub fn apply_overrides(
    datasets: &mut [model::Dataset],
    decl: &Declarations,
    k: &Knowledge,
    only_not_pi: bool,
) {
    if decl.overrides.is_empty() {
        return;
    }
    for d in datasets {
        for f in &mut d.fields {
            match decl.override_for(&d.name, &f.name, &f.id) {
                Some(None) => f.pi = None,
                Some(Some(category)) if !only_not_pi => {
                    // A deprecated id (e.g. `minor`) tags its replacement.
                    let category = k.taxonomy.current(category);
                    f.pi = Some(model::PiTag {
                        category: category.to_string(),
                        sensitive: k.taxonomy.is_sensitive(category, &k.profile),
                        confidence: 1.0,
                        evidence: vec![model::Evidence {
                            kind: "override".into(),
                            detail: "category set in piaudit.yaml overrides".into(),
                        }],
                    })
                }
                _ => {}
            }
        }
    }
}
