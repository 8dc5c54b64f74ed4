//! Classify: tag each field with a PI category, its sensitivity under the
//! chosen profile, a confidence and the evidence — from column-name cues
//! (English, pinyin, NHSA codes), comment keywords, the column type and the
//! table it sits in. Taxonomy and cues are data (`rules/`), not code.

pub mod cues;
pub mod eval;
mod samples;
pub mod taxonomy;
pub mod tokens;
pub mod validators;

use crate::model::{Dataset, Evidence, PiTag};
use cues::{Cues, Strength};
use std::collections::BTreeMap;
use taxonomy::Taxonomy;
use tokens::{find_run, tokenize};

/// Fields scoring below this are not tagged.
pub const THRESHOLD: f64 = 0.5;

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
        }
    }

    /// Whether a table is about persons (for contextual cues like `name`).
    pub fn person_like(&self, ds: &Dataset) -> bool {
        let neg = &self.cues.negative;
        let toks = tokenize(ds.name.rsplit('.').next().unwrap_or(&ds.name));
        let person = toks.iter().any(|t| neg.person_tables.contains(t));
        let non_person = toks.iter().any(|t| neg.non_person_tables.contains(t));
        let by_comment = ds
            .comment
            .as_deref()
            .is_some_and(|c| PERSON_TABLE_COMMENT_WORDS.iter().any(|w| c.contains(w)));
        (person || by_comment) && !non_person
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
        self.tag_fields(ds);
        self.apply_samples(ds, samples);
        self.apply_children_context(ds, declared_minors);
    }

    /// PI of children under 14 is sensitive (PIPL Art. 31): when a dataset
    /// is declared or recognised as children's data (a `minor` field, or a
    /// guardian column), every PI field in it becomes sensitive.
    fn apply_children_context(&self, ds: &mut Dataset, declared: bool) {
        let minor_field = ds
            .fields
            .iter()
            .find(|f| f.pi.as_ref().is_some_and(|p| p.category == "minor"))
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
            format!("minor marker column `{f}`")
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
                        kind: "context".into(),
                        detail: format!(
                            "children's data ({reason}): minors' PI is sensitive (PIPL-31)"
                        ),
                    });
                }
            }
        }
    }

    fn tag_fields(&self, ds: &mut Dataset) {
        let person_like = self.person_like(ds);
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

    /// Strong and ambiguous votes for one column.
    fn votes(
        &self,
        name: &str,
        comment: Option<&str>,
        data_type: Option<&str>,
        person_like: bool,
    ) -> (Vec<Vote>, Vec<Vote>) {
        let neg = &self.cues.negative;
        let tokens = tokenize(name);
        let joined_us = tokens.join("_");
        if tokens.is_empty() || neg.not_pi_names.contains(&joined_us) {
            return (Vec::new(), Vec::new());
        }
        let joined = tokens.concat();
        let mut strong = Vec::new();
        let mut weak = Vec::new();
        // Best name cue per category: the longest match.
        let mut best: BTreeMap<&str, (usize, &cues::NameCue, Match)> = BTreeMap::new();
        let last = tokens.last().map_or("", String::as_str);
        for cue in &self.cues.names {
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
            let outside = tokens[..run.0].iter().chain(&tokens[run.0 + run.1..]);
            if outside.clone().any(|t| neg.name_tokens.contains(t)) {
                continue;
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
                Strength::Contextual => {}
                Strength::Ambiguous => weak.push(vote(0.45, "; ambiguous")),
            }
        }
        if let Some(c) = comment {
            if let Some(v) = self.comment_vote(c) {
                strong.push(v);
            }
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
            if temporal {
                let keep = |v: &Vote| {
                    !self
                        .taxonomy
                        .category(&v.category)
                        .is_some_and(|c| c.text_only)
                };
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

    fn comment_vote(&self, comment: &str) -> Option<Vote> {
        let neg = &self.cues.negative;
        let lower = comment.to_lowercase();
        let cue = self
            .cues
            .comments
            .iter()
            .find(|c| lower.contains(&c.keyword))?;
        let pos = lower.find(&cue.keyword)?;
        let after = &lower[pos + cue.keyword.len()..];
        let before = &lower[..pos];
        if neg.comment_words.iter().any(|w| after.contains(w.as_str()))
            || neg
                .comment_prefix_words
                .iter()
                .any(|w| before.contains(w.as_str()))
        {
            return None;
        }
        Some(Vote {
            category: cue.category.clone(),
            confidence: 0.9,
            evidence: Evidence {
                kind: "comment".into(),
                detail: format!("注释含“{}”", cue.keyword),
            },
        })
    }

    /// Combines votes per category (noisy-or) and keeps the best above threshold.
    fn decide(&self, votes: Vec<Vote>) -> Option<PiTag> {
        let mut by_cat: BTreeMap<String, (f64, Vec<Evidence>)> = BTreeMap::new();
        for v in votes {
            let e = by_cat.entry(v.category).or_insert((1.0, Vec::new()));
            e.0 *= 1.0 - v.confidence;
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
