//! `report.html`: one self-contained, bilingual (zh-CN / English) file
//! rendered with tera from the templates in `reports/`, embedded at build
//! time. A Content-Security-Policy forbids every external request.
//!
//! The page's long tables (findings, PI inventory, PI flows, datasets) are
//! not in its template context: the page has a `<!--@rows:NAME-->` marker
//! where their rows go, and [`write`] renders `report.rows.NAME.tera` there,
//! a batch of rows at a time, from views built for that batch only. A merge
//! of thousands of reports would otherwise hold a `serde_json` view of every
//! finding and field at once (part 6 of docs/performance.md).

use super::audit_views;
use super::rank::{self, Namer};
use crate::error::Error;
use crate::model::I18n;
use crate::model::{Confidence, FindingStatus, FindingWaiver, Severity};
use crate::Audit;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};

const PAGE: &str = include_str!("../../reports/report.html.tera");
const MACROS: &str = include_str!("../../reports/report.macros.tera");
const CSS: &str = include_str!("../../reports/report.css");
const JS: &str = include_str!("../../reports/report.js");

/// The row templates, by the name their page marker `<!--@rows:NAME-->`
/// gives; registered as `report.rows.NAME.html`.
const ROWS: [(&str, &str); 5] = [
    (
        "findings",
        include_str!("../../reports/report.rows.findings.tera"),
    ),
    (
        "inventory",
        include_str!("../../reports/report.rows.inventory.tera"),
    ),
    (
        "closed",
        include_str!("../../reports/report.rows.closed.tera"),
    ),
    (
        "flows",
        include_str!("../../reports/report.rows.flows.tera"),
    ),
    (
        "datasets",
        include_str!("../../reports/report.rows.datasets.tera"),
    ),
];

/// Rows rendered per batch: the views of one batch are alive at a time.
const BATCH: usize = 256;

/// Where a table's rows go in the page: `<!--@rows:NAME-->`. Template text
/// only: data values are autoescaped, so no value can contain `<`.
const MARK: &[u8] = b"<!--@rows:";
const MARK_END: &[u8] = b"-->";
/// A marker's name is short; a longer run without `-->` is page text.
const MAX_MARK_NAME: usize = 32;

#[derive(Serialize)]
struct FindingView<'a> {
    rule: &'a str,
    severity: Severity,
    status: FindingStatus,
    fingerprint: &'a str,
    basis: &'a [String],
    subjects: &'a [String],
    location: Value,
    message: I18n,
    /// Why each subject field was tagged (details never hold raw values).
    evidence: Vec<EvidenceView>,
    /// Who accepted it, for waived findings.
    waiver: Option<&'a FindingWaiver>,
    /// How sure the finding is.
    confidence: Confidence,
    /// What it affects as `table.column` (its `fields`, else its subjects).
    targets: Vec<String>,
    /// Targets beyond the three a row names.
    more_targets: usize,
    /// The targets are the finding's `fields` (not its subjects).
    by_fields: bool,
    /// Further places the same problem is seen.
    locations: Vec<Value>,
    /// The finding's own evidence lines (`Finding.evidence`).
    notes: &'a [String],
    /// Its basis differs from the union its rule's group shows once.
    basis_differs: bool,
}

/// One rule's findings in the findings section: the title, legal basis and
/// remediation shown once, then a row per finding (rendered from
/// [`Page::groups`] where the group has its `<!--@rows:findings-->`).
#[derive(Serialize)]
struct RuleGroup<'a> {
    rule: &'a str,
    /// The most severe of its findings.
    severity: Severity,
    /// Every code its findings cite, in first-cited order.
    basis: &'a [&'a str],
    open: usize,
    /// How many findings it has.
    count: usize,
}

/// A rule's title and remediation, listed once per rule (`rule_texts`), not
/// copied into each of its findings.
#[derive(Serialize)]
struct RuleTexts {
    title: I18n,
    remediation: I18n,
}

