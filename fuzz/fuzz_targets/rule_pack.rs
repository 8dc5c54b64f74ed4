//! Rule packs: the fuzz input replaces one rule file of the built-in pack;
//! a pack that loads is then evaluated over a small schema, which exercises
//! the predicate language (user regexes included).
#![no_main]

use libfuzzer_sys::fuzz_target;
use piaudit::data::DataFiles;
use piaudit::extract::FileKind;
use piaudit::model::ScanInfo;
use piaudit::{scan_sources, Config, Knowledge, Source};

const SCHEMA: &str = "CREATE TABLE user (id bigint, phone varchar(11) COMMENT '手机号', \
id_card varchar(18) COMMENT '身份证号');\nINSERT INTO user VALUES (1,'13800138000','x');\n\
CREATE TABLE user_copy AS SELECT id, phone FROM user;\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let embedded = DataFiles::embedded();
    let mut pairs: Vec<(&str, &str)> = embedded.under("").collect();
    for p in &mut pairs {
        if p.0 == "packs/cn-2026/CNPI-001.yaml" {
            p.1 = text;
        }
    }
    let files = DataFiles::from_pairs(pairs);
    let Ok(knowledge) = Knowledge::load(&files, "cn-2026", None) else {
        return;
    };
    let sources = [Source {
        rel: "schema.sql".into(),
        kind: FileKind::Sql,
        text: SCHEMA.into(),
    }];
    let _ = scan_sources(
        &knowledge,
        &sources,
        None,
        &Config::default(),
        ScanInfo::default(),
    );
});
