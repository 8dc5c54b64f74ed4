//! Rules: rule packs are YAML (`rules/packs/<pack>/CNPI-xxx.yaml`), each a
//! predicate over one kind of subject (field, flow or dataset) with bilingual
//! texts, severity and legal basis. Loading deserialises first, then
//! compiles and validates, so evaluation only ever sees valid rules.

pub mod eval;
pub mod field_evidence;
pub mod group;
pub mod law;
pub mod predicate;
pub mod requires;

use crate::data::{parse_yaml, DataFiles};
use crate::error::Error;
use crate::model::{Confidence, I18n, Severity};
use law::Law;
use predicate::Predicate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a rule is evaluated over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Each PI-tagged field of each dataset (untagged fields are not subjects).
    Field,
    /// Each flow between fields.
    Flow,
    /// Each dataset.
    Dataset,
    /// Each external endpoint (object store, SDK, HTTP API, …).
    Endpoint,
    /// Each security control found in config.
    Control,
    /// The project as a whole, once (mostly declaration duties).
    Project,
}

/// The level a rule's matches are reported at (`group_by:` in the rule
/// file): one finding per dataset, flow path, config key or project,
/// listing what it covers, or one per subject (`none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One finding per subject.
    None,
    /// Field rules: one finding per dataset, listing its fields.
    Dataset,
    /// Flow rules: one finding per source dataset → target dataset or
    /// endpoint, listing the field pairs.
    FlowPath,
    /// Control rules: one finding per config key per file.
    ConfigKey,
    /// Control rules: one finding per file, listing its keys (PI logged by
    /// several methods of one class).
    File,
    /// Control rules: one finding per control kind (`api_docs_enabled`)
    /// across files and keys, listing the keys (one exposure switched on
    /// under several keys, profiles and module copies).
    Kind,
    /// One finding per project, listing the datasets (or subjects).
    Project,
}

impl GroupBy {
    /// Lower-case name, as in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::None => "none",
            GroupBy::Dataset => "dataset",
            GroupBy::FlowPath => "flow_path",
            GroupBy::ConfigKey => "config_key",
            GroupBy::File => "file",
            GroupBy::Kind => "kind",
            GroupBy::Project => "project",
        }
    }

    /// The level used when a rule names none: dataset for field rules,
    /// flow path for flow rules, config key for control rules, else one
    /// finding per subject.
    pub fn default_for(scope: Scope) -> GroupBy {
        match scope {
            Scope::Field => GroupBy::Dataset,
            Scope::Flow => GroupBy::FlowPath,
            Scope::Control => GroupBy::ConfigKey,
            Scope::Dataset | Scope::Endpoint | Scope::Project => GroupBy::None,
        }
    }

    /// The levels a rule of `scope` may name.
    pub fn allowed(scope: Scope) -> &'static [GroupBy] {
        match scope {
            Scope::Field => &[GroupBy::Dataset, GroupBy::Project, GroupBy::None],
            Scope::Flow => &[GroupBy::FlowPath, GroupBy::Project, GroupBy::None],
            Scope::Control => &[
                GroupBy::ConfigKey,
                GroupBy::File,
                GroupBy::Kind,
                GroupBy::Project,
                GroupBy::None,
            ],
            Scope::Dataset | Scope::Endpoint => &[GroupBy::Project, GroupBy::None],
            Scope::Project => &[GroupBy::None],
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfidenceIfSpec {
    when: serde_yaml::Value,
    confidence: Confidence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    #[serde(default = "active")]
    status: String,
    title: I18n,
    severity: Severity,
    basis: Vec<String>,
    scope: Scope,
    #[serde(default)]
    needs_declarations: bool,
    #[serde(default)]
    params: serde_yaml::Mapping,
    when: serde_yaml::Value,
    #[serde(default)]
    severity_if: Vec<SeverityIfSpec>,
    #[serde(default)]
    basis_if: Vec<BasisIfSpec>,
    #[serde(default)]
    group_by: Option<GroupBy>,
    #[serde(default)]
    group_message: Option<I18n>,
    #[serde(default)]
    confidence: Option<Confidence>,
    #[serde(default)]
    confidence_if: Vec<ConfidenceIfSpec>,
    message: I18n,
    remediation: I18n,
    doc: String,
    #[serde(default)]
    mlps: Option<MlpsSpec>,
    /// Facts (see [`requires`]) without which the rule asserts nothing.
    #[serde(default)]
    requires: Vec<String>,
    /// What to declare or provide when a required fact is absent.
    #[serde(default)]
    if_unassessable: Option<I18n>,
    /// Paths whose strings (or lists of strings) become the finding's
    /// `evidence`.
    #[serde(default)]
    evidence: Vec<String>,
}

/// The self-check side of a rule (packs like `mlps-l3`): the clause it
/// checks and the predicates that make its item compliant or partly so.
/// The rule's own `when` is the non-compliant condition (a finding).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MlpsSpec {
    clause: String,
    item: I18n,
    requirement: I18n,
    #[serde(default)]
    compliant: Option<serde_yaml::Value>,
    #[serde(default)]
    partial: Option<serde_yaml::Value>,
    provide: I18n,
}

