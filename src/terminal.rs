//! Terminal output of the `piaudit` binary: the progress bar of long scans
//! and the coloured summary. Both go to stderr; colours and the bar appear
//! only on a terminal (anstream honours NO_COLOR and CLICOLOR), never with
//! `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use piaudit::progress::{Progress, ProgressEvent};
use piaudit::{report, Audit};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Files below which no bar is drawn: short scans finish before it helps.
const MIN_FILES_FOR_BAR: u64 = 20;

/// A progress sink drawing an indicatif bar on stderr, or `None` when
/// stderr is not a terminal or the user asked for quiet.
pub fn progress_bar(quiet: bool) -> Option<(ProgressBar, Progress)> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:8} [{bar:40}] {pos}/{len} files, {per_sec}, ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let handle = bar.clone();
    let sink = Progress::new(move |event| match event {
        ProgressEvent::Start { stage, total } => {
            handle.reset();
            handle.set_length(total);
            handle.set_message(stage);
            if total < MIN_FILES_FOR_BAR {
                handle.set_draw_target(ProgressDrawTarget::hidden());
            }
        }
        ProgressEvent::Advance => handle.inc(1),
        ProgressEvent::Finish => handle.finish_and_clear(),
    });
    Some((bar, sink))
}

/// Prints the scan summary, the severity table and the report paths.
pub fn print_summary(audit: &Audit, written: &[PathBuf]) {
    let mut err = anstream::stderr().lock();
    let _ = write!(err, "{}", report::text::summary(audit, 10));
    let _ = write!(err, "{}", report::text::severity_table(audit));
    let zh = audit.lang.starts_with("zh");
    let gate = &audit.gate;
    if let Some(git_ref) = &gate.changed_since {
        let _ = writeln!(
            err,
            "{}",
            if zh {
                format!(
                    "--changed-since {git_ref}：{} 条问题不涉及自该版本以来改动的对象，未列入",
                    gate.untouched
                )
            } else {
                format!("--changed-since {git_ref}: {} findings on subjects not touched since it were left out", gate.untouched)
            }
        );
    }
    if let Some(git_ref) = &gate.diff_base {
        let commit: String = gate
            .merge_base
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(12)
            .collect();
        let _ = writeln!(
            err,
            "{}",
            if zh {
                format!(
                    "--diff-base {git_ref}：{} 条问题在合并基点 {commit} 已存在，未列入（仅报告新增问题）",
                    gate.left_out
                )
            } else {
                format!("--diff-base {git_ref}: {} findings already in the merge base {commit} were left out (only new findings are reported)", gate.left_out)
            }
        );
    }
    if let Some(path) = &gate.baseline {
        let _ = writeln!(
            err,
            "{}",
            if zh {
                format!(
                    "基线 {}：{} 条问题已纳入基线",
                    path.display(),
                    gate.baselined
                )
            } else {
                format!(
                    "baseline {}: {} findings baselined",
                    path.display(),
                    gate.baselined
                )
            }
        );
    }
    let label = if audit.lang.starts_with("zh") {
        "报告："
    } else {
        "report:"
    };
    for p in written {
        let _ = writeln!(err, "{label} {}", p.display());
    }
}
