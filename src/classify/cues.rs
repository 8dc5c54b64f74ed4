//! Cue dictionaries (`rules/cues/*.yaml`): column-name cues (English, pinyin,
//! NHSA codes), comment keywords, and the negative cues that veto them.

use super::taxonomy::Taxonomy;
use super::tokens::tokenize;
use crate::data::{parse_yaml, DataFiles};
use crate::error::Error;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CueFile {
    cues: Vec<CueSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CueSpec {
    category: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    contextual: Vec<String>,
    #[serde(default)]
    ambiguous: Vec<String>,
    #[serde(default)]
    comments: Vec<String>,
    /// When set, the name cues of this entry count only in tables whose
    /// name has one of these tokens (amounts in `order` tables are
    /// transactions, in `loan` tables credit).
    #[serde(default)]
    tables: Vec<String>,
}

/// The negative cues of `rules/cues/negative.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Negative {
    /// Name tokens that veto a name cue when outside the matched run.
    #[serde(default)]
    pub name_tokens: Vec<String>,
    /// Comment words that veto a comment cue when after the keyword.
    #[serde(default)]
    pub comment_words: Vec<String>,
    /// Comment words that veto a comment cue when before the keyword.
    #[serde(default)]
    pub comment_prefix_words: Vec<String>,
    /// Whole column names (tokens joined by `_`) that are never PI.
    #[serde(default)]
    pub not_pi_names: Vec<String>,
    /// Comment words calling a column a key (主键, 外键): with no PI keyword
    /// in the comment, name cues do not count (`deviceId` “app_device 表主键”).
    #[serde(default)]
    pub key_comment_words: Vec<String>,
    /// Categories a yes/no flag reveals (是否低保, 是否近视): for them the
    /// `flag_prefix_words` do not veto a comment keyword.
    #[serde(default)]
    pub flag_categories: Vec<String>,
    /// Prefix words of a yes/no flag (是否).
    #[serde(default)]
    pub flag_prefix_words: Vec<String>,
    /// First name tokens of a yes/no flag (`is_set_password`): name cues
    /// outside `flag_categories` do not count.
    #[serde(default)]
    pub flag_name_prefixes: Vec<String>,
    /// Words that, all present, make a comment list a flag's answers
    /// (“[1:是,0:否]”): comment cues outside `flag_categories` do not count.
    #[serde(default)]
    pub flag_answer_words: Vec<String>,
    /// Table-name tokens that make a table person-like.
    #[serde(default)]
    pub person_tables: Vec<String>,
    /// Table-name tokens that make a table not person-like.
    #[serde(default)]
    pub non_person_tables: Vec<String>,
    /// Tokens that may stand before the contextual `name` cue in a longer
    /// column name (`real_name`, `contact_name`, `audit_user_name`): besides
    /// person words, the words qualifying a person's name. Any other word
    /// names a thing (`community_name`, `room_name`).
    #[serde(default)]
    pub name_qualifiers: Vec<String>,
    /// Words that may follow a person noun of a `name` comment keyword
    /// (申请人 → 申请人姓名) with the noun still the head of the
    /// phrase. Any other word after it makes the person a modifier of
    /// something else (申请人部门, 受理人数, 申请人的复核理由): not a name.
    #[serde(default)]
    pub person_noun_tails: Vec<String>,
}

/// How strong a name cue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// Tags on its own.
    Plain,
    /// Tags only in a person-like table.
    Contextual,
    /// Needs supporting evidence.
    Ambiguous,
}

/// One column-name cue.
#[derive(Debug, Clone)]
pub struct NameCue {
    /// Taxonomy id.
    pub category: String,
    /// The cue as written.
    pub text: String,
    /// Its tokens.
    pub tokens: Vec<String>,
    /// Its tokens joined without separator.
    pub joined: String,
    /// Plain, contextual or ambiguous.
    pub strength: Strength,
    /// Dictionary it came from (`en`, `pinyin`, `nhsa`, …).
    pub source: String,
    /// Table-name tokens the cue is limited to; empty = any table.
    pub tables: Vec<String>,
}

