//! The finding model built for triage (schema 2.0): a rule's matches are
//! grouped at the level its `group_by:` names — one finding per dataset
//! (listing the fields), per flow path (source dataset → target dataset or
//! endpoint, listing the field pairs), per config key per file, or per
//! project (listing the datasets) — and every finding carries a
//! confidence with the evidence lines behind it.
//!
//! Waivers act per member: a waiver or `piaudit:ignore` naming one field
//! takes that field out of its dataset's finding and the rest stays open;
//! only when every member is waived is the grouped finding waived.

use super::eval::{fingerprint, render};
use super::predicate::Ctx;
use super::{GroupBy, Rule, Scope};
use crate::model::{Confidence, Finding, FindingStatus, FindingWaiver, I18n, Location, Severity};
use serde_json::Value;

/// Names listed in a grouped finding's message before "…".
const LIST_MAX: usize = 12;

/// Evidence lines kept on one finding (the rest are counted).
const EVIDENCE_MAX: usize = 8;

/// One match of a rule, before grouping.
#[derive(Debug, Clone)]
pub struct Member {
    /// The finding of this subject alone (member-level waivers applied).
    pub finding: Finding,
    /// Its message in both languages.
    pub message: I18n,
    /// The rule's `group_message` rendered over this subject, `{group.*}` left.
    pub group_message: Option<I18n>,
    /// Subject ids of the group the member belongs to (empty: its own).
    pub key: Vec<String>,
    /// Extra text hashed into the group's fingerprint (the file of a config key).
    pub salt: Option<String>,
    /// Name listed in the group's message (a field, a field pair, a dataset).
    pub label: String,
    /// Field (or dataset) ids the member adds to the finding's `fields`.
    pub fields: Vec<String>,
    /// Other files defining the member's dataset.
    pub copies: Vec<Location>,
    /// Evidence lines in both languages.
    pub evidence: Vec<I18n>,
}

/// A grouped finding's members, kept beside the report so an inline
/// suppression of one member's line can take it out afterwards
/// ([`Group::without`]).
#[derive(Debug, Clone)]
pub struct Group {
    /// Rule id.
    pub rule: String,
    /// The rule's grouping level.
    pub by: GroupBy,
    /// Members, in report order.
    pub members: Vec<Member>,
}

/// Confidence of a subject from the evidence behind it, when the rule
/// sets none: a PI tag checked against sampled values or declared in
/// `piaudit.yaml` is confirmed, one inherited from the record's context
/// needs review, one read from names, comments or lineage is likely; an
/// endpoint whose recipient status is `needs_review` needs review; a
/// security control read from configuration is confirmed unless it is
/// inferred PI in a log call; declaration prompts with no `piaudit.yaml`
/// need review.
pub fn derived_confidence(rule: &Rule, ctx: Ctx<'_>, no_decl: bool) -> Confidence {
    let tag = |path: &str| -> Option<Confidence> {
        let kinds: Vec<&str> = ctx
            .get(path)?
            .as_array()?
            .iter()
            .filter_map(|e| e.get("kind").and_then(Value::as_str))
            .collect();
        Some(if kinds.iter().any(|k| *k == "value" || *k == "override") {
            Confidence::Confirmed
        } else if kinds.contains(&"context") {
            Confidence::NeedsReview
        } else {
            Confidence::Likely
        })
    };
    let needs_review_endpoint =
        |path: &str| ctx.get(path).and_then(Value::as_str) == Some("needs_review");
    if rule.needs_declarations && no_decl {
        return Confidence::NeedsReview;
    }
    match rule.scope {
        Scope::Field => tag("field.pi.evidence").unwrap_or_default(),
        Scope::Flow => {
            if needs_review_endpoint("to.endpoint.confidence") {
                Confidence::NeedsReview
            } else {
                tag("from.field.pi.evidence").unwrap_or_default()
            }
        }
        Scope::Endpoint => {
            if needs_review_endpoint("endpoint.confidence") {
                Confidence::NeedsReview
            } else {
                Confidence::Likely
            }
        }
        Scope::Control => {
            if ctx.get("control.kind").and_then(Value::as_str) == Some("pi_logged") {
                Confidence::Likely
            } else {
                Confidence::Confirmed
            }
        }
        Scope::Dataset => Confidence::Likely,
        Scope::Project => {
            if no_decl {
                Confidence::Likely
            } else {
                Confidence::Confirmed
            }
        }
    }
}

