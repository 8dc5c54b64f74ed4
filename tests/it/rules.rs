//! Runs every rule's fixture file (`rules/packs/cn-2026/CNPI-xxx.test.yaml`):
//! each `valid` case must not produce the rule's finding ("Noisy" if it does),
//! each `invalid` case must ("Missing" if it does not). Every rule must have
//! a fixture file with at least one case of each kind (see `piaudit::authoring::fixtures`).

use piaudit::authoring::fixtures;
use piaudit::data::DataFiles;
use piaudit::Knowledge;

/// The built-in data files as (path, text) pairs, to edit one of them.
fn embedded_pairs() -> Vec<(String, String)> {
    DataFiles::embedded()
        .under("")
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

/// The text of the data file at `path` among `pairs`, to edit.
fn text_of<'a>(pairs: &'a mut [(String, String)], path: &str) -> &'a mut String {
    &mut pairs
        .iter_mut()
        .find(|(p, _)| p == path)
        .unwrap_or_else(|| panic!("{path} is not a data file"))
        .1
}

/// Data files made of `pairs`.
fn data_files(pairs: &[(String, String)]) -> DataFiles {
    DataFiles::from_pairs(pairs.iter().map(|(p, t)| (p.as_str(), t.as_str())))
}

#[test]
fn every_rule_passes_its_fixtures() {
    let files = DataFiles::embedded();
    let k = Knowledge::load(&files, "cn-2026", None).expect("pack loads");
    let report = fixtures::run_pack(&k, &files);
    for p in &report.pending {
        eprintln!("{p}");
    }
    assert!(report.passed(), "{}", report.failures.join("\n"));
    assert!(
        report.tested.len() >= 40,
        "expected the full pack (≥ 40 rules), found {}",
        report.tested.len()
    );
}

/// A fixture whose `invalid` cases cannot fire: built-in packs may not
/// excuse it with `pending`, and in a user's pack `pending` still cannot
/// hide a rule that fires on nothing.
#[test]
fn pending_never_hides_a_rule_that_nothing_triggers() {
    let never = r#"
id: CNPI-023
pending: "not extracted yet"
given:
  sql: "CREATE TABLE product (id BIGINT);"
valid: [ {} ]
invalid: [ {} ]
"#;
    let files = DataFiles::embedded();
    let k = Knowledge::load(&files, "cn-2026", None).unwrap();
    let user = fixtures::run_texts(&k, [("CNPI-023.test.yaml".to_string(), never.to_string())]);
    assert!(
        user.failures
            .iter()
            .any(|f| f.starts_with("Never fires: CNPI-023")),
        "{:?}",
        user.failures
    );
    assert!(user
        .pending
        .iter()
        .any(|p| p.starts_with("WARNING pending")));

    let mut pairs = embedded_pairs();
    let fixture = text_of(&mut pairs, "packs/cn-2026/CNPI-023.test.yaml");
    *fixture = fixture.replacen("given:", "pending: \"later\"\ngiven:", 1);
    let builtin = data_files(&pairs);
    let report = fixtures::run_pack(&k, &builtin);
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.contains("CNPI-023.test.yaml: built-in rules may not be `pending`")),
        "{:?}",
        report.failures
    );
}

/// Without piaudit.yaml, project-level duties that need a declaration (PIA,
/// incident plan) make no finding, however many tables hold PI: the rule is
/// not assessable (once per scan, in the obligations matrix).
#[test]
fn missing_declarations_are_not_assessable_once_per_scan() {
    let files = DataFiles::embedded();
    let k = Knowledge::load(&files, "cn-2026", None).unwrap();
    let case = fixtures::Case {
        sql: Some(
            "CREATE TABLE member (id BIGINT, id_card VARCHAR(18) COMMENT '身份证号', mobile VARCHAR(11) COMMENT '手机号');\n\
             CREATE TABLE patient (id BIGINT, diagnosis VARCHAR(200) COMMENT '诊断结果', phone VARCHAR(11) COMMENT '电话');"
                .into(),
        ),
        ..fixtures::Case::default()
    };
    let (found, statuses) = fixtures::outcome(&k, &case).unwrap();
    for rule in ["CNPI-060", "CNPI-066"] {
        assert!(
            !found.iter().any(|f| f.rule == rule),
            "{rule} makes no finding without its declaration"
        );
        assert_eq!(
            statuses.get(&format!("{rule}#unassessable")).copied(),
            Some("unassessable"),
            "{rule}: {statuses:?}"
        );
    }
}

