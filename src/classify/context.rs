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
    entity_attribute_categories: Vec<String>,
    #[serde(default)]
    organisation_id_names: Vec<String>,
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
    #[serde(default)]
    record_kinds: Vec<RecordKindSpec>,
    #[serde(default)]
    record_link_tokens: Vec<String>,
    #[serde(default)]
    record_skip_names: Vec<String>,
    #[serde(default)]
    record_skip_tokens: Vec<String>,
    #[serde(default)]
    reference_table_tokens: Vec<String>,
    #[serde(default)]
    operator_names: Vec<String>,
    #[serde(default)]
    organisation_table_tokens: Vec<String>,
    #[serde(default)]
    organisation_categories: Vec<String>,
    #[serde(default)]
    contact_person_names: Vec<String>,
    #[serde(default)]
    contact_person_comment_words: Vec<String>,
    #[serde(default)]
    student_table_tokens: Vec<String>,
    #[serde(default)]
    key_categories: Vec<String>,
    #[serde(default)]
    tree_names: Vec<String>,
    #[serde(default)]
    tree_parent_names: Vec<String>,
    #[serde(default)]
    framework_table_prefixes: Vec<String>,
    #[serde(default)]
    comment_qualifiers: Vec<CommentQualifier>,
}

/// A word before a comment keyword naming which kind of it the column holds
/// (户籍 + 详细地址 → `address.household`): `comment_qualifiers` in
/// `context.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentQualifier {
    /// The keyword's category.
    pub category: String,
    /// Words that, before the keyword, narrow it.
    pub words: Vec<String>,
    /// The narrower category.
    pub refined: String,
}

/// One kind of personal record (`record_kinds` in `context.yaml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordKindSpec {
    category: String,
    #[serde(default)]
    table_names: Vec<String>,
    #[serde(default)]
    table_comment_words: Vec<String>,
    #[serde(default)]
    column_tokens: Vec<String>,
    #[serde(default)]
    inherit_tokens: Vec<String>,
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

    /// The longest name cue matching `name` (its length and the name).
    fn longest_in_name(&self, name: &str) -> Option<(usize, String)> {
        let toks = tokenize(name.rsplit('.').next().unwrap_or(name));
        let joined = toks.concat();
        self.names
            .iter()
            .filter(|cue| cue.concat() == joined || find_run(&toks, cue).is_some())
            .map(|cue| cue.concat().len())
            .max()
            .map(|len| (len, format!("`{name}`")))
    }

    /// The longest comment word in `comment` (its length in bytes and the word).
    fn longest_in_comment(&self, comment: Option<&str>) -> Option<(usize, String)> {
        let c = comment?.to_lowercase();
        self.comments
            .iter()
            .filter(|w| c.contains(w.as_str()))
            .max_by_key(|w| w.len())
            .map(|w| (w.len(), format!("“{w}”")))
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
    /// Categories an organisation or a thing has as well as a person
    /// (coordinates, a bank account): in a table about a thing or an
    /// organisation they are its own.
    pub entity_attribute_categories: Vec<String>,
    /// Column names of an organisation's identifier (a taxpayer number):
    /// the account columns beside one are the organisation's.
    organisation_id_names: WordSet,
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
    record_kinds: Vec<(String, WordSet, Vec<String>)>,
    /// Per record kind, the `record_skip_tokens` its columns do inherit
    /// (an employment record's dates and status are its content).
    record_inherit_tokens: Vec<(String, Vec<String>)>,
    operator: WordSet,
    record_link_tokens: Vec<String>,
    record_skip: WordSet,
    record_skip_tokens: Vec<String>,
    pub(crate) reference_table_tokens: Vec<String>,
    organisation_table_tokens: Vec<String>,
    /// Categories an organisation's or place's row holds of its own (its
    /// landline, e-mail, address, coordinates): not PI there.
    pub organisation_categories: Vec<String>,
    contact_person: WordSet,
    student_table_tokens: Vec<String>,
    /// Categories a reference id cannot hold (a key is not a name or a
    /// phone); coded attributes (`nation_id` → ethnicity) keep their tag.
    pub key_categories: Vec<String>,
    tree: WordSet,
    tree_parent: WordSet,
    framework_table_prefixes: Vec<String>,
    /// Qualifiers narrowing a comment keyword's category (户籍 + 地址).
    pub comment_qualifiers: Vec<CommentQualifier>,
}