/// The rule's confidence for a subject: `confidence_if` (first match),
/// else `confidence:`, else [`derived_confidence`].
pub fn confidence_of(rule: &Rule, ctx: Ctx<'_>, no_decl: bool) -> Confidence {
    rule.confidence_if
        .iter()
        .find(|(p, _)| p.eval(ctx))
        .map(|(_, c)| *c)
        .or(rule.confidence)
        .unwrap_or_else(|| derived_confidence(rule, ctx, no_decl))
}

fn kind_words(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "value" => ("样本值通过格式校验", "sampled values pass the format check"),
        "override" => (
            "类别由 piaudit.yaml 的 overrides 声明",
            "category declared in piaudit.yaml overrides",
        ),
        "name" => ("由列名推断", "inferred from the column name"),
        "pinyin" => ("由拼音列名推断", "inferred from the pinyin column name"),
        "comment" => ("由列注释推断", "inferred from the column comment"),
        "type" => ("由数据类型推断", "inferred from the data type"),
        "lineage" => ("经数据流由上游字段继承", "inherited from an upstream field"),
        "context" => (
            "由记录上下文继承，需人工确认",
            "inherited from the record's context; to be checked",
        ),
        _ => ("由分类规则推断", "inferred by the classifier"),
    }
}

/// Why a PI tag (`path` = `field` or `from.field`) is what it is: one line
/// naming the field, its category and the kinds of evidence, never a value.
fn tag_line(ctx: Ctx<'_>, path: &str, dataset: &str) -> Option<I18n> {
    let name = ctx.get(&format!("{path}.name"))?.as_str()?;
    let ds = ctx
        .get(&format!("{dataset}.name"))
        .and_then(Value::as_str)
        .unwrap_or("—");
    let cat = ctx
        .get(&format!("{path}.pi.category"))
        .and_then(Value::as_str)
        .unwrap_or("—");
    let mut kinds: Vec<&str> = ctx
        .get(&format!("{path}.pi.evidence"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| e.get("kind").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    kinds.sort_unstable();
    kinds.dedup();
    let words: Vec<(&str, &str)> = kinds.iter().map(|k| kind_words(k)).collect();
    let zh: Vec<&str> = words.iter().map(|w| w.0).collect();
    let en: Vec<&str> = words.iter().map(|w| w.1).collect();
    Some(I18n {
        zh: format!("{ds}.{name} 标记为 {cat}：{}", zh.join("；")),
        en: format!("{ds}.{name} tagged {cat}: {}", en.join("; ")),
    })
}

/// The evidence lines of one subject, in both languages.
pub fn evidence_of(rule: &Rule, ctx: Ctx<'_>, location: &Location, no_decl: bool) -> Vec<I18n> {
    let mut out = Vec::new();
    // First, so a group states it once, before its members' lines.
    if rule.needs_declarations && no_decl {
        out.push(I18n {
            zh: "未找到 piaudit.yaml：该义务无法由代码核实".into(),
            en: "no piaudit.yaml found: the duty cannot be checked from code".into(),
        });
    }
    let at = format!("{}:{}", location.file, location.line);
    // A string the context holds at `path`, or a dash.
    let text = |path: &str| ctx.get(path).and_then(Value::as_str).unwrap_or("—");
    match rule.scope {
        Scope::Field => out.extend(tag_line(ctx, "field", "dataset")),
        Scope::Flow => {
            out.extend(tag_line(ctx, "from.field", "from.dataset"));
            if let Some(host) = ctx.get("to.endpoint.host").and_then(Value::as_str) {
                let conf = text("to.endpoint.confidence");
                out.push(I18n {
                    zh: format!("数据流向外部端点 {host}（{at}，接收方确认度 {conf}）"),
                    en: format!(
                        "data flows to endpoint {host} ({at}, recipient confidence {conf})"
                    ),
                });
            } else {
                out.push(I18n {
                    zh: format!("数据流见 {at}"),
                    en: format!("flow written at {at}"),
                });
            }
        }
        Scope::Endpoint => {
            let host = text("endpoint.host");
            let conf = text("endpoint.confidence");
            out.push(I18n {
                zh: format!("端点 {host} 见 {at}（接收方确认度 {conf}）"),
                en: format!("endpoint {host} seen at {at} (recipient confidence {conf})"),
            });
        }
        Scope::Control => {
            let kind = text("control.kind");
            let subject = text("control.subject");
            out.push(I18n {
                zh: format!("在 {at} 读到配置/代码：{kind} {subject}"),
                en: format!("read in configuration/code at {at}: {kind} {subject}"),
            });
        }
        Scope::Dataset => {
            let name = text("dataset.name");
            let n = ctx
                .get("dataset.pi_fields")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            out.push(I18n {
                zh: format!("数据集 {name}（{at}）含 {n} 个个人信息字段"),
                en: format!("dataset {name} ({at}) holds {n} PI fields"),
            });
        }
        Scope::Project => {}
    }
    out
}

/// The group a subject belongs to under the rule's `group_by`: its subject
/// ids, the text salted into the fingerprint, the name it is listed under,
/// the field ids it adds, and the dataset whose copies it inherits.
pub struct Placement {
    /// Group subject ids (empty: the member's own).
    pub key: Vec<String>,
    /// Fingerprint salt.
    pub salt: Option<String>,
    /// Listed name.
    pub label: String,
    /// Field or dataset ids.
    pub fields: Vec<String>,
    /// Dataset id whose other locations the finding lists.
    pub dataset: Option<String>,
}

/// Where a subject goes under `rule.group_by` (see [`Placement`]).
pub fn place(rule: &Rule, ctx: Ctx<'_>, subjects: &[String], location: &Location) -> Placement {
    let s = |p: &str| ctx.get(p).and_then(Value::as_str).map(str::to_string);
    let first = subjects.first().cloned().unwrap_or_default();
    let own_dataset = s("dataset.id");
    let mut p = Placement {
        key: Vec::new(),
        salt: None,
        label: first.clone(),
        fields: Vec::new(),
        dataset: own_dataset.clone(),
    };
    match rule.scope {
        Scope::Field => {
            p.label = s("field.name").unwrap_or(first.clone());
            p.fields = vec![first];
        }
        Scope::Flow => {
            let from = s("from.field.name").unwrap_or_default();
            let to = s("to.field.name")
                .or_else(|| s("to.endpoint.host"))
                .unwrap_or_default();
            p.label = format!("{from}→{to}");
            p.fields = subjects
                .iter()
                .filter(|id| !id.starts_with("endpoint:"))
                .cloned()
                .collect();
            p.dataset = s("from.dataset.id");
        }
        Scope::Dataset => {
            p.label = s("dataset.name").unwrap_or(first.clone());
            p.fields = vec![first];
        }
        Scope::Control => {
            p.label = s("control.subject").unwrap_or(first);
        }
        Scope::Endpoint => {
            p.label = s("endpoint.host").unwrap_or(first.clone());
            p.fields = vec![first];
        }
        Scope::Project => {}
    }
    match rule.group_by {
        GroupBy::None => {}
        GroupBy::Dataset => {
            if let Some(d) = own_dataset {
                p.key = vec![d];
            }
        }
        GroupBy::FlowPath => {
            let from = s("from.dataset.id");
            let to = s("to.dataset.id")
                .or_else(|| s("to.endpoint.id"))
                .or_else(|| subjects.get(1).cloned());
            if let (Some(a), Some(b)) = (from, to) {
                p.key = vec![a, b];
            }
        }
        GroupBy::ConfigKey => {
            p.key = subjects.to_vec();
            p.salt = Some(source_of(&location.file));
        }
        GroupBy::File => {
            let file = source_of(&location.file);
            p.fields = subjects.to_vec();
            p.key = vec![file];
        }
        GroupBy::Kind => {
            p.fields = subjects.to_vec();
            p.key = vec![s("control.kind").unwrap_or_default()];
        }
        GroupBy::Project => {
            p.key = vec!["project".to_string()];
        }
    }
    p
}

/// Build-output folders that hold a copy of `src/main/resources` (Maven
/// `target/classes`, Gradle `build/resources/main`).
const BUILD_COPIES: &[&str] = &["target/classes/", "build/resources/main/"];

/// The source file a config file stands for: a build output copy
/// (`…/target/classes/application.yml`) stands for
/// `…/src/main/resources/application.yml`, so its key is the same finding
/// as the source's (listed among its `locations`), while a prod and a dev
/// file stay two.
pub fn source_of(file: &str) -> String {
    for b in BUILD_COPIES {
        if let Some(i) = file.find(b) {
            if i == 0 || file[..i].ends_with('/') {
                return format!("{}src/main/resources/{}", &file[..i], &file[i + b.len()..]);
            }
        }
    }
    file.to_string()
}

/// Renders a template over a subject, leaving `{group.*}` for [`finish`].
pub fn render_keeping_group(template: &str, ctx: Ctx<'_>) -> String {
    // `{group.count}` → a marker render() leaves alone, then back.
    let hidden = template.replace("{group.", "\u{1}group.");
    render(&hidden, ctx).replace('\u{1}', "{")
}

/// The items of `items` in order, each once. A group can have thousands of
/// members (a project-wide rule over an estate): a `Vec::contains` per item
/// made grouping quadratic, the largest cost of a re-scan's evaluation.
fn first_each<T: Eq + std::hash::Hash + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|x| seen.insert(x.clone()))
        .collect()
}

