//! Java sources: tree-sitter parsing with error recovery, entity/DTO
//! datasets, protections, log calls and the data-flow pass (`java_flow`:
//! per-method sinks, then `link` across calls). Whatever the input, the
//! reader does not panic, everything it reports is located inside the
//! file, and every dataset column has a name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::extract::catalog::Catalog;
use piaudit::extract::{java, java_flow};

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
    for m in &out.java_flow.methods {
        for h in &m.hits {
            assert!(!h.hops.is_empty(), "a sink without its location");
            for l in &h.hops {
                assert!(l.line >= 1 && l.line <= last);
            }
        }
    }
    // The same file twice: calls between its methods and its copy's.
    let mut files = vec![out.clone(), out];
    files[1].file = "src/main/java/x/Other.java".into();
    java::inherit(&mut files);
    java_flow::link(&mut files, &Catalog::default());
    for f in &files {
        for h in &f.java_flow.hits {
            for l in &h.hops {
                assert!(l.line >= 1 && l.line <= last, "hop outside the file");
            }
        }
        for e in &f.endpoint_flows {
            assert!(
                f.endpoints.iter().any(|x| x.id == e.endpoint),
                "flow to a missing endpoint"
            );
        }
    }
});
