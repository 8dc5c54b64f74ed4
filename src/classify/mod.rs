//! Classify: tag each field with a PI category, its sensitivity under the
//! chosen profile, a confidence and the evidence — from column-name cues
//! (English, pinyin, NHSA codes), comment keywords, the column type and the
//! table it sits in. Taxonomy and cues are data (`rules/`), not code.

pub mod context;
mod cue_index;
pub mod cues;
pub mod eval;
pub mod flows;
pub mod log_levels;
pub mod logged;
pub mod operator_fill;
mod samples;
pub mod taxonomy;
pub mod tokens;

/// The taxonomy id of a child under 14 (PIPL Arts. 28, 31).
pub const UNDER14: &str = "minor.under14";
/// How an evidence line made sensitive by children's context begins; rules
/// read it to tell under-14 datasets (`dataset.has_under14`).
pub const CHILDREN_CONTEXT: &str = "children's data";
/// Why children's context makes PI sensitive.
pub const CHILDREN_RULE: &str = "PI of children under 14 is sensitive (PIPL-28, PIPL-31)";

use crate::extract::audit_fill::FillValue;
use crate::model::{Dataset, Evidence, Field, PiTag};
use cues::{Cues, Strength};
use std::collections::BTreeMap;
use taxonomy::Taxonomy;
use tokens::{find_run, tokenize};

/// Fields scoring below this are not tagged.
pub const THRESHOLD: f64 = 0.5;
/// Name tokens that make a card number a bank card. A salary card is a bank card too.
const BANK_TOKENS: [&str; 9] = [
    "bank", "unionpay", "credit", "debit", "yhk", "xyk", "salary", "wage", "payroll",
];
/// Column names that say "card number" without saying which card.
const GENERIC_CARD_NAMES: [&str; 4] = ["card_no", "cardno", "card_num", "card_number"];
/// Comment words that make a card number a bank card.
const BANK_WORDS: [&str; 8] = [
    "银行",
    "银联",
    "信用卡",
    "借记卡",
    "储蓄卡",
    "开户",
    "提现",
    "工资",
];
/// Evidence kind marking an operator audit column (`create_by`).
pub const OPERATOR_AUDIT: &str = "operator_audit";
/// Weight of a category inherited from the record a row belongs to. It is
/// below every name and comment cue (0.75–0.90), so an inherited tag reads
/// as less certain than one the column states itself (`PiTag.confidence`).
pub const RECORD_WEIGHT: f64 = 0.6;
/// Evidence kind of a tag given or changed by the table's or schema's
/// context rather than by the column itself: record-level inheritance,
/// trajectory, children's data, a person table's certificate number. Stable:
/// finding confidence reads it (a finding resting on a `context` tag alone
/// is not `confirmed`).
pub const CONTEXT: &str = "context";

/// Words in a table comment that make the table person-like.
const PERSON_TABLE_COMMENT_WORDS: &[&str] = &[
    "用户",
    "人员",
    "客户",
    "会员",
    "患者",
    "病人",
    "员工",
    "职工",
    "学生",
    "联系人",
    "居民",
    "个人",
    "家长",
];

/// Tags fields using a taxonomy, cue dictionaries and a profile.
pub struct Classifier<'a> {
    taxonomy: &'a Taxonomy,
    cues: &'a Cues,
    profile: &'a str,
    /// Which name cues can match a column, so each column is tested
    /// against a few cues rather than all of them.
    name_index: cue_index::NameCueIndex<'a>,
    /// All comment keywords in one automaton.
    comment_index: cue_index::CommentCueIndex,
    /// What the code writes into operator audit columns (empty unless
    /// [`Self::set_operator_fills`] was called).
    operator_fills: operator_fill::OperatorFills,
}

/// How a name cue matched a column name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    /// The whole name.
    Full,
    /// A run of its tokens.
    Partial,
    /// The tail of a concatenated pinyin token.
    Compound,
}

/// Whether `token` is concatenated pinyin ending in a plain pinyin cue of at
/// least three letters (`hzsfzh` → `sfzh`); shorter cues are too ambiguous.
fn is_compound_pinyin(token: &str, cue: &cues::NameCue) -> bool {
    cue.source == "pinyin"
        && cue.strength == Strength::Plain
        && cue.joined.len() >= 3
        && token.len() > cue.joined.len()
        && token.len() <= 12
        && token.bytes().all(|b| b.is_ascii_lowercase())
        && token.ends_with(cue.joined.as_str())
}

/// One cue of a [`CueTrace`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TracedCue {
    /// Taxonomy id the cue votes for.
    pub category: String,
    /// Its weight (confidence) before combination.
    pub weight: f64,
    /// What matched.
    pub detail: String,
}

/// What the cues of one field said, for `piaudit explain`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CueTrace {
    /// Whether the table reads as a table of persons (enables contextual cues).
    pub person_like_table: bool,
    /// Cues counted; per category they combine as 1 − Π(1 − weight).
    pub counted: Vec<TracedCue>,
    /// Ambiguous short cues, counted (at 0.6) only beside other PI columns.
    pub ambiguous: Vec<TracedCue>,
    /// Cues that matched but were not counted, and why.
    pub ignored: Vec<String>,
    /// Other PI columns in the same table.
    pub pi_siblings: usize,
}

/// One scored reason for a category.
#[derive(Debug, Clone)]
struct Vote {
    category: String,
    confidence: f64,
    evidence: Evidence,
}

impl<'a> Classifier<'a> {
    /// A classifier for one profile.
    pub fn new(taxonomy: &'a Taxonomy, cues: &'a Cues, profile: &'a str) -> Self {
        Classifier {
            taxonomy,
            cues,
            profile,
            name_index: cue_index::NameCueIndex::new(&cues.names),
            comment_index: cue_index::CommentCueIndex::new(&cues.comments),
            operator_fills: operator_fill::OperatorFills::default(),
        }
    }

    /// Reads what the code of `files` writes into operator audit columns
    /// (a user id or a user name), the evidence [`Self::classify_in`] uses
    /// to tell an id-holding `create_by` from a login-name one.
    pub fn set_operator_fills(&mut self, files: &[crate::extract::FileFacts]) {
        self.operator_fills = operator_fill::OperatorFills::tally(files, &self.cues.context);
    }

    /// The tables of the datasets' schemas, to resolve foreign keys (by
    /// naming or declared) to person tables and to tables whose rows refer
    /// to a person (`consult_id` → a consultation with `customer_id`).
    pub fn schema_index(&self, datasets: &[Dataset]) -> context::SchemaIndex {
        context::SchemaIndex::build_with_owners(
            datasets,
            |d| self.person_like(d),
            |d| self.cues.context.person_ref(d),
        )
    }