fn list(labels: &[&str], lang_zh: bool) -> String {
    let seen = first_each(labels.iter().copied());
    let more = seen.len().saturating_sub(LIST_MAX);
    let mut out = seen
        .iter()
        .take(LIST_MAX)
        .copied()
        .collect::<Vec<_>>()
        .join(if lang_zh { "、" } else { ", " });
    if more > 0 {
        out.push_str(&if lang_zh {
            format!(" 等（另 {more} 项）")
        } else {
            format!(", … ({more} more)")
        });
    }
    out
}

/// The message of a group of `open` members (at least one).
fn group_message(open: &[&Member]) -> I18n {
    let first = open[0];
    if open.len() == 1 {
        return first.message.clone();
    }
    let labels: Vec<&str> = open.iter().map(|m| m.label.as_str()).collect();
    let n = labels
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let fill = |t: &str, zh: bool| {
        t.replace("{group.count}", &n.to_string())
            .replace("{group.list}", &list(&labels, zh))
    };
    match &first.group_message {
        Some(t) => I18n {
            zh: fill(&t.zh, true),
            en: fill(&t.en, false),
        },
        None => I18n {
            zh: format!(
                "{}〔同类问题共 {n} 项：{}〕",
                first.message.zh,
                list(&labels, true)
            ),
            en: format!(
                "{} [{n} of this kind: {}]",
                first.message.en,
                list(&labels, false)
            ),
        },
    }
}