impl From<ContextSpec> for ContextCues {
    fn from(s: ContextSpec) -> Self {
        ContextCues {
            person_attribute_categories: s.person_attribute_categories,
            entity_attribute_categories: s.entity_attribute_categories,
            organisation_id_names: WordSet::new(&[], &s.organisation_id_names),
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
            record_kinds: s
                .record_kinds
                .iter()
                .map(|k| {
                    (
                        k.category.clone(),
                        WordSet::new(&k.table_comment_words, &k.table_names),
                        lower(&k.column_tokens),
                    )
                })
                .collect(),
            record_inherit_tokens: s
                .record_kinds
                .iter()
                .map(|k| (k.category.clone(), lower(&k.inherit_tokens)))
                .collect(),
            record_link_tokens: lower(&s.record_link_tokens),
            record_skip: WordSet::new(&[], &s.record_skip_names),
            record_skip_tokens: lower(&s.record_skip_tokens),
            operator: WordSet::new(&[], &s.operator_names),
            reference_table_tokens: lower(&s.reference_table_tokens),
            organisation_table_tokens: lower(&s.organisation_table_tokens),
            organisation_categories: s.organisation_categories,
            contact_person: WordSet::new(&s.contact_person_comment_words, &s.contact_person_names),
            student_table_tokens: lower(&s.student_table_tokens),
            key_categories: s.key_categories,
            tree: WordSet::new(&[], &s.tree_names),
            tree_parent: WordSet::new(&[], &s.tree_parent_names),
            framework_table_prefixes: lower(&s.framework_table_prefixes),
            comment_qualifiers: s.comment_qualifiers,
        }
    }
}

fn lower(v: &[String]) -> Vec<String> {
    v.iter().map(|t| t.to_lowercase()).collect()
}

/// What a table's rows are about, for record-level context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordSubject {
    /// One person's record of a kind (clinical, salary…): the category its
    /// descriptive columns inherit, the cue that named the kind and the
    /// column tying the row to a person or to a person's record.
    Record {
        /// The category the record's descriptive columns inherit.
        category: String,
        /// The record cue of the table's name or comment.
        cue: String,
        /// How the row is tied to a person or a person's record, for
        /// `explain`: “`emp_id`”, “`patient_id` → person table `pms_patient`”,
        /// “declared foreign key `owner` → `member`”; the first back-quoted
        /// part is the linking key (untagged); a record tied by its own
        /// anchor (“its own contact.phone column "phone"”) has none.
        link: String,
    },
    /// A reference, dictionary, template or configuration table (the
    /// decisive token of its name), with no column referring to a person.
    Reference(String),
    /// A table of organisations, places or machines (a department, a shop, a
    /// residential community, a server: the decisive token of its name), with
    /// no column referring to a person: its own phone, e-mail, address and
    /// coordinates are not a natural person's.
    Organisation(String),
}

impl ContextCues {
    /// The record kind a table's name or comment names (`salary`, 处方):
    /// its category and the cue. When cues of several kinds match, the
    /// longest wins (`non_drug_item` of a clinic's order is an examination,
    /// not a `drug_item`).
    pub fn record_kind(&self, ds: &Dataset) -> Option<(String, String)> {
        let table = ds.name.rsplit('.').next().unwrap_or(&ds.name);
        let mut best: Option<(usize, String, String)> = None;
        for (cat, set, _) in &self.record_kinds {
            let hit = set
                .longest_in_name(table)
                .or_else(|| set.longest_in_comment(ds.comment.as_deref()));
            if let Some((len, cue)) = hit {
                if best.as_ref().is_none_or(|b| len > b.0) {
                    best = Some((len, cat.clone(), cue));
                }
            }
        }
        best.map(|(_, cat, cue)| (cat, cue))
    }