    /// Whether a table is about persons (for contextual cues like `name`).
    pub fn person_like(&self, ds: &Dataset) -> bool {
        let neg = &self.cues.negative;
        let toks = tokenize(ds.name.rsplit('.').next().unwrap_or(&ds.name));
        // Table names are head-final with module prefixes (`shop_member`,
        // `sys_user`, `member_level`): the last person or non-person token
        // decides.
        let decisive = toks
            .iter()
            .rev()
            .find(|t| neg.person_tables.contains(*t) || neg.non_person_tables.contains(*t));
        let person = decisive.is_some_and(|t| neg.person_tables.contains(t));
        let non_person = decisive.is_some_and(|t| neg.non_person_tables.contains(t));
        let by_comment = ds
            .comment
            .as_deref()
            .is_some_and(|c| PERSON_TABLE_COMMENT_WORDS.iter().any(|w| c.contains(w)));
        (person || by_comment) && !non_person
    }

    /// Whether a table's rows are things or organisations by its name: its
    /// head noun (the last token, past generic suffixes like `info`) is a
    /// non-person token (`business_store`, `tm_vehicle`, `sys_company_info`).
    /// A module prefix is not the head: `shop_address` holds members'
    /// addresses, not shops'.
    fn entity_table(&self, ds: &Dataset) -> bool {
        const GENERIC: &[&str] = &[
            "info", "infos", "detail", "details", "base", "basic", "data", "list", "tab", "tbl",
        ];
        let neg = &self.cues.negative;
        let toks = tokenize(ds.name.rsplit('.').next().unwrap_or(&ds.name));
        toks.iter()
            .rev()
            .find(|t| !GENERIC.contains(&t.as_str()))
            .is_some_and(|t| neg.non_person_tables.contains(t))
    }

    /// Tags every field of `ds` (fields already tagged are left alone).
    /// `samples` maps field ids to sampled values (seed rows), used by the
    /// value validators.
    pub fn classify(
        &self,
        ds: &mut Dataset,
        declared_minors: bool,
        samples: &std::collections::HashMap<String, Vec<String>>,
    ) {
        self.classify_in(
            ds,
            &context::SchemaIndex::default(),
            declared_minors,
            samples,
        );
    }

    /// [`Self::classify`] with the other tables of the dataset's schema
    /// (`schema`), which resolve foreign keys declared by naming
    /// (`patient_id` → `pms_patient`, `drug_id` → `dms_drug`).
    pub fn classify_in(
        &self,
        ds: &mut Dataset,
        schema: &context::SchemaIndex,
        declared_minors: bool,
        samples: &std::collections::HashMap<String, Vec<String>>,
    ) {
        self.tag_fields(ds);
        self.apply_keys(ds, schema);
        self.apply_tree(ds);
        self.apply_table_role(ds, schema);
        self.apply_record_context(ds, schema);
        self.apply_card_context(ds);
        self.apply_samples(ds, samples);
        self.apply_organisation(ds, schema);
        self.apply_children_context(ds, declared_minors);
    }

    /// Whether a table's rows are about persons: a person-like table, a
    /// column referring to a person (`emp_id`), or a person anchor column
    /// (an ID number, a phone), or a foreign key declared to a person table.
    /// `Err` says why not.
    fn about_persons(&self, ds: &Dataset, schema: &context::SchemaIndex) -> Result<String, String> {
        if self.person_like(ds) {
            return Ok("person-like table".into());
        }
        let ctx = &self.cues.context;
        if let Some(r) = ctx.person_ref(ds) {
            return Ok(format!("column `{r}` refers to a person"));
        }
        if let Some((col, link)) = schema.person_link_of(ds).filter(|(_, l)| l.declared) {
            return Ok(link.describe(&col));
        }
        let anchor = ds.fields.iter().find(|f| {
            f.pi.as_ref()
                .is_some_and(|p| ctx.person_anchor_categories.contains(&p.category))
        });
        match anchor {
            Some(f) => Ok(format!("person anchor column `{}`", f.name)),
            None => Err("the table's rows are not persons (no person-like name, no column referring to a person, no ID or phone column)".into()),
        }
    }

    /// Attributes that describe a person (a salary, a school grade,
    /// coordinates) count only in a table about persons: a salary band's
    /// bounds, a class's grade, a weather station's coordinates are not PI.
    /// In a table of events of a person (a person reference and an event
    /// time), precise coordinates are the person's trajectory.
    ///
    /// Attributes a thing or an organisation has as well as a person
    /// (`entity_attribute_categories`: coordinates, a bank account) are its
    /// own in a table whose name's subject is a thing or an organisation (a
    /// store's map coordinates, a vehicle's registration place, a company's
    /// bank account) unless the table is a person's event log (or, for an
    /// account, refers to a person: `user_bank.user_id`), and beside an
    /// organisation's identifier (an invoice title's taxpayer number and
    /// deposit bank account).
    fn apply_table_role(&self, ds: &mut Dataset, schema: &context::SchemaIndex) {
        let ctx = &self.cues.context;
        let entity = |c: &str| ctx.entity_attribute_categories.iter().any(|x| x == c);
        if !ds.fields.iter().any(|f| {
            f.pi.as_ref().is_some_and(|p| {
                ctx.person_attribute_categories.contains(&p.category) || entity(&p.category)
            })
        }) {
            return;
        }
        let about = self.about_persons(ds, schema);
        let trajectory = ctx
            .person_ref(ds)
            .or_else(|| {
                schema
                    .person_link_of(ds)
                    .filter(|(_, l)| l.declared)
                    .map(|(c, _)| c)
            })
            .filter(|_| ctx.has_event_time(ds));
        let declared_person = schema.person_link_of(ds).is_some_and(|(_, l)| l.declared);
        let thing = self.entity_table(ds) && trajectory.is_none();
        // An account in a table referring to a person (`user_bank` with
        // `user_id`, or a declared key to one) is that person's.
        let owned = thing && ctx.person_ref(ds).is_none() && !declared_person;
        let organisation_ids = ds
            .fields
            .iter()
            .any(|f| ctx.organisation_id_column(&f.name));
        for f in &mut ds.fields {
            let Some(p) = &mut f.pi else { continue };
            let declared = p
                .evidence
                .iter()
                .any(|e| matches!(e.kind.as_str(), "override" | "lineage"));
            if entity(&p.category) && !declared {
                let finance = p.category.starts_with("finance.");
                if (thing && !finance) || (finance && (owned || organisation_ids)) {
                    f.pi = None;
                    continue;
                }
                // A balance or amount (a decimal column read as an account by
                // `余额`/`balance`) in a table whose rows are not persons is a
                // company ledger's figure: no account number, no one's money.
                if finance && about.is_err() && amount_typed(f.data_type.as_deref()) {
                    f.pi = None;
                    continue;
                }
            }
            if !ctx.person_attribute_categories.contains(&p.category) {
                continue;
            }
            if about.is_err() {
                f.pi = None;
                continue;
            }
            if let (Some(r), "location.precise") = (&trajectory, p.category.as_str()) {
                p.category = "location.trajectory".into();
                p.sensitive = self.taxonomy.is_sensitive(&p.category, self.profile);
                p.evidence.push(Evidence {
                    kind: CONTEXT.into(),
                    detail: format!(
                        "coordinates in a table of events of a person (`{r}`, event time): trajectory"
                    ),
                });
            }
        }
    }

