//! The finding model of report schema 2.0 (issue #18, item 1): one finding
//! per problem at the level the rule's `group_by` names, table copies as one
//! dataset, confidence and evidence on every finding, and waivers,
//! suppressions and baselines acting per member.

use piaudit::authoring::fixtures::{self, Case};
use piaudit::data::DataFiles;
use piaudit::model::{Confidence, Finding, FindingStatus, Severity};
use piaudit::Knowledge;
use std::collections::BTreeMap;

fn knowledge() -> Knowledge {
    Knowledge::load(&DataFiles::embedded(), "cn-2026", None).expect("pack loads")
}

fn run(files: &[(&str, &str)], declarations: Option<&str>) -> Vec<Finding> {
    let case = Case {
        files: Some(
            files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect::<BTreeMap<_, _>>(),
        ),
        declarations: declarations.map(str::to_string),
        ..Case::default()
    };
    fixtures::outcome(&knowledge(), &case).expect("case runs").0
}

fn of<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

fn last(id: &str) -> &str {
    id.rsplit('.').next().unwrap_or(id)
}

const CUSTOMER: &str = "CREATE TABLE customer (\n  id BIGINT,\n  id_card VARCHAR(18) COMMENT '身份证号',\n  bank_card VARCHAR(19) COMMENT '银行卡号',\n  passport_no VARCHAR(20) COMMENT '护照号码'\n);\n";

/// A field rule makes one finding per dataset listing its fields, at the
/// highest severity of them, naming the table and the fields.
#[test]
fn a_field_rule_makes_one_finding_per_dataset() {
    let fs = run(&[("db/schema.sql", CUSTOMER)], None);
    let c020 = of(&fs, "CNPI-020");
    assert_eq!(c020.len(), 1, "{c020:#?}");
    let f = c020[0];
    assert_eq!(f.subjects, ["db/schema.sql#customer"]);
    let names: Vec<&str> = f.fields.iter().map(|id| last(id)).collect();
    assert_eq!(names, ["id_card", "bank_card", "passport_no"]);
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("customer: 3 fields"), "{}", f.message);
    assert!(
        f.message.contains("id_card, bank_card, passport_no"),
        "{}",
        f.message
    );
    assert_eq!(f.location.line, 3, "first field's line");
    assert_eq!(f.locations.len(), 2, "{:?}", f.locations);
    assert!(!f.evidence.is_empty());
    assert!(f
        .evidence
        .iter()
        .all(|e| !e.contains("110105") && e.contains("customer.")));
}

/// A `piaudit:ignore` on one column takes that field out of the dataset's
/// finding; the rest stays open and the evidence says what was waived.
#[test]
fn an_inline_ignore_on_one_column_removes_only_that_field() {
    let sql = CUSTOMER.replace(
        "  bank_card",
        "  -- piaudit:ignore CNPI-020 tokenised by the payment gateway\n  bank_card",
    );
    let fs = run(&[("db/schema.sql", &sql)], None);
    let c020 = of(&fs, "CNPI-020");
    assert_eq!(c020.len(), 1);
    let f = c020[0];
    assert_eq!(f.status, FindingStatus::Open);
    let names: Vec<&str> = f.fields.iter().map(|id| last(id)).collect();
    assert_eq!(names, ["id_card", "passport_no"]);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("bank_card waived") && e.contains("payment gateway")),
        "{:?}",
        f.evidence
    );
    assert!(f.message.contains("1 more waived"), "{}", f.message);
}

/// A waiver in piaudit.yaml naming a field does the same; one naming the
/// dataset waives the whole finding.
#[test]
fn waivers_act_per_field_and_per_dataset() {
    let waiver = |subject: &str| {
        format!(
            "version: 1\nwaivers:\n  - rule: CNPI-020\n    subject: '{subject}'\n    reason: 迁移中\n    approver: 安全部\n    expires: '2099-01-01'\n"
        )
    };
    let fs = run(
        &[("db/schema.sql", CUSTOMER)],
        Some(&waiver("*customer.id_card")),
    );
    let f = of(&fs, "CNPI-020")[0];
    assert_eq!(f.status, FindingStatus::Open);
    let names: Vec<&str> = f.fields.iter().map(|id| last(id)).collect();
    assert_eq!(names, ["bank_card", "passport_no"]);

    let fs = run(&[("db/schema.sql", CUSTOMER)], Some(&waiver("*#customer")));
    let c020 = of(&fs, "CNPI-020");
    assert_eq!(c020.len(), 1);
    assert_eq!(c020[0].status, FindingStatus::Waived);
    assert!(c020[0].waiver.is_some());
}

