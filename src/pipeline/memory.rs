//! `--max-memory SIZE`: a scan (or merge) that nears the limit drops detail
//! instead of being killed by the operating system.
//!
//! The guard reads the process's resident set size (`VmRSS` of
//! `/proc/self/status`) at checkpoints between the stages, where the next
//! stage's extra memory is known to go to detail the findings do not need,
//! and trips at three quarters of the limit (the stages after a checkpoint
//! and the rendering need that headroom):
//!
//! 1. before the PI paths are enumerated (`report.paths`, each path's
//!    hops): over the limit, no path is enumerated;
//! 2. after the rules ran, before the report is rendered: over the limit,
//!    each PI field's evidence list (`pi.evidence`, the cue-by-cue detail
//!    behind its tag) and each finding's `evidence` lines are dropped.
//!
//! Findings, datasets, fields, tags and flows are never dropped: a degraded
//! report has the same findings as a full one, with less explanation, and a
//! warning diagnostic says what was left out and why. Where RSS cannot be
//! read (not Linux), the guard never trips.

use crate::model::{Diagnostic, DiagnosticLevel};

/// The file a memory diagnostic is reported at.
pub const DIAGNOSTIC_FILE: &str = "--max-memory";

/// Returns the memory freed by the parallel stages (extraction and
/// classification run on worker threads, and glibc keeps what a thread
/// freed in that thread's arena, where the single-threaded evaluation that
/// follows cannot reuse it) to the operating system: called once before
/// evaluation, where a scan reaches its peak. On the 2,048-service estate
/// this lowered the peak RSS by 85 MB, 1.29 to 1.21 GB (docs/performance.md,
/// "Estate scale, part 3"). A no-op other than with glibc on Linux.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's `malloc_trim` takes no pointer and touches only the
        // allocator's own free lists, under its locks; callable at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The resident set size of this process in bytes, if the platform says.
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status_rss(&status)
}

/// `VmRSS` of a `/proc/<pid>/status` text, in bytes.
fn status_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Parses a size: bytes, or a number with a unit `K`, `M`, `G`, `T` (powers
/// of 1024; `KB`/`KiB` and lower case are the same), e.g. `512M`, `1.5G`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 512M, 2G)"))?;
    let unit = unit.trim().to_ascii_lowercase();
    let power = match unit.trim_end_matches("ib").trim_end_matches('b') {
        "" => 0,
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        _ => return Err(format!("`{text}`: unknown unit `{unit}` (K, M, G or T)")),
    };
    let bytes = number * 1024f64.powi(power);
    if !bytes.is_finite() || bytes < 1.0 {
        return Err(format!("`{text}` is not a positive size"));
    }
    Ok(bytes as u64)
}

/// The memory limit of one run and what it made the run drop.
#[derive(Debug, Clone, Copy)]
pub struct Guard {
    /// The limit in bytes; `None`: no limit.
    pub limit: Option<u64>,
}

impl Guard {
    /// When the limit is set and the process uses three quarters of it or
    /// more, the RSS read.
    pub fn over(&self) -> Option<u64> {
        self.over_with(rss_bytes)
    }

    fn over_with(&self, rss: impl Fn() -> Option<u64>) -> Option<u64> {
        let limit = self.limit?;
        rss().filter(|&r| r >= limit / 4 * 3)
    }

    /// The warning that `what` was dropped at `rss` bytes.
    pub fn diagnostic(&self, rss: u64, what: &str) -> Diagnostic {
        let mb = |b: u64| b.div_ceil(1024 * 1024);
        Diagnostic {
            file: DIAGNOSTIC_FILE.into(),
            line: 1,
            severity: DiagnosticLevel::Warning,
            message: format!(
                "memory use reached {} MiB with --max-memory {} MiB (detail is dropped from \
                 three quarters of it on): {what} dropped; the findings are complete \
                 / 内存接近 --max-memory 上限，已省略{}（问题清单完整）",
                mb(rss),
                mb(self.limit.unwrap_or(0)),
                if what.starts_with("PI paths") {
                    "个人信息路径明细"
                } else {
                    "字段与问题的证据明细"
                }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("512mb"), Ok(512 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1.5g"), Ok(3 << 29));
        assert_eq!(parse_size(" 64 K "), Ok(64 << 10));
        assert!(parse_size("lots").unwrap_err().contains("not a size"));
        assert!(parse_size("3X").unwrap_err().contains("unknown unit"));
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn rss_comes_from_vmrss_in_kib() {
        let status = "Name:\tpiaudit\nVmPeak:\t  9000 kB\nVmRSS:\t    2048 kB\nThreads:\t2\n";
        assert_eq!(status_rss(status), Some(2048 * 1024));
        assert_eq!(status_rss("Name:\tx\n"), None);
        #[cfg(target_os = "linux")]
        assert!(rss_bytes().is_some_and(|b| b > 0));
    }

    #[test]
    fn the_guard_trips_only_at_or_over_a_set_limit() {
        let none = Guard { limit: None };
        assert_eq!(none.over_with(|| Some(u64::MAX)), None);
        let g = Guard {
            limit: Some(100 << 20),
        };
        assert_eq!(g.over_with(|| Some(74 << 20)), None);
        assert_eq!(g.over_with(|| Some(75 << 20)), Some(75 << 20));
        assert_eq!(g.over_with(|| Some(200 << 20)), Some(200 << 20));
        assert_eq!(g.over_with(|| None), None);
        let d = g.diagnostic(150 << 20, "PI paths (report.paths)");
        assert_eq!(d.severity, DiagnosticLevel::Warning);
        assert!(
            d.message.contains("150 MiB") && d.message.contains("100 MiB"),
            "{}",
            d.message
        );
    }
}