    /// Record-level context. In a table whose rows are one person's record
    /// of a kind (a prescription line, a salary slip: a record cue in the
    /// table's name or comment and a column tying the row to a person or a
    /// person's record), descriptive columns inherit the record's category;
    /// keys and record-keeping columns do not. In a reference, dictionary,
    /// template or configuration table that refers to no person, name and
    /// comment cues are not PI (a branch office's phone, a template's
    /// "chief complaint").
    fn apply_record_context(&self, ds: &mut Dataset, schema: &context::SchemaIndex) {
        let ctx = &self.cues.context;
        // Operator audit columns (`create_by` holding a login name) are the
        // staff member's PI, marked so that they alone do not make the table
        // a PI dataset (`rules::eval`, `dataset.pi_fields`).
        for f in &mut ds.fields {
            if !ctx.operator_column(&f.name) {
                continue;
            }
            // Convention (docs/classifier.md): an operator column typed as an
            // id (`char(32)`, `bigint`) holds a user key, not a login name.
            if id_typed(f.data_type.as_deref()) {
                f.pi = None;
                continue;
            }
            let declared = f.pi.as_ref().is_some_and(|p| {
                p.evidence
                    .iter()
                    .any(|e| matches!(e.kind.as_str(), "override" | "lineage"))
            });
            // What the code writes into the column decides over its name:
            // a user id is a key, a login name the staff's account.
            let verdict = self.operator_fills.verdict(&f.name);
            match &verdict {
                Some(v) if v.holds == FillValue::Id && !declared => {
                    f.pi = None;
                    continue;
                }
                Some(v) => {
                    // A login name is the staff's account, a display name
                    // their name (eval convention: `creator_name` → `name`).
                    let category = if v.holds == FillValue::DisplayName {
                        "name"
                    } else {
                        "account.username"
                    };
                    let reread = f.pi.as_ref().is_some_and(|p| {
                        !declared
                            && p.category != category
                            && matches!(p.category.as_str(), "name" | "account.username")
                    });
                    if f.pi.is_none() || reread {
                        f.pi = Some(PiTag {
                            category: category.into(),
                            sensitive: self.taxonomy.is_sensitive(category, self.profile),
                            confidence: RECORD_WEIGHT,
                            evidence: vec![Evidence {
                                kind: CONTEXT.into(),
                                detail: v.detail.clone(),
                            }],
                        });
                    }
                }
                None => {}
            }
            if let Some(p) = f.pi.as_mut() {
                if !p.evidence.iter().any(|e| e.kind == OPERATOR_AUDIT) {
                    let code = match &verdict {
                        Some(v) => format!("; {}", v.detail),
                        None => "; no code writes a user id or name into it, read as a login name by its name / 代码中未见写入值，按列名视为登录名".into(),
                    };
                    p.evidence.push(Evidence {
                        kind: OPERATOR_AUDIT.into(),
                        detail: format!("operator audit column: the staff member who kept the record, not the record's subject; alone it does not make the table a PI dataset{code}"),
                    });
                }
            }
        }
        match ctx.record_subject(ds, &self.cues.negative.person_tables, schema) {
            Some(context::RecordSubject::Reference(tok)) => {
                for f in &mut ds.fields {
                    let declared = f.pi.as_ref().is_some_and(|p| {
                        p.evidence
                            .iter()
                            .any(|e| e.kind == "override" || e.kind == "lineage")
                    });
                    // Operator audit columns keep their tag: a staff
                    // member's login name is PI wherever it is kept.
                    // A biometric template (`face_template`) is a person's
                    // feature data, whatever the table is called.
                    let biometric =
                        f.pi.as_ref()
                            .is_some_and(|p| p.category.starts_with("biometric."));
                    if !declared && !biometric && !ctx.operator_column(&f.name) {
                        f.pi = None;
                    }
                }
                tracing::debug!(table = %ds.name, token = %tok, "reference table: no PI by cues");
            }
            Some(context::RecordSubject::Organisation(_)) | None => {}
            Some(context::RecordSubject::Record {
                category,
                cue,
                link,
            }) => {
                for f in &mut ds.fields {
                    // The column tying the row to its person or record is a key.
                    if link.split('`').nth(1) == Some(f.name.as_str()) {
                        f.pi = None;
                        continue;
                    }
                    if f.pi.is_some()
                        || ctx.record_bookkeeping(&category, &f.name)
                        || f.references.is_some()
                        || ctx.operator_column(&f.name)
                        || !ctx.record_inherits(&category, &f.name)
                    {
                        continue;
                    }
                    f.pi = Some(PiTag {
                        sensitive: self.taxonomy.is_sensitive(&category, self.profile),
                        category: category.clone(),
                        confidence: RECORD_WEIGHT,
                        evidence: vec![Evidence {
                            kind: CONTEXT.into(),
                            detail: format!(
                                "record-level: the table holds one person's record (record cue {cue}, tied to a person by {link}); its descriptive columns are {category} (weight {RECORD_WEIGHT:.2})"
                            ),
                        }],
                    });
                }
            }
        }
    }

    /// A table of organisations, places or machines (`sys_dept`, `shop`,
    /// `s_community`, `media_server`) that refers to no person: its own
    /// phone, e-mail, address, coordinates and IP (`organisation_categories`)
    /// are not a natural person's, even when seed rows hold phone numbers.
    /// A contact person's or head's column (`leader`, `contact_phone`,
    /// 联系人电话, a mobile) keeps its tag; so do overrides and lineage.
    fn apply_organisation(&self, ds: &mut Dataset, schema: &context::SchemaIndex) {
        let ctx = &self.cues.context;
        let Some(context::RecordSubject::Organisation(tok)) =
            ctx.record_subject(ds, &self.cues.negative.person_tables, schema)
        else {
            return;
        };
        for f in &mut ds.fields {
            let own = f.pi.as_ref().is_some_and(|p| {
                ctx.organisation_categories.contains(&p.category)
                    && !p
                        .evidence
                        .iter()
                        .any(|e| e.kind == "override" || e.kind == "lineage")
            });
            if own && !ctx.contact_person_column(&f.name, f.comment.as_deref()) {
                f.pi = None;
            }
        }
        tracing::debug!(table = %ds.name, token = %tok, "organisation table: its own contact data is not PI");
    }