/// A subject field's classification evidence, shown as the finding's excerpt.
#[derive(Serialize)]
struct EvidenceView {
    subject: String,
    location: Value,
    category: String,
    items: Vec<(String, String)>,
}

/// Renders the HTML report.
pub fn render(audit: &Audit) -> Result<String, Error> {
    let mut out = Vec::new();
    write(audit, &mut out)?;
    String::from_utf8(out).map_err(|e| Error::Render {
        format: "html".into(),
        message: e.to_string(),
    })
}

fn tera_error(e: tera::Error) -> Error {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    Error::Render {
        format: "html".into(),
        message: msg,
    }
}

/// Writes the HTML report as [`render`] gives it, streamed as tera renders
/// it (an estate's page is tens of MB), with each table's rows rendered in
/// batches where the page marks them.
pub fn write(audit: &Audit, out: &mut dyn std::io::Write) -> Result<(), Error> {
    write_batched(audit, out, BATCH)
}

/// [`write`] with `batch` rows per batch (the page is the same for any).
fn write_batched(audit: &Audit, out: &mut dyn Write, batch: usize) -> Result<(), Error> {
    let mut tera = tera::Tera::default();
    let row_names: Vec<String> = ROWS
        .iter()
        .map(|(name, _)| format!("report.rows.{name}.html"))
        .collect();
    let mut templates = vec![
        ("report.html", PAGE),
        ("report.macros.html", MACROS),
        ("report.css", CSS),
        ("report.js", JS),
    ];
    templates.extend(
        row_names
            .iter()
            .map(String::as_str)
            .zip(ROWS.map(|(_, t)| t)),
    );
    tera.add_raw_templates(templates).map_err(tera_error)?;
    tera.autoescape_on(vec![".html"]);
    let mut page = Page::new(audit, batch.max(1));
    let ctx = tera::Context::from_value(page.context()).map_err(tera_error)?;
    let mut splice = Splice {
        out,
        held: Vec::new(),
        failed: None,
        expand: |name: &str, w: &mut dyn Write| page.rows(&tera, name, w),
    };
    let rendered = tera.render_to("report.html", &ctx, &mut splice);
    if let Some(e) = splice.failed.take() {
        return Err(e);
    }
    rendered.map_err(tera_error)?;
    splice.finish().map_err(|e| Error::Render {
        format: "html".into(),
        message: e.to_string(),
    })
}

/// Passes the page through to `out`, replacing each `<!--@rows:NAME-->` by
/// what `expand` writes for NAME. A marker may arrive split over writes: the
/// bytes that may start one are held back until it is complete or is not one.
struct Splice<'o, F> {
    out: &'o mut dyn Write,
    held: Vec<u8>,
    expand: F,
    /// The error of a failed expansion (the writer can only report an
    /// `io::Error` to tera).
    failed: Option<Error>,
}

impl<F: FnMut(&str, &mut dyn Write) -> Result<(), Error>> Splice<'_, F> {
    fn pass(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let Some(i) = memchr::memmem::find(data, MARK) else {
                // Hold back a tail that may begin a marker.
                let keep = (1..MARK.len())
                    .rev()
                    .find(|&k| data.ends_with(&MARK[..k]))
                    .unwrap_or(0);
                self.out.write_all(&data[..data.len() - keep])?;
                self.held = data[data.len() - keep..].to_vec();
                return Ok(());
            };
            self.out.write_all(&data[..i])?;
            let rest = &data[i + MARK.len()..];
            let window = &rest[..rest.len().min(MAX_MARK_NAME + MARK_END.len())];
            match memchr::memmem::find(window, MARK_END) {
                Some(j) => {
                    let name = String::from_utf8_lossy(&rest[..j]).into_owned();
                    if let Err(e) = (self.expand)(&name, &mut *self.out) {
                        self.failed = Some(e);
                        return Err(io::Error::other("rows not rendered"));
                    }
                    data = &rest[j + MARK_END.len()..];
                }
                None if window.len() < MAX_MARK_NAME + MARK_END.len() => {
                    // Perhaps a marker whose end is still to come.
                    self.held = data[i..].to_vec();
                    return Ok(());
                }
                None => {
                    self.out.write_all(MARK)?;
                    data = rest;
                }
            }
        }
        self.held.clear();
        Ok(())
    }

    /// Writes what is still held (the page ended inside something that
    /// looked like the start of a marker).
    fn finish(self) -> io::Result<()> {
        self.out.write_all(&self.held)
    }
}

