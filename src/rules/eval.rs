//! Evaluation: build each subject's context (field, flow or dataset, with
//! the matching declarations), test every rule, and turn matches into
//! findings with stable fingerprints, severity modifiers and waivers.

use super::group::{self, Group, Member};
use super::predicate::Ctx;
use super::{Pack, Rule, Scope};
use crate::classify::taxonomy::Taxonomy;
use crate::decl::Declarations;
use crate::model::I18n;
use crate::model::{
    CheckEvidence, CheckItemResult, CheckStatus, Confidence, Control, Dataset, Endpoint, Field,
    Finding, FindingStatus, FindingWaiver, Flow, Location, Severity,
};
use regex::Regex;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

/// Head-count from which the opt-in `heuristics.large_scale_raise` raises
/// every finding one level. A heuristic: no provision says so.
const LARGE_PROCESSOR: u64 = 1_000_000;

/// What the rules are evaluated over.
pub struct Subjects<'a> {
    /// Classified datasets.
    pub datasets: &'a [Dataset],
    /// Flows.
    pub flows: &'a [Flow],
    /// External endpoints (object stores, SDKs, HTTP APIs, …) data can reach.
    pub endpoints: &'a [Endpoint],
    /// Security controls found in config (log retention, encrypt rules, …).
    pub controls: &'a [Control],
    /// Declarations, when a `piaudit.yaml` was found.
    pub decl: Option<&'a Declarations>,
    /// Taxonomy (for high-risk identifiers).
    pub taxonomy: &'a Taxonomy,
    /// Report language.
    pub lang: &'a str,
    /// Today, `YYYY-MM-DD`, for waiver expiry.
    pub today: &'a str,
    /// Sensitivity profile the scan runs with (`--profile`, else the pack's).
    pub profile: &'a str,
    /// Keep the members of grouped findings ([`Evaluation::groups`]): only
    /// inline suppressions and merges read them, and on an estate they are
    /// a large share of evaluation's peak memory.
    pub keep_groups: bool,
}

/// How the scan itself is run (`scan.*`): pack, its law date, the profile
/// and the scan date, so rules can question the choice of pack or profile.
fn scan_value(pack: &Pack, s: &Subjects<'_>) -> Value {
    json!({
        "pack": pack.id,
        "pack_as_of": pack.as_of,
        "profile": s.profile,
        "default_profile": pack.default_profile,
        "date": s.today,
    })
}

/// What evaluation keeps per dataset besides its summary, which lives once,
/// in `project.datasets` (see [`ProjectView::dataset`]).
struct DatasetView {
    /// `decl.*` for the dataset's subjects; `decl.all` is lent from
    /// [`ProjectView::decl_all`], not copied per dataset.
    decl: Value,
    minors_sensitive: bool,
}

fn field_value(f: &Field, taxonomy: &Taxonomy) -> Value {
    let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
    let cat = f.pi.as_ref().and_then(|p| taxonomy.category(&p.category));
    if let Value::Object(o) = &mut v {
        o.insert(
            "high_risk".into(),
            Value::Bool(cat.is_some_and(|c| c.high_risk)),
        );
        o.insert(
            "group".into(),
            cat.map_or(Value::Null, |c| Value::String(c.group.clone())),
        );
        o.entry("protection").or_insert_with(|| json!([]));
    }
    v
}

/// The dataset's summary (`dataset.*`) and its [`DatasetView`]. The
/// summary has no `fields` (see [`with_fields`]).
fn dataset_view(d: &Dataset, s: &Subjects<'_>) -> (Value, DatasetView) {
    let mut pi: Vec<&Field> = d.fields.iter().filter(|f| f.pi.is_some()).collect();
    // Operator audit columns alone (`create_by` of a dictionary table) do
    // not make a PI dataset: dataset-level obligations need PI of the rows'
    // subjects.
    let operator = |f: &&Field| {
        f.pi.as_ref().is_some_and(|p| {
            p.evidence
                .iter()
                .any(|e| e.kind == crate::classify::OPERATOR_AUDIT)
        })
    };
    if pi.iter().all(operator) {
        pi.clear();
    }
    let sensitive = pi
        .iter()
        .filter(|f| f.pi.as_ref().is_some_and(|p| p.sensitive))
        .count();
    let categories: BTreeSet<&str> = pi
        .iter()
        .filter_map(|f| f.pi.as_ref().map(|p| p.category.as_str()))
        .collect();
    let high_risk = pi
        .iter()
        .filter(|f| {
            f.pi.as_ref()
                .and_then(|p| s.taxonomy.category(&p.category))
                .is_some_and(|c| c.high_risk)
        })
        .count();
    let decl_datasets = s
        .decl
        .map(|d2| d2.datasets_for(&d.id, &d.name))
        .unwrap_or_default();
    // `datasets[].minors: true` declares children's (under-14) data.
    let declared_minors = decl_datasets.iter().any(|x| x.minors);
    // Under 14 (PIPL Arts. 28, 31): a `minor.under14` field, a declaration,
    // or fields made sensitive by children's context (a K-12 schema, a
    // guardian column).
    let has_under14 = categories.contains(crate::classify::UNDER14)
        || declared_minors
        || pi.iter().any(|f| {
            f.pi.as_ref().is_some_and(|p| {
                p.evidence
                    .iter()
                    .any(|e| e.detail.starts_with(crate::classify::CHILDREN_CONTEXT))
            })
        });
    // Any minor (under 18, Minors Protection Law Art. 2); `minor` is the
    // deprecated id of earlier reports.
    let has_minor =
        has_under14 || categories.contains("minor.under18") || categories.contains("minor");
    let summary = json!({
        "id": d.id, "kind": d.kind, "name": d.name, "comment": d.comment, "system": d.system,
        "pi_fields": pi.len(), "sensitive_fields": sensitive, "high_risk_fields": high_risk,
        "categories": categories, "has_minor": has_minor, "has_under14": has_under14,
    });
    let decl = match s.decl {
        None => json!({ "present": false }),
        Some(all) => json!({
            "present": true,
            "dataset": decl_datasets.first(),
            "datasets": decl_datasets,
            "consents": all.consents_for(&d.id, &d.name),
        }),
    };
    (
        summary,
        DatasetView {
            decl,
            minors_sensitive: has_under14 && sensitive > 0,
        },
    )
}

/// A dataset summary with its `fields`, the brief of every field (PI or
/// not). The briefs of a whole estate's fields were the largest part of
/// evaluation's peak memory (a `serde_json` object of 11 keys per field), so
/// they are built only for the contexts whose rules read them
/// ([`reads_fields`]), one dataset at a time, and dropped after.
fn with_fields(summary: &Value, d: &Dataset, taxonomy: &Taxonomy) -> Value {
    let mut v = summary.clone();
    if let Value::Object(o) = &mut v {
        o.insert(
            "fields".into(),
            Value::Array(
                d.fields
                    .iter()
                    .map(|f| field_brief(f, d, taxonomy))
                    .collect(),
            ),
        );
    }
    v
}