    /// Whether a tag was declared or read from values (override, lineage,
    /// seed rows) rather than guessed from the name or comment.
    fn declared(p: &PiTag) -> bool {
        p.evidence
            .iter()
            .any(|e| matches!(e.kind.as_str(), "override" | "lineage" | "value"))
    }

    /// Reference ids are keys, not PI: a `<x>_id` column typed as an integer
    /// (`leader_id bigint` 部门负责人（员工 ID）) or resolving to another table of
    /// the schema (`registration_id` → `dms_registration`, whatever its
    /// type) holds a row number of that table, not a name, a phone or a
    /// device id (`key_categories`). A coded attribute keeps its tag:
    /// `nation_id` is the person's ethnicity by a dictionary's key.
    fn apply_keys(&self, ds: &mut Dataset, schema: &context::SchemaIndex) {
        let resolved: Vec<Option<(String, bool)>> = ds
            .fields
            .iter()
            .map(|f| schema.resolve(ds, &f.name))
            .collect();
        for (f, target) in ds.fields.iter_mut().zip(resolved) {
            let Some(p) = &f.pi else { continue };
            if Self::declared(p)
                || !self.cues.context.key_drops(&p.category)
                || (context::reference_key(&f.name).is_none() && f.references.is_none())
                || !(target.is_some() || id_typed(f.data_type.as_deref()))
            {
                continue;
            }
            tracing::debug!(field = %f.id, ?target, "reference id: a key, not PI");
            f.pi = None;
        }
    }

    /// Tree nodes (a department, a menu, a category DTO) carry `children`,
    /// `childList` and `parent_name` beside `parent_id`: sub-nodes and the
    /// parent node, not a person's children or parents. Only the children
    /// and relatives categories are dropped (a member tree's `parent_name`
    /// may still be a name).
    fn apply_tree(&self, ds: &mut Dataset) {
        let ctx = &self.cues.context;
        let tree: Vec<bool> = ds
            .fields
            .iter()
            .map(|f| {
                f.pi.as_ref().is_some_and(|p| {
                    p.category.starts_with("minor.") || p.category == "relation.family"
                }) && ctx.tree_children(ds, &f.name, f.data_type.as_deref())
            })
            .collect();
        for (f, tree) in ds.fields.iter_mut().zip(tree) {
            if tree && !f.pi.as_ref().is_some_and(Self::declared) {
                f.pi = None;
            }
        }
    }

    /// A bare 卡号 (card number) is a bank card only with bank context (银行,
    /// 信用卡, `bank` in the column's or table's name or comment); a member,
    /// exam or distribution card number identifies the holder in that
    /// system only: `identity.other_id`.
    fn apply_card_context(&self, ds: &mut Dataset) {
        let bank = |name: &str, comment: Option<&str>| {
            tokenize(name)
                .iter()
                .any(|t| BANK_TOKENS.contains(&t.as_str()))
                || comment.is_some_and(|c| BANK_WORDS.iter().any(|w| c.contains(w)))
        };
        let table_bank = bank(
            ds.name.rsplit('.').next().unwrap_or(&ds.name),
            ds.comment.as_deref(),
        );
        for f in &mut ds.fields {
            let Some(p) = f.pi.as_mut() else { continue };
            let bare = p.category == "finance.bank_card"
                && p.evidence.iter().all(|e| {
                    (e.kind == "comment" && e.detail.starts_with("comment contains “卡号”"))
                        || (e.kind == "name"
                            && GENERIC_CARD_NAMES
                                .iter()
                                .any(|n| e.detail.starts_with(&format!("name cue '{n}'"))))
                });
            if !bare || table_bank || bank(&f.name, f.comment.as_deref()) {
                continue;
            }
            p.category = "identity.other_id".into();
            p.sensitive = self.taxonomy.is_sensitive(&p.category, self.profile);
            p.evidence.push(Evidence {
                kind: CONTEXT.into(),
                detail: "card number without bank context (no 银行/信用卡/bank in the column or table): a member or service card number, identity.other_id".into(),
            });
        }
    }

    /// Schema-level context, after every dataset is classified: all PI in
    /// the pupils' tables of a K-12 school schema is sensitive (PIPL Art. 31),
    /// even when no single table says "minor".
    pub fn apply_schema_context(&self, datasets: &mut [Dataset]) {
        context::apply_school(&self.cues.context, datasets, |d| self.person_like(d));
    }

    /// PI of children under 14 is sensitive (PIPL Arts. 28, 31): when a
    /// dataset is declared or recognised as children's data (a
    /// `minor.under14` field, or a guardian column), every PI field in it
    /// becomes sensitive. A `minor.under18` marker alone does not: PI of
    /// 14-17-year-olds is not sensitive for being theirs.
    fn apply_children_context(&self, ds: &mut Dataset, declared: bool) {
        let minor_field = ds
            .fields
            .iter()
            .find(|f| f.pi.as_ref().is_some_and(|p| p.category == UNDER14))
            .map(|f| f.name.clone());
        let guardian_field = ds
            .fields
            .iter()
            .find(|f| {
                tokenize(&f.name)
                    .iter()
                    .any(|t| t == "guardian" || t == "jhr")
                    || f.comment
                        .as_deref()
                        .is_some_and(|c| c.contains("监护人") || c.contains("家长"))
            })
            .map(|f| f.name.clone());
        let reason = if declared {
            "declared as children's data".to_string()
        } else if let Some(f) = minor_field {
            format!("under-14 marker column `{f}`")
        } else if let Some(f) = guardian_field {
            format!("guardian column `{f}`")
        } else {
            return;
        };
        for f in &mut ds.fields {
            if let Some(p) = &mut f.pi {
                if !p.sensitive {
                    p.sensitive = true;
                    p.evidence.push(Evidence {
                        kind: CONTEXT.into(),
                        detail: format!("{CHILDREN_CONTEXT} ({reason}): {CHILDREN_RULE}"),
                    });
                }
            }
        }
    }

    fn tag_fields(&self, ds: &mut Dataset) {
        let person_like = self.person_like(ds);
        let table_tokens = tokenize(ds.name.rsplit('.').next().unwrap_or(&ds.name));
        let mut ambiguous: Vec<(usize, Vec<Vote>)> = Vec::new();
        for (i, field) in ds.fields.iter_mut().enumerate() {
            if field.pi.is_some() {
                continue;
            }
            let (strong, weak) = self.votes(
                &field.name,
                field.comment.as_deref(),
                field.data_type.as_deref(),
                person_like,
                &table_tokens,
                None,
            );
            field.pi = self.decide(strong);
            if field.pi.is_none() && !weak.is_empty() {
                ambiguous.push((i, weak));
            }
        }
        // Ambiguous short tokens (xm, sj, dh…) count only beside other PI.
        let siblings = ds.fields.iter().filter(|f| f.pi.is_some()).count();
        if siblings == 0 {
            return;
        }
        for (i, mut weak) in ambiguous {
            for v in &mut weak {
                v.confidence = 0.6;
                v.evidence
                    .detail
                    .push_str(&format!("; supported by {siblings} PI sibling column(s)"));
            }
            ds.fields[i].pi = self.decide(weak);
        }
    }