    /// Whether a column of a record of `category` inherits it: kinds with
    /// `column_tokens` (transactions: amounts, balances) pass only columns
    /// with one of those tokens; a transaction row's channel codes and
    /// callback URLs are the processor's, not the payer's.
    pub fn record_inherits(&self, category: &str, name: &str) -> bool {
        let toks = tokenize(name);
        self.record_kinds
            .iter()
            .find(|(c, _, _)| c == category)
            .is_none_or(|(_, _, cols)| cols.is_empty() || toks.iter().any(|t| cols.contains(t)))
    }

    /// Whether a column of an organisation's table names a natural person
    /// (`leader`, `contact_phone`, 联系人电话, 负责人) or a mobile number: the
    /// contact person's data stays PI (eval/README.md convention 5).
    pub fn contact_person_column(&self, name: &str, comment: Option<&str>) -> bool {
        self.contact_person.in_name(name).is_some()
            || self.contact_person.in_comment(comment).is_some()
    }

    /// Whether a column holds an organisation's identifier (a taxpayer
    /// number, a unified social credit code).
    pub fn organisation_id_column(&self, name: &str) -> bool {
        self.organisation_id_names.in_name(name).is_some()
    }

    /// Whether a column is an operator audit column (`create_by`,
    /// `update_by`, `oper_name`): who kept the record, not whom it is about.
    pub fn operator_column(&self, name: &str) -> bool {
        self.operator.in_name(name).is_some()
    }

    /// A column tying a table's rows to a person (`patient_id`) or to a
    /// person's record (`registration_id`, `prescription_id`).
    pub fn record_link(&self, ds: &Dataset) -> Option<String> {
        self.person_ref(ds).or_else(|| {
            ds.fields
                .iter()
                .find(|f| {
                    let toks = tokenize(&f.name);
                    toks.len() >= 2
                        && matches!(toks.last().map(String::as_str), Some("id" | "no"))
                        && toks[..toks.len() - 1]
                            .iter()
                            .any(|t| self.record_link_tokens.contains(t))
                })
                .map(|f| f.name.clone())
        })
    }

    /// Whether a column is part of the record keeping rather than the
    /// record (`id`, `create_time`, `del_flag`), or a key tying the row to a
    /// person or record (`patient_id`, `prescription_id`), in a record of
    /// `category` (whose `inherit_tokens` are content, not record keeping:
    /// a leave request's `start_date` and `status`).
    pub fn record_bookkeeping(&self, category: &str, name: &str) -> bool {
        let toks = tokenize(name);
        let joined = toks.concat();
        let inherits: &[String] = self
            .record_inherit_tokens
            .iter()
            .find(|(c, _)| c == category)
            .map_or(&[], |(_, t)| t.as_slice());
        if self.record_skip.names.iter().any(|n| n.concat() == joined)
            || self.audit_time.in_name(name).is_some()
            || toks
                .iter()
                .any(|t| self.record_skip_tokens.contains(t) && !inherits.contains(t))
        {
            return true;
        }
        let keyed = toks.len() >= 2
            && matches!(toks.last().map(String::as_str), Some("id" | "no" | "uid"))
            && toks[..toks.len() - 1]
                .iter()
                .any(|t| self.person_ref_tokens.contains(t) || self.record_link_tokens.contains(t));
        keyed
            || toks.concat() == "uid"
            || toks.concat() == "userid"
            || reference_key(name).is_some()
    }