/// Whether one of `rules` may read the `fields` of the dataset summary at
/// `root` (`dataset`, `from.dataset`, …). Conservative: any mention of
/// `root.fields` anywhere in a rule (condition, messages, evidence paths,
/// parameters) counts, and `dataset.fields` is also found inside
/// `to.dataset.fields`.
fn reads_fields(rules: &[&Rule], root: &str) -> bool {
    let needle = format!("{root}.fields");
    rules.iter().any(|r| format!("{r:?}").contains(&needle))
}

/// Whether a rule may read the `fields` of `project.datasets` items: one
/// that names `project.datasets` and also `item.fields` (in a quantifier
/// over them), or prints `project.datasets` in a message. Conservative.
fn project_datasets_need_fields(pack: &Pack) -> bool {
    pack.rules.values().any(|r| {
        let text = format!("{r:?}");
        text.contains("project.datasets")
            && (text.contains("item.fields")
                || r.message.zh.contains("project.datasets")
                || r.message.en.contains("project.datasets"))
    })
}

/// Findings plus their messages in both languages (for bilingual reports).
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Findings, sorted by file, line, rule, fingerprint.
    pub findings: Vec<Finding>,
    /// Message of each finding in both languages, by fingerprint.
    pub messages: BTreeMap<String, I18n>,
    /// Rows of the pack's self-check table (`None`: the pack makes none).
    pub self_check: Option<Vec<CheckItemResult>>,
    /// The members of each grouped finding, by fingerprint (for inline
    /// suppressions of one member, [`crate::gate::suppress`]); empty
    /// unless [`Subjects::keep_groups`].
    pub groups: BTreeMap<String, Group>,
    /// Rules not evaluated for want of evidence: rule id → the `requires`
    /// facts that were absent (see [`super::requires`]).
    pub unassessable: BTreeMap<String, Vec<String>>,
}

/// Prefix of the message of a declaration duty without `piaudit.yaml`.
const NEEDS_DECL_ZH: &str = "【需要声明】未找到 piaudit.yaml，无法核实：";
/// English of [`NEEDS_DECL_ZH`].
const NEEDS_DECL_EN: &str =
    "[needs declaration] no piaudit.yaml found, so this cannot be confirmed: ";

/// Where project-level findings (about the declarations as a whole) point.
pub const DECLARATIONS_FILE: &str = "piaudit.yaml";

/// The value of an absent `to.field`, `to.dataset` or `to.endpoint`.
static NULL: Value = Value::Null;

/// Jurisdictions that make a transfer outbound (CBDF treats HK/Macao/Taiwan as outbound).
const OUTBOUND: &[&str] = &["abroad", "hk_mo_tw"];

/// A compact view of a field, as listed inside datasets, endpoints and flows.
fn field_brief(f: &Field, dataset: &Dataset, taxonomy: &Taxonomy) -> Value {
    let cat = f.pi.as_ref().and_then(|p| taxonomy.category(&p.category));
    json!({
        "id": f.id, "name": f.name, "dataset": dataset.name, "type": f.data_type,
        "comment": f.comment,
        "pi": f.pi.is_some(),
        "category": f.pi.as_ref().map(|p| p.category.as_str()),
        "sensitive": f.pi.as_ref().is_some_and(|p| p.sensitive),
        "high_risk": cat.is_some_and(|c| c.high_risk),
        "group": cat.map(|c| c.group.as_str()),
        "protected": !f.protection.is_empty(),
    })
}

/// Whether two tables hold the same records at two stages of the
/// application's own write (`business_room` → `room`, `room_tmp` → `room`):
/// the same name once one staging word is taken off either end (`flow.same_record`).
/// Such a flow moves a record within its own store, not a copy of PI to a new
/// place; analytical layers (`ods_`, `dw_`, `rpt_`) are not staging words.
fn same_record(from: &str, to: &str) -> bool {
    const STAGES: &[&str] = &["business", "biz", "tmp", "temp", "stg", "staging"];
    fn base(name: &str) -> String {
        let n = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
        for w in STAGES {
            if let Some(rest) = n.strip_prefix(&format!("{w}_")) {
                return rest.to_string();
            }
            if let Some(rest) = n.strip_suffix(&format!("_{w}")) {
                return rest.to_string();
            }
        }
        n
    }
    !from.eq_ignore_ascii_case(to) && base(from) == base(to)
}

/// Everything rules can ask about the scan as a whole (`project.*`).
///
/// Each view is built once: dataset summaries and endpoint views live in
/// `project` and are lent from there to the dataset, field, flow and
/// endpoint contexts (copies of them were most of evaluation's memory).
struct ProjectView {
    project: Value,
    /// `decl.present` for project, endpoint and control rules.
    decl: Value,
    /// `decl.all`: the whole declarations, once (null without them).
    decl_all: Value,
    now: Value,
    /// Whether the summaries of `project.datasets` carry their `fields`
    /// (when a rule may read them there); else contexts that read
    /// `dataset.fields` build them per dataset ([`Env::dataset_summary`]).
    datasets_have_fields: bool,
}

impl ProjectView {
    /// The summary of dataset `i` (`dataset.*`), as listed in `project.datasets`.
    fn dataset(&self, i: usize) -> &Value {
        &self.project["datasets"][i]
    }

    /// The endpoint views (`endpoint.*`), in the order of `Subjects::endpoints`.
    fn endpoints(&self) -> &[Value] {
        self.project["endpoints"]
            .as_array()
            .map_or(&[][..], Vec::as_slice)
    }
}

/// Whether some rule of the pack reads `root` or a path under it, in its
/// condition, severity overrides or messages.
fn pack_reads(pack: &Pack, root: &str) -> bool {
    let under = |p: &str| {
        p.strip_prefix(root)
            .is_some_and(|r| r.is_empty() || r.starts_with('.'))
    };
    pack.rules.values().any(|r| {
        r.when.paths().into_iter().any(under)
            || r.severity_if
                .iter()
                .any(|(p, _)| p.paths().into_iter().any(under))
            || r.basis_if
                .iter()
                .any(|(p, _)| p.paths().into_iter().any(under))
            || r.message.zh.contains(root)
            || r.message.en.contains(root)
    })
}

/// Whether a path or message names `endpoint.pi` or `item.pi` (or below
/// them), not `endpoint.pi_count` and the like.
fn names_endpoint_pi(p: &str) -> bool {
    ["endpoint.pi", "item.pi"].iter().any(|root| {
        p.match_indices(root).any(|(i, _)| {
            !p[i + root.len()..].starts_with(|c: char| c == '_' || c.is_ascii_alphanumeric())
        })
    })
}

/// Whether some rule of the pack may read an endpoint's `pi` list (the
/// briefs of every PI field reaching it): `endpoint.pi`, `to.endpoint.pi`,
/// `item.pi` (an item of `project.endpoints`), or a message printing
/// `project.endpoints`. Conservative: `item.pi` of other lists counts too.
fn pack_reads_endpoint_pi(pack: &Pack) -> bool {
    let names_pi = names_endpoint_pi;
    pack.rules.values().any(|r| {
        r.when.paths().into_iter().any(names_pi)
            || r.severity_if
                .iter()
                .any(|(p, _)| p.paths().into_iter().any(names_pi))
            || [&r.message.zh, &r.message.en]
                .iter()
                .any(|m| names_pi(m) || m.contains("project.endpoints"))
    })
}

