//! Runs every rule's fixture file (`rules/packs/cn-2026/CNPI-xxx.test.yaml`):
//! each `valid` case must not produce the rule's finding ("Noisy" if it does),
//! each `invalid` case must ("Missing" if it does not). Every rule must have
//! a fixture file with at least one case of each kind.

use piaudit::data::DataFiles;
use piaudit::decl::Declarations;
use piaudit::discover::FileKind;
use piaudit::model::ScanInfo;
use piaudit::{scan_sources, Config, Knowledge, Source};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct Case {
    sql: Option<String>,
    declarations: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleTest {
    id: String,
    given: Case,
    valid: Vec<Case>,
    invalid: Vec<Case>,
}

/// Scans one case (its fields replace the `given` ones) and returns the ids
/// of the rules that fired.
fn fired(k: &Knowledge, given: &Case, case: &Case) -> Vec<String> {
    let sql = case
        .sql
        .clone()
        .or_else(|| given.sql.clone())
        .unwrap_or_default();
    let decl_text = case
        .declarations
        .clone()
        .or_else(|| given.declarations.clone());
    let decl = decl_text
        .map(|t| Declarations::parse("piaudit.yaml", &t).expect("fixture declarations are valid"));
    let sources = vec![Source {
        rel: "fixture.sql".into(),
        kind: FileKind::Sql,
        text: sql,
    }];
    let config = Config {
        lang: "en".into(),
        today: Some("2026-06-01".into()),
        ..Config::default()
    };
    let audit = scan_sources(k, &sources, decl.as_ref(), &config, ScanInfo::default());
    audit
        .report
        .findings
        .iter()
        .map(|f| f.rule.clone())
        .collect()
}

#[test]
fn every_rule_passes_its_fixtures() {
    let files = DataFiles::embedded();
    let k = Knowledge::load(&files, "cn-2026", None).expect("pack loads");
    let mut failures = Vec::new();
    let mut tested = Vec::new();
    for (path, text) in files.under("packs/cn-2026/") {
        if !path.ends_with(".test.yaml") {
            continue;
        }
        let t: RuleTest = serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(k.pack.rules.contains_key(&t.id), "{path}: no rule {}", t.id);
        assert!(
            !t.valid.is_empty() && !t.invalid.is_empty(),
            "{path}: needs valid and invalid cases"
        );
        for (i, case) in t.valid.iter().enumerate() {
            if fired(&k, &t.given, case).contains(&t.id) {
                failures.push(format!("Noisy: {} fired on valid[{i}]", t.id));
            }
        }
        for (i, case) in t.invalid.iter().enumerate() {
            if !fired(&k, &t.given, case).contains(&t.id) {
                failures.push(format!("Missing: {} did not fire on invalid[{i}]", t.id));
            }
        }
        tested.push(t.id);
    }
    let untested: Vec<&String> = k
        .pack
        .rules
        .keys()
        .filter(|id| !tested.contains(id))
        .collect();
    assert!(untested.is_empty(), "rules without fixtures: {untested:?}");
    assert!(
        tested.len() >= 5,
        "expected at least 5 rules, found {}",
        tested.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
    let mut pairs: Vec<(String, String)> = Vec::new();
    let files = DataFiles::embedded();
    for (p, t) in files.under("") {
        pairs.push((p.to_string(), t.to_string()));
    }
    let bad = pairs
        .iter_mut()
        .find(|(p, _)| p == "packs/cn-2026/CNPI-020.yaml")
        .unwrap();
    bad.1 = bad.1.replace("{ empty: true }", "{ is_empty: true }");
    let files = DataFiles::from_pairs(pairs.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    let err = Knowledge::load(&files, "cn-2026", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("CNPI-020.yaml") && err.contains("unknown operator `is_empty`"),
        "{err}"
    );
    assert!(Knowledge::load(&DataFiles::embedded(), "cn-1999", None)
        .unwrap_err()
        .to_string()
        .contains("known: cn-2026"));
}
