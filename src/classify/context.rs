//! Table and schema context (`rules/cues/context.yaml`).
//!
//! Table role: whether a table's rows are about persons (a person table, or
//! one referring to a person such as `emp_id`), so that attributes like a
//! salary or a grade describe a person and not a salary band or a class; and
//! whether coordinates are a person's positions over time (trajectory).
//!
//! Children's data: whether a schema (the tables of one file) belongs to a
//! K-12 school system, and which of its tables hold the pupils' data. PI of
//! children under 14 is sensitive (PIPL Art. 28, 31), yet a school schema
//! rarely says "minor" anywhere: the evidence is spread over tables
//! (students, grades, classes, exam papers).

use super::tokens::{find_run, tokenize};
use crate::model::{Dataset, Evidence};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Share of a schema's tables that must carry school cues for it to read
/// as a school system.
pub const SCHOOL_SHARE: f64 = 0.2;

/// `rules/cues/context.yaml` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    #[serde(default)]
    person_attribute_categories: Vec<String>,
    #[serde(default)]
    person_anchor_categories: Vec<String>,
    #[serde(default)]
    person_ref_tokens: Vec<String>,
    #[serde(default)]
    person_ref_comment_words: Vec<String>,
    #[serde(default)]
    audit_time_names: Vec<String>,
    #[serde(default)]
    k12_comment_words: Vec<String>,
    #[serde(default)]
    k12_names: Vec<String>,
    #[serde(default)]
    student_comment_words: Vec<String>,
    #[serde(default)]
    student_names: Vec<String>,
    #[serde(default)]
    grade_comment_words: Vec<String>,
    #[serde(default)]
    grade_names: Vec<String>,
    #[serde(default)]
    higher_ed_comment_words: Vec<String>,
    #[serde(default)]
    higher_ed_names: Vec<String>,
    #[serde(default)]
    staff_table_comment_words: Vec<String>,
    #[serde(default)]
    staff_table_names: Vec<String>,
    #[serde(default)]
    student_ref_comment_words: Vec<String>,
    #[serde(default)]
    student_ref_names: Vec<String>,
}

/// Comment words and name cues of one kind of evidence.
#[derive(Debug, Clone, Default)]
struct WordSet {
    comments: Vec<String>,
    names: Vec<Vec<String>>,
}

impl WordSet {
    fn new(comments: &[String], names: &[String]) -> Self {
        WordSet {
            comments: comments.iter().map(|w| w.to_lowercase()).collect(),
            names: names
                .iter()
                .map(|n| tokenize(n))
                .filter(|t| !t.is_empty())
                .collect(),
        }
    }

    fn in_comment(&self, comment: Option<&str>) -> Option<String> {
        let c = comment?.to_lowercase();
        self.comments
            .iter()
            .find(|w| c.contains(w.as_str()))
            .map(|w| format!("“{w}”"))
    }

    fn in_name(&self, name: &str) -> Option<String> {
        let toks = tokenize(name.rsplit('.').next().unwrap_or(name));
        let joined = toks.concat();
        self.names
            .iter()
            .find(|cue| cue.concat() == joined || find_run(&toks, cue).is_some())
            .map(|_| format!("`{name}`"))
    }

    /// The first hit in a dataset: its name, comment, column names, column comments.
    fn in_dataset(&self, ds: &Dataset) -> Option<String> {
        self.in_name(&ds.name)
            .or_else(|| self.in_comment(ds.comment.as_deref()))
            .or_else(|| {
                ds.fields.iter().find_map(|f| {
                    self.in_name(&f.name)
                        .or_else(|| self.in_comment(f.comment.as_deref()))
                })
            })
    }
}

/// Compiled context cues.
#[derive(Debug, Clone, Default)]
pub struct ContextCues {
    /// Categories that describe a person only in a table about persons.
    pub person_attribute_categories: Vec<String>,
    /// Categories whose presence makes a table about persons.
    pub person_anchor_categories: Vec<String>,
    person_ref_tokens: Vec<String>,
    person_ref_comment_words: Vec<String>,
    audit_time: WordSet,
    k12: WordSet,
    student: WordSet,
    grade: WordSet,
    higher_ed: WordSet,
    staff_table: WordSet,
    student_ref: WordSet,
}

impl From<ContextSpec> for ContextCues {
    fn from(s: ContextSpec) -> Self {
        ContextCues {
            person_attribute_categories: s.person_attribute_categories,
            person_anchor_categories: s.person_anchor_categories,
            person_ref_tokens: s
                .person_ref_tokens
                .iter()
                .map(|t| t.to_lowercase())
                .collect(),
            person_ref_comment_words: s
                .person_ref_comment_words
                .iter()
                .map(|t| t.to_lowercase())
                .collect(),
            audit_time: WordSet::new(&[], &s.audit_time_names),
            k12: WordSet::new(&s.k12_comment_words, &s.k12_names),
            student: WordSet::new(&s.student_comment_words, &s.student_names),
            grade: WordSet::new(&s.grade_comment_words, &s.grade_names),
            higher_ed: WordSet::new(&s.higher_ed_comment_words, &s.higher_ed_names),
            staff_table: WordSet::new(&s.staff_table_comment_words, &s.staff_table_names),
            student_ref: WordSet::new(&s.student_ref_comment_words, &s.student_ref_names),
        }
    }
}

