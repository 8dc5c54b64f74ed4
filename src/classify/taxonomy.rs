//! The PI taxonomy (`rules/taxonomy.yaml`): categories with zh/en names,
//! legal anchors and sensitivity under each profile.

use crate::data::parse_yaml;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Sensitivity of a category under one profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    /// Sensitive PI.
    Yes,
    /// Not sensitive.
    No,
    /// Depends on context or aggregation; not flagged by default.
    Ctx,
}

/// A sensitivity profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Id used with `--profile`.
    pub id: String,
    /// Chinese title.
    pub zh: String,
    /// English title.
    pub en: String,
    /// The profile used when none is chosen.
    #[serde(default)]
    pub default: bool,
}

/// One taxonomy leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable dotted id.
    pub id: String,
    /// Chinese name.
    pub zh: String,
    /// English name.
    pub en: String,
    /// Section of the taxonomy.
    pub group: String,
    /// Primary legal hooks (law codes).
    #[serde(default)]
    pub anchor: Vec<String>,
    /// Sensitivity per profile id.
    pub sensitive: BTreeMap<String, Sensitivity>,
    /// Profiles whose sensitivity value is not verified.
    #[serde(default)]
    pub unverified: Vec<String>,
    /// A high-risk identifier (HR-ID) protected whatever the profile says.
    #[serde(default)]
    pub high_risk: bool,
    /// A date, time or boolean column cannot hold it.
    #[serde(default)]
    pub text_only: bool,
    /// A date or time column cannot hold it, a boolean can: a minor's marker
    /// is a flag (`is_child`), never a date (`police_approve_et`, an end time).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flag_or_text: bool,
    /// Deprecated: the id kept so old reports, baselines, waivers and
    /// overrides resolve, and the category that now takes its place. The
    /// classifier never emits a deprecated id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    version: u32,
    profiles: Vec<Profile>,
    categories: Vec<Category>,
}

/// The loaded taxonomy.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// Profiles in file order.
    pub profiles: Vec<Profile>,
    categories: BTreeMap<String, Category>,
}

impl Taxonomy {
    /// Parses and validates `rules/taxonomy.yaml`.
    pub fn load(file: &str, text: &str) -> Result<Taxonomy, Error> {
        let raw: TaxonomyFile = parse_yaml(file, text)?;
        let err = |message: String| Error::Rules {
            file: file.to_string(),
            message,
        };
        if raw.version != 1 {
            return Err(err(format!(
                "unsupported taxonomy version {}; expected 1",
                raw.version
            )));
        }
        let mut categories = BTreeMap::new();
        for c in raw.categories {
            for p in &raw.profiles {
                if !c.sensitive.contains_key(&p.id) {
                    return Err(err(format!(
                        "category `{}` has no sensitivity for profile `{}`",
                        c.id, p.id
                    )));
                }
            }
            if let Some(old) = categories.insert(c.id.clone(), c) {
                return Err(err(format!("duplicate category id `{}`", old.id)));
            }
        }
        for c in categories.values() {
            if let Some(to) = &c.replaced_by {
                match categories.get(to) {
                    Some(t) if t.replaced_by.is_none() => {}
                    Some(_) => {
                        return Err(err(format!(
                            "category `{}`: replaced_by `{to}` is itself deprecated; point to its replacement",
                            c.id
                        )))
                    }
                    None => {
                        return Err(err(format!(
                            "category `{}`: replaced_by `{to}` is not a category id",
                            c.id
                        )))
                    }
                }
            }
        }
        Ok(Taxonomy {
            profiles: raw.profiles,
            categories,
        })
    }

    /// Adds the organisation's own categories from `piaudit.yaml`; an id
    /// that is already a category is an error (returned as its message).
    pub fn add_custom(&mut self, custom: &[CustomCategory]) -> Result<(), String> {
        for c in custom {
            if self.categories.contains_key(&c.id) {
                return Err(format!(
                    "category `{}` already exists in the taxonomy; choose another id",
                    c.id
                ));
            }
            let level = if c.sensitive {
                Sensitivity::Yes
            } else {
                Sensitivity::No
            };
            self.categories.insert(
                c.id.clone(),
                Category {
                    id: c.id.clone(),
                    zh: c.zh.clone(),
                    en: c.en.clone(),
                    group: "custom".into(),
                    anchor: Vec::new(),
                    sensitive: self
                        .profiles
                        .iter()
                        .map(|p| (p.id.clone(), level))
                        .collect(),
                    unverified: Vec::new(),
                    high_risk: c.high_risk,
                    text_only: false,
                    flag_or_text: false,
                    replaced_by: None,
                },
            );
        }
        Ok(())
    }

    /// Makes the given categories sensitive under every profile (the
    /// declarations' `sensitive_categories`). Unknown ids are left to the
    /// declarations check, which names them.
    pub fn raise_sensitive(&mut self, ids: &[String]) {
        for id in ids {
            if let Some(c) = self.categories.get_mut(id) {
                for level in c.sensitive.values_mut() {
                    *level = Sensitivity::Yes;
                }
            }
        }
    }

    /// The id to use for `id` today: its `replaced_by` when deprecated
    /// (an override or cue written for `minor` tags `minor.under18`).
    pub fn current<'a>(&'a self, id: &'a str) -> &'a str {
        self.categories
            .get(id)
            .and_then(|c| c.replaced_by.as_deref())
            .unwrap_or(id)
    }

    /// A category by id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.get(id)
    }

    /// All categories, by id.
    pub fn categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.values()
    }

    /// The default profile id.
    pub fn default_profile(&self) -> Option<&str> {
        self.profiles
            .iter()
            .find(|p| p.default)
            .map(|p| p.id.as_str())
    }

    /// Checks that `profile` exists.
    pub fn check_profile(&self, profile: &str) -> Result<(), Error> {
        if self.profiles.iter().any(|p| p.id == profile) {
            return Ok(());
        }
        let known: Vec<&str> = self.profiles.iter().map(|p| p.id.as_str()).collect();
        Err(Error::Usage(format!(
            "unknown profile `{profile}`; known: {}",
            known.join(", ")
        )))
    }

    /// Whether `category` is sensitive PI under `profile` (`ctx` counts as no).
    pub fn is_sensitive(&self, category: &str, profile: &str) -> bool {
        self.categories
            .get(category)
            .and_then(|c| c.sensitive.get(profile))
            .is_some_and(|s| *s == Sensitivity::Yes)
    }
}
/// An organisation-specific PI category.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomCategory {
    /// Dotted id, e.g. `custom.loyalty_card`; must not clash with a built-in id.
    pub id: String,
    /// Chinese name.
    pub zh: String,
    /// English name.
    pub en: String,
    /// Sensitive PI under every profile.
    #[serde(default)]
    pub sensitive: bool,
    /// A high-risk identifier (protected whatever the profile says).
    #[serde(default)]
    pub high_risk: bool,
}