/// A rule's self-check item: clause, requirement and the predicates over
/// the rule's subjects that show it compliant or partly compliant.
#[derive(Debug, Clone)]
pub struct CheckItem {
    /// Clause of the standard, e.g. `8.1.4.1 a)`.
    pub clause: String,
    /// What the row checks, in neutral words (口令定期更换), for the table;
    /// the rule's title names the problem for the finding.
    pub item: I18n,
    /// The requirement in short (own words).
    pub requirement: I18n,
    /// Evidence of compliance.
    pub compliant: Option<Predicate>,
    /// Evidence of partial compliance.
    pub partial: Option<Predicate>,
    /// What to provide when it cannot be verified from code.
    pub provide: I18n,
}

fn active() -> String {
    "active".to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeverityIfSpec {
    when: serde_yaml::Value,
    severity: Severity,
}

/// One branch of a rule's condition and the provisions it shows unmet.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BasisIfSpec {
    when: serde_yaml::Value,
    basis: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackSpec {
    id: String,
    title: I18n,
    default_profile: String,
    as_of: String,
    #[serde(default)]
    extended_controls: bool,
    #[serde(default)]
    self_check: Option<SelfCheck>,
}

/// A self-check table a pack's items make (`self_check:` in `pack.yaml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfCheck {
    /// Standard checked, e.g. `GB/T 22239-2019`.
    pub standard: String,
    /// Protection level the items are for.
    pub level: u8,
    /// Title of the table.
    pub title: I18n,
}

/// The line of a rule file an error is about: the first line containing a
/// token the message names (in backticks, or the last key of a predicate path).
fn line_hint(text: &str, message: &str) -> Option<usize> {
    let mut needles: Vec<String> = message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    if let Some((at, _)) = message.split_once(": ") {
        if let Some(last) = at.rsplit('.').next() {
            needles.insert(
                0,
                last.trim_end_matches(|c: char| c == ']' || c.is_ascii_digit() || c == '[')
                    .to_string(),
            );
        }
    }
    needles
        .iter()
        .filter(|n| n.len() > 1)
        .find_map(|n| text.lines().position(|l| l.contains(n.as_str())))
        .map(|i| i + 1)
}

/// Roots a predicate may read for each scope (besides `item`/`outer`).
fn roots_of(scope: Scope) -> &'static [&'static str] {
    match scope {
        Scope::Field => &[
            "field", "dataset", "decl", "project", "now", "scan", "params",
        ],
        Scope::Dataset => &["dataset", "decl", "project", "now", "scan", "params"],
        Scope::Flow => &[
            "flow", "from", "to", "decl", "project", "now", "scan", "params",
        ],
        Scope::Endpoint => &["endpoint", "decl", "project", "now", "scan", "params"],
        Scope::Control => &["control", "decl", "project", "now", "scan", "params"],
        Scope::Project => &["decl", "project", "now", "scan", "params"],
    }
}

