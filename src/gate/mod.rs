//! Gates: what is done to an evaluated audit's findings beyond the rules,
//! in this order — inline `piaudit:ignore` comments waive what they cover
//! ([`suppress`]), `--changed-since` leaves out findings on untouched
//! subjects ([`diff`]), `--diff-base` those a scan of the merge base already
//! had ([`base`]), the baseline marks accepted findings ([`baseline`]) — and
//! `--fail-on` decides the exit status ([`fails`]).

pub mod base;
pub mod baseline;
pub mod diff;
pub mod suppress;

use crate::error::Error;
use crate::model::{Report, Severity};
use crate::pipeline::{Audit, Config, Evaluated, GateOutcome};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Applies every gate to an evaluated scan: inline suppressions, then
/// `--diff-base` and the baseline ([`apply_gates`]).
pub fn apply_all(evaluated: Evaluated, config: &Config) -> Result<Audit, Error> {
    let Evaluated {
        mut audit,
        inline,
        declared_baseline,
    } = evaluated;
    suppress::apply(&inline, &mut audit);
    apply_gates(&mut audit, config, declared_baseline)?;
    Ok(audit)
}

/// The audit of sources scanned in memory: their inline suppressions
/// applied (no baseline, `--changed-since` or `--diff-base`: those need
/// files on disk).
pub fn apply_inline(evaluated: Evaluated) -> Audit {
    let mut audit = evaluated.audit;
    suppress::apply(&evaluated.inline, &mut audit);
    audit
}

/// Applies `--changed-since`, `--diff-base` and the baseline
/// (`--baseline`, else `declared`, the `baseline:` of piaudit.yaml resolved
/// against its directory) to a finished audit.
pub fn apply_gates(
    audit: &mut Audit,
    config: &Config,
    declared: Option<PathBuf>,
) -> Result<(), Error> {
    let mut gate = GateOutcome::default();
    if let Some(git_ref) = &config.changed_since {
        let touched = diff::touched_files(&config.roots, git_ref)?;
        gate.untouched = diff::limit(&mut audit.report, &touched);
        gate.changed_since = Some(git_ref.clone());
    }
    if let Some(git_ref) = &config.diff_base {
        let old = base::findings(config, git_ref)?;
        let before = audit.report.findings.len();
        audit
            .report
            .findings
            .retain(|f| base::is_new(f, &old.fingerprints));
        audit.report.recount_open_findings();
        gate.left_out = before - audit.report.findings.len();
        gate.diff_base = Some(git_ref.clone());
        gate.merge_base = Some(old.commit);
    }
    if gate.changed_since.is_some() || gate.diff_base.is_some() {
        let kept: BTreeSet<&str> = audit
            .report
            .findings
            .iter()
            .map(|f| f.fingerprint.as_str())
            .collect();
        audit.messages.retain(|fp, _| kept.contains(fp.as_str()));
    }
    gate.baseline = config.baseline.clone().or(declared);
    if !config.skip_baseline {
        if let Some(path) = &gate.baseline {
            let b = baseline::Baseline::load(path)?;
            gate.baselined = b.apply(&mut audit.report);
            if let Some(d) = b.stale(&audit.report, gate.baselined, &path.display().to_string()) {
                audit.report.scan.diagnostics.push(d);
                audit.report.scan.diagnostics.sort();
            }
        }
    }
    audit.gate = gate;
    Ok(())
}

/// Whether an audit fails `--fail-on`: an open finding reaches `fail_on`
/// (waived and baselined ones never do).
pub fn fails(report: &Report, fail_on: Severity) -> bool {
    report.worst_open_severity().is_some_and(|s| s >= fail_on)
}