/// One comment keyword.
#[derive(Debug, Clone)]
pub struct CommentCue {
    /// Taxonomy id.
    pub category: String,
    /// The keyword.
    pub keyword: String,
}

/// All cue dictionaries.
#[derive(Debug, Clone, Default)]
pub struct Cues {
    /// Column-name cues.
    pub names: Vec<NameCue>,
    /// Comment keywords, longest first.
    pub comments: Vec<CommentCue>,
    /// Vetoes and table context.
    pub negative: Negative,
    /// Schema context: K-12 school systems (children's data).
    pub context: super::context::ContextCues,
}

impl Cues {
    /// Loads every `cues/*.yaml` file, checking categories against `taxonomy`.
    pub fn load(files: &DataFiles, taxonomy: &Taxonomy) -> Result<Cues, Error> {
        let mut cues = Cues::default();
        for (path, text) in files.under("cues/") {
            if path == "cues/negative.yaml" {
                cues.negative = parse_yaml(path, text)?;
                continue;
            }
            if path == "cues/context.yaml" {
                let spec: super::context::ContextSpec = parse_yaml(path, text)?;
                cues.context = spec.into();
                continue;
            }
            let source = path
                .trim_start_matches("cues/")
                .trim_end_matches(".yaml")
                .trim_end_matches(".yml")
                .to_string();
            let file: CueFile = parse_yaml(path, text)?;
            for spec in file.cues {
                if taxonomy.category(&spec.category).is_none() {
                    return Err(Error::Rules {
                        file: path.to_string(),
                        message: format!("cue category `{}` is not in the taxonomy", spec.category),
                    });
                }
                let lists = [
                    (&spec.names, Strength::Plain),
                    (&spec.contextual, Strength::Contextual),
                    (&spec.ambiguous, Strength::Ambiguous),
                ];
                for (list, strength) in lists {
                    for text in list {
                        let tokens = tokenize(text);
                        if tokens.is_empty() {
                            continue;
                        }
                        cues.names.push(NameCue {
                            category: spec.category.clone(),
                            text: text.clone(),
                            joined: tokens.concat(),
                            tokens,
                            strength,
                            source: source.clone(),
                            tables: spec.tables.iter().map(|t| t.to_lowercase()).collect(),
                        });
                    }
                }
                for kw in &spec.comments {
                    let keyword = kw.trim().to_lowercase();
                    if !keyword.is_empty() {
                        cues.comments.push(CommentCue {
                            category: spec.category.clone(),
                            keyword,
                        });
                    }
                }
            }
        }
        cues.sort_comments();
        Ok(cues)
    }

    /// Adds an organisation's own cue words (from `piaudit.yaml`).
    pub fn add_custom(&mut self, custom: &[CustomCue]) {
        for c in custom {
            for text in &c.names {
                let tokens = tokenize(text);
                if tokens.is_empty() {
                    continue;
                }
                self.names.push(NameCue {
                    category: c.category.clone(),
                    text: text.clone(),
                    joined: tokens.concat(),
                    tokens,
                    strength: Strength::Plain,
                    source: "custom".into(),
                    tables: Vec::new(),
                });
            }
            for kw in &c.comments {
                let keyword = kw.trim().to_lowercase();
                if !keyword.is_empty() {
                    self.comments.push(CommentCue {
                        category: c.category.clone(),
                        keyword,
                    });
                }
            }
        }
        self.sort_comments();
    }

    /// Longest keywords first, so the most specific one decides.
    fn sort_comments(&mut self) {
        self.comments.sort_by(|a, b| {
            b.keyword
                .chars()
                .count()
                .cmp(&a.keyword.chars().count())
                .then(a.keyword.cmp(&b.keyword))
        });
    }
}
/// Organisation-specific cue words for one category.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomCue {
    /// Taxonomy id.
    pub category: String,
    /// Column-name cues (snake_case token sequences).
    #[serde(default)]
    pub names: Vec<String>,
    /// Comment keywords.
    #[serde(default)]
    pub comments: Vec<String>,
}
