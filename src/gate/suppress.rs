//! Applies inline `piaudit:ignore` suppressions (read during extraction by
//! [`crate::extract::inline`]) to evaluated findings: a covered finding is
//! waived through [`crate::rules::eval::waive_in`], the same path as the
//! waivers of `piaudit.yaml`.

use crate::extract::inline::{Inline, MARKER};
use crate::model::{Diagnostic, DiagnosticLevel, FindingStatus, FindingWaiver};
use crate::pipeline::Audit;
use crate::rules::{eval, group};
use std::collections::BTreeMap;

/// Waives the findings that inline suppressions cover, through the same
/// path as `piaudit.yaml` waivers, recounts the summary, and reports the
/// suppressions that matched nothing as info diagnostics. A finding already
/// waived in `piaudit.yaml` keeps that waiver.
pub fn apply(inline: &Inline, audit: &mut Audit) {
    if inline.ignores.is_empty() {
        return;
    }
    let mut by_file: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, ig) in inline.ignores.iter().enumerate() {
        by_file
            .entry(ig.location.file.as_str())
            .or_default()
            .push(i);
    }
    let mut used = vec![false; inline.ignores.len()];
    // The best suppression of a location among `candidates`, if any: a
    // line-level one explains a finding better than a file-level one.
    let best = |rule: &str, at: &crate::model::Location, used: &mut [bool]| {
        let mut chosen: Option<usize> = None;
        for &i in by_file.get(at.file.as_str())? {
            let ig = &inline.ignores[i];
            if ig.rule == rule && ig.covers(at.line) {
                used[i] = true;
                if chosen.is_none_or(|c| inline.ignores[c].whole_file && !ig.whole_file) {
                    chosen = Some(i);
                }
            }
        }
        chosen
    };
    for f in &mut audit.report.findings {
        // A grouped finding (a dataset's fields, a flow path's pairs):
        // each member is suppressed on its own line, and the finding is
        // made again from the members left open.
        if let Some(group) = audit.groups.get_mut(&f.fingerprint) {
            if f.status != FindingStatus::Open {
                continue;
            }
            let mut changed = false;
            for m in &mut group.members {
                let Some(i) = best(&m.finding.rule, &m.finding.location, &mut used) else {
                    continue;
                };
                if m.finding.status != FindingStatus::Open {
                    continue;
                }
                let ig = &inline.ignores[i];
                let waiver = FindingWaiver::Inline {
                    reason: ig.reason.clone(),
                    location: ig.location.clone(),
                };
                eval::waive(&mut m.finding, &mut m.message, waiver);
                changed = true;
            }
            if changed {
                if let Some((g, message)) = group::finish(group, &audit.lang) {
                    audit.messages.insert(g.fingerprint.clone(), message);
                    *f = g;
                }
            }
            continue;
        }
        let Some(candidates) = by_file.get(f.location.file.as_str()) else {
            continue;
        };
        let mut chosen: Option<usize> = None;
        for &i in candidates {
            let ig = &inline.ignores[i];
            if ig.rule == f.rule && ig.covers(f.location.line) {
                used[i] = true;
                // A line-level suppression explains a finding better than a file-level one.
                if chosen.is_none_or(|c| inline.ignores[c].whole_file && !ig.whole_file) {
                    chosen = Some(i);
                }
            }
        }
        let Some(i) = chosen else { continue };
        if f.status != FindingStatus::Open {
            continue;
        }
        let ig = &inline.ignores[i];
        let waiver = FindingWaiver::Inline {
            reason: ig.reason.clone(),
            location: ig.location.clone(),
        };
        eval::waive_in(&mut audit.messages, &audit.lang, f, waiver);
    }
    let diagnostics = &mut audit.report.scan.diagnostics;
    for (ig, _) in inline.ignores.iter().zip(&used).filter(|(_, u)| !**u) {
        diagnostics.push(Diagnostic {
            file: ig.location.file.clone(),
            line: ig.location.line,
            severity: DiagnosticLevel::Info,
            message: format!(
                "`{} {}` matched no finding {}; it can be removed",
                if ig.whole_file {
                    "piaudit:ignore-file"
                } else {
                    MARKER
                },
                ig.rule,
                if ig.whole_file {
                    "in this file"
                } else {
                    "on the lines it covers"
                }
            ),
        });
    }
    diagnostics.sort();
    audit.report.recount_open_findings();
}
