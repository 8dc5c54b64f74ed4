//! Java data flow (issue 20): the fixture services under
//! `tests/fixtures/java_flow/` plant flows of PI into loggers, HTTP clients,
//! queues, exports and controller responses, beside clean look-alikes
//! (masked exports, request DTOs, ids only, internal hosts, debug logs…).
//! `expected.tsv` lists both; this test measures the flow controls the scan
//! reports against it and holds precision and recall above a floor.

use crate::common::scan_json as scan;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The control kinds the flow pass reports (and `classify::logged`'s `pi_logged`).
const FLOW_KINDS: &[&str] = &[
    "pi_logged",
    "body_logged",
    "pi_http_plain",
    "pi_http",
    "pi_queue",
    "pi_sdk",
    "pi_export_unaudited",
    "pi_export",
    "pi_api_response",
];

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/java_flow")
}

type Key = (String, u64);

fn expected() -> (BTreeMap<Key, String>, BTreeSet<Key>) {
    let text = fs::read_to_string(fixture().join("expected.tsv")).unwrap();
    let mut flows = BTreeMap::new();
    let mut traps = BTreeSet::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let key = (cols[2].to_string(), cols[3].parse::<u64>().unwrap());
        match cols[0] {
            "flow" => {
                flows.insert(key, cols[1].to_string());
            }
            "trap" => {
                traps.insert(key);
            }
            other => panic!("expected.tsv: unknown row kind {other}"),
        }
    }
    (flows, traps)
}

#[test]
fn flow_precision_and_recall_on_the_fixture_services() {
    let (flows, traps) = expected();
    assert!(flows.len() >= 40, "at least 40 planted flows");
    assert!(traps.len() >= 20, "at least 20 clean look-alikes");
    let report = scan(&fixture());
    let mut found: Vec<(Key, String)> = Vec::new();
    for c in report["controls"].as_array().unwrap() {
        let kind = c["kind"].as_str().unwrap();
        if FLOW_KINDS.contains(&kind) {
            let loc = &c["location"];
            let key = (
                loc["file"].as_str().unwrap().to_string(),
                loc["line"].as_u64().unwrap(),
            );
            found.push((key, kind.to_string()));
        }
    }
    let true_pos = found
        .iter()
        .filter(|(k, kind)| flows.get(k) == Some(kind))
        .count();
    let recalled = flows
        .iter()
        .filter(|(k, kind)| found.iter().any(|(f, fk)| f == *k && fk == *kind))
        .count();
    let trap_hits: Vec<&Key> = traps
        .iter()
        .filter(|t| found.iter().any(|(f, _)| f == *t))
        .collect();
    let precision = true_pos as f64 / found.len().max(1) as f64;
    let recall = recalled as f64 / flows.len() as f64;
    eprintln!(
        "java flow fixtures: {} planted, {} traps; found {}, precision {precision:.3}, recall {recall:.3}, traps hit {}",
        flows.len(),
        traps.len(),
        found.len(),
        trap_hits.len()
    );
    assert!(precision >= 0.9, "precision {precision:.3} below 0.9");
    assert!(recall >= 0.9, "recall {recall:.3} below 0.9");
    assert!(
        trap_hits.len() * 10 <= traps.len(),
        "more than 10% of the traps reported: {trap_hits:?}"
    );
}

#[test]
fn flow_findings_cite_their_rules_and_the_lineage_reaches_the_endpoints() {
    let report = scan(&fixture());
    let findings = report["findings"].as_array().unwrap();
    let rules: BTreeSet<&str> = findings.iter().filter_map(|f| f["rule"].as_str()).collect();
    for id in ["CNPI-029", "CNPI-044", "CNPI-045", "CNPI-046"] {
        assert!(rules.contains(id), "{id} has no finding on the fixtures");
    }
    // Typed values become flows from dataset fields into the sink's endpoint.
    let endpoints: BTreeSet<&str> = report["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in ["http_api", "message_queue", "file_export", "api_response"] {
        assert!(endpoints.contains(kind), "no {kind} endpoint");
    }
    let into_export = report["flows"].as_array().unwrap().iter().any(|f| {
        f["to"]
            .as_str()
            .is_some_and(|t| t.starts_with("endpoint:file_export:"))
    });
    assert!(into_export, "no lineage flow into a file export");
}

