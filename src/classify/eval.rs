//! Measuring the classifier against hand labels: precision, recall and F1
//! for "is PI" and for "sensitive", and category accuracy on the fields both
//! the labels and the classifier call PI.

use crate::model::Report;
use std::collections::HashMap;
use std::fmt;

/// One labelled column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Line of the labels file the label was read from (1 = header).
    pub line: usize,
    /// File name (last path component).
    pub file: String,
    /// Table name without schema.
    pub table: String,
    /// Column name.
    pub column: String,
    /// Personal information?
    pub is_pi: bool,
    /// Taxonomy id when PI.
    pub category: Option<String>,
    /// Sensitive under the evaluated profile.
    pub sensitive: bool,
}

/// The category a label may give for PI that fits no taxonomy leaf; it
/// counts for is-PI and agrees with no tag.
pub const OTHER_CATEGORY: &str = "other";

/// A yes/no cell: `yes`/`no`, `true`/`false`, `1`/`0`, `y`/`n` (any case).
fn yes_no(cell: &str) -> Option<bool> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" | "y" => Some(true),
        "no" | "false" | "0" | "n" => Some(false),
        _ => None,
    }
}

/// Reads a labels CSV. Columns are found by header name (any order, other
/// columns such as `repo` are ignored): `file`, `table`, `column`, `is_pi`,
/// optional `category`, and the sensitivity column `sensitive_<profile>`
/// (`sensitive_35273`, `sensitive_45574`) if present, else `sensitive`.
/// Errors are `LINE: message` (line 1 is the header).
pub fn parse_labels(csv_text: &str, profile: &str) -> Result<Vec<Label>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("1: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.iter().all(String::is_empty) {
        return Err("1: empty labels file".into());
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| col(name).ok_or(format!("1: labels file has no `{name}` column"));
    let (f, t, c, p) = (
        need("file")?,
        need("table")?,
        need("column")?,
        need("is_pi")?,
    );
    let cat = col("category");
    let profile_short = profile.trim_start_matches("gbt");
    let sens = col(&format!("sensitive_{profile_short}")).or_else(|| col("sensitive"));
    let mut labels = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            format!("{line}: {e}")
        })?;
        let line = record.position().map_or(0, csv::Position::line) as usize;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != header.len() {
            return Err(format!(
                "{line}: {} cells, the header has {}",
                record.len(),
                header.len()
            ));
        }
        let get = |k: usize| record.get(k).unwrap_or_default();
        for (k, what) in [(f, "file"), (t, "table"), (c, "column")] {
            if get(k).is_empty() {
                return Err(format!("{line}: empty `{what}`"));
            }
        }
        let flag = |k: usize, what: &str, empty_ok: bool| {
            let cell = get(k);
            if empty_ok && cell.is_empty() {
                return Ok(false);
            }
            yes_no(cell).ok_or(format!(
                "{line}: `{what}` is `{cell}`; use yes/no, true/false, 1/0 or y/n"
            ))
        };
        let is_pi = flag(p, "is_pi", false)?;
        let sensitive = match sens {
            Some(k) => flag(k, &header[k], true)?,
            None => false,
        };
        let category = cat.map(|k| get(k).to_string()).filter(|s| !s.is_empty());
        if !is_pi {
            if let Some(category) = &category {
                return Err(format!(
                    "{line}: category `{category}` on a column labelled not PI"
                ));
            }
            if sensitive {
                return Err(format!("{line}: sensitive on a column labelled not PI"));
            }
        }
        labels.push(Label {
            line,
            file: get(f).rsplit('/').next().unwrap_or_default().to_string(),
            table: get(t).to_lowercase(),
            column: get(c).to_lowercase(),
            is_pi,
            category,
            sensitive,
        });
    }
    Ok(labels)
}