/// Declaration prompts are one finding per project listing the datasets,
/// and without piaudit.yaml they need review.
#[test]
fn declaration_prompts_are_one_per_project() {
    let sql = format!(
        "{CUSTOMER}CREATE TABLE member (id BIGINT, mobile VARCHAR(11) COMMENT '手机号码', real_name VARCHAR(20) COMMENT '真实姓名');\n"
    );
    // `datasets: []` declares none: the dataset prompts are assessable
    // (without a `datasets` key they are not, `requires:`).
    let fs = run(
        &[("db/schema.sql", &sql)],
        Some("version: 1\ndatasets: []\n"),
    );
    for rule in ["CNPI-001", "CNPI-031"] {
        let found = of(&fs, rule);
        assert_eq!(found.len(), 1, "{rule}: {found:#?}");
        let f = found[0];
        assert_eq!(f.subjects, ["project"], "{rule}");
        assert_eq!(
            f.fields,
            ["db/schema.sql#customer", "db/schema.sql#member"],
            "{rule}"
        );
        assert!(f.message.contains("2 datasets"), "{rule}: {}", f.message);
    }
    // Sensitive datasets get CNPI-002, the others CNPI-003: one each.
    let c003 = of(&fs, "CNPI-003");
    assert_eq!(c003.len(), 1, "{c003:#?}");
    assert_eq!(c003[0].subjects, ["project"]);
    // A piaudit.yaml was read (declaring no dataset): the missing legal basis is
    // read from the declarations, not assumed from their absence.
    assert_eq!(c003[0].confidence, Confidence::Likely);
}

/// Config keys: one finding per key path — the same secret in a prod copy
/// and a build-output copy (`target/classes`) is one finding listing them
/// among its locations (one secret to rotate), and so is another value of
/// the key in the prod file (one key to move out of committed config).
#[test]
fn a_config_key_is_one_finding_with_copies_listed() {
    let yml = "spring:\n  datasource:\n    url: jdbc:mysql://10.0.0.5:3306/shop\n    password: Shop2024x\n";
    let fs = run(
        &[
            ("svc/src/main/resources/application-dev.yml", yml),
            ("svc/src/main/resources/application-prod.yml", yml),
            ("svc/target/classes/application-dev.yml", yml),
        ],
        None,
    );
    let c022 = of(&fs, "CNPI-022");
    assert_eq!(c022.len(), 1, "{c022:#?}");
    assert_eq!(
        c022[0].location.file,
        "svc/src/main/resources/application-dev.yml"
    );
    assert_eq!(
        c022[0]
            .locations
            .iter()
            .map(|l| l.file.as_str())
            .collect::<Vec<_>>(),
        [
            "svc/src/main/resources/application-prod.yml",
            "svc/target/classes/application-dev.yml"
        ]
    );
    assert_eq!(c022[0].confidence, Confidence::Confirmed);
    // The value itself appears nowhere in the finding.
    assert!(!format!("{:?}", c022[0]).contains("Shop2024x"));

    let prod = yml.replace("Shop2024x", "Prod2025y");
    let fs = run(
        &[
            ("svc/src/main/resources/application-dev.yml", yml),
            ("svc/src/main/resources/application-prod.yml", &prod),
            ("svc/target/classes/application-dev.yml", yml),
        ],
        None,
    );
    let c022 = of(&fs, "CNPI-022");
    assert_eq!(c022.len(), 1, "{c022:#?}");
    assert_eq!(
        c022[0].location.file,
        "svc/src/main/resources/application-dev.yml"
    );
    let mut files: Vec<&str> = c022[0].locations.iter().map(|l| l.file.as_str()).collect();
    files.sort_unstable();
    assert_eq!(
        files,
        [
            "svc/src/main/resources/application-prod.yml",
            "svc/target/classes/application-dev.yml"
        ]
    );
}

/// A flow rule makes one finding per flow path listing the field pairs.
#[test]
fn a_flow_rule_makes_one_finding_per_flow_path() {
    let sql = "CREATE TABLE member (id BIGINT, id_card VARCHAR(18) COMMENT '身份证号', mobile VARCHAR(11) COMMENT '手机号码');\n\
               CREATE TABLE ods_member (id BIGINT, id_card VARCHAR(18), mobile VARCHAR(11));\n\
               INSERT INTO ods_member (id, id_card, mobile) SELECT id, id_card, mobile FROM member;\n";
    let fs = run(&[("etl/ods.sql", sql)], None);
    let c026 = of(&fs, "CNPI-026");
    assert_eq!(c026.len(), 1, "{c026:#?}");
    let f = c026[0];
    assert_eq!(f.subjects, ["etl/ods.sql#member", "etl/ods.sql#ods_member"]);
    assert!(f.fields.len() >= 2, "{:?}", f.fields);
    assert!(f.fields.contains(&"etl/ods.sql#member.id_card".to_string()));
    assert!(f
        .fields
        .contains(&"etl/ods.sql#ods_member.id_card".to_string()));
}