    /// Strong and ambiguous votes for one column. `trace`, when given,
    /// receives every cue that matched but was not counted, and why (for
    /// `piaudit explain`).
    fn votes(
        &self,
        name: &str,
        comment: Option<&str>,
        data_type: Option<&str>,
        person_like: bool,
        table_tokens: &[String],
        mut trace: Option<&mut Vec<String>>,
    ) -> (Vec<Vote>, Vec<Vote>) {
        let mut note = |s: String| {
            if let Some(t) = trace.as_deref_mut() {
                t.push(s);
            }
        };
        let neg = &self.cues.negative;
        let tokens = tokenize(name);
        let joined_us = tokens.join("_");
        if tokens.is_empty() {
            return (Vec::new(), Vec::new());
        }
        // A name on the not-PI list stays so, unless a table-scoped cue names
        // it (`product_name` of an order line is part of a transaction).
        let not_pi = neg.not_pi_names.contains(&joined_us);
        if not_pi {
            note(format!(
                "name `{joined_us}` is on the not-PI list (rules/cues/negative.yaml)"
            ));
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        let comment_result = comment.map(|c| self.comment_vote(c));
        // A comment that names something else overrules guesses from the
        // name: the tail of concatenated pinyin (`jsbh` 教室编号 is not `sbh`
        // 设备号) and ambiguous short tokens (`jd` 办理进度); a comment calling
        // the column a key (“app_device 表主键”) overrules every name cue.
        let comment_silent = match (&comment_result, comment) {
            (Some(Err(_)), _) => true,
            // “手机” for `sj` or “考号” for `kh` merely spells the
            // abbreviation out; a comment naming a non-PI thing (教室编号,
            // 报告单号, 办理进度) contradicts it.
            (Some(Ok(None)), Some(c)) => {
                let c = c.to_lowercase();
                neg.comment_words.iter().any(|w| c.contains(w.as_str()))
            }
            _ => false,
        };
        let comment_says_key = matches!(comment_result, Some(Ok(None)))
            && comment
                .is_some_and(|c| neg.key_comment_words.iter().any(|w| c.contains(w.as_str())));
        let joined = tokens.concat();
        let mut strong = Vec::new();
        let mut weak = Vec::new();
        // Best name cue per category: the longest match.
        let mut best: BTreeMap<&str, (usize, &cues::NameCue, Match)> = BTreeMap::new();
        let last = tokens.last().map_or("", String::as_str);
        for cue in self
            .name_index
            .candidates(&tokens, &joined)
            .into_iter()
            .map(|i| &self.cues.names[i])
        {
            let (run, how) = if joined == cue.joined {
                ((0, tokens.len()), Match::Full)
            } else if let Some(r) = find_run(&tokens, &cue.tokens) {
                (
                    r,
                    if r.1 == tokens.len() {
                        Match::Full
                    } else {
                        Match::Partial
                    },
                )
            } else if is_compound_pinyin(last, cue) {
                // Concatenated pinyin is head-final: `brlxdh` = 病人 + 联系电话.
                ((tokens.len() - 1, 1), Match::Compound)
            } else {
                continue;
            };
            if not_pi && (cue.tables.is_empty() || how != Match::Full) {
                continue;
            }
            if comment_says_key {
                note(format!(
                    "cue '{}' ({}) → {} overruled: the comment calls the column a key",
                    cue.text, cue.source, cue.category
                ));
                continue;
            }
            // 责任人编码 for `liability_person_code`: the comment says the
            // person noun modifies a code, so a run of the name spelling
            // the person does not make the column a name either.
            let modifier = matches!(&comment_result, Some(Err(CommentVeto { modifier_of: Some(c), .. })) if *c == cue.category);
            if (comment_silent && (how == Match::Compound || cue.strength == Strength::Ambiguous))
                || (modifier && how == Match::Partial)
            {
                note(format!(
                    "cue '{}' ({}) → {} overruled: the comment names no personal information",
                    cue.text, cue.source, cue.category
                ));
                continue;
            }
            if !cue.tables.is_empty() && !cue.tables.iter().any(|t| table_tokens.contains(t)) {
                if how == Match::Full {
                    note(format!(
                        "cue '{}' ({}) → {} counts only in tables named with {}",
                        cue.text,
                        cue.source,
                        cue.category,
                        cue.tables.join("/")
                    ));
                }
                continue;
            }
            // `is_set_password`: a yes/no flag, not the password.
            if run.0 > 0
                && neg.flag_name_prefixes.contains(&tokens[0])
                && !neg.flag_categories.contains(&cue.category)
            {
                note(format!(
                    "cue '{}' ({}) → {} cancelled: `{}_…` names a yes/no flag",
                    cue.text, cue.source, cue.category, tokens[0]
                ));
                continue;
            }
            let outside = tokens[..run.0].iter().chain(&tokens[run.0 + run.1..]);
            if let Some(t) = outside.clone().find(|t| neg.name_tokens.contains(*t)) {
                note(format!(
                    "cue '{}' ({}) → {} cancelled by negative token `{t}`",
                    cue.text, cue.source, cue.category
                ));
                continue;
            }
            // `<x>_name` is a person's name only when x is a person word or
            // qualifies a name (`real_name`, `contact_name`), not a thing's
            // (`community_name`, `room_name`).
            if cue.strength == Strength::Contextual && cue.category == "name" {
                if let Some(t) = tokens[..run.0].iter().find(|t| {
                    !neg.person_tables.contains(*t)
                        && !neg.name_qualifiers.contains(*t)
                        && !self.cues.context.person_ref_token(t)
                }) {
                    note(format!(
                        "cue '{}' ({}) → name cancelled: `{t}` before it names a thing, not a person",
                        cue.text, cue.source
                    ));
                    continue;
                }
            }
            let len = cue.joined.len();
            let slot = best.entry(&cue.category).or_insert((0, cue, how));
            if len > slot.0 {
                *slot = (len, cue, how);
            }
        }
        for (category, (_, cue, how)) in best {
            let kind = if cue.source == "pinyin" {
                "pinyin"
            } else {
                "name"
            };
            let vote = |confidence: f64, extra: &str| Vote {
                category: category.to_string(),
                confidence,
                evidence: Evidence {
                    kind: kind.to_string(),
                    detail: format!("{kind} cue '{}' ({}){extra}", cue.text, cue.source),
                },
            };
            match cue.strength {
                Strength::Plain => strong.push(match how {
                    Match::Full => vote(0.85, ""),
                    Match::Partial => vote(0.75, ""),
                    Match::Compound => vote(0.65, "; suffix of a concatenated pinyin name"),
                }),
                Strength::Contextual if person_like => {
                    strong.push(vote(0.7, "; person-like table"))
                }
                Strength::Contextual => note(format!(
                    "cue '{}' ({}) → {category} counts only in a person-like table",
                    cue.text, cue.source
                )),
                Strength::Ambiguous => weak.push(vote(0.45, "; ambiguous")),
            }
        }
        match comment_result {
            Some(Ok(Some(v))) if !not_pi => strong.push(v),
            Some(Err(veto)) => note(veto.why),
            _ => {}
        }
        // Type fit: a date, time or boolean column cannot hold a text-only category.
        if let Some(t) = data_type {
            let t = t.to_ascii_lowercase();
            let temporal = [
                "date",
                "time",
                "timestamp",
                "datetime",
                "year",
                "interval",
                "bool",
                "boolean",
                "bit",
                "tinyint(1)",
            ]
            .iter()
            .any(|p| t == *p || t.starts_with(&format!("{p}(")) || t.starts_with(&format!("{p} ")));
            let boolean = ["bool", "boolean", "bit", "tinyint(1)"].iter().any(|p| {
                t == *p || t.starts_with(&format!("{p}(")) || t.starts_with(&format!("{p} "))
            });
            if temporal {
                let keep = |v: &Vote| {
                    !self
                        .taxonomy
                        .category(&v.category)
                        .is_some_and(|c| c.text_only || (c.flag_or_text && !boolean))
                };
                for v in strong.iter().chain(&weak).filter(|v| !keep(v)) {
                    note(format!(
                        "{} dropped: type {t} cannot hold this category (text only, or a flag and not a date)",
                        v.category
                    ));
                }
                strong.retain(keep);
                weak.retain(keep);
            }
            let fits = [("identity.national_id", "(18)"), ("contact.phone", "(11)")];
            for (cat, len) in fits {
                if t.contains(len) && strong.iter().any(|v| v.category == cat) {
                    strong.push(Vote {
                        category: cat.to_string(),
                        confidence: 0.3,
                        evidence: Evidence {
                            kind: "type".into(),
                            detail: format!("type {t} fits {cat}"),
                        },
                    });
                }
            }
        }
        (strong, weak)
    }

    /// The comment's vote; `Err` says why a matching keyword was not counted.
    fn comment_vote(&self, comment: &str) -> Result<Option<Vote>, CommentVeto> {
        let neg = &self.cues.negative;
        let full = comment.to_lowercase();
        // A list of coded values (“状态(0已挂号 1已就诊)”, “1指纹 2密码 3人脸”,
        // “gps/wifi/cell”) names what a value means, not what the column
        // holds: only the text before it is read.
        let lower = &full[..value_list_start(&full)];
        // Chinese noun phrases are head-final: in “负责人电话” the phone, not
        // the person, is what the column holds. The keyword ending last
        // wins; at the same end, the longest (“IP地址” over “地址”).
        // A bracketed aside (“声纹特征(用于识别家庭成员)”) explains the head
        // rather than replacing it: it is searched only when the text before
        // it has no keyword.
        let head_end = lower.find(['(', '（', '[', '【']).unwrap_or(lower.len());
        let Some((pos, cue)) = self
            .comment_index
            .last_match(&self.cues.comments, &lower[..head_end])
            .or_else(|| self.comment_index.last_match(&self.cues.comments, lower))
            .map(|(p, i)| (p, &self.cues.comments[i]))
        else {
            return Ok(None);
        };
        // Veto words after the keyword count up to the next bracket: an
        // aside (“发送内容(含验证码/姓名)”) does not turn the head into a
        // verification code.
        let after = &lower[pos + cue.keyword.len()..];
        let after = &after[..after.find(['(', '（', '[', '【']).unwrap_or(after.len())];
        let before = &lower[..pos];
        // “是否低保”, “是否近视”: a yes/no flag about such a category
        // reveals it, so the flag prefix does not veto it.
        let flag_ok = neg.flag_categories.contains(&cue.category);
        // “设置密码[1:是,0:否]”: the comment lists a flag's answers.
        if !flag_ok
            && !neg.flag_answer_words.is_empty()
            && neg
                .flag_answer_words
                .iter()
                .all(|w| lower.contains(w.as_str()))
        {
            return Err(CommentVeto {
                why: format!(
                    "comment keyword “{}” → {} cancelled: the comment lists a yes/no flag's answers",
                    cue.keyword, cue.category
                ),
                modifier_of: None,
            });
        }
        if let Some(w) = neg
            .comment_words
            .iter()
            .find(|w| after.contains(w.as_str()))
            .or_else(|| {
                neg.comment_prefix_words
                    .iter()
                    .filter(|w| !(flag_ok && neg.flag_prefix_words.contains(w)))
                    .find(|w| before.contains(w.as_str()))
            })
        {
            return Err(CommentVeto {
                why: format!(
                    "comment keyword “{}” → {} cancelled by “{w}”",
                    cue.keyword, cue.category
                ),
                modifier_of: None,
            });
        }
        if let Some(rest) = person_noun_modifies(cue, after, &neg.person_noun_tails) {
            return Err(CommentVeto {
                why: format!(
                    "comment keyword “{}” → {} is not the head of the phrase: “{rest}” follows the person noun (申请人部门, 受理人数)",
                    cue.keyword, cue.category
                ),
                modifier_of: Some(cue.category.clone()),
            });
        }
        // 户籍详细地址: the head is an address, the qualifier before it says
        // which kind (`comment_qualifiers`).
        let qualified = self
            .cues
            .context
            .comment_qualifiers
            .iter()
            .filter(|q| q.category == cue.category)
            .find_map(|q| {
                q.words
                    .iter()
                    .find(|w| before.contains(&w.to_lowercase()))
                    .map(|w| (q, w))
            });
        let (category, detail) = match qualified {
            Some((q, w)) => (
                q.refined.clone(),
                format!("comment contains “{}”, qualified by “{w}”", cue.keyword),
            ),
            None => (
                cue.category.clone(),
                format!("comment contains “{}”", cue.keyword),
            ),
        };
        Ok(Some(Vote {
            category,
            confidence: 0.9,
            evidence: Evidence {
                kind: "comment".into(),
                detail,
            },
        }))
    }

    /// Every cue that matched one field's name, comment and type, counted or
    /// not, with weights: the part of `piaudit explain` that says *why*.
    pub fn trace(&self, ds: &Dataset, field: &Field) -> CueTrace {
        self.trace_in(ds, field, &context::SchemaIndex::default())
    }

    /// [`Self::trace`] with the dataset's schema (`schema`), which resolves
    /// foreign keys declared by naming.
    pub fn trace_in(&self, ds: &Dataset, field: &Field, schema: &context::SchemaIndex) -> CueTrace {
        let person_like_table = self.person_like(ds);
        let mut ignored = Vec::new();
        let (strong, weak) = self.votes(
            &field.name,
            field.comment.as_deref(),
            field.data_type.as_deref(),
            person_like_table,
            &tokenize(ds.name.rsplit('.').next().unwrap_or(&ds.name)),
            Some(&mut ignored),
        );
        let attributes = &self.cues.context.person_attribute_categories;
        if let Some(v) = strong.iter().find(|v| attributes.contains(&v.category)) {
            if let Err(why) = self.about_persons(ds, schema) {
                ignored.push(format!("{} dropped: {why}", v.category));
            }
        }
        let ctx = &self.cues.context;
        if ctx.operator_column(&field.name) {
            ignored.push(match self.operator_fills.verdict(&field.name) {
                Some(v) if v.holds == FillValue::Id => format!("operator audit column holding a user id, a key (not PI): {}", v.detail),
                Some(v) => format!("operator audit column holding a user's login or display name: {}", v.detail),
                None => "operator audit column: no code writes a user id or name into it (default: a key unless its name reads as a login name) / 代码中未见写入值".into(),
            });
        }
        if context::reference_key(&field.name).is_some() || field.references.is_some() {
            match schema.link(ds, &field.name) {
                Some(context::Link {
                    table,
                    person,
                    declared: true,
                }) => ignored.push(format!(
                    "reference id: declared foreign key `{}` → `{table}`{}: a key (no name, contact, account or device tag; never inherits a record's category){}",
                    field.name,
                    if person { " (a person table)" } else { "" },
                    if person { "; the row is about that person (record-level subject)" } else { "" }
                )),
                Some(context::Link { table, person, .. }) => ignored.push(format!(
                    "reference id: foreign key (by naming) to {} table `{table}` of the same schema: a key (no name, contact, account or device tag; never inherits a record's category){}",
                    if person { "the person" } else { "the" },
                    if person { "; the row is about that person (record-level subject)" } else { "" }
                )),
                None if id_typed(field.data_type.as_deref())
                    && strong.iter().any(|v| ctx.key_drops(&v.category)) =>
                {
                    ignored.push(
                        "reference id: an integer-typed `<x>_id` column holds a key of another table, not a name, contact, account or device id (key_categories)".into(),
                    )
                }
                None => {}
            }
        }
        if amount_typed(field.data_type.as_deref())
            && strong.iter().any(|v| {
                v.category.starts_with("finance.")
                    && ctx.entity_attribute_categories.contains(&v.category)
            })
            && self.about_persons(ds, schema).is_err()
        {
            ignored.push("amount: a decimal balance or amount in a table whose rows are not persons is a ledger's figure, not a person's account (finance.account/bank_card dropped)".into());
        }
        if ctx.tree_children(ds, &field.name, field.data_type.as_deref()) {
            ignored.push("tree node: `children`/`parent_name` beside `parent_id` (or a collection type) are sub-nodes and the parent node, not a person's children or relatives (minor.*, relation.family dropped)".into());
        }
        match ctx.record_subject(ds, &self.cues.negative.person_tables, schema) {
            Some(context::RecordSubject::Reference(tok)) => ignored.push(format!(
                "table subject: reference/configuration table (`{tok}`), no column refers to a person: name and comment cues are not PI"
            )),
            Some(context::RecordSubject::Organisation(tok))
                if !ctx.contact_person_column(&field.name, field.comment.as_deref())
                    && strong
                        .iter()
                        .any(|v| ctx.organisation_categories.contains(&v.category)) =>
            {
                ignored.push(format!(
                    "table subject: organisation, place or machine (`{tok}`), no column refers to a person: its own phone, e-mail, address and coordinates are not a natural person's (a contact person's name or mobile would be)"
                ))
            }
            Some(context::RecordSubject::Record { category, cue, link })
                if ctx.record_bookkeeping(&category, &field.name)
                    || field.references.is_some()
                    || link.split('`').nth(1) == Some(field.name.as_str()) =>
            {
                ignored.push(format!(
                    "record-level {category} (record cue {cue}, tied to a person by {link}) not inherited: key, reference id or record-keeping column"
                ))
            }
            _ => {}
        }
        let row = |v: &Vote| TracedCue {
            category: v.category.clone(),
            weight: v.confidence,
            detail: v.evidence.detail.clone(),
        };
        CueTrace {
            person_like_table,
            counted: strong.iter().map(row).collect(),
            ambiguous: weak.iter().map(row).collect(),
            ignored,
            pi_siblings: ds
                .fields
                .iter()
                .filter(|f| f.id != field.id && f.pi.is_some())
                .count(),
        }
    }

    /// Tags an identifier printed by code (a variable or property, not a
    /// column), e.g. the `idCard` of `user.getIdCard()` in a log call.
    /// `owner` is the object it is read from (`user`): like a table name, it
    /// decides whether contextual cues (`name`) count.
    pub fn tag_identifier(&self, name: &str, owner: Option<&str>) -> Option<PiTag> {
        let owner_ds = Dataset {
            id: String::new(),
            kind: crate::model::DatasetKind::Entity,
            name: owner.unwrap_or_default().to_string(),
            system: None,
            comment: None,
            location: crate::model::Location::line("", 0),
            locations: Vec::new(),
            fields: Vec::new(),
        };
        let (strong, _) = self.votes(
            name,
            None,
            None,
            owner.is_some() && self.person_like(&owner_ds),
            &tokenize(owner.unwrap_or_default()),
            None,
        );
        self.decide(strong)
    }

    /// Whether a variable names a whole person record (`user`, `memberDTO`,
    /// `loginUser`, `userInfo`): its head token, past carrier suffixes like
    /// DTO/VO/info, is a person word of `negative.yaml` (`userId` is not:
    /// its head is `id`).
    pub fn person_object(&self, name: &str) -> bool {
        const CARRIERS: &[&str] = &[
            "dto", "vo", "bo", "po", "do", "entity", "info", "detail", "details", "req", "request",
            "resp", "response", "param", "params", "form", "data", "obj", "model", "record",
            "list", "bean",
        ];
        let tokens = tokenize(name);
        tokens
            .iter()
            .rev()
            .find(|t| !CARRIERS.contains(&t.as_str()))
            .is_some_and(|t| self.cues.negative.person_tables.contains(t))
    }

    /// Whether a class name names reference data, as a table name does
    /// (docs/classifier.md, "Table subject"): the last person or reference
    /// token past carrier suffixes (`DmsCaseModelResult` → `model`) is a
    /// reference token of `context.yaml`. A controller returning such a
    /// type returns a template or catalogue, not a person's record.
    pub fn reference_type(&self, name: &str) -> bool {
        let ctx = &self.cues.context;
        let tokens = tokenize(name);
        tokens
            .iter()
            .rev()
            .find(|t| {
                self.cues.negative.person_tables.contains(t)
                    || ctx.reference_table_tokens.contains(t)
            })
            .is_some_and(|t| ctx.reference_table_tokens.contains(t))
    }

    /// Combines votes per category (noisy-or) and keeps the best above threshold.
    fn decide(&self, votes: Vec<Vote>) -> Option<PiTag> {
        let mut by_cat: BTreeMap<String, (f64, Vec<Evidence>)> = BTreeMap::new();
        for mut v in votes {
            let e = by_cat.entry(v.category).or_insert((1.0, Vec::new()));
            e.0 *= 1.0 - v.confidence;
            v.evidence
                .detail
                .push_str(&format!(" (weight {:.2})", v.confidence));
            e.1.push(v.evidence);
        }
        let (category, (miss, mut evidence)) = by_cat.into_iter().max_by(|a, b| {
            (1.0 - a.1 .0)
                .total_cmp(&(1.0 - b.1 .0))
                .then(b.0.cmp(&a.0))
        })?;
        let confidence = ((1.0 - miss) * 100.0).round() / 100.0;
        if confidence < THRESHOLD {
            return None;
        }
        evidence.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.detail.cmp(&b.detail)));
        Some(PiTag {
            sensitive: self.taxonomy.is_sensitive(&category, self.profile),
            category,
            confidence,
            evidence,
        })
    }
}

