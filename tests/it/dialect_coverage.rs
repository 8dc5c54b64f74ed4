//! The report says which dialect each file was read with and how many of its
//! statements were parsed, recovered or lost; `piaudit.yaml` globs and
//! `--dialect` choose the dialect; MyBatis mappers join the scan.

use piaudit::decl::Declarations;
use piaudit::extract::sql::SqlDialect;
use piaudit::extract::FileKind;
use piaudit::model::{FileCoverage, ScanInfo};
use piaudit::{scan_sources, Config, Knowledge, Source};

fn source(rel: &str, kind: FileKind, text: &str) -> Source {
    Source {
        rel: rel.into(),
        kind,
        text: text.into(),
    }
}

fn sources() -> Vec<Source> {
    vec![
        source(
            "db/dm/init.sql",
            FileKind::Sql,
            "CREATE TABLE t_user (id NUMBER(20), phone VARCHAR2(11));\n\
             CREATE TABLE t_x (id int) STORAGE ??? junk;\n\
             SELEC garbage here;\n",
        ),
        source(
            "db/legacy/a.sql",
            FileKind::Sql,
            "CREATE TABLE member (id int, mobile varchar(11));",
        ),
        source(
            "src/main/resources/mapper/MemberMapper.xml",
            FileKind::Mapper,
            "<mapper namespace=\"m\">\n<insert id=\"c\">INSERT INTO crm (tel) SELECT mobile FROM member WHERE id = #{id}</insert>\n\
             <select id=\"s\">SELECT * FROM member ORDER BY ${sort}</select>\n</mapper>",
        ),
    ]
}

/// File, dialect, total, parsed, recovered, lost.
type Row<'a> = (&'a str, Option<&'a str>, u64, u64, u64, u64);

fn files(decl: Option<&Declarations>, forced: Option<SqlDialect>) -> Vec<FileCoverage> {
    let config = Config {
        deterministic: true,
        dialect: forced,
        ..Config::default()
    };
    let knowledge = Knowledge::for_config(&config).expect("built-in data loads");
    let audit = scan_sources(&knowledge, &sources(), decl, &config, ScanInfo::default());
    let r = audit.report;
    let c = r.scan.coverage;
    assert_eq!(
        c.statements_total,
        c.statements_parsed + c.statements_recovered + c.statements_lost,
        "{c:?}"
    );
    // The mapper's `${sort}` reaches the report as a control weakness at its line.
    assert!(
        r.controls.iter().any(|k| k.kind == "sql_injection_risk"
            && k.location.file.ends_with("MemberMapper.xml")
            && k.location.line == 3),
        "{:?}",
        r.controls
    );
    // Its INSERT … SELECT is a flow located in the mapper.
    assert!(
        r.flows.iter().any(|f| f.from.ends_with("member.mobile")
            && f.to.ends_with("crm.tel")
            && f.location.file.ends_with("MemberMapper.xml")),
        "{:?}",
        r.flows
    );
    r.scan.files
}

#[test]
fn each_file_has_its_dialect_and_coverage() {
    let got = files(None, None);
    let summary: Vec<Row<'_>> = got
        .iter()
        .map(|f| {
            (
                f.file.as_str(),
                f.dialect.as_deref(),
                f.coverage.statements_total,
                f.coverage.statements_parsed,
                f.coverage.statements_recovered,
                f.coverage.statements_lost,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("db/dm/init.sql", Some("oracle"), 3, 1, 1, 1),
            ("db/legacy/a.sql", Some("mysql"), 1, 1, 0, 0),
            (
                "src/main/resources/mapper/MemberMapper.xml",
                Some("mysql"),
                2,
                2,
                0,
                0
            ),
        ]
    );
}

#[test]
fn declarations_and_the_command_line_choose_the_dialect() {
    let decl = Declarations::parse(
        "piaudit.yaml",
        "version: 1\ndialects:\n  \"db/legacy/**\": kingbase\n",
    )
    .expect("valid declarations");
    let got = files(Some(&decl), None);
    let legacy = got.iter().find(|f| f.file == "db/legacy/a.sql").unwrap();
    assert_eq!(legacy.dialect.as_deref(), Some("postgres"));
    let dm = got.iter().find(|f| f.file == "db/dm/init.sql").unwrap();
    assert_eq!(dm.dialect.as_deref(), Some("oracle"));
    // `--dialect` wins over both.
    let forced = files(Some(&decl), Some(SqlDialect::Mssql));
    assert!(forced.iter().all(|f| f.dialect.as_deref() == Some("mssql")));
    // An unknown dialect name is an error naming the known ones.
    let err = Declarations::parse("piaudit.yaml", "version: 1\ndialects:\n  \"**\": cobol\n")
        .unwrap_err();
    assert!(err.to_string().contains("cobol"), "{err}");
}