impl<F: FnMut(&str, &mut dyn Write) -> Result<(), Error>> Write for Splice<'_, F> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.held.is_empty() {
            self.pass(buf)?;
        } else {
            let mut data = std::mem::take(&mut self.held);
            data.extend_from_slice(buf);
            self.pass(&data)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The parts of the report the page reads as `report.*`: the number of
/// flows and datasets, not the flows and datasets (their rows are rendered
/// in batches, see [`Page::rows`]).
fn report_view(r: &crate::model::Report) -> Value {
    json!({
        "schema_version": r.schema_version,
        "tool": r.tool,
        "scan": r.scan,
        "summary": r.summary,
        "endpoints": r.endpoints,
        "flow_count": r.flows.len(),
    })
}

/// A row of the datasets table: the dataset without its fields (their
/// counts instead).
fn dataset_row(d: &crate::model::Dataset) -> Value {
    let pi = || d.fields.iter().filter_map(|f| f.pi.as_ref());
    let mut v = json!({
        "id": d.id, "kind": d.kind, "name": d.name, "location": d.location,
        "field_count": d.fields.len(),
        "pi_fields": pi().count(),
        "sensitive_fields": pi().filter(|p| p.sensitive).count(),
    });
    // Absent, not null, as in the report: the page's `default` filters
    // apply to absent values only.
    if let Value::Object(o) = &mut v {
        for (k, x) in [("system", &d.system), ("comment", &d.comment)] {
            if let Some(x) = x {
                o.insert(k.into(), json!(x));
            }
        }
    }
    v
}

/// One rule's findings, as indices into [`Page::ranked`] in rank order.
struct Group<'a> {
    rule: &'a str,
    members: Vec<usize>,
    /// Every code its findings cite, in first-cited order.
    basis: Vec<&'a str>,
}

/// What the page and its rows are rendered from.
struct Page<'a> {
    audit: &'a Audit,
    fields: crate::model::FieldIndex<'a>,
    /// Every finding, open ones first, each part in rank order.
    ranked: Vec<rank::Ranked<'a>>,
    /// Grouped by rule, in the order of each rule's best-ranked finding.
    groups: Vec<Group<'a>>,
    rule_texts: BTreeMap<&'a str, RuleTexts>,
    /// The group whose rows the next `findings` marker is for.
    next_group: usize,
    /// Rows rendered per batch.
    batch: usize,
}

impl<'a> Page<'a> {
    fn new(audit: &'a Audit, batch: usize) -> Page<'a> {
        let r = &audit.report;
        // Findings carry texts in the report language only; the bilingual texts
        // come from the rule pack (title, remediation) and the evaluation (message).
        let rules: BTreeMap<&str, &crate::pipeline::RuleSummary> = audit
            .rules_applied
            .iter()
            .map(|x| (x.id.as_str(), x))
            .collect();
        let namer = Namer::new(r, audit.scale.as_ref());
        // Open findings first, each part in rank order (see `report::rank`).
        let mut ranked: Vec<rank::Ranked> = r.findings.iter().map(|f| namer.rank(f)).collect();
        ranked.sort_by(|a, b| {
            (a.finding.status != FindingStatus::Open)
                .cmp(&(b.finding.status != FindingStatus::Open))
                .then_with(|| rank::compare(a, b))
        });
        let mut rule_texts: BTreeMap<&str, RuleTexts> = BTreeMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut group_of: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, x) in ranked.iter().enumerate() {
            let f = x.finding;
            rule_texts.entry(&f.rule).or_insert_with(|| {
                let rule = rules.get(f.rule.as_str());
                RuleTexts {
                    title: rule.map_or_else(|| both(&f.title), |x| x.title.clone()),
                    remediation: rule
                        .map_or_else(|| both(&f.remediation), |x| x.remediation.clone()),
                }
            });
            let g = *group_of.entry(f.rule.as_str()).or_insert_with(|| {
                groups.push(Group {
                    rule: &f.rule,
                    members: Vec::new(),
                    basis: Vec::new(),
                });
                groups.len() - 1
            });
            let group = &mut groups[g];
            group.members.push(i);
            for code in &f.basis {
                if !group.basis.contains(&code.as_str()) {
                    group.basis.push(code.as_str());
                }
            }
        }
        Page {
            audit,
            fields: r.field_index(),
            ranked,
            groups,
            rule_texts,
            next_group: 0,
            batch,
        }
    }

