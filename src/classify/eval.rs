//! Measuring the classifier against hand labels: precision, recall and F1
//! for "is PI" and for "sensitive", and category accuracy on the fields both
//! the labels and the classifier call PI.

use crate::model::Report;
use std::collections::HashMap;
use std::fmt;

/// One labelled column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
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

/// Reads a labels CSV. Columns are found by header name: `file`, `table`,
/// `column`, `is_pi`, `category`, and the sensitivity column
/// `sensitive_<profile>` if present, else `sensitive`.
pub fn parse_labels(csv: &str, profile: &str) -> Result<Vec<Label>, String> {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .ok_or("empty labels file")?
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let need = |name: &str| col(name).ok_or(format!("labels file has no `{name}` column"));
    let (f, t, c, p) = (
        need("file")?,
        need("table")?,
        need("column")?,
        need("is_pi")?,
    );
    let cat = col("category");
    let profile_short = profile.trim_start_matches("gbt");
    let sens = col(&format!("sensitive_{profile_short}")).or_else(|| col("sensitive"));
    let yes = |s: &str| s.trim().eq_ignore_ascii_case("yes");
    lines
        .enumerate()
        .map(|(i, line)| {
            let cells: Vec<&str> = line.split(',').collect();
            let get = |k: usize| {
                cells
                    .get(k)
                    .copied()
                    .ok_or(format!("line {}: too few cells", i + 2))
            };
            Ok(Label {
                file: get(f)?.rsplit('/').next().unwrap_or_default().to_string(),
                table: get(t)?.to_lowercase(),
                column: get(c)?.to_lowercase(),
                is_pi: yes(get(p)?),
                category: cat
                    .and_then(|k| cells.get(k))
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
                sensitive: sens.and_then(|k| cells.get(k)).is_some_and(|s| yes(s)),
            })
        })
        .collect()
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
        let file = d
            .location
            .file
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let table = d.name.rsplit('.').next().unwrap_or(&d.name).to_lowercase();
        for f in &d.fields {
            index
                .entry((file.clone(), table.clone(), f.name.to_lowercase()))
                .or_insert(f);
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
    fn coarse_labels_accept_finer_tags_but_not_siblings() {
        assert!(category_agrees("demographic", "demographic.marital"));
        assert!(category_agrees("name", "name"));
        assert!(!category_agrees("demographic.marital", "demographic"));
        assert!(!category_agrees("demo", "demographic.marital"));
        assert!(!category_agrees("employment", "education"));
    }
}