    /// What the table's rows are about: a person's record of some kind, a
    /// reference/configuration table, or neither (`None`). `person_tokens`
    /// are the person-table tokens of `negative.yaml`: the last person or
    /// reference token of the table name decides (`user_config` is
    /// configuration, `config_user` is not).
    pub fn record_subject(
        &self,
        ds: &Dataset,
        person_tokens: &[String],
        schema: &SchemaIndex,
    ) -> Option<RecordSubject> {
        let toks = tokenize(ds.name.rsplit('.').next().unwrap_or(&ds.name));
        let decisive = toks.iter().rev().find(|t| {
            person_tokens.contains(t)
                || self.reference_table_tokens.contains(t)
                || self.organisation_table_tokens.contains(t)
        });
        if let Some(t) = decisive.filter(|t| self.reference_table_tokens.contains(t)) {
            if self.person_link(ds, schema).is_none() {
                return Some(RecordSubject::Reference(t.clone()));
            }
            return None;
        }
        if let Some(t) = decisive.filter(|t| self.organisation_table_tokens.contains(t)) {
            // The columns of its contact person or legal representative
            // (`legal_person_id_no`) do not make an enterprise's row a person's.
            let linked = ds.fields.iter().any(|f| {
                !self.contact_person_column(&f.name, f.comment.as_deref())
                    && (self.refers_to_person(f)
                        || matches!(schema.resolve(ds, &f.name), Some((_, true))))
            });
            if !linked {
                return Some(RecordSubject::Organisation(t.clone()));
            }
        }
        let (category, cue) = self.record_kind(ds)?;
        // A declared foreign key to a person table is the surest tie; then
        // a person column by name, then a key to a person table by naming.
        let declared = schema.person_link_of(ds).filter(|(_, l)| l.declared);
        let link = declared
            .map(|(col, l)| l.describe(&col))
            .or_else(|| self.record_link(ds).map(|c| format!("`{c}`")))
            .or_else(|| schema.person_link_of(ds).map(|(col, l)| l.describe(&col)))
            .or_else(|| schema.owner_link_of(ds).map(|(_, how)| how))
            .or_else(|| self.own_anchor(ds))?;
        Some(RecordSubject::Record {
            category,
            cue,
            link,
        })
    }

    /// A record's own person anchor (a candidate's phone, e-mail or ID
    /// number in a resume row): the row is that person's record even with
    /// no key to a person table. Read after classification (the anchor is a
    /// tagged column). The column is named in double quotes, not
    /// back-quoted: it keeps its own tag, unlike a linking key.
    /// An operator audit column (`create_by` holding a staff login name) is
    /// who kept the record, not whom it is about: never an anchor.
    fn own_anchor(&self, ds: &Dataset) -> Option<String> {
        ds.fields.iter().find_map(|f| {
            let p = f.pi.as_ref().filter(|_| !self.operator_column(&f.name))?;
            self.person_anchor_categories
                .contains(&p.category)
                .then(|| format!("its own {} column \"{}\"", p.category, f.name))
        })
    }

    /// A column referring to a person: by its name or comment
    /// ([`Self::person_ref`]) or as a foreign key, declared by naming, to a
    /// person table of the same schema (`resident_id` → `xx_resident`).
    pub fn person_link(&self, ds: &Dataset, schema: &SchemaIndex) -> Option<String> {
        self.person_ref(ds)
            .or_else(|| schema.person_fk(ds).map(|(col, _)| col))
    }

    /// The first column of `ds` that refers to a person (`emp_id`,
    /// `ownerUserId`, a comment “学号”/“用户ID”): the table records facts
    /// about persons even when its name does not say so.
    pub fn person_ref(&self, ds: &Dataset) -> Option<String> {
        ds.fields
            .iter()
            .find(|f| self.refers_to_person(f))
            .map(|f| f.name.clone())
    }

    /// Whether a name token is a person word of `person_ref_tokens`.
    pub fn person_ref_token(&self, token: &str) -> bool {
        self.person_ref_tokens.iter().any(|t| t == token)
    }

