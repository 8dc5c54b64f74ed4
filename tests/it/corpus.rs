//! Opt-in: the whole development corpus (../shared/corpus, real public
//! schemas and scripts) scans without a panic and with diagnostics for what it
//! could not parse. Skips visibly (`SKIPPED: …`) when the corpus is absent,
//! fails then under PIAUDIT_REQUIRE_CORPUS=1.

use crate::common::{corpus_dir, require, Need};
use piaudit::{scan, Config};

#[test]
fn corpus_scans_without_panic() {
    let Some(corpus) = require(Need::Corpus, corpus_dir()) else {
        return;
    };
    let config = Config {
        roots: vec![corpus],
        deterministic: true,
        ..Config::default()
    };
    let audit = scan(&config).expect("corpus scan completes");
    let r = &audit.report;
    assert!(r.scan.files_scanned >= 50, "{}", r.scan.files_scanned);
    assert!(
        !r.scan.diagnostics.is_empty(),
        "some corpus statements cannot be parsed"
    );
    let c = r.scan.coverage;
    assert!(
        c.statements_parsed as f64 >= 0.9 * c.statements_total as f64,
        "{c:?}"
    );
    assert!(r.summary.pi_fields > 500, "{}", r.summary.pi_fields);
    // Every diagnostic points at a file and a line.
    assert!(r
        .scan
        .diagnostics
        .iter()
        .all(|d| !d.file.is_empty() && d.line >= 1));
}
