//! piaudit — a personal-information (个人信息) data-flow compliance auditor.
//!
//! Data flows one way through the stages, each a function of the previous
//! stage's output plus the YAML data in `rules/` (layering drawn in
//! `docs/architecture.md`, checked by the `layering` test):
//!
//! ```text
//! discover → extract → assemble → classify → lineage → evaluate → gate → report
//! ```
//!
//! [`pipeline::scan`] runs it over paths on disk and live databases;
//! [`pipeline::scan_sources`] over sources in memory.

#![warn(missing_docs)]

pub mod authoring;
pub mod ci;
pub mod classify;
pub mod data;
pub mod db;
pub mod decl;
pub mod discover;
pub mod error;
pub mod evidence;
pub mod explain;
pub mod extract;
pub mod facts;
pub mod gate;
pub mod glob;
pub mod lineage;
pub mod merge;
pub mod model;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod rules;
pub mod validators;

#[cfg(test)]
mod layering;

pub use error::Error;
pub use extract::Source;
pub use pipeline::{Audit, Config, Knowledge, DEFAULT_FILE_TIME_BUDGET};

/// Scans the configured roots and databases: the [pipeline](pipeline::scan),
/// then the [gates](gate::apply_all).
pub fn scan(config: &Config) -> Result<Audit, Error> {
    let started = std::time::Instant::now();
    let mut audit = gate::apply_all(pipeline::scan(config)?, config)?;
    if !config.deterministic {
        audit.report.scan.duration_ms = Some(started.elapsed().as_millis() as u64);
    }
    Ok(audit)
}

/// Runs the pipeline over sources already in memory, then their inline
/// suppressions (no baseline or `--diff-base`: those need files on disk).
pub fn scan_sources(
    knowledge: &Knowledge,
    sources: &[Source],
    decl: Option<&decl::Declarations>,
    config: &Config,
    scan: model::ScanInfo,
) -> Audit {
    gate::apply_inline(pipeline::scan_sources(
        knowledge, sources, decl, config, scan,
    ))
}