    /// Whether a column refers to a person by its name or comment. A
    /// column with a declared foreign key does not: its target decides
    /// ([`SchemaIndex::link`]), whatever its name says.
    fn refers_to_person(&self, f: &crate::model::Field) -> bool {
        if f.references.is_some() {
            return false;
        }
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
    /// platform does not make its users children. Tables a framework ships
    /// (Quartz's `qrtz_job_details.JOB_CLASS_NAME`, a workflow engine's) say
    /// nothing of the domain and are left out.
    pub fn k12_reason<'d>(
        &self,
        tables: impl Iterator<Item = &'d Dataset> + Clone,
    ) -> Option<String> {
        let tables = tables.filter(|d| !self.is_framework_table(d));
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

    /// Whether the table is one a framework ships with every application
    /// that uses it (`framework_table_prefixes`: Quartz, workflow engines,
    /// code generators, migration tools).
    pub fn is_framework_table(&self, ds: &Dataset) -> bool {
        let name = ds
            .name
            .rsplit('.')
            .next()
            .unwrap_or(&ds.name)
            .to_lowercase();
        self.framework_table_prefixes
            .iter()
            .any(|p| name.starts_with(p.as_str()))
    }

    /// Whether a table of a K-12 schema holds pupils' data: not a staff table,
    /// and about persons (`person_like`), referring to a person (`user_id`:
    /// on a school platform without a student table most users are pupils)
    /// or to a student. When the schema has its own student table
    /// (`student_table`), a generic user table and the tables referring to
    /// it are the accounts of parents and staff, not pupils' data: only
    /// tables named for students or referring to one hold pupils' data.
    pub fn holds_pupils(&self, ds: &Dataset, person_like: bool, student_table: bool) -> bool {
        let staff = self.staff_table.in_name(&ds.name).is_some()
            || self.staff_table.in_comment(ds.comment.as_deref()).is_some();
        if staff {
            return false;
        }
        let student = self.student.in_name(&ds.name).is_some()
            || self.student.in_comment(ds.comment.as_deref()).is_some()
            || ds.fields.iter().any(|f| {
                self.student_ref.in_name(&f.name).is_some()
                    || self.student_ref.in_comment(f.comment.as_deref()).is_some()
            });
        student || (!student_table && (person_like || self.person_ref(ds).is_some()))
    }

    /// The schema's own student table (`sc_student`, `edu_students`): a
    /// person table whose name ends in a student word
    /// (`student_table_tokens`); an exam answer table is not one.
    pub fn student_table<'d>(
        &self,
        mut tables: impl Iterator<Item = &'d Dataset>,
        person_like: impl Fn(&Dataset) -> bool,
    ) -> Option<String> {
        tables
            .find(|d| {
                let toks = tokenize(d.name.rsplit('.').next().unwrap_or(&d.name));
                toks.last()
                    .is_some_and(|t| self.student_table_tokens.contains(t))
                    && person_like(d)
            })
            .map(|d| d.name.clone())
    }

    /// Whether a reference id's tag is of a category no key can hold
    /// (`key_categories`, by id or group prefix).
    pub fn key_drops(&self, category: &str) -> bool {
        self.key_categories.iter().any(|k| {
            category == k
                || category
                    .strip_prefix(k.as_str())
                    .is_some_and(|r| r.starts_with('.'))
        })
    }
}

/// The referenced name of a `<x>_id` column (`drug_id` → `drug`,
/// `excuteDeptId` → `excute dept`, `drug_id_list` → `drug`), or `None` when
/// the name is not a reference id. Such a column holds a key of another
/// table, not a fact about the record's subject.
pub fn reference_key(name: &str) -> Option<Vec<String>> {
    let mut toks = tokenize(name);
    if matches!(toks.last().map(String::as_str), Some("list" | "str")) {
        toks.pop();
    }
    if !matches!(toks.last().map(String::as_str), Some("id" | "ids")) || toks.len() < 2 {
        return None;
    }
    toks.pop();
    Some(toks)
}

/// Name tokens of an ORM class or table that say what kind of carrier it
/// is rather than what it holds (`PatientEntity`, `UserDO`).
const CARRIER_TOKENS: &[&str] = &["entity", "do", "po", "dto", "vo", "bo", "model", "info"];

/// The tables of each schema (the datasets of one file, or the entities of
/// one source tree), to resolve foreign keys declared by naming:
/// `patient_id` → `pms_patient`, `drug_id` → `dms_drug`.
#[derive(Debug, Clone, Default)]
pub struct SchemaIndex {
    /// Per file: each table's name tokens (without carrier suffixes),
    /// whether it is about persons, and its name.
    files: BTreeMap<String, Vec<(Vec<String>, bool, String)>>,
    /// Per table name: the column by which each of its rows refers to one
    /// person (`customer_id` of a consultation), for tables that are not
    /// person tables themselves ([`Self::owner_link_of`]).
    owners: BTreeMap<String, String>,
}

impl SchemaIndex {
    /// Indexes `datasets`; `person_like` says whether a table is about persons.
    pub fn build(datasets: &[Dataset], person_like: impl Fn(&Dataset) -> bool) -> Self {
        Self::build_with_owners(datasets, person_like, |_| None)
    }