/// The same table in two schema files is one dataset: one finding, the
/// second file among its locations.
#[test]
fn a_table_in_two_schema_files_is_one_finding() {
    let fs = run(
        &[
            ("docker/mysql/init.sql", CUSTOMER),
            ("springboot/sql/schema.sql", CUSTOMER),
        ],
        None,
    );
    let c020 = of(&fs, "CNPI-020");
    assert_eq!(c020.len(), 1, "{c020:#?}");
    assert_eq!(c020[0].location.file, "docker/mysql/init.sql");
    assert!(
        c020[0]
            .locations
            .iter()
            .any(|l| l.file == "springboot/sql/schema.sql"),
        "{:?}",
        c020[0].locations
    );
}

/// An unknown `group_by` value, or one the rule's scope does not take,
/// stops loading (exit 2) with the rule file and line.
#[test]
fn a_bad_group_by_is_a_rule_error_with_file_and_line() {
    for (value, says) in [
        ("per_column", "unknown variant"),
        ("config_key", "does not apply to scope Field"),
    ] {
        let mut pairs: Vec<(String, String)> = DataFiles::embedded()
            .under("")
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        let text = &mut pairs
            .iter_mut()
            .find(|(p, _)| p == "packs/cn-2026/CNPI-020.yaml")
            .expect("rule file")
            .1;
        *text = text.replacen(
            "scope: field\n",
            &format!("scope: field\ngroup_by: {value}\n"),
            1,
        );
        let files = DataFiles::from_pairs(pairs.iter().map(|(p, t)| (p.as_str(), t.as_str())));
        let err = Knowledge::load(&files, "cn-2026", None).expect_err(value);
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(msg.contains("CNPI-020.yaml:8"), "{msg}");
        assert!(msg.contains(says), "{msg}");
    }
}

/// A synthetic 18-digit resident ID number with a valid check digit.
fn synthetic_id(seq: u32) -> String {
    let body = format!("11010519900101{seq:03}");
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize];
    format!("{body}{check}")
}

/// Confidence follows the evidence: a column whose sampled values pass the
/// ID-number check is confirmed, one read from its name is likely; a rule
/// may override it (`confidence:`, `confidence_if:`).
#[test]
fn confidence_follows_the_evidence_and_rules_can_override_it() {
    let rows: Vec<String> = (1..=12)
        .map(|i| format!("({i}, '{}')", synthetic_id(i)))
        .collect();
    let seeded = format!(
        "CREATE TABLE patient (id BIGINT, zjhm VARCHAR(18));\nINSERT INTO patient (id, zjhm) VALUES {};\n",
        rows.join(", ")
    );
    let fs = run(
        &[("db/seed.sql", &seeded), ("db/schema.sql", CUSTOMER)],
        None,
    );
    let by_table = |t: &str| {
        of(&fs, "CNPI-020")
            .into_iter()
            .find(|f| f.subjects[0].ends_with(t))
            .unwrap_or_else(|| panic!("no CNPI-020 on {t}: {fs:#?}"))
            .clone()
    };
    let patient = by_table("#patient");
    assert_eq!(patient.confidence, Confidence::Confirmed, "{patient:#?}");
    assert!(patient
        .evidence
        .iter()
        .any(|e| e.contains("sampled values pass the format check")));
    assert!(
        patient.evidence.iter().all(|e| !e.contains("110105")),
        "no raw value in evidence: {:?}",
        patient.evidence
    );
    assert_eq!(by_table("#customer").confidence, Confidence::Likely);

    // A rule's own confidence, and a branch that overrides it.
    let mut pairs: Vec<(String, String)> = DataFiles::embedded()
        .under("")
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let text = &mut pairs
        .iter_mut()
        .find(|(p, _)| p == "packs/cn-2026/CNPI-020.yaml")
        .unwrap()
        .1;
    *text = text.replacen(
        "scope: field\n",
        "scope: field\nconfidence: needs_review\nconfidence_if:\n  - when: { field.pi.category: { eq: identity.national_id } }\n    confidence: confirmed\n",
        1,
    );
    let files = DataFiles::from_pairs(pairs.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    let k = Knowledge::load(&files, "cn-2026", None).expect("pack loads");
    let case = |sql: &str| Case {
        sql: Some(sql.into()),
        ..Case::default()
    };
    let found = fixtures::outcome(&k, &case(CUSTOMER)).unwrap().0;
    assert_eq!(of(&found, "CNPI-020")[0].confidence, Confidence::Confirmed);
    let found = fixtures::outcome(
        &k,
        &case("CREATE TABLE t (id BIGINT, bank_card VARCHAR(19) COMMENT '银行卡号');"),
    )
    .unwrap()
    .0;
    assert_eq!(
        of(&found, "CNPI-020")[0].confidence,
        Confidence::NeedsReview
    );
}
