//! ETL jobs: DataX JSON (comments stripped, reader/writer pairs, querySql
//! lineage), SeaTunnel HOCON-style `.conf`, and Flink SQL connector tables.
//! The first byte picks the reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::extract::catalog::Catalog;
use piaudit::extract::{datax, flink, seatunnel, FileFacts};
use std::sync::OnceLock;

#[path = "located.rs"]
mod located;

fuzz_target!(|data: &[u8]| {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let catalog = CATALOG.get_or_init(Catalog::embedded);
    let (file, facts) = match selector % 3 {
        0 => ("job.json", datax::extract("job.json", text, catalog)),
        1 => ("job.conf", seatunnel::extract("job.conf", text, catalog)),
        _ => {
            // The SQL extractor itself is the sql_extract target's; Flink's
            // connector reader runs on the raw text.
            let mut facts = FileFacts {
                file: "job.sql".into(),
                ..FileFacts::default()
            };
            flink::read("job.sql", text, catalog, &mut facts);
            ("job.sql", facts)
        }
    };
    located::assert_located(&facts, file, text);
});
