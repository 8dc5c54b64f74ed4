//! Invariants shared by the config/ETL targets: whatever an extractor
//! reports is located inside the file it read (a diagnostic at line 0 or
//! past the end would point users at nothing).

use piaudit::extract::FileFacts;
use piaudit::model::Location;

/// The last line a location in `text` can name (a position at the very end
/// of a file ending in a newline is on the line after it).
fn last_line(text: &str) -> u32 {
    u32::try_from(text.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

fn check(what: &str, l: &Location, file: &str, last: u32) {
    assert_eq!(l.file, file, "{what} names another file");
    assert!(
        l.line >= 1 && l.line <= last,
        "{what} at line {} of {last}",
        l.line
    );
}

/// Asserts every diagnostic, endpoint, flow, control and protection of
/// `facts` is located in `file`, within `text`.
pub fn assert_located(facts: &FileFacts, file: &str, text: &str) {
    let last = last_line(text);
    for d in &facts.diagnostics {
        assert_eq!(d.file, file, "diagnostic names another file");
        assert!(
            d.line >= 1 && d.line <= last,
            "diagnostic at line {} of {last}: {}",
            d.line,
            d.message
        );
    }
    for e in &facts.endpoints {
        check("endpoint", &e.location, file, last);
    }
    for f in &facts.endpoint_flows {
        check("endpoint flow", &f.location, file, last);
        assert!(
            facts.endpoints.iter().any(|e| e.id == f.endpoint),
            "flow to an endpoint the file does not define: {}",
            f.endpoint
        );
    }
    for c in &facts.controls {
        check("control", &c.location, file, last);
    }
    for p in &facts.protections {
        check("protection", &p.location, file, last);
    }
}