    /// [`Self::build`], also recording for each table the column by which
    /// its rows refer to a person (`owner`: [`ContextCues::person_ref`]), so
    /// that a key to such a table ties a row to that person
    /// ([`Self::owner_link_of`]).
    pub fn build_with_owners(
        datasets: &[Dataset],
        person_like: impl Fn(&Dataset) -> bool,
        owner: impl Fn(&Dataset) -> Option<String>,
    ) -> Self {
        let mut files: BTreeMap<String, Vec<(Vec<String>, bool, String)>> = BTreeMap::new();
        let mut owners = BTreeMap::new();
        for d in datasets {
            let person = person_like(d);
            files
                .entry(schema_key(d))
                .or_default()
                .push((table_tokens(d), person, d.name.clone()));
            if let Some(col) = owner(d).filter(|_| !person) {
                owners.entry(d.name.clone()).or_insert(col);
            }
        }
        SchemaIndex { files, owners }
    }

    /// A key of `ds` to a table of the schema whose rows each refer to one
    /// person, although it is no person table (`consult_id` → `pl_consult`,
    /// whose rows carry `customer_id`): the row is part of that person's
    /// record, one link further. Returns the column and how it reads in
    /// `explain`. Keys to person tables are [`Self::person_link_of`]'s.
    pub fn owner_link_of(&self, ds: &Dataset) -> Option<(String, String)> {
        ds.fields.iter().find_map(|f| {
            if reference_key(&f.name).is_none() && f.references.is_none() {
                return None;
            }
            let link = self.link(ds, &f.name).filter(|l| !l.person)?;
            let owner = self.owners.get(&link.table)?;
            Some((
                f.name.clone(),
                format!(
                    "`{}` → `{}`, whose rows refer to a person by `{owner}`",
                    f.name, link.table
                ),
            ))
        })
    }

    /// The table of `ds`'s schema a reference id column points to: the table
    /// whose name ends with the longest tail of the column's referenced name
    /// (`excute_dept_id` → `sms_dept`), with whether it is about persons.
    /// A self-reference (`parent_id` of a tree) is not resolved, nor a key
    /// naming the table itself (`community_id` of `s_community`, `dept_id`
    /// of `sys_dept`): that is the table's own key, even when another table
    /// also ends with the word (`staff_community`).
    /// A foreign key declared on the column (`REFERENCES`, a JPA join
    /// column, a live catalogue) wins over naming; see [`Self::link`].
    pub fn resolve(&self, ds: &Dataset, column: &str) -> Option<(String, bool)> {
        self.link(ds, column).map(|l| (l.table, l.person))
    }

    /// The table `column` of `ds` refers to: by its declared foreign key
    /// when it has one (then naming is not consulted, and a declared
    /// self-reference resolves to nothing), else by naming
    /// ([`Self::resolve`]).
    pub fn link(&self, ds: &Dataset, column: &str) -> Option<Link> {
        let declared = ds
            .fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(column))
            .and_then(|f| f.references.as_ref());
        if let Some(fk) = declared {
            return self.declared_target(ds, &fk.table);
        }
        self.by_naming(ds, column).map(|(table, person)| Link {
            table,
            person,
            declared: false,
        })
    }

    /// The table a declared foreign key names: the same schema first, then
    /// any schema; a table no file defines is kept by name, not a person's.
    fn declared_target(&self, ds: &Dataset, target: &str) -> Option<Link> {
        let last = |n: &str| n.rsplit('.').next().unwrap_or(n).trim().to_lowercase();
        let want = last(target);
        if want.is_empty() || want == last(&ds.name) {
            return None;
        }
        let own = self.files.get(&schema_key(ds));
        let found = own
            .into_iter()
            .chain(self.files.values())
            .flatten()
            .find(|(_, _, name)| last(name) == want);
        Some(match found {
            Some((_, person, name)) => Link {
                table: name.clone(),
                person: *person,
                declared: true,
            },
            None => Link {
                table: target.to_string(),
                person: false,
                declared: true,
            },
        })
    }

    fn by_naming(&self, ds: &Dataset, column: &str) -> Option<(String, bool)> {
        let target = reference_key(column)?;
        let tables = self.files.get(&schema_key(ds))?;
        let own = table_tokens(ds);
        for k in (1..=target.len()).rev() {
            let tail = &target[target.len() - k..];
            if k == 1 && tail[0].len() < 2 {
                return None;
            }
            if own.ends_with(tail) {
                return None;
            }
            let hits: Vec<_> = tables
                .iter()
                .filter(|(toks, _, name)| *name != ds.name && toks.ends_with(tail))
                .collect();
            if let Some(first) = hits.first() {
                let person = hits.iter().find(|h| h.1).unwrap_or(first);
                return Some((person.2.clone(), person.1));
            }
        }
        None
    }

    /// The first column of `ds` that is a foreign key to a person table of
    /// its schema, with that table; declared foreign keys come first.
    pub fn person_fk(&self, ds: &Dataset) -> Option<(String, String)> {
        self.person_link_of(ds).map(|(col, l)| (col, l.table))
    }

    /// [`Self::person_fk`] with how the link is known.
    pub fn person_link_of(&self, ds: &Dataset) -> Option<(String, Link)> {
        let links: Vec<(String, Link)> = ds
            .fields
            .iter()
            .filter_map(|f| Some((f.name.clone(), self.link(ds, &f.name)?)))
            .filter(|(_, l)| l.person)
            .collect();
        let first_declared = links.iter().position(|(_, l)| l.declared);
        let i = first_declared.unwrap_or(0);
        links.into_iter().nth(i)
    }
}