/// Checks every label's category against the known category ids: an id, a
/// coarser prefix of one (`demographic` for `demographic.marital`), or
/// [`OTHER_CATEGORY`]. The first unknown one is an error `LINE: message`.
pub fn check_categories<'a>(
    labels: &[Label],
    known: impl IntoIterator<Item = &'a str> + Clone,
) -> Result<(), String> {
    for l in labels {
        let Some(category) = l.category.as_deref() else {
            continue;
        };
        let ok = category == OTHER_CATEGORY
            || known
                .clone()
                .into_iter()
                .any(|id| category_agrees(category, id));
        if !ok {
            return Err(format!(
                "{}: unknown category `{category}` (a taxonomy id such as `contact.phone`, \
                 a coarser prefix such as `finance`, or `{OTHER_CATEGORY}`; \
                 `piaudit rules show` and docs/classifier.md list them)",
                l.line
            ));
        }
    }
    Ok(())
}

/// Precision, recall and F1 of one binary decision.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prf {
    /// True positives.
    pub tp: u32,
    /// False positives.
    pub fp: u32,
    /// False negatives.
    pub fn_: u32,
}

impl Prf {
    fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => {}
        }
    }
    /// Precision.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    /// Recall.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        1.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

/// The result of an evaluation.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    /// Labelled columns found in the report.
    pub matched: u32,
    /// Labelled columns missing from the report.
    pub missing: Vec<String>,
    /// Is-PI decision.
    pub pi: Prf,
    /// Sensitive decision.
    pub sensitive: Prf,
    /// Fields both sides call PI.
    pub both_pi: u32,
    /// Of those, with the same category.
    pub category_ok: u32,
    /// `file:table.column: expected → got` for every disagreement.
    pub errors: Vec<String>,
}

impl Metrics {
    /// Share of common PI fields with the right category.
    pub fn category_accuracy(&self) -> f64 {
        ratio(self.category_ok, self.both_pi)
    }
}

/// Compares a report's tags with labels.
pub fn evaluate(report: &Report, labels: &[Label]) -> Metrics {
    let mut index: HashMap<(String, String, String), &crate::model::Field> = HashMap::new();
    for d in &report.datasets {
        let table = d.name.rsplit('.').next().unwrap_or(&d.name).to_lowercase();
        // A table defined in several files (DDL merged with its ORM entity, a
        // migration, a dialect port) is found under each of them: a label names
        // the DDL file even when the entity became the primary location.
        for loc in std::iter::once(&d.location).chain(&d.locations) {
            let file = loc.file.rsplit('/').next().unwrap_or_default().to_string();
            for f in &d.fields {
                index
                    .entry((file.clone(), table.clone(), f.name.to_lowercase()))
                    .or_insert(f);
            }
        }
    }
    let mut m = Metrics::default();
    for l in labels {
        let key = (l.file.clone(), l.table.clone(), l.column.clone());
        let Some(field) = index.get(&key) else {
            m.missing
                .push(format!("{}:{}.{}", l.file, l.table, l.column));
            continue;
        };
        m.matched += 1;
        let got = field.pi.as_ref();
        m.pi.add(got.is_some(), l.is_pi);
        m.sensitive
            .add(got.is_some_and(|p| p.sensitive), l.sensitive);
        let where_ = format!("{}:{}.{}", l.file, l.table, l.column);
        let expected = l.category.as_deref().unwrap_or("-");
        let actual = got.map_or("-", |p| p.category.as_str());
        if got.is_some() && l.is_pi {
            m.both_pi += 1;
            if category_agrees(expected, actual) {
                m.category_ok += 1;
            }
        }
        if !category_agrees(expected, actual) || got.is_some_and(|p| p.sensitive) != l.sensitive {
            m.errors.push(format!(
                "{where_}: expected {expected}{} → got {actual}{}",
                if l.sensitive { " (sensitive)" } else { "" },
                if got.is_some_and(|p| p.sensitive) {
                    " (sensitive)"
                } else {
                    ""
                }
            ));
        }
    }
    m
}

