//! MyBatis mapper extractor: dynamic SQL rendering, cross-mapper includes,
//! `${}` injection risks, type-handler protections, lineage located at the
//! mapper's file:line, and tolerance of broken XML.

use crate::common::{corpus_dir, require, Need};
use piaudit::extract::mybatis::{self, FragmentIndex, MapperFacts};
use piaudit::extract::{OutItem, WriteLineage};
use piaudit::model::Protection;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/mybatis/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Line (1-based) of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u32 + 1)
        .unwrap_or_else(|| panic!("`{needle}` not in fixture"))
}

fn member() -> (String, MapperFacts) {
    let text = fixture("MemberMapper.xml");
    let facts = mybatis::extract("mapper/MemberMapper.xml", &text, None);
    (text, facts)
}

fn statement<'a>(f: &'a MapperFacts, id: &str) -> &'a mybatis::RenderedStatement {
    f.statements
        .iter()
        .find(|s| s.id.ends_with(&format!(".{id}")))
        .unwrap_or_else(|| panic!("no statement {id}"))
}

fn normalized(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// (target column, source table.column, transform) of a write.
fn edges(w: &WriteLineage) -> Vec<(String, String, &'static str)> {
    let mut out = Vec::new();
    for (i, item) in w.items.iter().enumerate() {
        if let OutItem::Column(c) = item {
            let to = w
                .columns
                .get(i)
                .cloned()
                .or_else(|| c.name.clone())
                .unwrap_or_default();
            for s in &c.sources {
                out.push((
                    to.clone(),
                    format!("{}.{}", s.tables[0], s.column),
                    c.transform.as_str(),
                ));
            }
        }
    }
    out
}

#[test]
fn renders_dynamic_sql_with_every_branch() {
    let (_, f) = member();
    let sql = normalized(&statement(&f, "selectMembers").sql);
    assert_eq!(
        sql,
        "SELECT m.id, m.mobile, m.id_card FROM member m WHERE m.mobile = ? AND m.id IN (?) \
         AND m.status = 1 AND m.status = 2 AND m.status <> 0 ORDER BY piaudit_interp__orderBy"
    );
    let update = normalized(&statement(&f, "updateMember").sql);
    assert_eq!(
        update,
        "UPDATE member SET mobile = ?, id_card = ? WHERE id = ?"
    );
}

#[test]
fn choose_falls_back_to_first_branch_when_union_is_not_sql() {
    let (_, f) = member();
    let sql = normalized(&statement(&f, "pickColumn").sql);
    assert_eq!(sql, "SELECT m.mobile AS contact FROM member m");
    assert!(
        !f.facts
            .diagnostics
            .iter()
            .any(|d| d.message.contains("pickColumn")),
        "{:?}",
        f.facts.diagnostics
    );
}

#[test]
fn insert_select_gives_lineage_at_the_mapper_line() {
    let (text, f) = member();
    let archive = f
        .facts
        .writes
        .iter()
        .find(|w| w.target == "member_archive")
        .expect("archive write");
    assert_eq!(archive.location.file, "mapper/MemberMapper.xml");
    assert_eq!(
        archive.location.line,
        line_of(&text, "<insert id=\"archiveMembers\"")
    );
    assert_eq!(
        edges(archive),
        [
            ("member_id".into(), "member.id".into(), "copy"),
            ("phone".into(), "member.mobile".into(), "copy"),
            ("id_card_hash".into(), "member.id_card".into(), "hash"),
        ]
    );
    // CDATA bodies are SQL too.
    let crm = f
        .facts
        .writes
        .iter()
        .find(|w| w.target == "crm_contact")
        .expect("crm write");
    assert_eq!(
        crm.location.line,
        line_of(&text, "<insert id=\"copyToCrm\"")
    );
    assert_eq!(crm.source_tables, ["member"]);
}

#[test]
fn interpolation_is_an_injection_risk_unless_explained() {
    let (text, f) = member();
    let risks: Vec<(u32, Option<&str>, Option<&str>)> = f
        .facts
        .controls
        .iter()
        .filter(|c| c.kind == "sql_injection_risk")
        .map(|c| (c.location.line, c.subject.as_deref(), c.value.as_deref()))
        .collect();
    // `${alias}` is filled by <include><property>, `${ew.customSqlSegment}`
    // by MyBatis-Plus with bound parameters: only `${orderBy}` remains.
    assert_eq!(
        risks,
        [(
            line_of(&text, "ORDER BY ${orderBy}"),
            Some("member"),
            Some("${orderBy} in com.example.member.MemberMapper.selectMembers")
        )]
    );
}

#[test]
fn encrypting_type_handlers_protect_their_columns() {
    let (text, f) = member();
    let mut got: Vec<(Option<&str>, &str, Protection, u32)> = f
        .facts
        .protections
        .iter()
        .map(|p| {
            (
                p.table.as_deref(),
                p.column.as_str(),
                p.protection,
                p.location.line,
            )
        })
        .collect();
    got.sort_by_key(|g| g.3);
    assert_eq!(
        got,
        [
            (
                Some("member"),
                "id_card",
                Protection::Encrypted,
                line_of(&text, "Sm4EncryptTypeHandler")
            ),
            (
                Some("member"),
                "id_card",
                Protection::Encrypted,
                line_of(&text, "typeHandler=com.example.crypto.AesTypeHandler")
            ),
        ]
    );
    assert!(f.facts.protections.iter().all(|p| p.kind == "type_handler"));
}

#[test]
fn result_maps_pair_properties_and_columns() {
    let text = fixture("MemberMapper.xml");
    let m = mybatis::parse("MemberMapper.xml", &text);
    assert_eq!(
        m.namespace.as_deref(),
        Some("com.example.member.MemberMapper")
    );
    let rm = &m.result_maps[0];
    let pairs: Vec<(&str, &str)> = rm
        .mappings
        .iter()
        .map(|x| (x.property.as_str(), x.column.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("id", "id"),
            ("mobile", "mobile"),
            ("idCard", "id_card"),
            ("detail", "address_detail")
        ]
    );
    assert_eq!(rm.type_name.as_deref(), Some("com.example.member.Member"));
}

#[test]
fn includes_reach_other_mappers_and_report_missing_or_cyclic_ones() {
    let member_text = fixture("MemberMapper.xml");
    let order_text = fixture("OrderMapper.xml");
    let member = mybatis::parse("MemberMapper.xml", &member_text);
    let order = mybatis::parse("OrderMapper.xml", &order_text);
    let index = FragmentIndex::new([&member, &order]);
    let f = mybatis::facts(&order, &index, None);
    let snap = normalized(&statement(&f, "snapshotReceivers").sql);
    assert!(
        snap.contains("IN (SELECT x.id, x.mobile, x.id_card FROM member x)"),
        "{snap}"
    );
    assert!(
        snap.starts_with(
            "INSERT INTO order_receiver_snapshot ( receiver_phone, receiver_name ) SELECT"
        ),
        "{snap}"
    );
    let w = f
        .facts
        .writes
        .iter()
        .find(|w| w.target == "order_receiver_snapshot")
        .expect("snapshot write");
    assert_eq!(
        edges(w),
        [
            (
                "receiver_phone".into(),
                "oms_order.receiver_phone".into(),
                "copy"
            ),
            (
                "receiver_name".into(),
                "oms_order.receiver_name".into(),
                "copy"
            ),
        ]
    );
    let messages: Vec<(u32, &str)> = f
        .facts
        .diagnostics
        .iter()
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert!(
        messages
            .iter()
            .any(|(l, m)| *l == line_of(&order_text, "missingFragment")
                && m.contains("missingFragment")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|(_, m)| m.contains("recursive")),
        "{messages:?}"
    );
    // Alone, the cross-mapper include cannot be resolved: a diagnostic, no panic.
    let alone = mybatis::extract("OrderMapper.xml", &order_text, None);
    assert!(alone
        .facts
        .diagnostics
        .iter()
        .any(|d| d.message.contains("MemberMapper.memberColumns")));
    // `${tableName}` is a risk; a table named by it is not invented.
    assert!(alone
        .facts
        .controls
        .iter()
        .any(|c| c.kind == "sql_injection_risk"
            && c.value
                .as_deref()
                .is_some_and(|v| v.starts_with("${tableName}"))));
    assert!(alone
        .facts
        .writes
        .iter()
        .all(|w| !w.target.starts_with(mybatis::INTERPOLATION_PREFIX)));
}

#[test]
fn foreach_batch_insert_is_one_row_and_counts_as_parsed() {
    let text = fixture("OrderMapper.xml");
    let f = mybatis::extract("OrderMapper.xml", &text, None);
    let sql = normalized(&statement(&f, "batchInsert").sql);
    assert_eq!(
        sql,
        "INSERT INTO oms_order (member_id, receiver_phone) VALUES (?, ?)"
    );
    assert_eq!(f.statements.len(), 4);
    assert!(f.facts.coverage.statements_total >= 4);
    assert!(
        f.facts.samples.is_empty(),
        "placeholders are not sample values"
    );
}

#[test]
fn broken_xml_keeps_what_was_read_and_says_where() {
    let text = fixture("Broken.xml");
    let f = mybatis::extract("Broken.xml", &text, None);
    assert!(statement(&f, "ok").sql.contains("SELECT name FROM t_user"));
    let unterminated = f
        .facts
        .diagnostics
        .iter()
        .find(|d| d.message.contains("unterminated") || d.message.contains("malformed"))
        .expect("a diagnostic for the cut file");
    assert!(unterminated.line >= line_of(&text, "<insert id=\"cut\">"));
}

#[test]
fn hostile_input_ends_in_diagnostics() {
    let deep = format!(
        "<mapper namespace=\"x\"><select id=\"d\">SELECT a FROM t {}{}</select></mapper>",
        "<if test=\"1\">".repeat(5000),
        "</if>".repeat(5000)
    );
    let f = mybatis::extract("deep.xml", &deep, None);
    assert!(f
        .facts
        .diagnostics
        .iter()
        .any(|d| d.message.contains("nested deeper")));
    assert_eq!(normalized(&f.statements[0].sql), "SELECT a FROM t");
    // Junk ends in a diagnostic at its line, and only a statement that is
    // really there is kept, as written.
    let junk: [(&str, &[&str], &str); 6] = [
        (
            "\u{0}\u{1}\u{2}<mapper namespace=\"\u{0}\">",
            &[],
            "`<mapper>` is never closed",
        ),
        (
            "<mapper namespace='x'><select id='a'>SELECT #{",
            &["SELECT #{"],
            "`<select>` is never closed",
        ),
        (
            "<mapper namespace='x'><sql id='s'>${",
            &[],
            "`<sql>` is never closed",
        ),
        ("<<<>>></mapper></select>", &[], "no <mapper> element"),
        ("", &[], "no <mapper> element"),
        (
            "<mapper namespace=\"x\"><select id=\"e\">SELECT &bogus; FROM t</select></mapper>",
            &["SELECT &bogus; FROM t"],
            "statement `x.e`: statement not parsed",
        ),
    ];
    for (text, want_sql, want_message) in junk {
        let f = mybatis::extract("junk.xml", text, None);
        let sql: Vec<&str> = f.statements.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(sql, want_sql, "{text:?}");
        let d = &f.facts.diagnostics;
        assert!(
            d.iter().any(|d| d.message.contains(want_message)),
            "{text:?}: {d:?}"
        );
        assert!(
            d.iter().all(|d| d.file == "junk.xml" && d.line == 1),
            "{d:?}"
        );
    }
}

/// Opt-in: every mapper of the development corpus is read without an
/// internal error, and most of its statements render to SQL that parses.
#[test]
fn corpus_mappers_render_to_parseable_sql() {
    let Some(corpus) = require(Need::Corpus, corpus_dir()) else {
        return;
    };
    let mut files = Vec::new();
    for e in walkdir::WalkDir::new(&corpus).into_iter().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "xml") {
            if let Ok(text) = std::fs::read_to_string(p) {
                if mybatis::is_mapper(&text) {
                    files.push((p.display().to_string(), text));
                }
            }
        }
    }
    let all = mybatis::extract_all(files.iter().map(|(f, t)| (f.as_str(), t.as_str())), |_| {
        None
    });
    let (mut total, mut parsed, mut writes, mut risks) = (0, 0, 0, 0);
    for (file, f) in &all {
        assert!(
            f.diagnostics
                .iter()
                .all(|d| !d.message.contains("internal error")),
            "{file}: {:?}",
            f.diagnostics
        );
        total += f.coverage.statements_total;
        parsed += f.coverage.statements_parsed;
        writes += f.writes.len();
        risks += f
            .controls
            .iter()
            .filter(|c| c.kind == "sql_injection_risk")
            .count();
        for d in &f.diagnostics {
            eprintln!("{}:{}: {}", d.file, d.line, d.message);
        }
    }
    eprintln!(
        "corpus mappers: {} files, {total} statements, {parsed} parsed, {writes} writes, {risks} ${{}} risks",
        all.len()
    );
    assert!(!all.is_empty());
    assert!(parsed as f64 >= 0.9 * total as f64, "{parsed}/{total}");
}

