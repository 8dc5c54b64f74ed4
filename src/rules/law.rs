//! The law table (`rules/law.yaml`): provisions by short code, with
//! bilingual summaries and verification status.

use crate::data::parse_yaml;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An instrument (law, regulation, standard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// Code prefix, e.g. `PIPL`.
    pub prefix: String,
    /// Chinese title.
    pub zh: String,
    /// English title.
    pub en: String,
    /// In force since.
    pub in_force: Option<String>,
    /// V, K, D or U.
    pub status: String,
}

/// One provision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provision {
    /// Short code, e.g. `PIPL-28`.
    pub code: String,
    /// Instrument prefix.
    pub instrument: String,
    /// Article or section.
    pub article: Option<String>,
    /// Obligation in Chinese (own words).
    pub zh: String,
    /// Obligation in English (own words).
    pub en: String,
    /// V (checked), K (known), D (derived) or U (unverified).
    pub status: String,
    /// Code before a renumbering (CSL 2026), if any.
    pub old_code: Option<String>,
}

impl Provision {
    /// Whether the article number was checked or is long-standing.
    pub fn verified(&self) -> bool {
        matches!(self.status.as_str(), "V" | "K")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LawFile {
    instruments: Vec<Instrument>,
    provisions: Vec<Provision>,
}

/// The loaded law table.
#[derive(Debug, Clone, Default)]
pub struct Law {
    /// Instruments by prefix.
    pub instruments: BTreeMap<String, Instrument>,
    /// Provisions by code.
    pub provisions: BTreeMap<String, Provision>,
}

impl Law {
    /// Parses `rules/law.yaml`.
    pub fn load(file: &str, text: &str) -> Result<Law, Error> {
        let raw: LawFile = parse_yaml(file, text)?;
        let mut law = Law::default();
        for i in raw.instruments {
            law.instruments.insert(i.prefix.clone(), i);
        }
        for p in raw.provisions {
            if !law.instruments.contains_key(&p.instrument) {
                return Err(Error::Rules {
                    file: file.to_string(),
                    message: format!(
                        "provision `{}` names unknown instrument `{}`",
                        p.code, p.instrument
                    ),
                });
            }
            if law.provisions.contains_key(&p.code) {
                return Err(Error::Rules {
                    file: file.to_string(),
                    message: format!("duplicate provision `{}`", p.code),
                });
            }
            law.provisions.insert(p.code.clone(), p);
        }
        Ok(law)
    }

    /// A provision by code.
    pub fn get(&self, code: &str) -> Option<&Provision> {
        self.provisions.get(code)
    }
}
