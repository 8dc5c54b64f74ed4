//! Evidence a rule needs before it may assert anything (`requires:` in the
//! rule YAML). Each entry names a fact from a closed list; when one is
//! absent the rule makes no finding and the obligations matrix lists its
//! provisions as not assessable, with the rule's `if_unassessable` text
//! saying what to declare or provide.
//!
//! The facts (documented in docs/assertion-evidence.md):
//!
//! | fact | holds when |
//! |---|---|
//! | `declarations` | a `piaudit.yaml` was read |
//! | `declarations.<key>` | that top-level key is written in `piaudit.yaml`, even as `[]` or `{}` (an empty value declares "none"; an absent key declares nothing) |
//! | `schema` | a table or view was read (DDL, an entity class or a database) |
//! | `code.java` | Java sources yielded a dataset, control or flow |
//! | `live_db` | a database was introspected (`--db` / `databases:`) |

use super::eval::Subjects;
use std::collections::BTreeSet;

/// The facts other than `declarations.<key>`, with what makes each hold.
pub const FACTS: &[(&str, &str)] = &[
    ("declarations", "a piaudit.yaml was read"),
    (
        "schema",
        "a table or view was read (DDL, an entity class or a database)",
    ),
    (
        "code.java",
        "Java sources yielded a dataset, control or flow",
    ),
    ("live_db", "a database was introspected"),
];

/// Checks one `requires` entry against the closed list; the error names
/// the known facts.
pub fn check(fact: &str) -> Result<(), String> {
    if FACTS.iter().any(|(f, _)| *f == fact) {
        return Ok(());
    }
    if let Some(key) = fact.strip_prefix("declarations.") {
        let keys = crate::decl::Declarations::top_level_keys();
        if keys.contains(&key) && key != "version" {
            return Ok(());
        }
        return Err(format!(
            "requires: `{fact}` is not a fact: `{key}` is not a piaudit.yaml key; known keys: {}",
            keys.iter()
                .filter(|k| **k != "version")
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Err(format!(
        "requires: `{fact}` is not a fact; known: {}, declarations.<piaudit.yaml key> (see docs/assertion-evidence.md)",
        FACTS.iter().map(|(f, _)| *f).collect::<Vec<_>>().join(", ")
    ))
}

/// The facts that hold for one evaluation.
pub fn present(s: &Subjects<'_>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(d) = s.decl {
        out.insert("declarations".to_string());
        for k in &d.written_keys {
            out.insert(format!("declarations.{k}"));
        }
    }
    if !s.datasets.is_empty() {
        out.insert("schema".to_string());
    }
    let java = |f: &str| f.ends_with(".java");
    if s.datasets.iter().any(|d| java(&d.location.file))
        || s.controls.iter().any(|c| java(&c.location.file))
        || s.flows.iter().any(|f| java(&f.location.file))
    {
        out.insert("code.java".to_string());
    }
    if s.datasets
        .iter()
        .any(|d| d.location.file.starts_with(crate::db::SOURCE_PREFIX))
    {
        out.insert("live_db".to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_facts_and_declaration_keys_pass_others_name_the_list() {
        assert!(check("declarations").is_ok());
        assert!(check("declarations.incident").is_ok());
        assert!(check("code.java").is_ok());
        let e = check("declarations.incident_plan").unwrap_err();
        assert!(e.contains("incident_plan") && e.contains("incident"), "{e}");
        let e = check("seed_valuez").unwrap_err();
        assert!(e.contains("schema") && e.contains("live_db"), "{e}");
        assert!(check("declarations.version").is_err());
    }
}
