//! The INSERT … VALUES literal sampler, fed directly (the extractor only
//! hands it statements that look like bulk inserts).
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::extract::sql::values::sample_insert;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sample_insert(text);
        // The same text behind the prefix the sampler is normally given.
        let _ = sample_insert(&format!("INSERT INTO t VALUES {text}"));
    }
});