/// The endpoint views (`endpoint.*`): each endpoint with `outbound`, `host`
/// and the PI fields reaching it upstream (`pi_count`, `sensitive_count`,
/// `high_risk_count`, and the list `pi` when `with_pi`), and the number of
/// Java flow controls that carry PI in variables to it (`pi_traced`).
///
/// The fields reaching an endpoint are found over node numbers with one
/// visit stamp per node. In an estate whose services feed each other in a
/// chain, each endpoint is reached by every earlier service's fields, so a
/// `pi` list per endpoint is quadratic in the estate: it was most of the
/// time and memory of a 2,048-service scan, and is only built when a rule
/// reads it ([`pack_reads_endpoint_pi`]).
fn endpoint_views(
    s: &Subjects<'_>,
    field_index: &HashMap<&str, (&Dataset, &Field)>,
    with_pi: bool,
) -> Vec<Value> {
    // Every id a flow mentions, numbered; reverse edges by number.
    let mut node: HashMap<&str, usize> = HashMap::new();
    let mut ids: Vec<&str> = Vec::new();
    let mut into: Vec<Vec<usize>> = Vec::new();
    for fl in s.flows {
        let mut ends = [0; 2];
        for (end, id) in ends.iter_mut().zip([fl.from.as_str(), fl.to.as_str()]) {
            *end = *node.entry(id).or_insert_with(|| {
                ids.push(id);
                into.push(Vec::new());
                ids.len() - 1
            });
        }
        into[ends[1]].push(ends[0]);
    }
    // Per node: the PI field it is, with its `sensitive` and `high_risk`.
    let pi_field: Vec<Option<(&Dataset, &Field, bool, bool)>> = ids
        .iter()
        .map(|id| {
            let &(d, f) = field_index.get(id)?;
            let p = f.pi.as_ref()?;
            let high_risk = s
                .taxonomy
                .category(&p.category)
                .is_some_and(|c| c.high_risk);
            Some((d, f, p.sensitive, high_risk))
        })
        .collect();
    // Values the Java flow pass traced into an endpoint (`pi_http`,
    // `pi_queue`, `pi_sdk`… controls, subject `chain → target: names`):
    // PI held in variables (`ip`, `phone`) rather than in a dataset field.
    let mut traced: HashMap<&str, usize> = HashMap::new();
    // Of those, the ones carrying sensitive PI under the scan's profile, or
    // a high-risk identifier other than a credential (an ID, passport or
    // bank-card number: sensitive "in context" under GB/T 45574).
    let mut sensitive_traced: HashMap<&str, usize> = HashMap::new();
    for c in s.controls.iter().filter(|c| {
        matches!(
            c.kind.as_str(),
            "pi_http" | "pi_http_plain" | "pi_queue" | "pi_sdk"
        )
    }) {
        if let Some((t, _)) = c.flow_target() {
            *traced.entry(t).or_default() += 1;
            let sensitive = c.value.as_deref().is_some_and(|v| {
                v.split(", ").any(|cat| {
                    s.taxonomy.is_sensitive(cat, s.profile)
                        || (!cat.starts_with("account.")
                            && s.taxonomy.category(cat).is_some_and(|c| c.high_risk))
                })
            });
            if sensitive {
                *sensitive_traced.entry(t).or_default() += 1;
            }
        }
    }
    let mut stamp: Vec<usize> = vec![0; ids.len()];
    let mut stack: Vec<usize> = Vec::new();
    let mut reached: Vec<usize> = Vec::new();
    s.endpoints
        .iter()
        .enumerate()
        .map(|(k, e)| {
            // Upstream of the endpoint (itself only when on a cycle).
            let mark = k + 1;
            reached.clear();
            if let Some(&start) = node.get(e.id.as_str()) {
                stack.push(start);
                while let Some(n) = stack.pop() {
                    for &src in &into[n] {
                        if stamp[src] != mark {
                            stamp[src] = mark;
                            reached.push(src);
                            stack.push(src);
                        }
                    }
                }
            }
            reached.retain(|&n| pi_field[n].is_some());
            let count = |pick: fn(&(&Dataset, &Field, bool, bool)) -> bool| {
                reached
                    .iter()
                    .filter(|&&n| pi_field[n].as_ref().is_some_and(pick))
                    .count()
            };
            let pi_count = reached.len();
            let sensitive_count = count(|x| x.2);
            let high_risk_count = count(|x| x.3);
            let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
            if let Value::Object(o) = &mut v {
                o.insert(
                    "outbound".into(),
                    Value::Bool(OUTBOUND.contains(&e.jurisdiction.as_str())),
                );
                // A URL the scan could not resolve (`okhttp:Client.url`)
                // has no host: `?`.
                let unresolved = e.kind == "http_api"
                    && e.host.is_none()
                    && e.name
                        .as_deref()
                        .is_some_and(crate::extract::catalog::unresolved_http);
                if unresolved {
                    o.insert("host".into(), json!("?"));
                } else {
                    o.insert("host".into(), json!(e.id.rsplit(':').next()));
                }
                o.insert("pi_count".into(), json!(pi_count));
                let short = e.id.rsplit(':').next().unwrap_or_default();
                let pi_traced = e
                    .name
                    .as_deref()
                    .and_then(|n| traced.get(n))
                    .or_else(|| traced.get(short))
                    .copied()
                    .unwrap_or(0);
                o.insert("pi_traced".into(), json!(pi_traced));
                let sensitive_traced = e
                    .name
                    .as_deref()
                    .and_then(|n| sensitive_traced.get(n))
                    .or_else(|| sensitive_traced.get(short))
                    .copied()
                    .unwrap_or(0);
                o.insert("sensitive_traced".into(), json!(sensitive_traced));
                o.insert("sensitive_count".into(), json!(sensitive_count));
                o.insert("high_risk_count".into(), json!(high_risk_count));
                if with_pi {
                    reached.sort_unstable_by_key(|&n| ids[n]);
                    let pi = reached
                        .iter()
                        .filter_map(|&n| pi_field[n])
                        .map(|(d, f, _, _)| field_brief(f, d, s.taxonomy))
                        .collect();
                    o.insert("pi".into(), Value::Array(pi));
                }
            }
            v
        })
        .collect()
}

fn now_value(today: &str) -> Value {
    let year: i64 = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(1970);
    // Calendar periods back from today (a date on or after one of these is
    // within the period): statutory "six months", "one year", "two years"
    // are calendar periods, not 180/365/730 days.
    let ago = |months: i64| super::predicate::add_months(today, -months);
    json!({
        "today": today,
        "year": year,
        "previous_year": (year - 1).to_string(),
        "jan31": format!("{year:04}-01-31"),
        "six_months_ago": ago(6),
        "one_year_ago": ago(12),
        "two_years_ago": ago(24),
        "three_years_ago": ago(36),
    })
}