/// Whether a column type holds an amount (a fixed-point or floating
/// number, `decimal(24,6)`, `money`, Java `BigDecimal`/`Double`) rather
/// than an account or card number, which is text or an integer (a
/// `numeric` without a scale is an integer).
pub(crate) fn amount_typed(data_type: Option<&str>) -> bool {
    let Some(t) = data_type else { return false };
    let t = t.trim().to_ascii_lowercase();
    let base = t.split(['(', ' ']).next().unwrap_or("");
    matches!(
        base,
        "decimal"
            | "numeric"
            | "money"
            | "smallmoney"
            | "double"
            | "float"
            | "real"
            | "float4"
            | "float8"
            | "bigdecimal"
    ) && (base != "numeric" || t.contains(','))
}

/// Whether a column type holds a key rather than a name: integers, and
/// fixed-width `char(32)`/`char(36)`/`char(19)` (UUIDs, snowflake ids).
fn id_typed(data_type: Option<&str>) -> bool {
    let Some(t) = data_type else { return false };
    let t = t.trim().to_ascii_lowercase();
    let base = t.split(['(', ' ']).next().unwrap_or("");
    if matches!(
        base,
        "int"
            | "integer"
            | "bigint"
            | "smallint"
            | "tinyint"
            | "mediumint"
            | "int4"
            | "int8"
            | "long"
            | "serial"
            | "bigserial"
            | "number"
            | "numeric"
    ) {
        return true;
    }
    let width = t
        .split_once('(')
        .and_then(|(_, r)| r.trim_end_matches(')').trim().parse::<u32>().ok());
    base == "char" && width.is_some_and(|w| w >= 19)
}

