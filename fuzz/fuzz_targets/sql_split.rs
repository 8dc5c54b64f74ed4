//! The statement splitter under every dialect's lexical options: never
//! panics, statements are in order, inside the input, and located correctly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::extract::sql::{split::split, SqlDialect};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let src = String::from_utf8_lossy(rest);
    let dialect = SqlDialect::ALL[usize::from(selector) % SqlDialect::ALL.len()];
    let mut last_end = 0;
    for s in split(&src, dialect.split_options()) {
        assert!(s.offset >= last_end, "statements overlap or go backwards");
        assert_eq!(&src[s.offset..s.offset + s.text.len()], s.text);
        let before = &src[..s.offset];
        let line = before.matches('\n').count() + 1;
        assert_eq!(s.line as usize, line, "line of statement at {}", s.offset);
        last_end = s.offset + s.text.len();
    }
});