/// Builds the findings of one rule from its members, in member order:
/// members with no group key stay findings of their own; the others make
/// one finding per key (see the module doc for waivers).
pub fn build(rule: &Rule, members: Vec<Member>, lang: &str) -> Vec<(Finding, I18n, Group)> {
    let mut order: Vec<Vec<String>> = Vec::new();
    let mut groups: std::collections::HashMap<Vec<String>, Vec<Member>> =
        std::collections::HashMap::new();
    let mut out = Vec::new();
    for m in members {
        if m.key.is_empty() {
            let mut f = m.finding.clone();
            let message = m.message.clone();
            f.evidence = cap_evidence(m.evidence.iter(), lang);
            f.locations = m.copies.clone();
            f.fields = Vec::new();
            out.push((
                f,
                message,
                Group {
                    rule: rule.id.clone(),
                    by: rule.group_by,
                    members: vec![m],
                },
            ));
            continue;
        }
        let mut key = m.key.clone();
        if let Some(salt) = &m.salt {
            key.push(format!("\u{0}{salt}"));
        }
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(m);
    }
    for key in order {
        let members = groups.remove(&key).unwrap_or_default();
        let group = Group {
            rule: rule.id.clone(),
            by: rule.group_by,
            members,
        };
        if let Some((f, message)) = finish(&group, lang) {
            out.push((f, message, group));
        }
    }
    out
}

fn cap_evidence<'a>(lines: impl Iterator<Item = &'a I18n>, lang: &str) -> Vec<String> {
    let mut all: Vec<String> = first_each(lines.map(|l| l.get(lang)))
        .into_iter()
        .map(str::to_string)
        .collect();
    let more = all.len().saturating_sub(EVIDENCE_MAX);
    all.truncate(EVIDENCE_MAX);
    if more > 0 {
        all.push(if lang.starts_with("zh") {
            format!("……另有 {more} 条依据")
        } else {
            format!("… and {more} more")
        });
    }
    all
}