#[test]
fn unparsable_java_yields_partial_flows_and_a_located_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("src/Broken.java");
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(
        &p,
        "public class Broken {\n  private RestTemplate restTemplate;\n  void ok(String mobile) {\n    restTemplate.postForObject(\"http://sms.example.com/send?to=\" + mobile, null, String.class);\n  }\n  void bad( {{{ \n}\n",
    )
    .unwrap();
    let report = scan(dir.path());
    let diags = report["scan"]["diagnostics"].as_array().unwrap();
    assert!(
        diags
            .iter()
            .any(|d| d["file"].as_str() == Some("src/Broken.java")
                && d["line"].as_u64().is_some_and(|l| l >= 6)),
        "{diags:?}"
    );
    let plain = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["kind"] == "pi_http_plain");
    assert!(plain, "the parsable method's flow is still found");
}

/// A tiny service whose Feign client takes its URL from `${geo.url}`, with
/// `config` as its `application.yml`.
fn config_url_service(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let java = dir.path().join("src/main/java/com/demo");
    fs::create_dir_all(&java).unwrap();
    fs::write(
        java.join("GeoClient.java"),
        "package com.demo;\n\n@FeignClient(name = \"geo\", url = \"${geo.url}\")\npublic interface GeoClient {\n    @GetMapping(\"/ip\")\n    String lookup(@RequestParam(\"ip\") String ip, @RequestParam(\"phone\") String phone);\n}\n",
    )
    .unwrap();
    fs::write(
        java.join("LoginService.java"),
        "package com.demo;\n\n@Service\npublic class LoginService {\n    private GeoClient geoClient;\n\n    public void locate(String ip, String phone) {\n        geoClient.lookup(ip, phone);\n    }\n}\n",
    )
    .unwrap();
    let res = dir.path().join("src/main/resources");
    fs::create_dir_all(&res).unwrap();
    fs::write(res.join("application.yml"), config).unwrap();
    dir
}

fn http_controls(report: &Value) -> Vec<(String, String)> {
    report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| matches!(c["kind"].as_str(), Some("pi_http" | "pi_http_plain")))
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["subject"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn config_key_urls_resolve_against_application_yml() {
    // Plain HTTP in the config: CNPI-046, naming the host and the entry.
    let dir =
        config_url_service("server:\n  port: 8080\ngeo:\n  url: http://whois.example-geo.cn/ip\n");
    let report = scan(dir.path());
    let http = http_controls(&report);
    assert_eq!(http.len(), 1, "{http:?}");
    assert_eq!(http[0].0, "pi_http_plain");
    assert!(http[0].1.contains("whois.example-geo.cn"), "{http:?}");
    assert!(http[0].1.contains("application.yml:4"), "{http:?}");
    let plain: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "CNPI-046")
        .collect();
    assert_eq!(plain.len(), 1, "{plain:?}");
    assert!(
        plain[0].to_string().contains("whois.example-geo.cn"),
        "{}",
        plain[0]
    );
    let endpoint = report["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["host"] == "whois.example-geo.cn");
    assert!(endpoint, "no endpoint for the resolved host");

    // The same over HTTPS: a PI transfer, but no CNPI-046.
    let dir = config_url_service("geo:\n  url: https://whois.example-geo.cn/ip\n");
    let report = scan(dir.path());
    let http = http_controls(&report);
    assert_eq!(http.len(), 1, "{http:?}");
    assert_eq!(http[0].0, "pi_http");
    assert!(http[0].1.contains("whois.example-geo.cn"), "{http:?}");
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "CNPI-046"),
        "CNPI-046 on an https URL"
    );

    // A key the config does not set stays unresolved, named by its key.
    let dir = config_url_service("other:\n  url: http://whois.example-geo.cn/ip\n");
    let report = scan(dir.path());
    let http = http_controls(&report);
    assert_eq!(http.len(), 1, "{http:?}");
    assert_eq!(http[0].0, "pi_http");
    assert!(http[0].1.contains("${geo.url}"), "{http:?}");
    assert!(!http[0].1.contains("whois.example-geo.cn"), "{http:?}");
}