/// Byte offset where a list of coded values starts in a lower-cased comment
/// (`状态(0已挂号 1已就诊 2退号)`, `1指纹 2密码 3人脸`, `gps/wifi/cell`), or
/// the comment's length. A coded value is a segment that starts with digits
/// followed by a letter (`0已挂号`, `01身份证`); a list needs two of them,
/// so “1寸照片” alone is not one. A segment with two slashes is a list of
/// alternatives.
/// Chinese noun phrases are head-final: a person noun of a `name` keyword
/// (申请人, 受理人, 班主任) followed by another word (申请人部门, 受理人数,
/// 申请人的复核理由) modifies that word, and the column holds the department,
/// the count, the reason. Returns the words after the noun when they are not
/// a tail that keeps the person the head (`tails`: 姓名, 签名, a digit of
/// 经办人2). Keywords that already end in a name word (申请人姓名, 曾用名)
/// are not person nouns. The text after the keyword is read up to the first
/// punctuation or space (“负责人，必填”).
/// Why a comment keyword was not counted.
#[derive(Debug)]
struct CommentVeto {
    /// The trace line.
    why: String,
    /// Set when the keyword is a person noun modifying another word
    /// (责任人编码): the category whose partial name cues fall with it.
    modifier_of: Option<String>,
}

