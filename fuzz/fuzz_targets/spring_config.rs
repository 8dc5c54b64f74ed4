//! Spring Boot configuration (YAML and `.properties`), with the
//! ShardingSphere and Canal readers that run on the same documents. The
//! first byte picks the file name: YAML or `.properties`, with or without
//! a profile in the name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::extract::catalog::Catalog;
use piaudit::extract::spring;
use std::sync::OnceLock;

#[path = "located.rs"]
mod located;

const NAMES: [&str; 4] = [
    "application.yml",
    "application-prod.yaml",
    "application.properties",
    "bootstrap-dev.properties",
];

fuzz_target!(|data: &[u8]| {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let file = NAMES[usize::from(selector) % NAMES.len()];
    let facts = spring::extract(file, text, CATALOG.get_or_init(Catalog::embedded));
    located::assert_located(&facts, file, text);
});
