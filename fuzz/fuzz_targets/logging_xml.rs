//! Logback and Log4j 2 XML: the tolerant tree reader, property
//! substitution, retention and SQL-logging controls.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::extract::logging;

#[path = "located.rs"]
mod located;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let facts = logging::extract("logback.xml", text);
    located::assert_located(&facts, "logback.xml", text);
});