/// The finding a group makes (always, for a group with members): open
/// when some member is open, else waived with the first member's waiver.
pub fn finish(group: &Group, lang: &str) -> Option<(Finding, I18n)> {
    let first = group.members.first()?;
    let open: Vec<&Member> = group
        .members
        .iter()
        .filter(|m| m.finding.status == FindingStatus::Open)
        .collect();
    let waived: Vec<&Member> = group
        .members
        .iter()
        .filter(|m| m.finding.status != FindingStatus::Open)
        .collect();
    let shown: Vec<&Member> = if open.is_empty() {
        group.members.iter().collect()
    } else {
        open.clone()
    };
    let lead = shown[0];
    let mut f = lead.finding.clone();
    f.subjects = first.key.clone();
    let mut hashed = first.key.clone();
    if let Some(salt) = &first.salt {
        hashed.push(format!("file:{salt}"));
    }
    f.fingerprint = fingerprint(&group.rule, &hashed);
    f.severity = shown
        .iter()
        .map(|m| m.finding.severity)
        .max()
        .unwrap_or(Severity::Info);
    f.confidence = shown
        .iter()
        .map(|m| m.finding.confidence)
        .min()
        .unwrap_or_default();
    f.basis = first_each(shown.iter().flat_map(|m| &m.finding.basis))
        .into_iter()
        .cloned()
        .collect();
    f.fields = first_each(shown.iter().flat_map(|m| &m.fields))
        .into_iter()
        .cloned()
        .collect();
    let lead_at = (f.location.file.as_str(), f.location.line);
    f.locations = first_each(
        shown
            .iter()
            .map(|m| &m.finding.location)
            .chain(shown.iter().flat_map(|m| &m.copies))
            .map(|l| (l.file.as_str(), l.line))
            .filter(|&at| at != lead_at),
    )
    .into_iter()
    .map(|(file, line)| Location::line(file, line))
    .collect();
    let mut message = if open.is_empty() {
        // Every member waived: the group's message, then the waiver's note.
        let mut m = group_message(&shown);
        if let Some(w) = &lead.finding.waiver {
            let (zh, en) = w.note();
            m.zh.push_str(&zh);
            m.en.push_str(&en);
        }
        m
    } else {
        let mut m = group_message(&shown);
        // An expired-waiver note of a member stays visible.
        if shown.len() > 1 {
            for mm in &shown {
                for (tag_zh, tag_en) in [("〔豁免已于", " [waiver expired")] {
                    if let (Some(i), Some(j)) =
                        (mm.message.zh.find(tag_zh), mm.message.en.find(tag_en))
                    {
                        let (nz, ne) = (&mm.message.zh[i..], &mm.message.en[j..]);
                        if !m.zh.contains(nz) {
                            m.zh.push_str(nz);
                            m.en.push_str(ne);
                        }
                    }
                }
            }
        }
        m
    };
    let mut evidence: Vec<I18n> = shown.iter().flat_map(|m| m.evidence.clone()).collect();
    if !open.is_empty() {
        for w in &waived {
            evidence.push(waived_line(w));
        }
        if !waived.is_empty() {
            let n = waived.len();
            message
                .zh
                .push_str(&format!("〔另有 {n} 项已豁免，不计入本发现〕"));
            message
                .en
                .push_str(&format!(" [{n} more waived, left out of this finding]"));
        }
        f.status = FindingStatus::Open;
        f.waiver = None;
    }
    f.evidence = cap_evidence(evidence.iter(), lang);
    f.message = message.get(lang).to_string();
    Some((f, message))
}

/// The evidence line of a member taken out of its group by a waiver.
fn waived_line(m: &Member) -> I18n {
    let (reason, at) = match &m.finding.waiver {
        Some(FindingWaiver::Declarations { reason, .. }) => {
            (reason.clone(), "piaudit.yaml".to_string())
        }
        Some(FindingWaiver::Inline { reason, location }) => (
            reason.clone(),
            format!("{}:{}", location.file, location.line),
        ),
        None => (String::new(), String::new()),
    };
    I18n {
        zh: format!("{} 已豁免（{at}）：{reason}", m.label),
        en: format!("{} waived ({at}): {reason}", m.label),
    }
}

impl Group {
    /// Whether this group made a finding of several members or with a
    /// member-level waiver (so suppressions must act per member).
    pub fn is_grouped(&self) -> bool {
        self.members.first().is_some_and(|m| !m.key.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_copies_stand_for_their_sources() {
        assert_eq!(
            source_of("svc/target/classes/application.yml"),
            "svc/src/main/resources/application.yml"
        );
        assert_eq!(
            source_of("target/classes/a.properties"),
            "src/main/resources/a.properties"
        );
        assert_eq!(
            source_of("m/build/resources/main/application-prod.yml"),
            "m/src/main/resources/application-prod.yml"
        );
        assert_eq!(
            source_of("mytarget/classes/x.yml"),
            "mytarget/classes/x.yml"
        );
        assert_eq!(
            source_of("src/main/resources/application-dev.yml"),
            "src/main/resources/application-dev.yml"
        );
    }

    #[test]
    fn long_lists_are_cut_with_a_count() {
        let names: Vec<String> = (0..15).map(|i| format!("c{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let en = list(&refs, false);
        assert!(en.starts_with("c0, c1, "), "{en}");
        assert!(en.ends_with("(3 more)"), "{en}");
        assert!(list(&["a", "a", "b"], true) == "a、b");
    }
}