/// Rejects paths no subject can ever have, so a typo is an error (exit 2)
/// instead of a rule that silently never fires.
fn check_path(scope: Scope, path: &str, params: &serde_json::Value) -> Result<(), String> {
    let mut parts = path.split('.');
    let head = parts.next().unwrap_or_default();
    if head == "item" || head == "outer" {
        return Ok(());
    }
    let roots = roots_of(scope);
    if !roots.contains(&head) {
        return Err(format!(
            "path `{path}`: unknown root `{head}` for scope {scope:?}; known: {}, item, outer",
            roots.join(", ")
        ));
    }
    let second = parts.next();
    match (head, second) {
        ("scan", Some(k))
            if !["pack", "pack_as_of", "profile", "default_profile", "date"].contains(&k) =>
        {
            Err(format!(
                "path `{path}`: `scan.{k}` is unknown; known: pack, pack_as_of, profile, default_profile, date"
            ))
        }
        ("params", Some(k)) if params.get(k).is_none() => Err(format!(
            "path `{path}`: `params.{k}` is not defined in the rule's `params`"
        )),
        ("decl", Some(k)) => {
            let per_dataset = matches!(scope, Scope::Field | Scope::Dataset | Scope::Flow);
            let known: &[&str] = if per_dataset {
                &["present", "all", "dataset", "datasets", "consents"]
            } else {
                &["present", "all"]
            };
            if !known.contains(&k) {
                return Err(format!(
                    "path `{path}`: `decl.{k}` is not available for scope {scope:?}; known: {}",
                    known.join(", ")
                ));
            }
            if k == "all" {
                if let Some(top) = parts.next() {
                    let keys = crate::decl::Declarations::top_level_keys();
                    if !keys.contains(&top) {
                        return Err(format!(
                            "path `{path}`: `{top}` is not a piaudit.yaml key; known: {}",
                            keys.join(", ")
                        ));
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Permanent id.
    pub id: String,
    /// Title.
    pub title: I18n,
    /// Base severity.
    pub severity: Severity,
    /// Legal basis codes (all present in `rules/law.yaml`).
    pub basis: Vec<String>,
    /// Subject kind.
    pub scope: Scope,
    /// Downgraded to info with a note when no `piaudit.yaml` is present.
    pub needs_declarations: bool,
    /// Named constants (thresholds) the predicate and messages refer to as `params.*`.
    pub params: serde_json::Value,
    /// The condition that makes a finding.
    pub when: Predicate,
    /// Severity overrides, first match wins.
    pub severity_if: Vec<(Predicate, Severity)>,
    /// Per-branch legal basis: a finding cites the codes of every branch
    /// whose condition holds (in rule order, without repeats), and the whole
    /// `basis` only when no branch holds or the rule has none.
    pub basis_if: Vec<(Predicate, Vec<String>)>,
    /// The level findings are reported at (`group_by:`, else
    /// [`GroupBy::default_for`] the scope).
    pub group_by: GroupBy,
    /// Message of a finding grouping several subjects: `{path}` placeholders
    /// of the first subject, `{group.count}` and `{group.list}` (the names
    /// of the subjects); `None`: the first subject's message with the list.
    pub group_message: Option<I18n>,
    /// Confidence of every finding (`confidence:`); `None`: from the
    /// evidence of the subject ([`group::derived_confidence`]).
    pub confidence: Option<Confidence>,
    /// Confidence overrides, first match wins (`confidence_if:`).
    pub confidence_if: Vec<(Predicate, Confidence)>,
    /// Message template with `{path}` placeholders.
    pub message: I18n,
    /// Remediation.
    pub remediation: I18n,
    /// Documentation (What it does / Why is this bad? / Example / Fix).
    pub doc: String,
    /// File it came from.
    pub file: String,
    /// Self-check item (packs with a `self_check` table).
    pub check: Option<CheckItem>,
    /// Facts the rule needs (see [`requires`]); without one it makes no
    /// finding and its provisions are not assessable.
    pub requires: Vec<String>,
    /// What to declare or provide when a required fact is absent.
    pub if_unassessable: Option<I18n>,
    /// Paths read into the finding's `evidence`.
    pub evidence: Vec<String>,
}

/// A loaded rule pack.
#[derive(Debug, Clone)]
pub struct Pack {
    /// Pack id, e.g. `cn-2026`.
    pub id: String,
    /// Title.
    pub title: I18n,
    /// Profile used when none is chosen.
    pub default_profile: String,
    /// Date of the law snapshot.
    pub as_of: String,
    /// Active rules by id.
    pub rules: BTreeMap<String, Rule>,
    /// Ids of the packs this one is made of (one, or several for
    /// `--pack a,b`).
    pub members: Vec<String>,
    /// Whether the extractors' extended security controls (password
    /// policy, session timeouts, unauthenticated paths…) are kept: only
    /// packs that read them ask, so other reports stay as they were.
    pub extended_controls: bool,
    /// The self-check table, if a member pack makes one.
    pub self_check: Option<SelfCheck>,
}

impl Pack {
    /// Loads `packs/<id>/` from the data files, validating every rule against
    /// the predicate language and every basis code against `law`.
    ///
    /// `id` may be a comma list (`cn-2026,mlps-l3`): the packs are loaded
    /// each and joined; a rule id in two of them is an error. The first
    /// pack gives the default profile and law date.
    pub fn load(files: &DataFiles, id: &str, law: &Law) -> Result<Pack, Error> {
        let ids: Vec<&str> = id
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let (first, rest) = ids
            .split_first()
            .ok_or_else(|| Error::Usage(format!("--pack `{id}`: name at least one rule pack")))?;
        let mut pack = Pack::load_one(files, first, law)?;
        for other in rest {
            if pack.members.iter().any(|m| m == other) {
                return Err(Error::Usage(format!(
                    "--pack `{id}`: pack `{other}` is named twice"
                )));
            }
            let next = Pack::load_one(files, other, law)?;
            for (rid, rule) in next.rules {
                if let Some(prev) = pack.rules.get(&rid) {
                    return Err(Error::Rules {
                        file: rule.file.clone(),
                        message: format!(
                            "rule id `{rid}` is in two packs (first in {})",
                            prev.file
                        ),
                    });
                }
                pack.rules.insert(rid, rule);
            }
            pack.id = format!("{},{}", pack.id, next.id);
            pack.title = I18n {
                zh: format!("{}；{}", pack.title.zh, next.title.zh),
                en: format!("{}; {}", pack.title.en, next.title.en),
            };
            pack.members.push(next.id);
            pack.extended_controls |= next.extended_controls;
            if pack.self_check.is_none() {
                pack.self_check = next.self_check;
            }
        }
        Ok(pack)
    }

    /// Loads one pack, `packs/<id>/`.
    fn load_one(files: &DataFiles, id: &str, law: &Law) -> Result<Pack, Error> {
        let dir = format!("packs/{id}/");
        let pack_file = format!("{dir}pack.yaml");
        let Some(text) = files.get(&pack_file) else {
            let known: Vec<String> = files
                .under("packs/")
                .filter_map(|(p, _)| {
                    p.strip_prefix("packs/")?
                        .strip_suffix("/pack.yaml")
                        .map(str::to_string)
                })
                .collect();
            return Err(Error::Usage(format!(
                "unknown rule pack `{id}`; known: {}",
                known.join(", ")
            )));
        };
        let spec: PackSpec = parse_yaml(&pack_file, text)?;
        let mut rules = BTreeMap::new();
        for (path, text) in files.under(&dir) {
            if path == pack_file || path.ends_with(".test.yaml") {
                continue;
            }
            let raw: RuleSpec = parse_yaml(path, text)?;
            let err = |message: String| Error::Rules {
                file: match line_hint(text, &message) {
                    Some(line) => format!("{path}:{line}"),
                    None => path.to_string(),
                },
                message,
            };
            let stem = path
                .rsplit('/')
                .next()
                .unwrap_or(path)
                .trim_end_matches(".yaml");
            if stem != raw.id {
                return Err(err(format!(
                    "rule id `{}` does not match its file name `{stem}.yaml`",
                    raw.id
                )));
            }
            if raw.status == "retired" {
                continue;
            }
            for code in &raw.basis {
                if law.get(code).is_none() {
                    return Err(err(format!("basis code `{code}` is not in rules/law.yaml; add the provision there or fix the code")));
                }
            }
            let when = predicate::compile(&raw.when, "when").map_err(&err)?;
            let severity_if = raw
                .severity_if
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    predicate::compile(&s.when, &format!("severity_if[{i}].when"))
                        .map(|p| (p, s.severity))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(&err)?;
            let basis_if = raw
                .basis_if
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    if b.basis.is_empty() {
                        return Err(format!("basis_if[{i}]: `basis` lists no provision"));
                    }
                    if let Some(code) = b.basis.iter().find(|c| !raw.basis.contains(c)) {
                        return Err(format!(
                            "basis_if[{i}]: code `{code}` is not in the rule's `basis`; list every provision the rule can cite there"
                        ));
                    }
                    predicate::compile(&b.when, &format!("basis_if[{i}].when"))
                        .map(|p| (p, b.basis.clone()))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(&err)?;
            for fact in &raw.requires {
                requires::check(fact).map_err(&err)?;
            }
            let if_unassessable = match (&raw.requires[..], raw.if_unassessable) {
                ([], Some(_)) => {
                    return Err(err(
                        "`if_unassessable` without `requires`: name the facts the rule needs"
                            .into(),
                    ))
                }
                ([_, ..], None) => return Err(err(
                    "`requires` without `if_unassessable`: say (zh/en) what to declare or provide"
                        .into(),
                )),
                (_, t) => t,
            };
            let confidence_if = raw
                .confidence_if
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    predicate::compile(&c.when, &format!("confidence_if[{i}].when"))
                        .map(|p| (p, c.confidence))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(&err)?;
            let group_by = raw.group_by.unwrap_or(GroupBy::default_for(raw.scope));
            if !GroupBy::allowed(raw.scope).contains(&group_by) {
                return Err(err(format!(
                    "`group_by: {}` does not apply to scope {:?}; use one of: {}",
                    group_by.as_str(),
                    raw.scope,
                    GroupBy::allowed(raw.scope)
                        .iter()
                        .map(|g| g.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            let params = serde_json::to_value(&raw.params).map_err(|e| err(e.to_string()))?;
            let check = match raw.mlps {
                None => None,
                Some(m) => {
                    if spec.self_check.is_none() {
                        return Err(err(
                            "`mlps` items belong in a pack whose pack.yaml has a `self_check` table"
                                .into(),
                        ));
                    }
                    let opt = |v: &Option<serde_yaml::Value>, at: &str| {
                        v.as_ref().map(|v| predicate::compile(v, at)).transpose()
                    };
                    Some(CheckItem {
                        clause: m.clause,
                        item: m.item,
                        requirement: m.requirement,
                        compliant: opt(&m.compliant, "mlps.compliant").map_err(&err)?,
                        partial: opt(&m.partial, "mlps.partial").map_err(&err)?,
                        provide: m.provide,
                    })
                }
            };
            if spec.self_check.is_some() && check.is_none() {
                return Err(err(format!(
                    "rule `{}` lacks its `mlps` item (clause, item, requirement, provide): every rule of a self-check pack is a table row",
                    raw.id
                )));
            }
            let check_preds = check
                .iter()
                .flat_map(|c| c.compliant.iter().chain(c.partial.iter()));
            for p in std::iter::once(&when)
                .chain(severity_if.iter().map(|(p, _)| p))
                .chain(basis_if.iter().map(|(p, _)| p))
                .chain(confidence_if.iter().map(|(p, _)| p))
                .chain(check_preds)
                .flat_map(Predicate::paths)
                .chain(raw.evidence.iter().map(String::as_str))
            {
                check_path(raw.scope, p, &params).map_err(&err)?;
            }
            for h in ["## What it does", "## Why is this bad?"] {
                if !raw.doc.contains(h) {
                    return Err(err(format!("`doc` lacks the heading `{h}`")));
                }
            }
            let rule = Rule {
                id: raw.id.clone(),
                title: raw.title,
                severity: raw.severity,
                basis: raw.basis,
                scope: raw.scope,
                needs_declarations: raw.needs_declarations,
                params,
                when,
                severity_if,
                basis_if,
                group_by,
                group_message: raw.group_message,
                confidence: raw.confidence,
                confidence_if,
                message: raw.message,
                remediation: raw.remediation,
                doc: raw.doc,
                file: path.to_string(),
                check,
                requires: raw.requires,
                if_unassessable,
                evidence: raw.evidence,
            };
            if let Some(first) = rules.insert(raw.id.clone(), rule) {
                return Err(err(format!(
                    "duplicate rule id `{}` (first in {})",
                    raw.id, first.file
                )));
            }
        }
        Ok(Pack {
            members: vec![spec.id.clone()],
            id: spec.id,
            title: spec.title,
            default_profile: spec.default_profile,
            as_of: spec.as_of,
            rules,
            extended_controls: spec.extended_controls,
            self_check: spec.self_check,
        })
    }
}