#[test]
fn every_basis_code_resolves_and_unverified_ones_are_marked() {
    let files = DataFiles::embedded();
    let k = Knowledge::load(&files, "cn-2026", None).unwrap();
    for r in k.pack.rules.values() {
        for code in &r.basis {
            let p = k
                .law
                .get(code)
                .unwrap_or_else(|| panic!("{}: {code} missing", r.id));
            assert_eq!(p.verified(), matches!(p.status.as_str(), "V" | "K"));
        }
    }
}

#[test]
fn bad_rule_files_are_rejected_with_the_place() {
    let mut pairs = embedded_pairs();
    let bad = text_of(&mut pairs, "packs/cn-2026/CNPI-020.yaml");
    *bad = bad.replace("{ empty: true }", "{ is_empty: true }");
    let files = data_files(&pairs);
    let err = Knowledge::load(&files, "cn-2026", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("CNPI-020.yaml:") && err.contains("unknown operator `is_empty`"),
        "{err}"
    );
    assert!(Knowledge::load(&DataFiles::embedded(), "cn-1999", None)
        .unwrap_err()
        .to_string()
        .contains("known: cn-2026"));
}

#[test]
fn unknown_paths_and_basis_codes_are_rejected_with_the_line() {
    let mut pairs = embedded_pairs();
    let load = |pairs: &[(String, String)]| {
        let f = data_files(pairs);
        Knowledge::load(&f, "cn-2026", None)
            .unwrap_err()
            .to_string()
    };
    let i = pairs
        .iter()
        .position(|(p, _)| p == "packs/cn-2026/CNPI-061.yaml")
        .unwrap();
    let original = pairs[i].1.clone();
    pairs[i].1 = original.replace("decl.all.pi_officer.name", "decl.all.pi_oficer.name");
    let err = load(&pairs);
    assert!(
        err.contains("CNPI-061.yaml:") && err.contains("pi_oficer") && err.contains("known:"),
        "{err}"
    );
    pairs[i].1 = original.replace("PICAM-12", "PICAM-99");
    let err = load(&pairs);
    assert!(
        err.contains("CNPI-061.yaml:6:") && err.contains("PICAM-99"),
        "{err}"
    );
}

#[test]
fn waivers_suppress_until_they_expire_and_then_reopen_saying_so() {
    use piaudit::decl::Declarations;
    use piaudit::extract::FileKind;
    use piaudit::model::{FindingStatus, ScanInfo};
    use piaudit::{scan_sources, Config, Source};
    let k = Knowledge::load(&DataFiles::embedded(), "cn-2026", None).unwrap();
    let sources = vec![Source {
        rel: "s.sql".into(),
        kind: FileKind::Sql,
        text: "CREATE TABLE customer (id BIGINT, id_card VARCHAR(18) COMMENT '身份证号');".into(),
    }];
    let decl = Declarations::parse(
        "piaudit.yaml",
        "version: 1\nwaivers:\n  - rule: CNPI-020\n    subject: '*customer.id_card'\n    reason: 迁移中\n    approver: 安全部\n    expires: '2026-06-30'\n",
    )
    .unwrap();
    let status_on = |today: &str| {
        let config = Config {
            lang: "en".into(),
            today: Some(today.into()),
            ..Config::default()
        };
        let audit = scan_sources(&k, &sources, Some(&decl), &config, ScanInfo::default());
        let f = audit
            .report
            .findings
            .into_iter()
            .find(|f| f.rule == "CNPI-020")
            .expect("the waived finding is still reported");
        (f.status, f.message, f.waiver)
    };
    let (status, message, waiver) = status_on("2026-06-01");
    assert_eq!(status, FindingStatus::Waived);
    assert!(message.contains("waived until 2026-06-30"), "{message}");
    assert_eq!(
        waiver,
        Some(piaudit::model::FindingWaiver::Declarations {
            reason: "迁移中".into(),
            approver: "安全部".into(),
            expires: "2026-06-30".into(),
        })
    );
    let (status, message, waiver) = status_on("2026-07-01");
    assert_eq!(status, FindingStatus::Open);
    assert_eq!(waiver, None);
    assert!(
        message.contains("waiver expired on 2026-06-30"),
        "{message}"
    );
}

