//! Terminal output of the `piaudit` binary: the progress bar of long scans,
//! warnings and the summary with every open finding. All of it goes to
//! stderr (stdout is kept for `--out -`); colours and the bar appear only
//! on a terminal, never under NO_COLOR or `--no-color` (anstream honours
//! NO_COLOR and CLICOLOR), and nothing but errors with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use piaudit::progress::{Progress, ProgressEvent};
use piaudit::{report, Audit};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Files below which no bar is drawn: short scans finish before it helps.
const MIN_FILES_FOR_BAR: u64 = 20;

/// How much the terminal shows, from the global and scan options.
#[derive(Debug, Clone, Copy, Default)]
pub struct View {
    /// `--quiet`: errors only.
    pub quiet: bool,
    /// `-v` count: diagnostics are listed from 1.
    pub verbose: u8,
    /// `--max-lines`: finding lines shown at most (`None`: all).
    pub max_lines: Option<usize>,
}

/// Whether colours and the progress bar are off: `--no-color`, or the
/// NO_COLOR variable set to anything but the empty string.
pub fn colour_off(flag: bool) -> bool {
    flag || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// A progress sink drawing an indicatif bar on stderr, or `None` when
/// stderr is not a terminal, colours are off or the user asked for quiet.
/// The bar stays hidden for stages under [`MIN_FILES_FOR_BAR`] files and is
/// cleared when a stage ends, so nothing is left on the screen.
pub fn progress_bar(quiet: bool, no_colour: bool) -> Option<(ProgressBar, Progress)> {
    if quiet || no_colour || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
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
            handle.set_draw_target(ProgressDrawTarget::hidden());
            handle.reset();
            handle.set_length(total);
            handle.set_message(stage);
            if total >= MIN_FILES_FOR_BAR {
                handle.set_draw_target(ProgressDrawTarget::stderr());
            }
        }
        ProgressEvent::Advance => handle.inc(1),
        ProgressEvent::Finish => {
            handle.finish_and_clear();
            handle.set_draw_target(ProgressDrawTarget::hidden());
        }
    });
    Some((bar, sink))
}

/// One warning line on stderr, `piaudit: warning: …`.
pub fn warn(text: &str) {
    let mut err = anstream::stderr().lock();
    let style = anstyle::Style::new()
        .bold()
        .fg_color(Some(anstyle::AnsiColor::Yellow.into()));
    let _ = writeln!(err, "{style}piaudit: warning:{style:#} {text}");
}

/// Warnings about what a scan did not read: archives, and (with `-v`)
/// report folders and excluded files.
pub fn print_notes(audit: &Audit, view: &View) {
    if view.quiet {
        return;
    }
    let zh = audit.lang.starts_with("zh");
    let notes = &audit.notes;
    if !notes.archives.is_empty() {
        let mut list = notes
            .archives
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if notes.archives.len() > 3 {
            list.push_str(", …");
        }
        let n = notes.archives.len();
        warn(&if zh {
            format!("{n} 个压缩包未读取（{list}）；请解压后再扫描")
        } else {
            format!("{n} archive(s) not read ({list}); unpack them and scan the folder")
        });
    }
    if !notes.skipped_rules.is_empty() {
        let ids = notes.skipped_rules.join(", ");
        let mut err = anstream::stderr().lock();
        let _ = writeln!(
            err,
            "{}",
            if zh {
                format!("未评估的规则（--skip-rule / skip_rules）：{ids}")
            } else {
                format!("rules not evaluated (--skip-rule / skip_rules): {ids}")
            }
        );
    }
    if view.verbose > 0 {
        let mut err = anstream::stderr().lock();
        for d in &notes.report_dirs {
            let _ = writeln!(
                err,
                "{}",
                if zh {
                    format!("报告目录 {d} 未扫描")
                } else {
                    format!("report folder {d} not scanned")
                }
            );
        }
        if notes.excluded > 0 {
            let n = notes.excluded;
            let _ = writeln!(
                err,
                "{}",
                if zh {
                    format!("{n} 个文件被排除规则（--exclude / exclude）略过")
                } else {
                    format!("{n} files left out by --exclude / exclude")
                }
            );
        }
    }
}

/// Prints the scan summary, the findings to fix first, every open finding
/// grouped by rule (with `-v`, their fields and further locations), the
/// diagnostics (`-v`), the severity table and the report paths.
pub fn print_summary(audit: &Audit, written: &[PathBuf], view: &View) {
    let mut err = anstream::stderr().lock();
    let zh = audit.lang.starts_with("zh");
    let _ = write!(err, "{}", report::text::overview(audit));
    let _ = write!(err, "{}", report::text::fix_first(audit));
    let _ = write!(
        err,
        "{}",
        report::text::findings_grouped(audit, view.max_lines, view.verbose > 0)
    );
    let diagnostics = audit.report.scan.diagnostics.len();
    if view.verbose > 0 && diagnostics > 0 {
        let _ = writeln!(err, "{}", if zh { "诊断：" } else { "diagnostics:" });
        let _ = write!(err, "{}", report::text::diagnostics(audit));
    } else if diagnostics > 0 {
        let _ = writeln!(
            err,
            "{}",
            if zh {
                format!("诊断 {diagnostics} 条：加 -v 列出")
            } else {
                format!("{diagnostics} diagnostics: -v lists them")
            }
        );
    }
    let _ = write!(err, "{}", report::text::severity_table(audit));
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
    let label = if zh { "报告：" } else { "report:" };
    for p in written {
        let _ = writeln!(err, "{label} {}", p.display());
    }
}