/// Where a reference column points: [`SchemaIndex::link`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The referenced table's name.
    pub table: String,
    /// Whether that table is about persons.
    pub person: bool,
    /// Declared (`REFERENCES`, JPA, catalogue) rather than inferred by naming.
    pub declared: bool,
}

impl Link {
    /// How `column`'s link reads in `explain`: “declared foreign key `owner`
    /// → `member`” or “`patient_id` → person table `pms_patient`” (naming).
    pub fn describe(&self, column: &str) -> String {
        if self.declared {
            format!("declared foreign key `{column}` → `{}`", self.table)
        } else {
            format!("`{column}` → person table `{}`", self.table)
        }
    }
}

/// A table's name tokens without carrier suffixes (`PatientEntity` →
/// `patient`).
fn table_tokens(d: &Dataset) -> Vec<String> {
    let mut toks = tokenize(d.name.rsplit('.').next().unwrap_or(&d.name));
    while toks.len() > 1
        && toks
            .last()
            .is_some_and(|t| CARRIER_TOKENS.contains(&t.as_str()))
    {
        toks.pop();
    }
    toks
}

/// The schema a dataset belongs to: its file, or for ORM entities (one
/// class per file) the source tree up to `src/`.
fn schema_key(d: &Dataset) -> String {
    let file = &d.location.file;
    match file.find("/src/") {
        Some(i) if !file.ends_with(".sql") => file[..i].to_string(),
        _ => file.clone(),
    }
}

impl ContextCues {
    /// Whether a column is the child list of a tree node (`children`,
    /// `childList` beside `parent_id`, or typed as a collection): a menu's or
    /// department's sub-nodes, not a person's children.
    pub fn tree_children(&self, ds: &Dataset, name: &str, data_type: Option<&str>) -> bool {
        if self.tree.in_name(name).is_none() {
            return false;
        }
        let collection = data_type.is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            t.contains("list") || t.contains("set<") || t.contains('[') || t.contains("collection")
        });
        collection
            || ds
                .fields
                .iter()
                .any(|f| self.tree_parent.in_name(&f.name).is_some())
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
        let student_table = cues
            .student_table(idx.iter().map(|&i| &datasets[i]), &person_like)
            .is_some();
        for &i in idx {
            let ds = &datasets[i];
            if !ds
                .fields
                .iter()
                .any(|f| f.pi.as_ref().is_some_and(|p| !p.sensitive))
                || !cues.holds_pupils(ds, person_like(ds), student_table)
            {
                continue;
            }
            for f in &mut datasets[i].fields {
                if let Some(p) = f.pi.as_mut().filter(|p| !p.sensitive) {
                    p.sensitive = true;
                    p.evidence.push(Evidence {
                        kind: super::CONTEXT.into(),
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