fn person_noun_modifies<'a>(
    cue: &cues::CommentCue,
    after: &'a str,
    tails: &[String],
) -> Option<&'a str> {
    if cue.category != "name" || tails.iter().any(|t| cue.keyword.ends_with(t.as_str())) {
        return None;
    }
    let end = after
        .find(|c: char| {
            c.is_whitespace() || c.is_ascii_punctuation() || "，。；：、！？“”‘’".contains(c)
        })
        .unwrap_or(after.len());
    let rest = &after[..end];
    let keeps = rest.is_empty()
        || rest.starts_with(|c: char| c.is_ascii_digit())
        || tails.iter().any(|t| rest.starts_with(t.as_str()));
    (!keeps).then_some(rest)
}

fn value_list_start(comment: &str) -> usize {
    let is_sep = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '(' | ')' | '（' | '）' | ',' | '，' | '、' | ';' | '；' | ':' | '：' | '[' | ']'
            )
    };
    let mut coded = Vec::new();
    let mut start = None;
    for (i, c) in comment.char_indices().chain([(comment.len(), ' ')]) {
        if !is_sep(c) {
            start.get_or_insert(i);
            continue;
        }
        let Some(s) = start.take() else { continue };
        let seg = &comment[s..i];
        if seg.matches('/').count() >= 2 {
            return coded.first().copied().unwrap_or(s);
        }
        let digits = seg.len() - seg.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0
            && seg[digits..]
                .chars()
                .next()
                .is_some_and(char::is_alphabetic)
        {
            coded.push(s);
        }
    }
    if coded.len() >= 2 {
        coded[0]
    } else {
        comment.len()
    }
}

#[cfg(test)]
mod tests {
    use super::value_list_start;

    #[test]
    fn value_lists_are_cut_off() {
        let c = "状态(0已挂号 1已就诊 2退号)";
        assert_eq!(&c[..value_list_start(c)], "状态(");
        let c = "1指纹 2密码 3人脸";
        assert_eq!(value_list_start(c), 0);
        assert_eq!(value_list_start("gps/wifi/cell"), 0);
        let c = "地址标签 家/公司/学校";
        assert_eq!(&c[..value_list_start(c)], "地址标签 ");
        // One coded value is not a list; one slash is not a list of alternatives.
        for c in ["1寸照片", "国籍/地区", "证件类型 01身份证", "身高(cm)"] {
            assert_eq!(value_list_start(c), c.len(), "{c}");
        }
    }
}