impl ContextCues {
    /// The first column of `ds` that refers to a person (`emp_id`,
    /// `ownerUserId`, a comment “学号”/“用户ID”): the table records facts
    /// about persons even when its name does not say so.
    pub fn person_ref(&self, ds: &Dataset) -> Option<String> {
        ds.fields
            .iter()
            .find(|f| {
                let toks = tokenize(&f.name);
                let keyed = toks.len() >= 2
                    && matches!(toks.last().map(String::as_str), Some("id" | "no" | "uid"))
                    && toks[..toks.len() - 1]
                        .iter()
                        .any(|t| self.person_ref_tokens.contains(t));
                let uid = toks.concat() == "uid" || toks.concat() == "userid";
                let by_comment = f.comment.as_deref().is_some_and(|c| {
                    let c = c.to_lowercase();
                    self.person_ref_comment_words
                        .iter()
                        .any(|w| c.contains(w.as_str()))
                });
                keyed || uid || by_comment
            })
            .map(|f| f.name.clone())
    }

    /// Whether the table has an event-time column (`recordedAt`,
    /// `clock_time`), not only audit columns (`create_time`): its rows are
    /// events, so a person's coordinates in it form a trajectory.
    pub fn has_event_time(&self, ds: &Dataset) -> bool {
        ds.fields.iter().any(|f| {
            let temporal = f.data_type.as_deref().is_some_and(|t| {
                let t = t.to_ascii_lowercase();
                t.starts_with("datetime") || t.starts_with("timestamp")
            });
            let toks = tokenize(&f.name);
            let named = matches!(toks.last().map(String::as_str), Some("time" | "at"));
            (temporal || named) && self.audit_time.in_name(&f.name).is_none()
        })
    }

    /// Why the schema made of `tables` reads as a K-12 school system, or
    /// `None`. One K-12 cue (家长, 班主任, guardian…) suffices; otherwise a
    /// student or exam cue and a grade or class cue must both occur, and no
    /// higher-education cue (大学, 专业, major…): university students are
    /// adults. Either way school cues must run through the schema (at least
    /// [`SCHOOL_SHARE`] of its tables): a demo `student` table in an admin
    /// platform does not make its users children.
    pub fn k12_reason<'d>(
        &self,
        tables: impl Iterator<Item = &'d Dataset> + Clone,
    ) -> Option<String> {
        let total = tables.clone().count();
        let school = tables
            .clone()
            .filter(|d| {
                [&self.k12, &self.student, &self.grade]
                    .iter()
                    .any(|set| set.in_dataset(d).is_some())
            })
            .count();
        if total == 0 || (school as f64) < SCHOOL_SHARE * total as f64 {
            return None;
        }
        let first = |set: &WordSet| tables.clone().find_map(|d| set.in_dataset(d));
        let share = format!("{school} of {total} tables with school cues");
        if let Some(why) = first(&self.k12) {
            return Some(format!("K-12 school cue {why}, {share}"));
        }
        let student = first(&self.student)?;
        let grade = first(&self.grade)?;
        if first(&self.higher_ed).is_some() {
            return None;
        }
        Some(format!(
            "school schema: student cue {student}, grade cue {grade}, {share}"
        ))
    }

    /// Whether a table of a K-12 schema holds pupils' data: not a staff table,
    /// and about persons (`person_like`), referring to a person (`user_id`:
    /// on a school platform most users are pupils) or to a student.
    pub fn holds_pupils(&self, ds: &Dataset, person_like: bool) -> bool {
        let staff = self.staff_table.in_name(&ds.name).is_some()
            || self.staff_table.in_comment(ds.comment.as_deref()).is_some();
        if staff {
            return false;
        }
        person_like
            || self.person_ref(ds).is_some()
            || self.student.in_name(&ds.name).is_some()
            || self.student.in_comment(ds.comment.as_deref()).is_some()
            || ds.fields.iter().any(|f| {
                self.student_ref.in_name(&f.name).is_some()
                    || self.student_ref.in_comment(f.comment.as_deref()).is_some()
            })
    }
}

/// Marks all PI of the pupils' tables of K-12 schemas sensitive. Schemas are
/// the datasets of one file; `person_like` says whether a table is about
/// persons.
pub fn apply_school(
    cues: &ContextCues,
    datasets: &mut [Dataset],
    person_like: impl Fn(&Dataset) -> bool,
) {
    let mut by_file: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, d) in datasets.iter().enumerate() {
        by_file.entry(d.location.file.clone()).or_default().push(i);
    }
    for idx in by_file.values() {
        let Some(reason) = cues.k12_reason(idx.iter().map(|&i| &datasets[i])) else {
            continue;
        };
        for &i in idx {
            let ds = &datasets[i];
            if !ds
                .fields
                .iter()
                .any(|f| f.pi.as_ref().is_some_and(|p| !p.sensitive))
                || !cues.holds_pupils(ds, person_like(ds))
            {
                continue;
            }
            for f in &mut datasets[i].fields {
                if let Some(p) = f.pi.as_mut().filter(|p| !p.sensitive) {
                    p.sensitive = true;
                    p.evidence.push(Evidence {
                        kind: "context".into(),
                        detail: format!(
                            "{} ({reason}): {}",
                            super::CHILDREN_CONTEXT,
                            super::CHILDREN_RULE
                        ),
                    });
                }
            }
        }
    }
}
