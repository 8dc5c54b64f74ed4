//! The whole SQL front: split, parse with the dialect and the generic
//! fallback, tolerant recovery, lineage, INSERT sampling; plus the
//! single-file lineage of `piaudit lineage`. The first byte picks the dialect.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::extract::sql::{extract, SqlDialect};
use piaudit::lineage::single::lineage_of;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let dialect = SqlDialect::ALL[usize::from(selector) % SqlDialect::ALL.len()];
    let facts = extract("fuzz.sql", text, dialect);
    let lines = text.lines().count().max(1) as u32 + 1;
    for d in &facts.diagnostics {
        assert!(
            d.line >= 1 && d.line <= lines,
            "diagnostic line {} of {lines}",
            d.line
        );
    }
    let _ = lineage_of(text, "fuzz.sql", dialect);
    let _ = SqlDialect::detect("fuzz.sql", text);
});
