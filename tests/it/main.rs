//! The integration tests, in one binary: one module per area (each was its
//! own `tests/*.rs` binary before; 23 binaries meant 23 links of the whole
//! crate and its dependencies). Fixtures are in `tests/fixtures/`, insta
//! snapshots in `tests/it/snapshots/` (named `it__<module>__<name>.snap`).
//!
//! Run one area with `cargo test --test it <module>::`, e.g.
//! `cargo test --test it extract_mybatis::`.
//!
//! Tests that need something outside the checkout (the development corpus
//! in `../shared/corpus`, the local databases, a headless Chromium, strace,
//! a pseudo-terminal) go through [`common::require`]: without it they print
//! `SKIPPED: …` and pass, unless the matching `PIAUDIT_REQUIRE_*=1` is set,
//! as `.ci/run` does, where they fail instead.

mod common;

mod baseline;
mod cache;
mod ci_templates;
mod classify;
mod classify_context;
mod classify_eval;
mod cli;
mod controls;
mod corpus;
mod cover;
mod db;
mod dialect_coverage;
mod eval_labels;
mod evidence;
mod examples;
mod extract_config;
mod extract_dbt;
mod extract_mybatis;
mod finding_model;
mod hostile;
mod html;
mod java;
mod java_flow;
mod merge;
mod mlps;
mod properties;
mod recipients;
mod report_formats;
mod requires;
mod rules;
mod safe_outputs;
mod scale;
mod snapshots;
mod sqllineage;
mod suppress;
mod terminal_ci;