/// Builds `project.*` over the dataset summaries (moved in, not copied).
/// `project.flows`, a view of every flow, is built only when `with_flows`:
/// it is as large as the estate's lineage and no built-in rule reads it.
fn project_view(
    s: &Subjects<'_>,
    mut summaries: Vec<Value>,
    with_flows: bool,
    with_endpoint_pi: bool,
    datasets_have_fields: bool,
) -> ProjectView {
    let mut field_index: HashMap<&str, (&Dataset, &Field)> = HashMap::new();
    for d in s.datasets {
        for f in &d.fields {
            field_index.insert(&f.id, (d, f));
        }
    }
    let endpoints = endpoint_views(s, &field_index, with_endpoint_pi);
    let flows: Vec<Value> = if with_flows {
        // By id: a linear search per flow made evaluation quadratic in the estate.
        let endpoint_at: HashMap<&str, &Value> = s
            .endpoints
            .iter()
            .map(|e| e.id.as_str())
            .zip(&endpoints)
            .collect();
        s.flows
            .iter()
            .map(|fl| {
                let brief = |id: &str| {
                    field_index
                        .get(id)
                        .map_or(Value::Null, |(d, f)| field_brief(f, d, s.taxonomy))
                };
                json!({
                    "from": brief(&fl.from), "to": brief(&fl.to), "to_id": fl.to,
                    "transform": fl.transform, "level": fl.level,
                    "to_endpoint": endpoint_at.get(fl.to.as_str()),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let total = |k: &str| {
        summaries
            .iter()
            .map(|v| v[k].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    let categories: BTreeSet<String> = summaries
        .iter()
        .filter_map(|v| v["categories"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let outbound_pi_endpoints = endpoints
        .iter()
        .filter(|e| e["outbound"] == json!(true) && e["pi_count"].as_u64() > Some(0))
        .count();
    let mut project = json!({
        "pi_fields": total("pi_fields"),
        "sensitive_fields": total("sensitive_fields"),
        "high_risk_fields": total("high_risk_fields"),
        "has_minor": summaries.iter().any(|v| v["has_minor"] == json!(true)),
        "has_under14": summaries.iter().any(|v| v["has_under14"] == json!(true)),
        "categories": categories,
        "controls": s.controls,
        "outbound_pi_endpoints": outbound_pi_endpoints,
    });
    if datasets_have_fields {
        for (v, d) in summaries.iter_mut().zip(s.datasets) {
            *v = with_fields(v, d, s.taxonomy);
        }
    }
    if let Value::Object(o) = &mut project {
        o.insert("datasets".into(), Value::Array(summaries));
        o.insert("flows".into(), Value::Array(flows));
        o.insert("endpoints".into(), Value::Array(endpoints));
    }
    ProjectView {
        project,
        decl: json!({ "present": s.decl.is_some() }),
        decl_all: s.decl.map_or(Value::Null, |d| {
            serde_json::to_value(d).unwrap_or(Value::Null)
        }),
        now: now_value(s.today),
        datasets_have_fields,
    }
}

/// Evaluates every rule of `pack` over the subjects.
pub fn evaluate(pack: &Pack, s: &Subjects<'_>) -> Evaluation {
    let (summaries, views): (Vec<Value>, Vec<DatasetView>) =
        s.datasets.iter().map(|d| dataset_view(d, s)).unzip();
    let pv = project_view(
        s,
        summaries,
        pack_reads(pack, "project.flows"),
        pack_reads_endpoint_pi(pack),
        project_datasets_need_fields(pack),
    );
    let scan = scan_value(pack, s);
    let mut field_index: HashMap<&str, (usize, &Field)> = HashMap::new();
    for (i, d) in s.datasets.iter().enumerate() {
        for f in &d.fields {
            field_index.insert(&f.id, (i, f));
        }
    }
    let large = s
        .decl
        .filter(|d| d.heuristics.large_scale_raise)
        .and_then(|d| d.scale.as_ref())
        .and_then(|x| x.pi_subjects_total)
        .is_some_and(|n| n >= LARGE_PROCESSOR);
    let endpoint_at: HashMap<&str, &Value> = s
        .endpoints
        .iter()
        .map(|e| e.id.as_str())
        .zip(pv.endpoints())
        .collect();
    let evidence = super::field_evidence::EvidenceIndex::new(s.controls);
    let env = Env {
        s,
        pv: &pv,
        views: &views,
        field_index: &field_index,
        endpoint_at: &endpoint_at,
        scan: &scan,
        evidence: &evidence,
    };
    let facts = super::requires::present(s);
    let mut unassessable = BTreeMap::new();
    let mut out: BTreeMap<String, (Finding, I18n)> = BTreeMap::new();
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    // Per self-check rule: the findings' subjects and locations.
    let mut hits: BTreeMap<&str, Vec<(String, CheckEvidence)>> = BTreeMap::new();
    let copies: HashMap<&str, &[Location]> = s
        .datasets
        .iter()
        .filter(|d| !d.locations.is_empty())
        .map(|d| (d.id.as_str(), d.locations.as_slice()))
        .collect();
    let no_decl = s.decl.is_none();
    // Evidence before assertion: without a fact it needs, a rule asserts
    // nothing and its obligation is not assessable.
    let mut runnable: Vec<&Rule> = Vec::new();
    for rule in pack.rules.values() {
        let missing: Vec<String> = rule
            .requires
            .iter()
            .filter(|f| !facts.contains(f.as_str()))
            .cloned()
            .collect();
        if missing.is_empty() {
            runnable.push(rule);
        } else {
            unassessable.insert(rule.id.clone(), missing);
        }
    }
    // The rules of one scope are evaluated together, subject by subject, so
    // each subject's context is built once ([`Env::visit_all`]); each rule
    // keeps its own matches, in subject order, and is grouped as before.
    // Findings are keyed by fingerprints that include the rule id, so the
    // order of the scopes does not change the result.
    let mut scopes: Vec<Scope> = Vec::new();
    for r in &runnable {
        if !scopes.contains(&r.scope) {
            scopes.push(r.scope);
        }
    }
    for scope in scopes {
        let rules: Vec<&Rule> = runnable
            .iter()
            .copied()
            .filter(|r| r.scope == scope)
            .collect();
        let mut members: Vec<Vec<Member>> = rules.iter().map(|_| Vec::new()).collect();
        let mut seen: Vec<BTreeSet<String>> = rules.iter().map(|_| BTreeSet::new()).collect();
        env.visit_all(&rules, &mut |k, ctx, subjects, location, minors| {
            let (rule, members, seen) = (rules[k], &mut members[k], &mut seen[k]);
            if rule.when.eval(ctx) {
                let subjects = subjects();
                let (mut finding, mut message) =
                    make_finding(rule, ctx, subjects, location, s, minors, large);
                let placement = group::place(rule, ctx, &finding.subjects, location);
                // The same subject twice (a flow written in two statements);
                // a config key is one per file.
                let once = format!(
                    "{}\n{}",
                    finding.fingerprint,
                    if placement.salt.is_some() {
                        location.file.as_str()
                    } else {
                        ""
                    }
                );
                if !seen.insert(once) {
                    return;
                }
                // A waiver naming the group (the dataset of a field rule)
                // covers each of its members.
                if finding.status == FindingStatus::Open && !placement.key.is_empty() {
                    if let Some(w) = declared_waiver(rule, &placement.key, s, &mut message) {
                        waive(&mut finding, &mut message, w);
                    }
                }
                finding.confidence = group::confidence_of(rule, ctx, no_decl);
                let mut evidence = group::evidence_of(rule, ctx, location, no_decl);
                // The rule's `evidence:` paths hold English lines (protection
                // and password evidence, [`super::field_evidence`]).
                evidence.extend(evidence_of(rule, ctx).into_iter().map(|e| I18n {
                    zh: e.clone(),
                    en: e,
                }));
                let group_message = rule.group_message.as_ref().map(|t| {
                    let mut m = I18n {
                        zh: group::render_keeping_group(&t.zh, ctx),
                        en: group::render_keeping_group(&t.en, ctx),
                    };
                    if rule.needs_declarations && no_decl {
                        m.zh = format!("{NEEDS_DECL_ZH}{}", m.zh);
                        m.en = format!("{NEEDS_DECL_EN}{}", m.en);
                    }
                    m
                });
                let mut copies = placement
                    .dataset
                    .as_deref()
                    .and_then(|d| copies.get(d))
                    .map(|c| c.to_vec())
                    .unwrap_or_default();
                // A control found again in copied files (`Control::copies`).
                if let Some(more) = ctx.get("control.copies").and_then(Value::as_array) {
                    copies.extend(
                        more.iter()
                            .filter_map(|l| serde_json::from_value::<Location>(l.clone()).ok()),
                    );
                }
                members.push(Member {
                    finding,
                    message,
                    group_message,
                    key: placement.key,
                    salt: placement.salt,
                    label: placement.label,
                    fields: placement.fields,
                    copies,
                    evidence,
                });
            }
        });
        for (rule, members) in rules.iter().zip(members) {
            for (finding, message, group) in group::build(rule, members, s.lang) {
                if rule.check.is_some() {
                    hits.entry(rule.id.as_str()).or_default().push((
                        finding.fingerprint.clone(),
                        CheckEvidence {
                            file: finding.location.file.clone(),
                            line: finding.location.line,
                            subject: finding.subjects.join(" → "),
                        },
                    ));
                }
                if s.keep_groups && group.is_grouped() {
                    groups.entry(finding.fingerprint.clone()).or_insert(group);
                }
                out.entry(finding.fingerprint.clone())
                    .or_insert((finding, message));
            }
        }
    }
    let self_check = pack
        .self_check
        .as_ref()
        .map(|_| self_check_items(pack, &env, &hits));
    let mut messages = BTreeMap::new();
    let mut findings = Vec::with_capacity(out.len());
    for (fp, (finding, message)) in out {
        messages.insert(fp, message);
        findings.push(finding);
    }
    findings.sort_by(|a, b| {
        (&a.location.file, a.location.line, &a.rule, &a.fingerprint).cmp(&(
            &b.location.file,
            b.location.line,
            &b.rule,
            &b.fingerprint,
        ))
    });
    Evaluation {
        findings,
        messages,
        self_check,
        groups,
        unassessable,
    }
}

/// What every rule's subjects are built from, once per evaluation.
struct Env<'a> {
    s: &'a Subjects<'a>,
    pv: &'a ProjectView,
    views: &'a [DatasetView],
    field_index: &'a HashMap<&'a str, (usize, &'a Field)>,
    endpoint_at: &'a HashMap<&'a str, &'a Value>,
    scan: &'a Value,
    evidence: &'a super::field_evidence::EvidenceIndex<'a>,
}

/// Called with each subject's context, its subject ids (built on demand),
/// its location and whether it concerns minors' sensitive PI.
type Visit<'v> = dyn FnMut(Ctx<'_>, &dyn Fn() -> Vec<String>, &Location, bool) + 'v;

/// As [`Visit`], for several rules of one scope: first the rule's index.
type VisitAll<'v> = dyn FnMut(usize, Ctx<'_>, &dyn Fn() -> Vec<String>, &Location, bool) + 'v;

impl Env<'_> {
    /// Calls `f` once per subject of the rule's scope.
    fn visit(&self, rule: &Rule, f: &mut Visit<'_>) {
        self.visit_all(&[rule], &mut |_, ctx, subjects, location, minors| {
            f(ctx, subjects, location, minors)
        });
    }

    /// Calls `f` once per subject of the rules' scope and rule, subject by
    /// subject: each subject's context (a PI field's JSON value, a flow's
    /// two fields) is built once for all the rules, not once per rule. The
    /// rules must share one scope (that of the first).
    fn visit_all(&self, rules: &[&Rule], f: &mut VisitAll<'_>) {
        let Some(first) = rules.first() else {
            return;
        };
        debug_assert!(rules.iter().all(|r| r.scope == first.scope));
        let (s, pv, views) = (self.s, self.pv, self.views);
        match first.scope {
            Scope::Project => {
                let minors_project = views.iter().any(|v| v.minors_sensitive);
                self.each_rule(
                    rules,
                    &[("decl", &pv.decl)],
                    &|| vec!["project".to_string()],
                    &Location::line(DECLARATIONS_FILE, 1),
                    minors_project,
                    f,
                );
            }
            Scope::Endpoint => {
                for (e, ev) in s.endpoints.iter().zip(pv.endpoints()) {
                    let own = [("endpoint", ev), ("decl", &pv.decl)];
                    self.each_rule(rules, &own, &|| vec![e.id.clone()], &e.location, false, f);
                }
            }
            Scope::Control => {
                for c in s.controls {
                    let mut cv = serde_json::to_value(c).unwrap_or(Value::Null);
                    // PI in logs and data flows (`pi_*`): whether a category
                    // is sensitive PI under the scan's profile (`control.sensitive`).
                    if let (true, Some(v), Value::Object(o)) =
                        (c.kind.starts_with("pi_"), &c.value, &mut cv)
                    {
                        let sensitive = v
                            .split(", ")
                            .any(|cat| s.taxonomy.is_sensitive(cat, s.profile));
                        o.insert("sensitive".into(), Value::Bool(sensitive));
                    }
                    // Retention enforced outside the repository, declared per
                    // appender glob (`log_retention_days`).
                    if let (Some(d), Some(sub), Value::Object(o)) = (s.decl, &c.subject, &mut cv) {
                        if let Some(days) = d.log_retention_for(sub) {
                            o.insert("declared_days".into(), json!(days));
                        }
                    }
                    let own = [("control", &cv), ("decl", &pv.decl)];
                    let id = || {
                        vec![format!(
                            "control:{}:{}",
                            c.kind,
                            c.subject.as_deref().unwrap_or(&c.location.file)
                        )]
                    };
                    self.each_rule(rules, &own, &id, &c.location, false, f);
                }
            }
            Scope::Dataset => {
                let fields = reads_fields(rules, "dataset");
                let mut built = None;
                for (i, (d, v)) in s.datasets.iter().zip(views).enumerate() {
                    let own = [
                        ("dataset", self.dataset_summary(i, fields, &mut built)),
                        ("decl", &v.decl),
                    ];
                    let id = || vec![d.id.clone()];
                    self.each_rule(rules, &own, &id, &d.location, v.minors_sensitive, f);
                }
            }
            Scope::Field => {
                let fields = reads_fields(rules, "dataset");
                let mut built = None;
                for (i, (d, v)) in s.datasets.iter().zip(views).enumerate() {
                    for fl in &d.fields {
                        // Non-PI fields never match a field rule; skip building their context.
                        if fl.pi.is_none() {
                            continue;
                        }
                        let mut fv = field_value(fl, s.taxonomy);
                        super::field_evidence::add(&mut fv, fl, d, self.evidence);
                        let own = [
                            ("field", &fv),
                            ("dataset", self.dataset_summary(i, fields, &mut built)),
                            ("decl", &v.decl),
                        ];
                        let id = || vec![fl.id.clone()];
                        self.each_rule(rules, &own, &id, &fl.location, v.minors_sensitive, f);
                    }
                }
            }
            Scope::Flow => {
                let from_fields = reads_fields(rules, "from.dataset");
                let to_fields = reads_fields(rules, "to.dataset");
                // One summary built per side: a statement's flows are
                // consecutive and mostly share their datasets.
                let (mut from_built, mut to_built) = (None, None);
                for flow in s.flows {
                    // A table-level flow names no columns: a flow rule reads
                    // `from.field`, which it does not have.
                    if flow.level == crate::model::FlowLevel::Table {
                        continue;
                    }
                    let Some(&(fd, ff)) = self.field_index.get(flow.from.as_str()) else {
                        continue;
                    };
                    let to_field = self.field_index.get(flow.to.as_str());
                    // A flow into an endpoint has no target field; rules see
                    // `to.endpoint`. Checked before building any value.
                    let to_endpoint = match to_field {
                        Some(_) => &NULL,
                        None => match self.endpoint_at.get(flow.to.as_str()) {
                            Some(&e) => e,
                            None => continue,
                        },
                    };
                    let mut flow_v = serde_json::to_value(flow).unwrap_or(Value::Null);
                    if let (Value::Object(m), Some(&(td, _))) = (&mut flow_v, to_field) {
                        m.insert(
                            "same_record".into(),
                            json!(same_record(&s.datasets[fd].name, &s.datasets[td].name)),
                        );
                    }
                    let from_field = field_value(ff, s.taxonomy);
                    // `from.*` and `to.*` are two-part roots over borrowed
                    // values: cloning each dataset summary into every flow's
                    // context dominated the run on large estates.
                    let (to_field_v, to_dataset) = match to_field {
                        Some(&(td, tf)) => (
                            field_value(tf, s.taxonomy),
                            self.dataset_summary(td, to_fields, &mut to_built),
                        ),
                        None => (Value::Null, &NULL),
                    };
                    let decl = match to_field {
                        Some(&(td, _)) => &views[td].decl,
                        None => &pv.decl,
                    };
                    let own = [
                        ("flow", &flow_v),
                        ("from.field", &from_field),
                        (
                            "from.dataset",
                            self.dataset_summary(fd, from_fields, &mut from_built),
                        ),
                        ("to.field", &to_field_v),
                        ("to.dataset", to_dataset),
                        ("to.endpoint", to_endpoint),
                        ("decl", decl),
                    ];
                    let id = || vec![flow.from.clone(), flow.to.clone()];
                    self.each_rule(
                        rules,
                        &own,
                        &id,
                        &flow.location,
                        views[fd].minors_sensitive,
                        f,
                    );
                }
            }
        }
    }

    /// The summary of dataset `i` (`dataset.*`), with its `fields` when
    /// `fields` (built into `built`, which keeps the last one built).
    fn dataset_summary<'s>(
        &'s self,
        i: usize,
        fields: bool,
        built: &'s mut Option<(usize, Value)>,
    ) -> &'s Value {
        if !fields || self.pv.datasets_have_fields {
            return self.pv.dataset(i);
        }
        if built.as_ref().is_none_or(|(at, _)| *at != i) {
            let v = with_fields(self.pv.dataset(i), &self.s.datasets[i], self.s.taxonomy);
            *built = Some((i, v));
        }
        match built {
            Some((_, v)) => v,
            None => self.pv.dataset(i),
        }
    }

    /// Calls `f` for each rule over one subject: its own roots, then those
    /// every context has (`decl.all`, `project`, `now`, `scan`, the rule's
    /// `params`).
    fn each_rule(
        &self,
        rules: &[&Rule],
        own: &[(&str, &Value)],
        subjects: &dyn Fn() -> Vec<String>,
        location: &Location,
        minors: bool,
        f: &mut VisitAll<'_>,
    ) {
        let pv = self.pv;
        let mut roots: Vec<(&str, &Value)> = Vec::with_capacity(own.len() + 5);
        for (k, rule) in rules.iter().enumerate() {
            roots.clear();
            roots.extend_from_slice(own);
            roots.extend([
                ("decl.all", &pv.decl_all),
                ("project", &pv.project),
                ("now", &pv.now),
                ("scan", self.scan),
                ("params", &rule.params),
            ]);
            f(k, Ctx::new(&roots), subjects, location, minors);
        }
    }
}

/// The rows of the self-check table: per item, non-compliant when its rule
/// made a finding, else partial or compliant when a subject satisfies the
/// item's predicate, else not applicable when the declarations say so
/// (`mlps.not_applicable`), else cannot be verified.
fn self_check_items(
    pack: &Pack,
    env: &Env<'_>,
    hits: &BTreeMap<&str, Vec<(String, CheckEvidence)>>,
) -> Vec<CheckItemResult> {
    let declared_na = |id: &str| {
        env.s
            .decl
            .and_then(|d| d.mlps.as_ref())
            .and_then(|m| m.not_applicable.iter().find(|n| n.item == id))
    };
    let mut rows = Vec::new();
    for rule in pack.rules.values() {
        let Some(check) = &rule.check else {
            continue;
        };
        let matching = |p: &super::predicate::Predicate| {
            let mut ev = Vec::new();
            env.visit(rule, &mut |ctx, subjects, location, _| {
                if p.eval(ctx) {
                    ev.push(CheckEvidence {
                        file: location.file.clone(),
                        line: location.line,
                        subject: subjects().join(" → "),
                    });
                }
            });
            ev
        };
        let mut findings = Vec::new();
        let mut note = None;
        let (status, mut evidence) = if let Some(h) = hits.get(rule.id.as_str()) {
            findings = h.iter().map(|(fp, _)| fp.clone()).collect();
            (
                CheckStatus::NonCompliant,
                h.iter().map(|(_, e)| e.clone()).collect(),
            )
        } else if let Some(ev) = check
            .partial
            .as_ref()
            .map(&matching)
            .filter(|e| !e.is_empty())
        {
            (CheckStatus::Partial, ev)
        } else if let Some(ev) = check
            .compliant
            .as_ref()
            .map(&matching)
            .filter(|e| !e.is_empty())
        {
            (CheckStatus::Compliant, ev)
        } else if let Some(na) = declared_na(&rule.id) {
            note = Some(I18n {
                zh: na.reason.clone(),
                en: na.reason.clone(),
            });
            (
                CheckStatus::NotApplicable,
                vec![CheckEvidence {
                    file: DECLARATIONS_FILE.into(),
                    line: 1,
                    subject: format!("mlps.not_applicable: {}", rule.id),
                }],
            )
        } else {
            note = Some(check.provide.clone());
            (CheckStatus::Unverifiable, Vec::new())
        };
        evidence.sort();
        evidence.dedup();
        findings.sort();
        findings.dedup();
        let more = evidence.len().saturating_sub(CheckItemResult::MAX_EVIDENCE);
        evidence.truncate(CheckItemResult::MAX_EVIDENCE);
        rows.push(CheckItemResult {
            id: rule.id.clone(),
            clause: check.clause.clone(),
            item: check.item.clone(),
            title: rule.title.clone(),
            requirement: check.requirement.clone(),
            status,
            evidence,
            evidence_more: more,
            note,
            findings,
        });
    }
    rows.sort_by(|a, b| {
        clause_key(&a.clause)
            .cmp(&clause_key(&b.clause))
            .then_with(|| a.id.cmp(&b.id))
    });
    rows
}

/// Sort key of a clause (`8.1.4.10 a)` after `8.1.4.9 c)`): its numbers
/// numerically, then the rest.
fn clause_key(clause: &str) -> (Vec<u32>, String) {
    let (num, rest) = clause.split_once(' ').unwrap_or((clause, ""));
    let nums = num
        .split('.')
        .map(|n| n.parse().unwrap_or(u32::MAX))
        .collect();
    (nums, rest.to_string())
}

/// Stable id of a finding: rule plus subjects, never lines.
pub fn fingerprint(rule: &str, subjects: &[String]) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    for s in subjects {
        h.update(b"\n");
        h.update(s.as_bytes());
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn make_finding(
    rule: &Rule,
    ctx: Ctx<'_>,
    subjects: Vec<String>,
    location: &Location,
    s: &Subjects<'_>,
    minors: bool,
    large: bool,
) -> (Finding, I18n) {
    let mut severity = rule
        .severity_if
        .iter()
        .find(|(p, _)| p.eval(ctx))
        .map_or(rule.severity, |(_, sev)| *sev);
    let mut message = I18n {
        zh: render(&rule.message.zh, ctx),
        en: render(&rule.message.en, ctx),
    };
    if rule.needs_declarations && s.decl.is_none() {
        severity = Severity::Info;
        message.zh = format!("{NEEDS_DECL_ZH}{}", message.zh);
        message.en = format!("{NEEDS_DECL_EN}{}", message.en);
    } else {
        if minors {
            severity = severity.raised();
        }
        if large {
            let before = severity;
            severity = severity.raised();
            if severity != before {
                message.zh.push_str(&format!(
                    "〔启发式：因声明处理 {LARGE_PROCESSOR} 人以上个人信息（heuristics.large_scale_raise），严重程度由 {} 提高一级；此调整无法律依据〕",
                    before.as_str()
                ));
                message.en.push_str(&format!(
                    " [heuristic: raised one level from {} because {LARGE_PROCESSOR}+ people are declared (heuristics.large_scale_raise); this adjustment has no legal basis]",
                    before.as_str()
                ));
            }
        }
    }
    let fingerprint = fingerprint(&rule.id, &subjects);
    let waiver = declared_waiver(rule, &subjects, s, &mut message);
    let mut finding = Finding {
        rule: rule.id.clone(),
        title: rule.title.get(s.lang).to_string(),
        severity,
        basis: basis_of(rule, ctx),
        subjects,
        location: Location::line(location.file.clone(), location.line),
        message: String::new(),
        remediation: rule.remediation.get(s.lang).to_string(),
        fingerprint,
        status: FindingStatus::Open,
        waiver: None,
        // Set per member by the grouping ([`group::confidence_of`],
        // [`group::evidence_of`] and the rule's `evidence:` paths).
        confidence: Confidence::default(),
        evidence: Vec::new(),
        fields: Vec::new(),
        locations: Vec::new(),
    };
    if let Some(w) = waiver {
        waive(&mut finding, &mut message, w);
    }
    finding.message = message.get(s.lang).to_string();
    (finding, message)
}

/// The `piaudit.yaml` waiver of `rule` naming one of `subjects`, if in
/// force; an expired one adds its note to `message` and waives nothing.
fn declared_waiver(
    rule: &Rule,
    subjects: &[String],
    s: &Subjects<'_>,
    message: &mut I18n,
) -> Option<FindingWaiver> {
    let decl = s.decl?;
    let w = decl
        .waivers
        .iter()
        .filter(|w| w.rule == rule.id)
        .find(|w| {
            subjects
                .iter()
                .any(|sub| crate::glob::matches_id_or_name(&w.subject, sub, sub))
        })?;
    if w.expires.0.as_str() >= s.today {
        return Some(FindingWaiver::Declarations {
            reason: w.reason.clone(),
            approver: w.approver.clone(),
            expires: w.expires.0.clone(),
        });
    }
    let e = &w.expires.0;
    message
        .zh
        .push_str(&format!("〔豁免已于 {e} 到期，问题重新打开〕"));
    message
        .en
        .push_str(&format!(" [waiver expired on {e}; finding re-opened]"));
    None
}

/// The strings the rule's `evidence` paths hold in this context (a string,
/// or a list of strings), in order, each once.
fn evidence_of(rule: &Rule, ctx: Ctx<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for path in &rule.evidence {
        let items: Vec<&str> = match ctx.get(path) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for i in items {
            if !out.iter().any(|x| x == i) {
                out.push(i.to_string());
            }
        }
    }
    out
}

/// The provisions a finding cites: those of every `basis_if` branch whose
/// condition holds (in rule order, each once), else the rule's whole `basis`.
fn basis_of(rule: &Rule, ctx: Ctx<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (p, codes) in &rule.basis_if {
        if p.eval(ctx) {
            for c in codes {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
    }
    if out.is_empty() {
        rule.basis.clone()
    } else {
        out
    }
}

/// Marks a finding waived, records the waiver on it and appends the
/// waiver's note to its message in both languages (`message`; the caller
/// sets the finding's own message from it). The one place a waiver takes
/// effect, whether it comes from `piaudit.yaml` or from an inline
/// `piaudit:ignore` comment ([`crate::suppress`]): the finding is never
/// dropped, only its status changes.
pub fn waive(finding: &mut Finding, message: &mut I18n, waiver: FindingWaiver) {
    let (zh, en) = waiver.note();
    message.zh.push_str(&zh);
    message.en.push_str(&en);
    finding.status = FindingStatus::Waived;
    finding.waiver = Some(waiver);
}

/// [`waive`] for a finding already in an audit: its message in both
/// languages is `messages`' entry (made from its own message if none), and
/// its own message is set again in `lang`.
pub fn waive_in(
    messages: &mut BTreeMap<String, I18n>,
    lang: &str,
    finding: &mut Finding,
    waiver: FindingWaiver,
) {
    let message = messages
        .entry(finding.fingerprint.clone())
        .or_insert_with(|| I18n {
            zh: finding.message.clone(),
            en: finding.message.clone(),
        });
    waive(finding, message, waiver);
    finding.message = message.get(lang).to_string();
}

/// Fills `{path}` placeholders from the context.
pub fn render(template: &str, ctx: Ctx<'_>) -> String {
    static PLACEHOLDER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}").expect("valid regex"));
    PLACEHOLDER
        .replace_all(template, |c: &regex::Captures| match ctx.get(&c[1]) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
            Some(Value::Null) | None => "—".to_string(),
            Some(v) => v.to_string(),
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_tables_hold_the_same_records() {
        assert!(super::same_record("business_room", "room"));
        assert!(super::same_record("db.member_tmp", "member"));
        assert!(!super::same_record("crm_customer", "ods_contact"));
        assert!(!super::same_record("member", "member"));
        assert!(!super::same_record("ods_member", "member"));
    }

    #[test]
    fn fingerprints_ignore_order_of_nothing_but_change_with_subjects() {
        let a = fingerprint("CNPI-020", &["x".into()]);
        assert_eq!(a.len(), 32);
        assert_eq!(a, fingerprint("CNPI-020", &["x".into()]));
        assert_ne!(a, fingerprint("CNPI-020", &["y".into()]));
        assert_ne!(a, fingerprint("CNPI-021", &["x".into()]));
    }

    /// Endpoint views count the PI fields upstream (through chains and
    /// cycles, each once) and list them, sorted by id, only when asked.
    #[test]
    fn endpoint_views_count_upstream_pi_and_list_it_only_when_read() {
        use crate::model::{DatasetKind, PiTag, Transform};
        let k =
            crate::Knowledge::load(&crate::data::DataFiles::embedded(), "cn-2026", None).unwrap();
        assert!(
            !pack_reads_endpoint_pi(&k.pack),
            "no built-in rule reads endpoint.pi"
        );
        let at = Location::line("s.sql", 1);
        let field = |n: &str, cat: Option<(&str, bool)>| Field {
            references: None,
            id: format!("d.{n}"),
            name: n.into(),
            data_type: None,
            comment: None,
            location: at.clone(),
            pi: cat.map(|(c, sensitive)| PiTag {
                category: c.into(),
                sensitive,
                confidence: 0.9,
                evidence: vec![],
            }),
            protection: vec![],
        };
        let datasets = [Dataset {
            id: "d".into(),
            kind: DatasetKind::Table,
            name: "d".into(),
            system: None,
            comment: None,
            location: at.clone(),
            locations: Vec::new(),
            fields: vec![
                field("z_phone", Some(("contact.phone", false))),
                field("a_id", Some(("identity.id_card", true))),
                field("plain", None),
                field("far", Some(("contact.phone", false))),
            ],
        }];
        let flow = |a: &str, b: &str| Flow {
            from: a.into(),
            to: b.into(),
            transform: Transform::Copy,
            location: at.clone(),
            level: Default::default(),
        };
        // far -> z_phone -> plain -> endpoint, a_id -> plain, and a cycle.
        let flows = [
            flow("d.far", "d.z_phone"),
            flow("d.z_phone", "d.plain"),
            flow("d.a_id", "d.plain"),
            flow("d.plain", "endpoint:x"),
            flow("d.plain", "d.far"),
        ];
        let endpoint = |id: &str| Endpoint {
            id: id.into(),
            kind: "object_store".into(),
            vendor: None,
            region: None,
            jurisdiction: "abroad".into(),
            location: at.clone(),
            name: None,
            third_party: false,
            profile: None,
            receives: vec![],
            host: None,
            confidence: None,
            role: None,
        };
        let endpoints = [endpoint("endpoint:x"), endpoint("endpoint:unreached")];
        let s = Subjects {
            datasets: &datasets,
            flows: &flows,
            endpoints: &endpoints,
            controls: &[],
            decl: None,
            taxonomy: &k.taxonomy,
            lang: "en",
            today: "2026-12-07",
            profile: &k.profile,
            keep_groups: true,
        };
        let mut index: HashMap<&str, (&Dataset, &Field)> = HashMap::new();
        for f in &datasets[0].fields {
            index.insert(&f.id, (&datasets[0], f));
        }
        let bare = endpoint_views(&s, &index, false);
        assert_eq!(bare[0]["pi_count"], json!(3));
        assert_eq!(bare[0]["sensitive_count"], json!(1));
        assert_eq!(bare[0]["outbound"], json!(true));
        assert!(bare[0].get("pi").is_none());
        assert_eq!(bare[1]["pi_count"], json!(0));
        let full = endpoint_views(&s, &index, true);
        let ids: Vec<&str> = full[0]["pi"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["d.a_id", "d.far", "d.z_phone"]);
        assert_eq!(full[0]["high_risk_count"], bare[0]["high_risk_count"]);
        assert_eq!(full[1]["pi"], json!([]));
    }

    #[test]
    fn a_year_ago_is_the_same_day_of_the_previous_year() {
        let year_ago = |d: &str| now_value(d)["one_year_ago"].as_str().map(str::to_owned);
        assert_eq!(year_ago("2026-12-07").as_deref(), Some("2025-12-07"));
        assert_eq!(year_ago("2028-02-29").as_deref(), Some("2027-02-28"));
        assert_eq!(year_ago("2025-01-01").as_deref(), Some("2024-01-01"));
    }

    #[test]
    fn clauses_sort_numerically() {
        let mut c = vec![
            "8.1.4.10 a)",
            "定级备案",
            "8.1.4.9 c)",
            "8.1.4.1 b)",
            "8.1.3.1",
        ];
        c.sort_by_key(|x| clause_key(x));
        assert_eq!(
            c,
            [
                "8.1.3.1",
                "8.1.4.1 b)",
                "8.1.4.9 c)",
                "8.1.4.10 a)",
                "定级备案"
            ]
        );
    }

    #[test]
    fn placeholders() {
        let f = json!({"id": "a#t.c", "pi": {"category": "contact.phone"}, "tags": ["a", "b"]});
        let roots = [("field", &f)];
        let ctx = Ctx::new(&roots);
        assert_eq!(
            render(
                "{field.id} ({field.pi.category}) {field.tags} {field.nope}",
                ctx
            ),
            "a#t.c (contact.phone) a, b —"
        );
    }
}