/// `project.flows` is built only for packs that read it (no built-in rule
/// does): a user's rule that reads it must still see every flow.
#[test]
fn a_rule_reading_project_flows_sees_them() {
    let mut pairs = embedded_pairs();
    let rule = text_of(&mut pairs, "packs/cn-2026/CNPI-053.yaml");
    // The top-level `when:` (not a `basis_if` branch's), up to the message.
    let start = rule.find("\nwhen:").unwrap() + 1;
    let end = rule.find("\nmessage:").unwrap() + 1;
    rule.replace_range(
        start..end,
        "when:\n  some: { path: project.flows, where: { all: [ { item.from.category: { eq: contact.phone } }, { item.to.name: { eq: copy_phone } } ] } }\n",
    );
    let edited = data_files(&pairs);
    let k = Knowledge::load(&edited, "cn-2026", None).expect("edited pack loads");
    let case = r#"
id: CNPI-053
given:
  sql: |
    CREATE TABLE u (id BIGINT, phone VARCHAR(11) COMMENT '手机号');
    CREATE TABLE c (id BIGINT, copy_phone VARCHAR(11));
    INSERT INTO c (id, copy_phone) SELECT id, phone FROM u;
valid:
  - sql: |
      CREATE TABLE u (id BIGINT, phone VARCHAR(11) COMMENT '手机号');
      CREATE TABLE c (id BIGINT, copy_phone VARCHAR(11));
invalid:
  - {}
"#;
    let report = fixtures::run_texts(&k, [("CNPI-053.test.yaml".to_string(), case.to_string())]);
    // Only this rule has a case here; the others are reported as untested.
    let own: Vec<&String> = report
        .failures
        .iter()
        .filter(|f| f.contains("CNPI-053"))
        .collect();
    assert!(own.is_empty(), "{own:?}");
    assert_eq!(report.tested, ["CNPI-053"]);
    assert_eq!(report.cases, 2);
}

/// Dataset summaries carry their `fields` only in the contexts whose rules
/// read them (they are built per dataset there, to keep evaluation's memory
/// down): a rule reading `project.datasets[].fields` or `from.dataset.fields`
/// must still see them.
#[test]
fn rules_reading_dataset_fields_see_them_wherever_they_read_them() {
    let cases = [
        (
            "CNPI-053",
            "when:\n  some: { path: project.datasets, where: { some: { path: item.fields, where: { item.name: { eq: marker_col } } } } }\n",
        ),
        (
            "CNPI-015",
            "when:\n  some: { path: from.dataset.fields, where: { item.name: { eq: marker_col } } }\n",
        ),
    ];
    for (id, when) in cases {
        let mut pairs = embedded_pairs();
        let rule = text_of(&mut pairs, &format!("packs/cn-2026/{id}.yaml"));
        let start = rule.find("\nwhen:").unwrap() + 1;
        let end = rule.find("\nmessage:").unwrap() + 1;
        rule.replace_range(start..end, when);
        let k = Knowledge::load(&data_files(&pairs), "cn-2026", None).expect("edited pack loads");
        let case = format!(
            r#"
id: {id}
given:
  sql: |
    CREATE TABLE src (id BIGINT, marker_col VARCHAR(8), phone VARCHAR(11) COMMENT '手机号');
    INSERT INTO dst (id, phone) SELECT id, phone FROM src;
valid:
  - sql: |
      CREATE TABLE src (id BIGINT, other_col VARCHAR(8), phone VARCHAR(11) COMMENT '手机号');
      INSERT INTO dst (id, phone) SELECT id, phone FROM src;
invalid:
  - {{}}
"#
        );
        let report = fixtures::run_texts(&k, [(format!("{id}.test.yaml"), case)]);
        let own: Vec<&String> = report.failures.iter().filter(|f| f.contains(id)).collect();
        assert!(own.is_empty(), "{id}: {own:?}");
        assert_eq!(report.tested, [id]);
        assert_eq!(report.cases, 2);
    }
}