    /// The view of the `i`th ranked finding; `basis` is its group's.
    fn finding_view(&self, i: usize, basis: &[&str]) -> FindingView<'a> {
        let x = &self.ranked[i];
        let f = x.finding;
        let own: std::collections::BTreeSet<&str> = f.basis.iter().map(String::as_str).collect();
        let all: std::collections::BTreeSet<&str> = basis.iter().copied().collect();
        FindingView {
            confidence: f.confidence,
            targets: x.targets.clone(),
            more_targets: x.targets.len().saturating_sub(3),
            by_fields: !f.fields.is_empty(),
            locations: f
                .locations
                .iter()
                .map(|l| json!({ "file": l.file, "line": l.line }))
                .collect(),
            notes: &f.evidence,
            basis_differs: own != all,
            rule: &f.rule,
            severity: f.severity,
            status: f.status,
            fingerprint: &f.fingerprint,
            basis: &f.basis,
            subjects: &f.subjects,
            waiver: f.waiver.as_ref(),
            location: json!({ "file": f.location.file, "line": f.location.line }),
            message: self
                .audit
                .messages
                .get(&f.fingerprint)
                .cloned()
                .unwrap_or_else(|| both(&f.message)),
            // A grouped finding (schema 2.0) lists its fields in `fields`.
            evidence: if f.fields.is_empty() {
                &f.subjects
            } else {
                &f.fields
            }
            .iter()
            .filter_map(|id| {
                let (_, field) = self.fields.get(id)?;
                let pi = field.pi.as_ref()?;
                Some(EvidenceView {
                    subject: id.clone(),
                    location: json!({ "file": field.location.file, "line": field.location.line }),
                    category: pi.category.clone(),
                    items: pi
                        .evidence
                        .iter()
                        .take(4)
                        .map(|e| (e.kind.clone(), e.detail.clone()))
                        .collect(),
                })
            })
            .collect(),
        }
    }

    /// The PI inventory's rows: every PI field, dataset by dataset.
    fn inventory(&self) -> impl Iterator<Item = Value> + '_ {
        let audit = self.audit;
        audit.report.datasets.iter().flat_map(move |d| {
            d.fields.iter().filter_map(move |f| {
                let pi = f.pi.as_ref()?;
                let system = d.system.clone().unwrap_or_default();
                let (zh, en) = audit
                    .categories
                    .get(&pi.category)
                    .cloned()
                    .unwrap_or_else(|| (pi.category.clone(), pi.category.clone()));
                Some(json!({
                    "dataset": d.name, "field": f.name, "field_id": f.id, "type": f.data_type, "comment": f.comment,
                    "category": pi.category, "category_zh": zh, "category_en": en, "sensitive": pi.sensitive,
                    "confidence": pi.confidence, "location": { "file": f.location.file, "line": f.location.line },
                    "protection": f.protection, "system": system,
                }))
            })
        })
    }

    /// The category of the PI field `id`, if it is one.
    fn pi_category(&self, id: &str) -> Option<&'a str> {
        self.fields
            .get(id)
            .and_then(|(_, f)| f.pi.as_ref().map(|p| p.category.as_str()))
    }

    /// The flows table's rows: every flow from or to a PI field.
    fn pi_flows(&self) -> impl Iterator<Item = Value> + '_ {
        self.audit.report.flows.iter().filter_map(|fl| {
            let cat = self
                .pi_category(&fl.from)
                .or_else(|| self.pi_category(&fl.to))?;
            Some(
                json!({ "from": fl.from, "to": fl.to, "transform": fl.transform, "category": cat,
                         "location": { "file": fl.location.file, "line": fl.location.line } }),
            )
        })
    }

    /// The ranked findings not open (waived, baselined).
    fn closed_indices(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.ranked.len()).filter(|&i| self.ranked[i].finding.status != FindingStatus::Open)
    }

    fn closed_count(&self) -> usize {
        self.closed_indices().count()
    }

    /// The waivers table's rows: the views of the findings not open, in
    /// rank order.
    fn closed(&self) -> impl Iterator<Item = Value> + '_ {
        self.closed_indices().map(|i| {
            let rule = self.ranked[i].finding.rule.as_str();
            let basis = self
                .groups
                .iter()
                .find(|g| g.rule == rule)
                .map_or(&[][..], |g| &g.basis[..]);
            serde_json::to_value(self.finding_view(i, basis)).unwrap_or(Value::Null)
        })
    }

    /// Renders the rows a `<!--@rows:NAME-->` marker stands for into `out`,
    /// [`Page::batch`] at a time.
    fn rows(&mut self, tera: &tera::Tera, name: &str, out: &mut dyn Write) -> Result<(), Error> {
        let batch = self.batch;
        let template = format!("report.rows.{name}.html");
        // `extra`: a value of the page's context the rows also read.
        let mut render = |rows: Vec<Value>, start: usize, extra: Option<(&str, &Value)>| {
            // Moved in: `Context::insert` would serialise a copy of the rows.
            let mut data = serde_json::Map::new();
            data.insert("rows".into(), Value::Array(rows));
            data.insert("start".into(), start.into());
            if let Some((key, value)) = extra {
                data.insert(key.into(), value.clone());
            }
            let ctx = tera::Context::from_value(Value::Object(data)).map_err(tera_error)?;
            tera.render_to(&template, &ctx, &mut *out)
                .map_err(tera_error)
        };
        let mut batched = |rows: &mut dyn Iterator<Item = Value>, extra: Option<(&str, &Value)>| {
            let mut start = 0;
            loop {
                let rows: Vec<Value> = (&mut *rows).take(batch).collect();
                if rows.is_empty() {
                    return Ok(());
                }
                let n = rows.len();
                render(rows, start, extra)?;
                start += n;
            }
        };
        match name {
            "findings" => {
                let Some(group) = self.groups.get(self.next_group) else {
                    return Ok(());
                };
                self.next_group += 1;
                let mut views = group.members.iter().map(|&i| {
                    serde_json::to_value(self.finding_view(i, &group.basis)).unwrap_or(Value::Null)
                });
                batched(&mut views, None)
            }
            "inventory" => batched(&mut self.inventory(), None),
            "flows" => {
                let categories = json!(categories(self.audit));
                batched(&mut self.pi_flows(), Some(("categories", &categories)))
            }
            "closed" => {
                let rule_texts = json!(self.rule_texts);
                batched(&mut self.closed(), Some(("rule_texts", &rule_texts)))
            }
            "datasets" => batched(
                &mut self.audit.report.datasets.iter().map(dataset_row),
                None,
            ),
            _ => Err(Error::Render {
                format: "html".into(),
                message: format!("the page marks rows of an unknown table `{name}`"),
            }),
        }
    }

    /// The page's template context (see `reports/report.html.tera`).
    fn context(&self) -> Value {
        let audit = self.audit;
        let r = &audit.report;
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                let findings = || g.members.iter().map(|&i| self.ranked[i].finding);
                let group = RuleGroup {
                    rule: g.rule,
                    severity: findings()
                        .map(|f| f.severity)
                        .max()
                        .unwrap_or(Severity::Info),
                    basis: &g.basis,
                    open: findings()
                        .filter(|f| f.status == FindingStatus::Open)
                        .count(),
                    count: g.members.len(),
                };
                serde_json::to_value(group).unwrap_or(Value::Null)
            })
            .collect();
        // The cover's "fix first": the best-ranked open findings, each with
        // what it affects, where, and the first sentence of its fix.
        let fix_first: Vec<Value> = self
            .ranked
            .iter()
            .filter(|x| x.finding.status == FindingStatus::Open)
            .take(rank::FIX_FIRST)
            .map(|x| {
                let f = x.finding;
                let texts = &self.rule_texts[f.rule.as_str()];
                let (targets, more) = rank::short_targets(&x.targets, 3, ", ");
                json!({
                    "rule": f.rule, "severity": f.severity, "confidence": f.confidence,
                    "title": texts.title,
                    "targets": x.targets.iter().take(3).collect::<Vec<_>>(),
                    "targets_text": targets,
                    "more": more,
                    "breadth": x.breadth,
                    "by_fields": !f.fields.is_empty(),
                    "location": { "file": f.location.file, "line": f.location.line },
                    "fix": { "zh": rank::one_line(&texts.remediation.zh), "en": rank::one_line(&texts.remediation.en) },
                })
            })
            .collect();
        let mut law: BTreeMap<String, Value> = BTreeMap::new();
        for code in r.findings.iter().flat_map(|f| &f.basis) {
            let v = match audit.law.get(code) {
                Some(p) => json!({ "zh": p.zh, "en": p.en, "verified": p.verified() }),
                None => json!({ "zh": code, "en": code, "verified": false }),
            };
            law.insert(code.clone(), v);
        }
        // The inventory's category filter, one entry per category, sorted. A
        // `sort | unique` in the template copied the whole inventory twice.
        let mut inventory_count = 0;
        let mut inventory_categories: BTreeMap<&str, Value> = BTreeMap::new();
        for f in r.datasets.iter().flat_map(|d| &d.fields) {
            let Some(pi) = &f.pi else { continue };
            inventory_count += 1;
            inventory_categories
                .entry(pi.category.as_str())
                .or_insert_with(|| {
                    let (zh, en) = audit
                        .categories
                        .get(&pi.category)
                        .cloned()
                        .unwrap_or_else(|| (pi.category.clone(), pi.category.clone()));
                    json!({ "category": pi.category, "category_zh": zh, "category_en": en })
                });
        }
        let inventory_categories: Vec<Value> = inventory_categories.into_values().collect();
        let obligations = audit_views::obligations(audit);
        let assessments = audit_views::impact_assessments(audit);
        let systems: std::collections::BTreeSet<String> = r
            .datasets
            .iter()
            .filter(|d| d.fields.iter().any(|f| f.pi.is_some()))
            .filter_map(|d| d.system.clone())
            .collect();
        let mut context = json!({
            "report": report_view(r),
            "lang": if audit.lang.starts_with("zh") { "zh-CN" } else { "en" },
            "organisation": audit.organisation,
            "law": law,
            "categories": categories(audit),
            "finding_count": self.ranked.len(),
            "rule_texts": self.rule_texts,
            "inventory_categories": inventory_categories,
            "pi_inventory_count": inventory_count,
            "pi_flow_count": self.pi_flows().count(),
            "dataset_count": r.datasets.len(),
            "rules_applied": audit.rules_applied,
            "date": audit.date,
            "obligations": obligations,
            "obligation_counts": audit_views::obligation_counts(&obligations),
            "lineage_json": serde_json::to_string(&audit_views::lineage_view(r)).unwrap_or_default(),
            "assessments": assessments.iter().take(audit_views::MAX_ASSESSMENTS).collect::<Vec<_>>(),
            "assessments_total": assessments.len(),
            "outbound": audit_views::outbound_endpoints(audit),
            "recipients": super::recipients::recipients(r),
            "closed_count": self.closed_count(),
            "fix_first": fix_first,
            "systems": systems,
            "self_check": r.self_check,
        });
        // Moved in: `json!` would copy it.
        if let Value::Object(o) = &mut context {
            o.insert("finding_groups".into(), Value::Array(groups));
        }
        context
    }
}

