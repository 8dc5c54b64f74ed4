//! One rule file, validated and evaluated against a knowledge base loaded
//! once: the input is a rule YAML that `Pack::load` compiles (predicate
//! language, basis codes, paths against the scope, doc headings) next to the
//! built-in `pack.yaml`; a rule that loads replaces the pack and is evaluated
//! over a small fixed project. Much faster than `rule_pack`, which reloads
//! the whole built-in data per input.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use piaudit::data::DataFiles;
use piaudit::extract::FileKind;
use piaudit::model::ScanInfo;
use piaudit::rules::Pack;
use piaudit::{scan_sources, Config, Knowledge, Source};

const SCHEMA: &str = "CREATE TABLE user (id bigint, phone varchar(11) COMMENT '手机号', \
id_card varchar(18) COMMENT '身份证号', created_at datetime);\n\
INSERT INTO user VALUES (1,'13800138000','x',NULL);\n\
CREATE TABLE user_copy AS SELECT id, phone FROM user;\n";

const SPRING: &str = "spring:\n  datasource:\n    url: jdbc:mysql://db.example.com:3306/app\n\
logging:\n  level:\n    org.mybatis: debug\n";

static BASE: LazyLock<(Knowledge, String)> = LazyLock::new(|| {
    let files = DataFiles::embedded();
    let k = Knowledge::load(&files, "cn-2026", None).expect("built-in data loads");
    let pack = files
        .get("packs/cn-2026/pack.yaml")
        .expect("built-in pack.yaml")
        .to_string();
    (k, pack)
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (base, pack_yaml) = &*BASE;
    // The file is named after its `id:` so that the id/file-name check does
    // not reject almost every input; ids with a `/` keep the mismatch path.
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|s| s.trim().trim_matches(['"', '\'']))
        .filter(|s| !s.is_empty() && !s.contains('/'))
        .unwrap_or("CNPI-001");
    let path = format!("packs/cn-2026/{id}.yaml");
    let files = DataFiles::from_pairs([
        ("packs/cn-2026/pack.yaml", pack_yaml.as_str()),
        (path.as_str(), text),
    ]);
    let Ok(pack) = Pack::load(&files, "cn-2026", &base.law) else {
        return;
    };
    let mut knowledge = base.clone();
    knowledge.pack = pack;
    let sources = [
        Source {
            rel: "schema.sql".into(),
            kind: FileKind::Sql,
            text: SCHEMA.into(),
        },
        Source {
            rel: "application.yml".into(),
            kind: FileKind::Config,
            text: SPRING.into(),
        },
    ];
    let _ = scan_sources(
        &knowledge,
        &sources,
        None,
        &Config::default(),
        ScanInfo::default(),
    );
});