/// Found by the `mybatis` fuzz target: XML's end-of-line normalisation made
/// a lone `\r` a line of its own, so `${}` controls were placed past the end
/// of the file; a `&#10;` character reference did the same.
/// The `${}` controls of a mapper: (value, line), sorted.
fn injection_risks(text: &str) -> Vec<(String, u32)> {
    let facts = mybatis::extract("mapper/M.xml", text, None).facts;
    let mut lines: Vec<(String, u32)> = facts
        .controls
        .iter()
        .filter(|c| c.kind == "sql_injection_risk")
        .map(|c| (c.value.clone().unwrap_or_default(), c.location.line))
        .collect();
    lines.sort();
    lines
}

#[test]
fn lone_carriage_returns_and_newline_references_do_not_move_lines() {
    let text = "<mapper><select id=\"a\">\rSELECT * FROM t WHERE x = ${x}</select>\r\n\
                <select id=\"b\">&#10;SELECT * FROM u WHERE y = ${y}</select>\n\
                <select id=\"c\">\r\nSELECT * FROM v\r\nWHERE z = ${z}</select></mapper>";
    let lines = injection_risks(text);
    assert_eq!(
        lines,
        [
            ("${x} in a".to_string(), 1),
            ("${y} in b".to_string(), 2),
            ("${z} in c".to_string(), 5),
        ]
    );
}

/// Found by the `mybatis` fuzz target (minimised: `<mapper><insert>&\r${};`):
/// a bare `&` starts a malformed reference running to the next `;`, and
/// XML's normalisation of the lone `\r` inside it added a line.
#[test]
fn a_malformed_reference_holding_a_carriage_return_does_not_move_lines() {
    let text =
        "<mapper><insert id=\"d\">&\r${w};</insert>\n<insert id=\"e\">&\r\n${v};</insert></mapper>";
    let lines = injection_risks(text);
    assert_eq!(
        lines,
        [("${v} in e".to_string(), 3), ("${w} in d".to_string(), 1)]
    );
}