/// A label agrees with the tag when it names the same category or one of its
/// ancestors: a label set written with coarse ids (`demographic`) is not
/// contradicted by the finer leaf the taxonomy has (`demographic.marital`).
fn category_agrees(label: &str, tag: &str) -> bool {
    tag == label
        || tag
            .strip_prefix(label)
            .is_some_and(|rest| rest.starts_with('.'))
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "columns matched: {} (missing {})",
            self.matched,
            self.missing.len()
        )?;
        for (name, p) in [("is-PI", &self.pi), ("sensitive", &self.sensitive)] {
            writeln!(
                f,
                "{name:<10} P {:.3}  R {:.3}  F1 {:.3}  (tp {} fp {} fn {})",
                p.precision(),
                p.recall(),
                p.f1(),
                p.tp,
                p.fp,
                p.fn_
            )?;
        }
        writeln!(
            f,
            "category accuracy {:.3} ({}/{})",
            self.category_accuracy(),
            self.category_ok,
            self.both_pi
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_arithmetic() {
        let mut p = Prf::default();
        for (a, b) in [(true, true), (true, true), (true, false), (false, true)] {
            p.add(a, b);
        }
        assert_eq!((p.tp, p.fp, p.fn_), (2, 1, 1));
        assert!((p.precision() - 2.0 / 3.0).abs() < 1e-9);
        assert!((p.f1() - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn labels_pick_the_profile_column() {
        let csv = "file,table,column,is_pi,category,sensitive_35273,sensitive_45574\na.sql,T,C,yes,identity.national_id,yes,no\n";
        assert!(parse_labels(csv, "gbt35273").unwrap()[0].sensitive);
        assert!(!parse_labels(csv, "gbt45574").unwrap()[0].sensitive);
        assert_eq!(parse_labels(csv, "gbt45574").unwrap()[0].table, "t");
        assert!(parse_labels("a,b\n", "x").unwrap_err().contains("`file`"));
    }

    #[test]
    fn flags_accept_the_usual_spellings_and_nothing_else() {
        let head = "repo,file,table,column,is_pi,category,sensitive\n";
        for (cell, want) in [("yes", true), ("TRUE", true), ("1", true), ("y", true)] {
            let csv = format!("{head}r,a.sql,t,c,{cell},name,no\n");
            assert_eq!(parse_labels(&csv, "gbt35273").unwrap()[0].is_pi, want);
        }
        for cell in ["no", "False", "0", "n"] {
            let csv = format!("{head}r,a.sql,t,c,{cell},,\n");
            assert!(!parse_labels(&csv, "gbt35273").unwrap()[0].is_pi);
        }
        let csv = format!("{head}r,a.sql,t,c,yes,name,no\nr,a.sql,t,d,maybe,,no\n");
        let err = parse_labels(&csv, "gbt35273").unwrap_err();
        assert!(err.starts_with("3: ") && err.contains("maybe"), "{err}");
        let err = parse_labels(&format!("{head}r,a.sql,t,c,yes\n"), "gbt35273").unwrap_err();
        assert!(err.starts_with("2: "), "{err}");
        let err = parse_labels(&format!("{head}r,a.sql,t,c,no,name,no\n"), "gbt35273").unwrap_err();
        assert!(err.starts_with("2: "), "{err}");
    }

    #[test]
    fn categories_are_ids_prefixes_or_other() {
        let csv = "file,table,column,is_pi,category\na,t,c,yes,demographic\na,t,d,yes,other\na,t,e,yes,contact.phone\na,t,f,yes,contact.fax\n";
        let labels = parse_labels(csv, "gbt35273").unwrap();
        let known = ["demographic.marital", "contact.phone"];
        let err = check_categories(&labels, known).unwrap_err();
        assert!(
            err.starts_with("5: ") && err.contains("contact.fax"),
            "{err}"
        );
        assert!(check_categories(&labels[..3], known).is_ok());
    }

    #[test]
    fn coarse_labels_accept_finer_tags_but_not_siblings() {
        assert!(category_agrees("demographic", "demographic.marital"));
        assert!(category_agrees("name", "name"));
        assert!(!category_agrees("demographic.marital", "demographic"));
        assert!(!category_agrees("demo", "demographic.marital"));
        assert!(!category_agrees("employment", "education"));
    }
}