/// `basis_if` codes must be among the rule's `basis`, and a fixture's
/// expected `basis`/`severity` fails when the finding cites or ranks otherwise.
#[test]
fn per_branch_basis_is_checked_at_load_and_by_fixtures() {
    let mut pairs = embedded_pairs();
    let text = text_of(&mut pairs, "packs/cn-2026/CNPI-061.yaml");
    *text = text.replace("basis: [CAC-2025-PIO]", "basis: [PIPL-54]");
    let err = Knowledge::load(&data_files(&pairs), "cn-2026", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("CNPI-061.yaml") && err.contains("basis_if[1]") && err.contains("PIPL-54"),
        "{err}"
    );

    let files = DataFiles::embedded();
    let k = Knowledge::load(&files, "cn-2026", None).unwrap();
    let wrong = r#"
id: CNPI-061
given:
  sql: "CREATE TABLE member (id BIGINT, mobile VARCHAR(11) COMMENT '手机号码');"
  declarations: |
    version: 1
    scale: { pi_subjects_total: 3200000 }
    pi_officer: { name: 李四 }
valid:
  - declarations: |
      version: 1
invalid:
  - basis: [PIPL-52, PICAM-12, CAC-2025-PIO]
  - severity: critical
"#;
    let report = fixtures::run_texts(&k, [("CNPI-061.test.yaml".to_string(), wrong.to_string())]);
    let failures = report.failures.join("\n");
    assert!(
        failures.contains("invalid[0]") && failures.contains("expected [\"PIPL-52\""),
        "{failures}"
    );
    assert!(
        failures.contains("invalid[1]") && failures.contains("expected critical"),
        "{failures}"
    );
}

/// "≥ 1 M people raises every finding one level" has no legal basis: off
/// unless `heuristics.large_scale_raise` is set, and then labelled.
#[test]
fn large_scale_raise_is_an_opt_in_labelled_heuristic() {
    let files = DataFiles::embedded();
    let k = Knowledge::load(&files, "cn-2026", None).unwrap();
    let case = |heuristic: &str| fixtures::Case {
        sql: Some("CREATE TABLE member (id BIGINT, mobile VARCHAR(11) COMMENT '手机号码');".into()),
        declarations: Some(format!(
            "version: 1\nscale:\n  pi_subjects_total: 3200000\npi_officer: {{}}\n{heuristic}"
        )),
        ..fixtures::Case::default()
    };
    let officer = |fs: &[piaudit::model::Finding]| {
        fs.iter()
            .find(|f| f.rule == "CNPI-061")
            .cloned()
            .expect("CNPI-061 fires: no officer declared")
    };
    let off = officer(&fixtures::outcome(&k, &case("")).unwrap().0);
    assert_eq!(off.severity, piaudit::model::Severity::Medium);
    assert!(!off.message.contains("heuristic"), "{}", off.message);
    let on = officer(
        &fixtures::outcome(&k, &case("heuristics:\n  large_scale_raise: true\n"))
            .unwrap()
            .0,
    );
    assert_eq!(on.severity, piaudit::model::Severity::High);
    assert!(
        on.message.contains("heuristic") && on.message.contains("no legal basis"),
        "{}",
        on.message
    );
}