/// A text the report has in one language, shown in both.
fn both(s: &str) -> I18n {
    I18n {
        zh: s.to_owned(),
        en: s.to_owned(),
    }
}

/// The PI categories' names by id.
fn categories(audit: &Audit) -> BTreeMap<&str, Value> {
    audit
        .categories
        .iter()
        .map(|(id, (zh, en))| (id.as_str(), json!({ "zh": zh, "en": en })))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `page` to a [`Splice`] in pieces of `step` bytes; each marker
    /// `x` becomes `[x]`, `bad` fails.
    fn splice(page: &str, step: usize) -> Result<String, String> {
        let mut out = Vec::new();
        let mut splice = Splice {
            out: &mut out,
            held: Vec::new(),
            failed: None,
            expand: |name: &str, w: &mut dyn Write| {
                if name == "bad" {
                    return Err(Error::Render {
                        format: "html".into(),
                        message: "bad".into(),
                    });
                }
                write!(w, "[{name}]").map_err(|e| Error::Render {
                    format: "html".into(),
                    message: e.to_string(),
                })
            },
        };
        for piece in page.as_bytes().chunks(step) {
            if splice.write_all(piece).is_err() {
                return Err(splice.failed.map(|e| e.to_string()).unwrap_or_default());
            }
        }
        splice.finish().unwrap();
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn markers_are_replaced_wherever_the_writes_split_them() {
        let long = format!("<!--@rows:{}", "n".repeat(60));
        let page = format!(
            "<p>a</p><!--@rows:inventory-->b<!--@rows:x--><!-- a comment -->{long}-->c<!--@ro"
        );
        let want = format!("<p>a</p>[inventory]b[x]<!-- a comment -->{long}-->c<!--@ro");
        for step in [1, 2, 3, 7, 10, 11, page.len()] {
            assert_eq!(splice(&page, step).unwrap(), want, "step {step}");
        }
        assert!(splice("a<!--@rows:bad-->b", 1).unwrap_err().contains("bad"));
    }

    #[test]
    fn the_page_is_the_same_whatever_the_batch_of_rows() {
        let audit = crate::report::shop_audit();
        let r = &audit.report;
        let pi_fields = r
            .datasets
            .iter()
            .flat_map(|d| &d.fields)
            .filter(|f| f.pi.is_some())
            .count();
        assert!(r.findings.len() > 3 && pi_fields > 3, "too small a test");
        let page_of = |audit: &Audit, batch| {
            let mut out = Vec::new();
            write_batched(audit, &mut out, batch).unwrap();
            String::from_utf8(out).unwrap()
        };
        let page = |batch| page_of(&audit, batch);
        // Every finding baselined: each is a row of the waivers table.
        let mut audit_baselined = audit.clone();
        for f in &mut audit_baselined.report.findings {
            f.status = FindingStatus::Baselined;
        }
        // One batch is the whole table, as one loop over every row.
        let whole = page(usize::MAX);
        assert!(!whole.contains("<!--@rows:"));
        assert_eq!(
            whole.matches("<tr class=\"finding-row").count(),
            r.findings.len()
        );
        assert_eq!(whole.matches("<tr data-category=").count(), pi_fields);
        assert_eq!(
            whole.matches("<tr class=\"has-pi\">").count() > 0,
            pi_fields > 0
        );
        let baselined = page_of(&audit_baselined, usize::MAX);
        assert_eq!(
            baselined.matches("<td class=\"waiver-cell\">").count(),
            r.findings.len()
        );
        for batch in [1, 2, 3] {
            assert!(
                page_of(&audit_baselined, batch) == baselined,
                "batch {batch}: the waivers differ"
            );
            assert!(page(batch) == whole, "batch {batch}: the page differs");
        }
        assert_eq!(render(&audit).unwrap(), whole);
    }
}
