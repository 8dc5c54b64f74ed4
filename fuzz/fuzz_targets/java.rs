//! Java sources: tree-sitter parsing with error recovery, entity/DTO
//! datasets, protections and log calls. Whatever the input, the reader
//! does not panic, everything it reports is located inside the file, and
//! every dataset column has a name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::extract::catalog::Catalog;
use piaudit::extract::java;

#[path = "located.rs"]
mod located;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = "src/main/java/x/Member.java";
    let out = java::extract(file, text, &Catalog::default());
    located::assert_located(&out, file, text);
    let last = u32::try_from(text.matches('\n').count() + 1).unwrap_or(u32::MAX);
    for t in &out.tables {
        assert!(!t.name.is_empty(), "dataset without a name");
        assert!(t.location.line >= 1 && t.location.line <= last);
        for c in &t.columns {
            assert!(!c.name.is_empty(), "column without a name in {}", t.name);
            assert!(c.location.line >= 1 && c.location.line <= last);
        }
    }
    for c in &out.log_calls {
        assert!(c.location.line >= 1 && c.location.line <= last);
        assert!(!c.args.is_empty());
    }
    let mut files = vec![out];
    java::inherit(&mut files);
});
